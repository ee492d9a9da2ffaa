/**
 * What one AWS API call needs authorized, read from the HTTP request an SDK client sends: the IAM action(s), the
 * resource ARN(s) and the condition keys the project's policies use (dynamodb:LeadingKeys, ses:FromAddress,
 * s3:prefix). One call can need several checks (a transaction over several items, a copy reading and writing).
 */
import type { AuthorizationRequest } from './policy.ts';

export type Service = 'dynamodb' | 's3' | 'sqs' | 'ses' | 'cloudformation';

export interface HttpRequestInfo {
  method: string;
  /** path and query, as received */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** the body, for services whose parameters travel in it (not S3 object uploads) */
  body?: Buffer;
}

/** How local resources are named, so request ARNs equal the ARNs in the resolved policies. */
export interface ResourceNaming {
  region: string;
  accountId: string;
  /** table name → its ARN and key schema (partition key of the table and of each index) */
  tables: ReadonlyMap<string, { arn: string; hashKey: string; indexes: ReadonlyMap<string, string> }>;
  /** queue name → ARN */
  queues: ReadonlyMap<string, string>;
  /** SES identities verified locally (addresses or domains); a send is authorized against its From address's identity */
  sesIdentities?: readonly string[];
}

const header = (h: HttpRequestInfo['headers'], name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** The signing service of a SigV4 request (Authorization header or presigned query), e.g. `dynamodb`, `s3`. */
export function signingService(req: HttpRequestInfo): string | undefined {
  const auth = header(req.headers, 'authorization');
  const scope = auth ? /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth)?.[1] : undefined;
  if (scope) return scope;
  const query = new URL(req.url, 'http://local').searchParams.get('X-Amz-Credential');
  return query?.split('/')[3];
}

export function serviceOf(req: HttpRequestInfo): Service | undefined {
  const s = signingService(req);
  if (s === 'dynamodb' || s === 's3' || s === 'sqs' || s === 'cloudformation') return s;
  if (s === 'ses' || s === 'email') return 'ses';
  return undefined;
}

/** Does authorization need the body of this request? (S3 object bodies are streamed through unread.) */
export function needsBody(service: Service, req: Pick<HttpRequestInfo, 'method' | 'url'>): boolean {
  if (service !== 's3') return true;
  return req.method === 'POST' && new URL(req.url, 'http://local').searchParams.has('delete');
}

/** Thrown for a request the extractor cannot understand: it is denied, never waved through. */
export class UnrecognizedRequest extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// DynamoDB (JSON 1.0, X-Amz-Target: DynamoDB_20120810.<Operation>)

type AttributeValue = { S?: string; N?: string; B?: string; [k: string]: unknown };
type Item = Record<string, AttributeValue>;

const scalar = (v: AttributeValue | undefined): string | undefined => (v ? (v.S ?? v.N ?? v.B) : undefined);

function tableOf(naming: ResourceNaming, name: unknown) {
  if (typeof name !== 'string') throw new UnrecognizedRequest('no TableName');
  const table = naming.tables.get(name);
  // An unknown table gets the ARN AWS would give it; the call then fails as it would (no grant, or not found).
  return table ?? { arn: `arn:aws:dynamodb:${naming.region}:${naming.accountId}:table/${name}`, hashKey: '', indexes: new Map<string, string>() };
}

/** The partition key values a Query asks for, from KeyConditionExpression (or legacy KeyConditions). */
function queriedPartitionKeys(params: Record<string, unknown>, hashKey: string): string[] {
  const names = (params.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (params.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
  const out: string[] = [];
  if (typeof params.KeyConditionExpression === 'string') {
    for (const m of params.KeyConditionExpression.matchAll(/(#?[A-Za-z0-9_.-]+)\s*=\s*(:[A-Za-z0-9_]+)/g)) {
      const name = m[1]!.startsWith('#') ? names[m[1]!] : m[1];
      if (name === hashKey) {
        const v = scalar(values[m[2]!]);
        if (v !== undefined) out.push(v);
      }
    }
  }
  const legacy = params.KeyConditions as Record<string, { AttributeValueList?: AttributeValue[] }> | undefined;
  const cond = legacy?.[hashKey]?.AttributeValueList?.[0];
  if (cond) out.push(scalar(cond)!);
  return out;
}

function leadingKeys(keys: (string | undefined)[]): Record<string, string[]> {
  return { 'dynamodb:LeadingKeys': [...new Set(keys.filter((k): k is string => k !== undefined))] };
}

function dynamodbRequests(req: HttpRequestInfo, naming: ResourceNaming): AuthorizationRequest[] {
  const target = header(req.headers, 'x-amz-target');
  const op = target?.split('.')[1];
  if (!op) throw new UnrecognizedRequest('DynamoDB request without X-Amz-Target');
  const params = JSON.parse(req.body?.toString('utf8') || '{}') as Record<string, unknown>;
  const action = `dynamodb:${op}`;
  switch (op) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem': {
      const t = tableOf(naming, params.TableName);
      const item = (params.Key ?? params.Item) as Item | undefined;
      return [{ action, resource: t.arn, context: leadingKeys([scalar(item?.[t.hashKey])]) }];
    }
    case 'Query':
    case 'Scan': {
      const t = tableOf(naming, params.TableName);
      const index = typeof params.IndexName === 'string' ? params.IndexName : undefined;
      const resource = index ? `${t.arn}/index/${index}` : t.arn;
      if (op === 'Scan') return [{ action, resource }];
      const hashKey = index ? (t.indexes.get(index) ?? '') : t.hashKey;
      return [{ action, resource, context: leadingKeys(queriedPartitionKeys(params, hashKey)) }];
    }
    case 'BatchGetItem':
      return Object.entries((params.RequestItems ?? {}) as Record<string, { Keys?: Item[] }>).map(([name, r]) => {
        const t = tableOf(naming, name);
        return { action, resource: t.arn, context: leadingKeys((r.Keys ?? []).map((k) => scalar(k[t.hashKey]))) };
      });
    case 'BatchWriteItem':
      return Object.entries((params.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>).map(
        ([name, writes]) => {
          const t = tableOf(naming, name);
          const keys = writes.map((w) => scalar((w.PutRequest?.Item ?? w.DeleteRequest?.Key)?.[t.hashKey]));
          return { action, resource: t.arn, context: leadingKeys(keys) };
        },
      );
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      // A transaction is authorized item by item, as the single-item action it performs.
      const kinds: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
      return ((params.TransactItems ?? []) as Record<string, { TableName: string; Key?: Item; Item?: Item }>[]).flatMap((entry) =>
        Object.entries(entry).map(([kind, p]) => {
          const t = tableOf(naming, p.TableName);
          return { action: `dynamodb:${kinds[kind] ?? kind}`, resource: t.arn, context: leadingKeys([scalar((p.Key ?? p.Item)?.[t.hashKey])]) };
        }),
      );
    }
    case 'ListTables':
    case 'DescribeLimits':
    case 'DescribeEndpoints':
      return [{ action, resource: '*' }];
    default:
      return [{ action, resource: tableOf(naming, params.TableName).arn }];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// S3 (REST, path-style: /bucket/key?subresource)

function s3Requests(req: HttpRequestInfo): AuthorizationRequest[] {
  const url = new URL(req.url, 'http://local');
  const q = url.searchParams;
  const [, bucketPart = '', ...keyParts] = url.pathname.split('/');
  const bucket = decodeURIComponent(bucketPart);
  const key = keyParts.length ? keyParts.map(decodeURIComponent).join('/') : '';
  const m = req.method.toUpperCase();
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const objectArn = `${bucketArn}/${key}`;
  if (!bucket) return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
  if (!key) {
    if (m === 'GET' && q.has('versions')) return [{ action: 's3:ListBucketVersions', resource: bucketArn, context: { 's3:prefix': q.get('prefix') ?? '' } }];
    if (m === 'GET' && q.has('uploads')) return [{ action: 's3:ListBucketMultipartUploads', resource: bucketArn }];
    if (m === 'GET' && q.has('location')) return [{ action: 's3:GetBucketLocation', resource: bucketArn }];
    if (m === 'GET' && q.has('notification')) return [{ action: 's3:GetBucketNotification', resource: bucketArn }];
    if ((m === 'GET' && q.size === 0) || q.has('list-type') || q.has('prefix') || q.has('delimiter') || m === 'HEAD') {
      return [{ action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': q.get('prefix') ?? '' } }];
    }
    if (m === 'POST' && q.has('delete')) {
      const keys = [...(req.body?.toString('utf8') ?? '').matchAll(/<Key>([^<]*)<\/Key>/g)].map((k) => decodeXml(k[1]!));
      return keys.map((k) => ({ action: 's3:DeleteObject', resource: `${bucketArn}/${k}` }));
    }
    if (m === 'PUT' && q.size === 0) return [{ action: 's3:CreateBucket', resource: bucketArn }];
    if (m === 'DELETE' && q.size === 0) return [{ action: 's3:DeleteBucket', resource: bucketArn }];
    const sub = [...q.keys()][0] ?? '';
    return [{ action: `s3:${m === 'GET' ? 'Get' : m === 'DELETE' ? 'Delete' : 'Put'}Bucket${sub.charAt(0).toUpperCase()}${sub.slice(1)}`, resource: bucketArn }];
  }
  if (m === 'GET' || m === 'HEAD') {
    if (q.has('uploadId')) return [{ action: 's3:ListMultipartUploadParts', resource: objectArn }];
    if (q.has('tagging')) return [{ action: q.has('versionId') ? 's3:GetObjectVersionTagging' : 's3:GetObjectTagging', resource: objectArn }];
    if (q.has('acl')) return [{ action: 's3:GetObjectAcl', resource: objectArn }];
    return [{ action: q.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject', resource: objectArn }];
  }
  if (m === 'PUT' || m === 'POST') {
    if (q.has('tagging')) return [{ action: 's3:PutObjectTagging', resource: objectArn }];
    if (q.has('acl')) return [{ action: 's3:PutObjectAcl', resource: objectArn }];
    const copy = header(req.headers, 'x-amz-copy-source');
    const out: AuthorizationRequest[] = [{ action: 's3:PutObject', resource: objectArn }];
    if (copy) {
      const [source = '', version] = decodeURIComponent(copy.replace(/^\//, '')).split('?versionId=');
      out.push({ action: version ? 's3:GetObjectVersion' : 's3:GetObject', resource: `arn:aws:s3:::${source}` });
    }
    return out;
  }
  if (m === 'DELETE') {
    if (q.has('uploadId')) return [{ action: 's3:AbortMultipartUpload', resource: objectArn }];
    if (q.has('tagging')) return [{ action: 's3:DeleteObjectTagging', resource: objectArn }];
    return [{ action: q.has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject', resource: objectArn }];
  }
  throw new UnrecognizedRequest(`S3 ${m} ${url.pathname}`);
}

const decodeXml = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

// ---------------------------------------------------------------------------------------------------------------
// SQS (JSON 1.0, X-Amz-Target: AmazonSQS.<Operation>; the query protocol is read too)

const SQS_BATCH_ACTIONS: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

function formParams(body: Buffer | undefined): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body?.toString('utf8') ?? ''));
}

function sqsRequests(req: HttpRequestInfo, naming: ResourceNaming): AuthorizationRequest[] {
  const target = header(req.headers, 'x-amz-target');
  let op: string | undefined;
  let params: Record<string, unknown>;
  if (target) {
    op = target.split('.')[1];
    params = JSON.parse(req.body?.toString('utf8') || '{}') as Record<string, unknown>;
  } else {
    params = formParams(req.body);
    op = params.Action as string | undefined;
  }
  if (!op) throw new UnrecognizedRequest('SQS request without an operation');
  const action = `sqs:${SQS_BATCH_ACTIONS[op] ?? op}`;
  if (op === 'ListQueues') return [{ action, resource: '*' }];
  const name =
    typeof params.QueueUrl === 'string'
      ? new URL(params.QueueUrl).pathname.split('/').filter(Boolean).pop()
      : typeof params.QueueName === 'string'
        ? params.QueueName
        : undefined;
  if (!name) throw new UnrecognizedRequest(`SQS ${op} without QueueUrl`);
  const arn = naming.queues.get(name) ?? `arn:aws:sqs:${naming.region}:${naming.accountId}:${name}`;
  return [{ action, resource: arn }];
}

// ---------------------------------------------------------------------------------------------------------------
// SES (v1: query protocol, form body with Action=SendRawEmail; v2: REST POST /v2/email/outbound-emails)

/** The bare address of `"Name" <a@b>` or `a@b`. */
export function bareAddress(value: string): string {
  const angle = /<([^>]+)>/.exec(value);
  return (angle ? angle[1]! : value).trim();
}

function rawFromHeader(raw: Buffer): string | undefined {
  const head = raw.toString('utf8', 0, Math.min(raw.length, 64 * 1024)).split(/\r?\n\r?\n/)[0] ?? '';
  const m = /^From:\s*(.+(?:\r?\n[ \t].+)*)/im.exec(head);
  return m ? bareAddress(m[1]!.replace(/\r?\n[ \t]/g, ' ')) : undefined;
}

function sesSendRequests(action: string, from: string | undefined, configurationSet: string | undefined, naming: ResourceNaming): AuthorizationRequest[] {
  if (!from) throw new UnrecognizedRequest(`${action} without a From address`);
  const address = bareAddress(from);
  const domain = address.split('@')[1] ?? address;
  const identities = naming.sesIdentities ?? [];
  const identity = identities.some((i) => i.toLowerCase() === address.toLowerCase()) ? address : domain;
  const prefix = `arn:aws:ses:${naming.region}:${naming.accountId}`;
  const context = { 'ses:FromAddress': address };
  const out: AuthorizationRequest[] = [{ action, resource: `${prefix}:identity/${identity}`, context }];
  if (configurationSet) out.push({ action, resource: `${prefix}:configuration-set/${configurationSet}`, context });
  return out;
}

function sesRequests(req: HttpRequestInfo, naming: ResourceNaming): AuthorizationRequest[] {
  const url = new URL(req.url, 'http://local');
  if (url.pathname.startsWith('/v2/')) {
    if (req.method === 'POST' && url.pathname === '/v2/email/outbound-emails') {
      const p = JSON.parse(req.body?.toString('utf8') || '{}') as { FromEmailAddress?: string; ConfigurationSetName?: string; Content?: { Raw?: { Data?: string } } };
      const from = p.FromEmailAddress ?? (p.Content?.Raw?.Data ? rawFromHeader(Buffer.from(p.Content.Raw.Data, 'base64')) : undefined);
      return sesSendRequests('ses:SendEmail', from, p.ConfigurationSetName, naming);
    }
    throw new UnrecognizedRequest(`SES v2 ${req.method} ${url.pathname}`);
  }
  const params = formParams(req.body);
  const op = params.Action;
  if (!op) throw new UnrecognizedRequest('SES request without Action');
  if (op === 'SendEmail' || op === 'SendRawEmail' || op === 'SendTemplatedEmail' || op === 'SendBulkTemplatedEmail') {
    const raw = params['RawMessage.Data'];
    const from = params.Source ?? (raw ? rawFromHeader(Buffer.from(raw, 'base64')) : undefined);
    return sesSendRequests(`ses:${op}`, from, params.ConfigurationSetName, naming);
  }
  return [{ action: `ses:${op}`, resource: '*' }];
}

function cloudformationRequests(req: HttpRequestInfo, naming: ResourceNaming): AuthorizationRequest[] {
  const params = formParams(req.body);
  const op = params.Action;
  if (!op) throw new UnrecognizedRequest('CloudFormation request without Action');
  const stack = params.StackName;
  return [{ action: `cloudformation:${op}`, resource: stack ? `arn:aws:cloudformation:${naming.region}:${naming.accountId}:stack/${stack}/*` : '*' }];
}

/** The authorization checks of one API call. Throws UnrecognizedRequest when it cannot tell. */
export function authorizationRequests(service: Service, req: HttpRequestInfo, naming: ResourceNaming): AuthorizationRequest[] {
  switch (service) {
    case 'dynamodb':
      return dynamodbRequests(req, naming);
    case 's3':
      return s3Requests(req);
    case 'sqs':
      return sqsRequests(req, naming);
    case 'ses':
      return sesRequests(req, naming);
    case 'cloudformation':
      return cloudformationRequests(req, naming);
  }
}
