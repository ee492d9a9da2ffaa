import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListGroupsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApp, type LocalApp } from '../../local/app.ts';
import { consolePool, createConsoleUsers, localPassword, signIn, type LocalConsolePool } from '../../local/console-users.ts';
import { startLocalHttpApi, type LocalHttpApi } from '../../local/http-api.ts';
import { provisionFromTemplates } from '../../local/provision.ts';

/**
 * The console's sign-in on the local stack, end to end through HTTP: the user pool provisioned from the stateful
 * template in cognito-local, users created as an administrator would, ID tokens from USER_PASSWORD_AUTH, the HTTP API
 * of the stateless template (its JWT authorizer) in front of ConsoleApi running in the local Lambda runner.
 */
describe('console sign-in and the HTTP API on the local stack', () => {
  let app: LocalApp;
  let api: LocalHttpApi;
  let pool: LocalConsolePool;
  const accessLog: string[] = [];
  const manager = { email: 'li.manager@utility.example', password: localPassword(), groups: ['managers'] as const };
  const supervisor = { email: 'wang.supervisor@utility.example', password: localPassword(), groups: ['supervisors'] as const, regions: ['north', 'east'] };
  const nobody = { email: 'no.group@utility.example', password: localPassword(), groups: [] as const };

  beforeAll(async () => {
    app = await startLocalApp();
    api = await startLocalHttpApi(app, { log: (line) => accessLog.push(line) });
    pool = consolePool(app);
    await createConsoleUsers(pool, [manager, supervisor, nobody]);
  });
  afterAll(async () => {
    await api?.stop();
    await app?.stop();
  });

  const me = (authorization?: string) => fetch(`${api.url}/api/me`, authorization ? { headers: { authorization } } : {});

  it('resolves ConsoleApi\'s issuer to the local pool, whose tokens carry that iss and whose JWKS is under it', async () => {
    const fn = app.functions.find((f) => f.logicalId === 'ConsoleApi')!;
    expect(pool.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/local_\w+$/);
    expect(fn.environment.CONSOLE_ISSUER).toBe(pool.issuer);
    expect(fn.environment.CONSOLE_CLIENT_ID).toBe(pool.clientId);
    const token = await signIn(pool, manager.email, manager.password);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: pool.issuer, aud: pool.clientId, token_use: 'id', email: manager.email, 'cognito:groups': ['managers'] });
    // One hour, as the app client's IdTokenValidity says.
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
    expect(api.routes).toEqual([{ routeKey: 'ANY /api/{proxy+}', functionLogicalId: 'ConsoleApi', authorization: 'JWT' }]);
  });

  it('provisions the pool, its groups and its client from the templates, with what cognito-local keeps of them', async () => {
    const cognito = new CognitoIdentityProviderClient({ endpoint: pool.endpoint, region: pool.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const { UserPool } = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: pool.userPoolId }));
      expect(UserPool?.Name).toMatch(/^ConsoleUserPool-\w+$/);
      expect(UserPool?.Policies?.PasswordPolicy).toMatchObject({ MinimumLength: 12, RequireSymbols: true, RequireUppercase: true });
      expect(UserPool?.MfaConfiguration).toBe('OPTIONAL');
      expect(UserPool?.UsernameAttributes).toEqual(['email']);
      expect(UserPool?.SchemaAttributes?.find((a) => a.Name === 'custom:regions')).toMatchObject({ AttributeDataType: 'String', Mutable: true });
      const groups = await cognito.send(new ListGroupsCommand({ UserPoolId: pool.userPoolId }));
      expect(groups.Groups?.map((g) => g.GroupName).sort()).toEqual(['managers', 'operators', 'supervisors']);
      const { UserPoolClient } = await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: pool.userPoolId, ClientId: pool.clientId }));
      expect(UserPoolClient?.ClientName).toMatch(/^ConsoleClient-\w+$/);
      // The local stack synthesizes with consolePasswordAuth=true: its sign-in page uses USER_PASSWORD_AUTH.
      expect(UserPoolClient?.ExplicitAuthFlows).toContain('ALLOW_USER_PASSWORD_AUTH');
      expect(UserPoolClient?.ClientSecret).toBeUndefined();
    } finally {
      cognito.destroy();
    }
  });

  it('answers 401 without a token, as the JWT authorizer does, and the function is not called', async () => {
    const calls = app.functions.find((f) => f.logicalId === 'ConsoleApi')!.runtime!.invocations.length;
    const res = await me();
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Unauthorized' });
    expect(app.functions.find((f) => f.logicalId === 'ConsoleApi')!.runtime!.invocations.length).toBe(calls);
  });

  it('answers 401 for a garbage token and for a token signed for another app client of the same pool', async () => {
    expect((await me('Bearer not-a-jwt')).status).toBe(401);
    expect((await me('Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).status).toBe(401);
    const cognito = new CognitoIdentityProviderClient({ endpoint: pool.endpoint, region: pool.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const other = await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool.userPoolId, ClientName: 'SomeOtherApp', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }));
    cognito.destroy();
    const foreign = await signIn(pool, manager.email, manager.password, other.UserPoolClient!.ClientId!);
    const res = await me(`Bearer ${foreign}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Unauthorized' });
  });

  it('answers 200 with the caller for a manager\'s ID token, through the Lambda runner', async () => {
    const res = await me(`Bearer ${await signIn(pool, manager.email, manager.password)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ sub: expect.stringMatching(/^[0-9a-f-]{36}$/), email: manager.email, groups: ['managers'], regions: [] });
  });

  it('lets a token without the Bearer prefix through the authorizer, as API Gateway does, and the function refuses it', async () => {
    const runtime = app.functions.find((f) => f.logicalId === 'ConsoleApi')!.runtime!;
    const calls = runtime.invocations.length;
    const res = await me(await signIn(pool, manager.email, manager.password));
    expect(res.status).toBe(401);
    expect(runtime.invocations.length).toBe(calls + 1);
  });

  it('gives a supervisor their regions from custom:regions', async () => {
    const res = await me(`Bearer ${await signIn(pool, supervisor.email, supervisor.password)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: supervisor.email, groups: ['supervisors'], regions: ['north', 'east'] });
  });

  it('answers 403 for a valid token of a user in no group', async () => {
    const res = await me(`Bearer ${await signIn(pool, nobody.email, nobody.password)}`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'Forbidden' });
  });

  it('serves only the template\'s routes: 404 outside /api/, and the function\'s own 404 for an unknown /api/ route', async () => {
    const token = await signIn(pool, manager.email, manager.password);
    const outside = await fetch(`${api.url}/other`, { headers: { authorization: `Bearer ${token}` } });
    expect(outside.status).toBe(404);
    expect(await outside.json()).toEqual({ message: 'Not Found' });
    // /api alone does not match /api/{proxy+} (a greedy parameter takes at least one segment).
    expect((await fetch(`${api.url}/api`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    const unknown = await fetch(`${api.url}/api/nothing-here?x=1`, { headers: { authorization: `Bearer ${token}` } });
    expect(unknown.status).toBe(404);
  });

  it('provisions again into the same servers (a persistent stack\'s restart) without a second pool, client or group', async () => {
    const suffix = /^ConsoleUserPool-(\w+)$/.exec(app.resources.find('ConsoleUserPool').name)![1]!;
    const again = await provisionFromTemplates(app.templates, app.aws, { suffix });
    again.notifications.stop();
    expect(again.find('ConsoleUserPool').ref).toBe(pool.userPoolId);
    expect(again.find('ConsoleClient').ref).toBe(pool.clientId);
    // The users are still there: the same sign-in works against the reused pool.
    await expect(signIn(pool, manager.email, manager.password)).resolves.toMatch(/^eyJ/);
  });

  it('logs each request without tokens or email addresses', () => {
    expect(accessLog.length).toBeGreaterThan(5);
    const text = accessLog.join('\n');
    expect(text).toMatch(/"routeKey":"ANY \/api\/\{proxy\+\}","status":401/);
    expect(text).not.toMatch(/eyJ|@utility\.example/);
  });
});
