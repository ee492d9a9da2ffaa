/**
 * A small CloudFormation API emulator for the local stack: it answers `DescribeStacks` with the synthesized stacks
 * and their Outputs resolved to the local resources, so the CLI's deployed-stack path (`kam <command> --stack Kam`,
 * cli/target.ts) runs unchanged against the local servers through `AWS_ENDPOINT_URL_CLOUDFORMATION`.
 *
 * Protocol: awsQuery, as @aws-sdk/client-cloudformation speaks it: a form-encoded POST (`Action=DescribeStacks&
 * Version=2010-05-15&StackName=…`) answered with XML (`DescribeStacksResponse/DescribeStacksResult/Stacks/member`);
 * errors are `ErrorResponse/Error/{Type,Code,Message}` with HTTP 400. Requests are not signature-checked. Every other
 * action is answered with `InvalidAction`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProvisionedResources } from './provision.ts';

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const MAX_BODY = 1 << 20;

export interface LocalStackOutput {
  OutputKey: string;
  OutputValue: string;
  Description?: string;
  ExportName?: string;
}

export interface LocalStackDefinition {
  stackName: string;
  /** The template's Description. */
  description?: string;
  outputs: LocalStackOutput[];
}

export interface LocalCloudFormationOptions {
  stacks: readonly LocalStackDefinition[];
  region?: string;
  accountId?: string;
  log?: (msg: string) => void;
}

export interface LocalCloudFormation {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_CLOUDFORMATION */
  readonly url: string;
  /** The stacks as DescribeStacks reports them (StackId, CreationTime filled in). */
  readonly stacks: readonly DescribedStack[];
  stop(): Promise<void>;
}

export interface DescribedStack extends LocalStackDefinition {
  stackId: string;
  creationTime: Date;
}

/**
 * The stacks of a provisioning run as CloudFormation would describe them after a deployment: each template's
 * Outputs with their locally resolved values (outputs that cannot be resolved locally are left out, as provisioning
 * reports), descriptions and export names.
 */
export function stacksFromProvisioned(resources: Pick<ProvisionedResources, 'stacks' | 'outputs' | 'resolve'>): LocalStackDefinition[] {
  return resources.stacks.map(({ stackName, template }) => {
    const values = resources.outputs[stackName] ?? {};
    const outputs: LocalStackOutput[] = [];
    for (const [key, output] of Object.entries(template.Outputs ?? {})) {
      const value = values[key];
      if (value === undefined) continue;
      const out: LocalStackOutput = { OutputKey: key, OutputValue: value };
      if (typeof output.Description === 'string') out.Description = output.Description;
      if (output.Export) {
        const name = resources.resolve(output.Export.Name, stackName);
        if (typeof name === 'string') out.ExportName = name;
      }
      outputs.push(out);
    }
    const description = template.Description;
    return { stackName, ...(typeof description === 'string' ? { description } : {}), outputs };
  });
}

/** Starts the emulator on 127.0.0.1 (a port chosen by the OS). */
export async function startLocalCloudFormation(options: LocalCloudFormationOptions): Promise<LocalCloudFormation> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const log = options.log ?? (() => undefined);
  const creationTime = new Date();
  const stacks: DescribedStack[] = options.stacks.map((s) => ({
    ...s,
    outputs: s.outputs.map((o) => ({ ...o })),
    // stable per stack name, shaped like CloudFormation's stack ids
    stackId: `arn:aws:cloudformation:${region}:${accountId}:stack/${s.stackName}/${uuidOf(`${accountId}/${region}/${s.stackName}`)}`,
    creationTime,
  }));
  const names = new Set<string>();
  for (const s of stacks) {
    if (names.has(s.stackName)) throw new Error(`local CloudFormation: two stacks are named ${s.stackName}`);
    names.add(s.stackName);
  }

  const handle = (params: URLSearchParams, res: ServerResponse, requestId: string): void => {
    const action = params.get('Action');
    if (!action) return sendError(res, requestId, 'MissingAction', 'The request must contain the parameter Action');
    if (action !== 'DescribeStacks') {
      return sendError(res, requestId, 'InvalidAction', `The action ${action} is not supported by the local CloudFormation emulator (only DescribeStacks)`);
    }
    const wanted = params.get('StackName');
    let selected = stacks;
    if (wanted) {
      const found = stacks.find((s) => s.stackName === wanted || s.stackId === wanted);
      if (!found) return sendError(res, requestId, 'ValidationError', `Stack with id ${wanted} does not exist`);
      selected = [found];
    }
    log(`cloudformation: DescribeStacks ${wanted ?? '(all)'} → ${selected.length} stack(s)`);
    send(res, 200, requestId, describeStacksXml(selected, requestId));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      const requestId = randomUUID();
      try {
        if (size > MAX_BODY) return sendError(res, requestId, 'ValidationError', 'Request body too large');
        if (req.method !== 'POST' && req.method !== 'GET') return sendError(res, requestId, 'InvalidAction', `HTTP ${req.method} is not supported`);
        // awsQuery: the parameters are the form body of a POST, or the query string of a GET
        const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
        const params = req.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString('utf8')) : query;
        handle(params, res, requestId);
      } catch (err) {
        log(`cloudformation: ${String(err)}`);
        send(res, 500, requestId, errorXml('Receiver', 'InternalFailure', String(err), requestId));
      }
    });
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  log(`cloudformation: listening on ${url} with ${stacks.map((s) => `${s.stackName} (${s.outputs.length} outputs)`).join(', ')}`);
  let stopped: Promise<void> | undefined;
  return {
    url,
    stacks,
    stop: () =>
      (stopped ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// XML

/** Escapes text for XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' })[c]!);
}

const element = (name: string, value: string | undefined): string => (value === undefined ? '' : `<${name}>${escapeXml(value)}</${name}>`);

function describeStacksXml(stacks: readonly DescribedStack[], requestId: string): string {
  const members = stacks.map((s) => {
    const outputs = s.outputs
      .map((o) => `<member>${element('OutputKey', o.OutputKey)}${element('OutputValue', o.OutputValue)}${element('Description', o.Description)}${element('ExportName', o.ExportName)}</member>`)
      .join('');
    return (
      '<member>' +
      element('StackId', s.stackId) +
      element('StackName', s.stackName) +
      element('Description', s.description) +
      '<Parameters/>' +
      element('CreationTime', s.creationTime.toISOString()) +
      element('StackStatus', 'CREATE_COMPLETE') +
      element('DisableRollback', 'false') +
      '<NotificationARNs/>' +
      '<Capabilities/>' +
      `<Outputs>${outputs}</Outputs>` +
      '<Tags/>' +
      element('EnableTerminationProtection', 'false') +
      `<DriftInformation>${element('StackDriftStatus', 'NOT_CHECKED')}</DriftInformation>` +
      '</member>'
    );
  });
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeStacksResponse xmlns="${XMLNS}">` +
    `<DescribeStacksResult><Stacks>${members.join('')}</Stacks></DescribeStacksResult>` +
    `<ResponseMetadata>${element('RequestId', requestId)}</ResponseMetadata>` +
    '</DescribeStacksResponse>'
  );
}

function errorXml(type: 'Sender' | 'Receiver', code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${XMLNS}">` +
    `<Error>${element('Type', type)}${element('Code', code)}${element('Message', message)}</Error>` +
    element('RequestId', requestId) +
    '</ErrorResponse>'
  );
}

function send(res: ServerResponse, status: number, requestId: string, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, requestId: string, code: string, message: string): void {
  send(res, 400, requestId, errorXml('Sender', code, message, requestId));
}

function uuidOf(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
