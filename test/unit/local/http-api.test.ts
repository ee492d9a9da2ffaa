import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp, LocalFunction } from '../../../local/app.ts';
import { startLocalHttpApi, type LocalHttpApi } from '../../../local/http-api.ts';
import type { NamedTemplate } from '../../../local/provision.ts';

/**
 * The HTTP API emulator's translation between HTTP and Lambda payload 2.0, with a function that answers what the
 * event of each request was (the JWT authorizer and the real Lambda runner: test/integration/console-auth.test.ts).
 */
const api = (id: string) => ({ ApiId: { Ref: id } });
const integration = (fn: string) => ({ Type: 'AWS::ApiGatewayV2::Integration', Properties: { ...api('Api'), IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0', IntegrationUri: { 'Fn::GetAtt': [fn, 'Arn'] } } });
const route = (key: string, target: string) => ({ Type: 'AWS::ApiGatewayV2::Route', Properties: { ...api('Api'), RouteKey: key, Target: { 'Fn::Join': ['', ['integrations/', { Ref: target }]] } } });
const templates: NamedTemplate[] = [
  {
    stackName: 'Test',
    template: {
      Resources: {
        Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'Api', ProtocolType: 'HTTP' } },
        Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ...api('Api'), StageName: '$default', AutoDeploy: true } },
        EchoIntegration: integration('Echo'),
        ShapeIntegration: integration('Shape'),
        ProxyRoute: route('ANY /items/{proxy+}', 'EchoIntegration'),
        ItemRoute: route('GET /items/{id}', 'EchoIntegration'),
        ExactRoute: route('GET /items/special', 'EchoIntegration'),
        ShapeRoute: route('POST /shape/{kind}', 'ShapeIntegration'),
      },
    },
  },
];

type Event = Record<string, any>;
const fakeFunction = (logicalId: string, answer: (event: Event) => unknown): LocalFunction =>
  ({ logicalId, runtime: {}, invoke: async (event: unknown) => answer(event as Event) }) as unknown as LocalFunction;

const fakeApp = {
  templates,
  aws: { accountId: '000000000000' },
  resources: { find: () => ({ name: 'Api-abc123' }), resolve: (v: unknown) => v },
  functions: [
    fakeFunction('Echo', (event) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) })),
    fakeFunction('Shape', (event) => {
      switch (event.pathParameters.kind) {
        case 'bare':
          return { ok: true };
        case 'binary':
          return { statusCode: 201, headers: { 'content-type': 'application/octet-stream' }, cookies: ['a=1; Path=/', 'b=2'], body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true };
        default:
          throw new Error('handler failed');
      }
    }),
  ],
} as unknown as LocalApp;

describe('local HTTP API (payload 2.0)', () => {
  let server: LocalHttpApi;
  beforeAll(async () => {
    server = await startLocalHttpApi(fakeApp, { api: 'Api' });
  });
  afterAll(() => server.stop());

  const echo = async (path: string, init: RequestInit = {}): Promise<Event> => {
    const res = await fetch(`${server.url}${path}`, init);
    expect(res.status).toBe(200);
    return (await res.json()) as Event;
  };

  it('listens on 127.0.0.1 and lists the template\'s routes', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.routes.map((r) => r.routeKey).sort()).toEqual(['ANY /items/{proxy+}', 'GET /items/special', 'GET /items/{id}', 'POST /shape/{kind}']);
  });

  it('chooses the most specific route: exact, then {param}, then {param+}; a method, then ANY', async () => {
    expect((await echo('/items/special')).routeKey).toBe('GET /items/special');
    expect(await echo('/items/42')).toMatchObject({ routeKey: 'GET /items/{id}', pathParameters: { id: '42' } });
    expect(await echo('/items/42', { method: 'DELETE' })).toMatchObject({ routeKey: 'ANY /items/{proxy+}', pathParameters: { proxy: '42' } });
    expect(await echo('/items/a/b%20c')).toMatchObject({ routeKey: 'ANY /items/{proxy+}', pathParameters: { proxy: 'a/b c' } });
    for (const path of ['/items', '/other', '/shape/x/y']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('builds the event as API Gateway does: raw path and query, lower-case headers, cookies apart, text body as is', async () => {
    const event = await echo('/items/7?b=2&a=1&a=3', {
      method: 'PUT',
      headers: { 'X-Custom': 'Value', Cookie: 'sid=abc; theme=dark', 'content-type': 'application/json' },
      body: '{"n":1}',
    });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'ANY /items/{proxy+}',
      rawPath: '/items/7',
      rawQueryString: 'b=2&a=1&a=3',
      queryStringParameters: { a: '1,3', b: '2' },
      cookies: ['sid=abc', 'theme=dark'],
      body: '{"n":1}',
      isBase64Encoded: false,
      requestContext: { accountId: '000000000000', apiId: 'Api-abc123', stage: '$default', routeKey: 'ANY /items/{proxy+}', http: { method: 'PUT', path: '/items/7', sourceIp: '127.0.0.1' } },
    });
    expect(event.headers['x-custom']).toBe('Value');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  it('base64-encodes a binary body', async () => {
    const event = await echo('/items/7', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([0, 1, 2, 255]) });
    expect(event).toMatchObject({ body: 'AAEC/w==', isBase64Encoded: true });
  });

  it('writes back status, headers, cookies and a base64 body; a bare result as a 200 JSON body; a failure as 500', async () => {
    const binary = await fetch(`${server.url}/shape/binary`, { method: 'POST' });
    expect(binary.status).toBe(201);
    expect(binary.headers.get('content-type')).toBe('application/octet-stream');
    expect(binary.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
    expect([...new Uint8Array(await binary.arrayBuffer())]).toEqual([0, 1, 2, 255]);
    const bare = await fetch(`${server.url}/shape/bare`, { method: 'POST' });
    expect(bare.status).toBe(200);
    expect(bare.headers.get('content-type')).toBe('application/json');
    expect(await bare.json()).toEqual({ ok: true });
    const failed = await fetch(`${server.url}/shape/boom`, { method: 'POST' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
  });
});
