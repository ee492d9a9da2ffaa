/**
 * The local API Gateway HTTP API: serves the routes of an AWS::ApiGatewayV2::Api of the synthesized templates on
 * 127.0.0.1, as API Gateway does for its `$default` stage with payload format 2.0 Lambda proxy integrations:
 * - the route is chosen as API Gateway chooses it: the most specific `METHOD /path` (`{param}` one segment,
 *   `{param+}` the rest), `ANY` for every method, then `$default`; none → 404 `{"message":"Not Found"}`;
 * - a route with a JWT authorizer needs a valid token in its identity source (the Authorization header, a `Bearer `
 *   prefix removed): issuer and audience from the authorizer's JwtConfiguration, resolved to the local pool, checked
 *   by the console's own `tokenVerifier` (functions/console/auth.ts); else 401 `{"message":"Unauthorized"}` and the
 *   function is not called. Unlike API Gateway, which also accepts access tokens, that verifier wants ID tokens;
 * - the event is payload 2.0: rawPath, rawQueryString, headers lower-cased (repeated ones joined by commas), cookies
 *   apart, queryStringParameters, pathParameters, the body (base64 when not text), requestContext with http.method,
 *   path, sourceIp, routeKey, stage `$default`, requestId, and authorizer.jwt.claims as API Gateway passes them (every
 *   value a string, arrays as `[a b]`);
 * - the function runs through the local Lambda runner (`LocalFunction.invoke`, in its own process, with IAM enforced),
 *   and its result is written back: statusCode, headers, cookies (one Set-Cookie each), body (decoded when
 *   isBase64Encoded); a result without statusCode is a 200 JSON body; a failed invocation is 500
 *   `{"message":"Internal Server Error"}`.
 * Not emulated: throttling, custom domains, stages other than `$default`, authorizer scopes, CORS.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tokenVerifier, type TokenVerifier } from '../functions/console/auth.ts';
import type { LocalApp, LocalFunction } from './app.ts';
import type { CfnResource, NamedTemplate } from './provision.ts';
import { trustLoopbackCertificate } from './servers.ts';

/** API Gateway's request payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface LocalHttpApiOptions {
  /** 0 (default) = chosen by the OS. */
  port?: number;
  /** Logical id (or its prefix, as CDK appends a hash) of the AWS::ApiGatewayV2::Api; default `ConsoleHttpApi`. */
  api?: string;
  /** One access-log line per request (request id, route, status, latency; no tokens, no claims). */
  log?: (msg: string) => void;
}

export interface LocalHttpApi {
  /** `http://127.0.0.1:<port>`: the `$default` stage's base URL (routes start at `/`). */
  url: string;
  routes: { routeKey: string; functionLogicalId: string; authorization: 'NONE' | 'JWT' }[];
  stop(): Promise<void>;
}

interface JwtAuthorizer {
  verifiers: TokenVerifier[];
  identityHeader: string;
}

interface Route {
  routeKey: string;
  method: string; // 'ANY' or a method; '' for $default
  segments: string[]; // path segments of the route key
  fn: LocalFunction;
  authorizer?: JwtAuthorizer;
}

/** Starts the HTTP API of `app`'s templates on 127.0.0.1 in front of its (already running) functions. */
export async function startLocalHttpApi(app: LocalApp, opts: LocalHttpApiOptions = {}): Promise<LocalHttpApi> {
  const { stackName, apiId, resources } = findApi(app.templates, opts.api ?? 'ConsoleHttpApi');
  const apiName = app.resources.find(apiId, { type: 'AWS::ApiGatewayV2::Api', stackName }).name;
  const ofApi = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type && refOf(r.Properties?.ApiId) === apiId);

  const stages = ofApi('AWS::ApiGatewayV2::Stage').map(([, r]) => r.Properties?.StageName);
  if (!stages.includes('$default')) throw new Error(`${apiId}: only a $default stage is served locally (stages: ${stages.join(', ') || 'none'})`);

  // The local issuer is HTTPS with the loopback certificate; this process verifies tokens itself.
  trustLoopbackCertificate();
  const authorizers = new Map<string, JwtAuthorizer>();
  for (const [id, r] of ofApi('AWS::ApiGatewayV2::Authorizer')) {
    if (r.Properties?.AuthorizerType !== 'JWT') throw new Error(`${id}: only JWT authorizers are emulated`);
    const config = app.resources.resolve(r.Properties.JwtConfiguration, stackName) as { Issuer: string; Audience: string[] };
    const source = (r.Properties.IdentitySource as string[] | undefined)?.[0] ?? '$request.header.Authorization';
    const header = /^\$request\.header\.(.+)$/.exec(source)?.[1];
    if (!header) throw new Error(`${id}: identity source ${source} is not emulated (only $request.header.*)`);
    authorizers.set(id, { verifiers: config.Audience.map((audience) => tokenVerifier(config.Issuer, audience)), identityHeader: header.toLowerCase() });
  }

  const routes: Route[] = ofApi('AWS::ApiGatewayV2::Route').map(([id, r]) => {
    const routeKey = String(r.Properties?.RouteKey);
    const integrationId = refOf(r.Properties?.Target);
    const integration = integrationId ? resources[integrationId] : undefined;
    if (!integration || integration.Type !== 'AWS::ApiGatewayV2::Integration') throw new Error(`${id}: its Target names no integration of ${apiId}`);
    const ip = integration.Properties ?? {};
    if (ip.IntegrationType !== 'AWS_PROXY' || String(ip.PayloadFormatVersion) !== '2.0') throw new Error(`${integrationId}: only AWS_PROXY integrations with payload format 2.0 are emulated`);
    const fnId = getAttOf(ip.IntegrationUri, 'Arn');
    const fn = app.functions.find((f) => f.logicalId === fnId);
    if (!fn?.runtime) throw new Error(`${id}: its function ${String(fnId)} is not running on the local stack`);
    const authorization = r.Properties?.AuthorizationType ?? 'NONE';
    let authorizer: JwtAuthorizer | undefined;
    if (authorization === 'JWT') {
      authorizer = authorizers.get(refOf(r.Properties?.AuthorizerId) ?? '');
      if (!authorizer) throw new Error(`${id}: its JWT authorizer is not in the template`);
    } else if (authorization !== 'NONE') throw new Error(`${id}: authorization type ${String(authorization)} is not emulated`);
    if (routeKey === '$default') return { routeKey, method: '', segments: [], fn, ...(authorizer ? { authorizer } : {}) };
    const [method, path] = routeKey.split(' ') as [string, string];
    return { routeKey, method, segments: path.split('/').filter(Boolean), fn, ...(authorizer ? { authorizer } : {}) };
  });
  if (routes.length === 0) throw new Error(`${apiId} has no routes`);

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.log?.(`http-api: ${String(err)}`);
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const done = (status: number, routeKey: string) =>
      opts.log?.(`http-api: ${JSON.stringify({ requestId, routeKey, status, latencyMs: Date.now() - started })}`);

    const match = matchRoute(routes, method, url.pathname);
    if (!match) {
      send(res, 404, { message: 'Not Found' });
      return done(404, '-');
    }
    const { route, pathParameters } = match;
    const body = await readBody(req);
    if (body === undefined) {
      send(res, 413, { message: 'Request Entity Too Large' });
      return done(413, route.routeKey);
    }

    let claims: Record<string, unknown> | undefined;
    if (route.authorizer) {
      claims = await authorize(route.authorizer, req.headers[route.authorizer.identityHeader]);
      if (!claims) {
        send(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
        return done(401, route.routeKey);
      }
    }

    const event = buildEvent({ req, url, method, body, route, pathParameters, requestId, apiName, accountId: app.aws.accountId, claims });
    let result: unknown;
    try {
      result = await route.fn.invoke(event);
    } catch (err) {
      opts.log?.(`http-api: ${route.fn.logicalId} failed: ${String(err)}`);
      send(res, 500, { message: 'Internal Server Error' });
      return done(500, route.routeKey);
    }
    const status = writeResult(res, result, requestId);
    done(status, route.routeKey);
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}`,
    routes: routes.map((r) => ({ routeKey: r.routeKey, functionLogicalId: r.fn.logicalId, authorization: r.authorizer ? 'JWT' : 'NONE' })),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        if (stopped) return resolve();
        stopped = true;
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function findApi(templates: readonly NamedTemplate[], logicalId: string): { stackName: string; apiId: string; resources: Record<string, CfnResource> } {
  const found = templates.flatMap((t) =>
    Object.entries(t.template.Resources ?? {})
      .filter(([id, r]) => r.Type === 'AWS::ApiGatewayV2::Api' && (id === logicalId || id.startsWith(logicalId)))
      .map(([id]) => ({ stackName: t.stackName, apiId: id, resources: t.template.Resources! })),
  );
  if (found.length !== 1) throw new Error(`expected one AWS::ApiGatewayV2::Api ${logicalId} in the templates, found ${found.length}`);
  return found[0]!;
}

/** The logical id of the first `Ref` in a value (`{"Ref": X}`, or inside `Fn::Join` as in `integrations/<Ref>`). */
function refOf(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.map(refOf).find((v) => v !== undefined);
  if (!value || typeof value !== 'object') return undefined;
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === 'string') return node.Ref;
  return Object.values(node).map(refOf).find((v) => v !== undefined);
}

function getAttOf(value: unknown, attribute: string): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  return getAtt && getAtt[1] === attribute ? getAtt[0] : undefined;
}

/** API Gateway's choice: exact segments beat `{param}`, which beats `{param+}`; a method beats ANY; `$default` last. */
function matchRoute(routes: readonly Route[], method: string, path: string): { route: Route; pathParameters: Record<string, string> } | undefined {
  const parts = path.split('/').filter(Boolean);
  let best: { route: Route; pathParameters: Record<string, string>; score: number[] } | undefined;
  for (const route of routes) {
    if (route.routeKey === '$default') continue;
    if (route.method !== 'ANY' && route.method !== method) continue;
    const params: Record<string, string> = {};
    const score: number[] = [];
    let ok = true;
    for (let i = 0; i < route.segments.length && ok; i++) {
      const seg = route.segments[i]!;
      const greedy = /^\{(.+)\+\}$/.exec(seg);
      const single = /^\{(.+)\}$/.exec(seg);
      if (greedy) {
        // A greedy parameter takes at least one segment, and must be last.
        if (i >= parts.length) ok = false;
        else params[greedy[1]!] = parts.slice(i).map(decodeURIComponent).join('/');
        score.push(0);
        break;
      }
      if (i >= parts.length) ok = false;
      else if (single) {
        params[single[1]!] = decodeURIComponent(parts[i]!);
        score.push(1);
      } else if (seg === parts[i]) score.push(2);
      else ok = false;
    }
    const greedyLast = /^\{.+\+\}$/.test(route.segments.at(-1) ?? '');
    if (!ok || (!greedyLast && route.segments.length !== parts.length)) continue;
    score.push(route.method === 'ANY' ? 0 : 1);
    if (!best || compare(score, best.score) > 0) best = { route, pathParameters: params, score };
  }
  if (best) return { route: best.route, pathParameters: best.pathParameters };
  const fallback = routes.find((r) => r.routeKey === '$default');
  return fallback ? { route: fallback, pathParameters: {} } : undefined;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

async function authorize(authorizer: JwtAuthorizer, header: string | string[] | undefined): Promise<Record<string, unknown> | undefined> {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  const token = value.replace(/^Bearer\s+/i, '');
  for (const verify of authorizer.verifiers) {
    try {
      return await verify(token);
    } catch {
      // next audience, or unauthorized
    }
  }
  return undefined;
}

/** The body, or undefined past API Gateway's 10 MB limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

interface EventInput {
  req: IncomingMessage;
  url: URL;
  method: string;
  body: Buffer;
  route: Route;
  pathParameters: Record<string, string>;
  requestId: string;
  apiName: string;
  accountId: string;
  claims: Record<string, unknown> | undefined;
}

function buildEvent(input: EventInput): Record<string, unknown> {
  const { req, url, method, body, route, pathParameters, requestId, apiName, accountId, claims } = input;
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies = cookies.concat(value.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const rawQueryString = url.search.replace(/^\?/, '');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = new Date();
  const host = headers.host ?? '127.0.0.1';
  const text = TEXT_TYPES.test(headers['content-type'] ?? '');
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId,
      apiId: apiName,
      ...(claims ? { authorizer: { jwt: { claims: gatewayClaims(claims), scopes: typeof claims.scope === 'string' ? claims.scope.split(' ') : null } } } : {}),
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: { method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: gatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

/** API Gateway hands JWT claims to the function as strings; arrays as `[a b]`. */
function gatewayClaims(claims: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' ? JSON.stringify(v) : String(v)]));
}

/** `30/Nov/2026:02:30:00 +0000`, API Gateway's requestContext.time. */
function gatewayTime(d: Date): string {
  const month = d.toLocaleString('en', { month: 'short', timeZone: 'UTC' });
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Writes a payload 2.0 Lambda result as API Gateway does; returns the status code. */
function writeResult(res: ServerResponse, result: unknown, requestId: string): number {
  res.setHeader('apigw-requestid', requestId);
  const shaped = result !== null && typeof result === 'object' && 'statusCode' in result;
  if (!shaped) {
    // No statusCode: API Gateway takes the whole result as a JSON body.
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return 200;
  }
  const r = result as { statusCode: number; headers?: Record<string, unknown>; cookies?: string[]; body?: string; isBase64Encoded?: boolean };
  for (const [name, value] of Object.entries(r.headers ?? {})) res.setHeader(name, String(value));
  if (r.cookies?.length) res.setHeader('set-cookie', r.cookies);
  const body = r.body === undefined ? Buffer.alloc(0) : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
  res.writeHead(Number(r.statusCode)).end(body);
  return Number(r.statusCode);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
