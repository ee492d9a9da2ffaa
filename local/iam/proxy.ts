/**
 * An IAM-enforcing front door to the local AWS servers, one per function: the function's SDK clients reach every
 * service through it (AWS_ENDPOINT_URL_<SERVICE>), it tells the service by the request's SigV4 scope, checks the call
 * against the function's role policies and either forwards it unchanged (Host header and signature intact) or
 * answers with the service's own AccessDenied error, as AWS would.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { evaluateAll, type AuthorizationRequest, type Decision, type PolicyDocument } from './policy.ts';
import { authorizationRequests, needsBody, serviceOf, UnrecognizedRequest, type ResourceNaming, type Service } from './requests.ts';

export interface Denial {
  functionName: string;
  service: string;
  action: string;
  resource: string;
  reason: string;
  at: string;
}

export interface IamProxyOptions {
  functionName: string;
  /** arn:aws:iam::<account>:role/<name>: named in the error message, as AWS names the assumed role */
  roleArn: string;
  policies: readonly PolicyDocument[];
  /** where each service really is (base URLs) */
  upstream: Partial<Record<Service, string>>;
  naming: ResourceNaming;
  onDenied?: (denial: Denial) => void;
}

export interface IamProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  readonly denials: readonly Denial[];
  close(): Promise<void>;
}

function deniedMessage(roleArn: string, functionName: string, request: AuthorizationRequest, decision: Decision): string {
  const role = roleArn.split('/').pop();
  const user = `arn:aws:sts::${roleArn.split(':')[4]}:assumed-role/${role}/${functionName}`;
  const why =
    decision.kind === 'explicit-deny'
      ? `with an explicit deny in an identity-based policy (${decision.statement})`
      : `because no identity-based policy allows the ${request.action} action`;
  return `User: ${user} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The error each service returns for a denied call, in its protocol, so the SDK raises its usual exception. */
function sendDenied(service: Service | undefined, req: IncomingMessage, res: ServerResponse, message: string): void {
  const requestId = `local-iam-${Date.now().toString(36)}`;
  const json = (status: number, type: string, body: object, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': requestId, ...extra });
    res.end(JSON.stringify(body));
  };
  const xmlBody = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  switch (service) {
    case 'dynamodb':
    case 'sqs':
      return json(400, 'application/x-amz-json-1.0', { __type: 'com.amazon.coral.service#AccessDeniedException', message });
    case 's3':
      return xmlBody(403, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${xml(message)}</Message><RequestId>${requestId}</RequestId></Error>`);
    case 'ses':
      if ((req.url ?? '').startsWith('/v2/')) {
        return json(403, 'application/json', { message }, { 'x-amzn-errortype': 'AccessDeniedException' });
      }
      return xmlBody(
        403,
        `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${xml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    case 'cloudformation':
      return xmlBody(
        403,
        `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${xml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    default:
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(message);
  }
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

export async function startIamProxy(options: IamProxyOptions): Promise<IamProxy> {
  const denials: Denial[] = [];
  const deny = (service: Service | undefined, req: IncomingMessage, res: ServerResponse, request: Omit<AuthorizationRequest, 'context'>, reason: string, message: string) => {
    const denial: Denial = { functionName: options.functionName, service: service ?? 'unknown', action: request.action, resource: request.resource, reason, at: new Date().toISOString() };
    denials.push(denial);
    options.onDenied?.(denial);
    sendDenied(service, req, res, message);
  };

  const forward = (service: Service, req: IncomingMessage, res: ServerResponse, body: Buffer | undefined) => {
    const base = options.upstream[service];
    if (!base) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`local IAM proxy: no ${service} server`);
      return;
    }
    const target = new URL(base);
    const up = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    // A connection the server dropped is dropped for the client too: answering instead would turn "did it happen?"
    // into a clear failure the caller may safely retry.
    up.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    if (body) up.end(body);
    else req.pipe(up);
  };

  const server = createServer((req, res) => {
    const info = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    const service = serviceOf(info);
    if (!service) {
      deny(undefined, req, res, { action: 'unknown', resource: req.url ?? '/' }, 'unsigned or unknown service', 'local IAM proxy: the request is not signed for a known service');
      return;
    }
    const decide = (body: Buffer | undefined) => {
      let requests: AuthorizationRequest[];
      try {
        requests = authorizationRequests(service, { ...info, ...(body ? { body } : {}) }, options.naming);
      } catch (err) {
        const reason = err instanceof UnrecognizedRequest ? err.message : `unreadable request: ${(err as Error).message}`;
        deny(service, req, res, { action: `${service}:?`, resource: req.url ?? '/' }, reason, `local IAM proxy cannot authorize this ${service} request (${reason})`);
        return;
      }
      const verdict = evaluateAll(options.policies, requests);
      if (!verdict.allowed) {
        deny(service, req, res, verdict.request, verdict.decision.kind, deniedMessage(options.roleArn, options.functionName, verdict.request, verdict.decision));
        return;
      }
      forward(service, req, res, body);
    };
    if (needsBody(service, info)) readBody(req).then(decide, () => res.destroy());
    else decide(undefined);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    denials,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
