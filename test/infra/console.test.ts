import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, STATEFUL_OUTPUTS, STATELESS_OUTPUTS } from '../../contracts/settings.ts';
import { buildApp } from '../../infra/build-app.ts';
import { readAppConfig } from '../../infra/config.ts';
import { allowedActions, fnProps, type Json, list, NO_BUNDLING, only, resourcesFor, resourcesOfType, synthCustomAndDefaults, type Synthesized } from './template-helpers.ts';

// Synthesis throws on any cdk-nag finding that is not acknowledged: both configurations below are nag-clean.
const synth = synthCustomAndDefaults('console', {
  consolePasswordAuth: true,
  consoleAdvancedSecurity: true,
  consoleCallbackUrls: ['https://console.example.com/', 'http://127.0.0.1:8787/'],
  consoleThrottleRate: 7,
  consoleThrottleBurst: 11,
});

const pool = (s: Synthesized): Json => only(resourcesOfType(s.statefulJson, 'AWS::Cognito::UserPool'), 'user pools')[1];
const appClient = (s: Synthesized): Json => only(resourcesOfType(s.statefulJson, 'AWS::Cognito::UserPoolClient'), 'app clients')[1].Properties;

describe('the console user pool (stateful stack)', () => {
  it('is retained, in the stateful stack only, under a pinned logical id', () => {
    const p = pool(synth.defaults);
    expect(synth.defaults.statefulJson.Resources.ConsoleUserPool).toBe(p);
    expect(p.DeletionPolicy).toBe('Retain');
    expect(p.UpdateReplacePolicy).toBe('Retain');
    expect(p.Properties.DeletionProtection).toBe('ACTIVE');
    expect(resourcesOfType(synth.defaults.statelessJson, 'AWS::Cognito::UserPool')).toEqual([]);
  });

  it('signs in by email, admits no self sign-up, asks for strong passwords, offers TOTP MFA and carries custom:regions', () => {
    const props = pool(synth.defaults).Properties;
    expect(props.UsernameAttributes).toEqual(['email']);
    expect(props.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    expect(props.Policies.PasswordPolicy).toEqual({ MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 3 });
    expect(props.MfaConfiguration).toBe('OPTIONAL');
    expect(props.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(props.Schema).toEqual([{ Name: 'regions', AttributeDataType: 'String', Mutable: true, StringAttributeConstraints: { MaxLength: '256' } }]);
  });

  it('has threat protection off by default and on (Plus plan, enforced) with consoleAdvancedSecurity', () => {
    expect(pool(synth.defaults).Properties.UserPoolTier).toBe('ESSENTIALS');
    expect(pool(synth.defaults).Properties.UserPoolAddOns).toBeUndefined();
    expect(pool(synth.custom).Properties.UserPoolTier).toBe('PLUS');
    expect(pool(synth.custom).Properties.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
  });

  it('has the groups the console\'s access rules know', () => {
    const groups = resourcesOfType(synth.defaults.statefulJson, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties);
    expect(groups.map((g) => g.GroupName).sort()).toEqual(['managers', 'operators', 'supervisors']);
    for (const g of groups) expect(g.UserPoolId).toEqual({ Ref: 'ConsoleUserPool' });
  });

  it('has a public app client: no secret, code flow, ID tokens of one hour, USER_PASSWORD_AUTH only when asked for', () => {
    const defaults = appClient(synth.defaults);
    expect(defaults).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [...DEFAULTS.consoleCallbackUrls],
      LogoutURLs: [...DEFAULTS.consoleCallbackUrls],
      SupportedIdentityProviders: ['COGNITO'],
      IdTokenValidity: 60,
      TokenValidityUnits: expect.objectContaining({ IdToken: 'minutes' }),
      PreventUserExistenceErrors: 'ENABLED',
    });
    expect(defaults.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    const custom = appClient(synth.custom);
    expect(custom.ExplicitAuthFlows.sort()).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH']);
    expect(custom.CallbackURLs).toEqual(['https://console.example.com/', 'http://127.0.0.1:8787/']);
  });

  it('outputs the pool id and client id under the names in contracts/settings.ts', () => {
    const outputs = synth.defaults.statefulJson.Outputs;
    expect(outputs[STATEFUL_OUTPUTS.consoleUserPoolId].Value).toEqual({ Ref: 'ConsoleUserPool' });
    expect(outputs[STATEFUL_OUTPUTS.consoleClientId].Value).toEqual({ Ref: 'ConsoleClient' });
  });
});

describe('the console API (stateless stack)', () => {
  const ofType = (s: Synthesized, type: string) => resourcesOfType(s.statelessJson, type);

  it('routes ANY /api/{proxy+} to ConsoleApi (payload 2.0) behind a JWT authorizer of the pool and its client', () => {
    const s = synth.defaults;
    const [, route] = only(ofType(s, 'AWS::ApiGatewayV2::Route'), 'routes');
    expect(route.Properties.RouteKey).toBe('ANY /api/{proxy+}');
    expect(route.Properties.AuthorizationType).toBe('JWT');
    const authorizer = s.statelessJson.Resources[route.Properties.AuthorizerId.Ref];
    expect(authorizer.Properties.AuthorizerType).toBe('JWT');
    expect(authorizer.Properties.IdentitySource).toEqual(['$request.header.Authorization']);
    expect(s.render(authorizer.Properties.JwtConfiguration.Issuer)).toBe('https://<ConsoleUserPool.ProviderURL>');
    expect(list(authorizer.Properties.JwtConfiguration.Audience).map(s.render)).toEqual(['<ConsoleClient>']);
    const integration = s.statelessJson.Resources[route.Properties.Target['Fn::Join'][1][1].Ref];
    expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0', IntegrationUri: { 'Fn::GetAtt': ['ConsoleApi', 'Arn'] } });
    // No CORS: the UI will be served from the same origin.
    expect(only(ofType(s, 'AWS::ApiGatewayV2::Api'), 'APIs')[1].Properties.CorsConfiguration).toBeUndefined();
  });

  it('gives ConsoleApi the pool\'s issuer and client id, the same the authorizer checks', () => {
    const s = synth.defaults;
    const env = fnProps(s, 'ConsoleApi').Environment.Variables;
    expect(s.render(env.CONSOLE_ISSUER)).toBe('https://<ConsoleUserPool.ProviderURL>');
    expect(s.render(env.CONSOLE_CLIENT_ID)).toBe('<ConsoleClient>');
    expect(s.render(env.TABLE_NAME)).toBe('<UsageTable>');
  });

  it('lets ConsoleApi read customers, tariffs and peer medians, write only under customers, and query the listing index', () => {
    const s = synth.defaults;
    const statements = s.statementsOf('ConsoleApi');
    const dynamo = allowedActions(statements).filter((a) => a.startsWith('dynamodb:')).sort();
    expect([...new Set(dynamo)]).toEqual(['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(dynamo).not.toContain('dynamodb:DeleteItem');
    expect(dynamo).not.toContain('dynamodb:Scan');
    const items = statements.filter((st) => list(st.Action).includes('dynamodb:GetItem'));
    expect(items.map((st) => st.Condition)).toEqual([{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CUST#*', 'TARIFF#*', 'PEERS'] } }]);
    const writes = statements.filter((st) => list(st.Action).includes('dynamodb:PutItem'));
    expect(writes.map((st) => st.Condition)).toEqual([{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CUST#*'] } }]);
    expect(resourcesFor(s.render, statements, 'dynamodb:Query')).toEqual(['<UsageTable.Arn>', '<UsageTable.Arn>/index/bySegment']);
    expect(allowedActions(statements).filter((a) => !a.startsWith('dynamodb:')).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('throttles the $default stage (defaults, or from context) and writes access logs to a retained log group', () => {
    for (const [s, rate, burst] of [[synth.defaults, DEFAULTS.consoleThrottleRate, DEFAULTS.consoleThrottleBurst], [synth.custom, 7, 11]] as const) {
      const [, stage] = only(ofType(s, 'AWS::ApiGatewayV2::Stage'), 'stages');
      expect(stage.Properties.StageName).toBe('$default');
      expect(stage.Properties.AutoDeploy).toBe(true);
      expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst });
      const logGroupId = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
      const logGroup = s.statelessJson.Resources[logGroupId];
      expect(logGroup).toMatchObject({ Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain', Properties: { RetentionInDays: 365 } });
      const format = JSON.parse(stage.Properties.AccessLogSettings.Format) as Record<string, string>;
      expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status', authorizerError: '$context.authorizer.error' });
      // Nothing of the caller's identity or token in the access log.
      expect(JSON.stringify(format)).not.toMatch(/claims|authorizer\.(email|principalId)/);
    }
  });

  it('outputs the API URL under the name in contracts/settings.ts', () => {
    const s = synth.defaults;
    const [stageId] = only(ofType(s, 'AWS::ApiGatewayV2::Stage'), 'stages');
    expect(s.render(s.statelessJson.Outputs[STATELESS_OUTPUTS.consoleApiUrl].Value)).toMatch(/^https:\/\/<ConsoleHttpApi\w+>\.execute-api\.<AWS::Region>\.<AWS::URLSuffix>\/$/);
    expect(stageId).toMatch(/^ConsoleHttpApiDefaultStage/);
  });

  it('refuses consoleWaf instead of creating a web ACL that nothing could use: HTTP APIs take no WAF association', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'kam-console-waf-'));
    try {
      expect(() => buildApp({ outdir, context: NO_BUNDLING, config: { consoleWaf: true } })).toThrow(/consoleWaf: an API Gateway HTTP API cannot be associated with a WAF web ACL.*CloudFront/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('console settings', () => {
  const config = (context: Record<string, unknown>) => readAppConfig(new App({ context }));

  it('reads callback URLs (comma-separated or a list), flags and throttling from context, with defaults', () => {
    expect(config({})).toMatchObject({ consoleCallbackUrls: ['http://127.0.0.1:8787/'], consolePasswordAuth: false, consoleAdvancedSecurity: false, consoleWaf: false, consoleThrottleRate: 50, consoleThrottleBurst: 100 });
    expect(config({ consoleCallbackUrls: 'https://a.example/, https://b.example/cb' }).consoleCallbackUrls).toEqual(['https://a.example/', 'https://b.example/cb']);
    expect(config({ consoleCallbackUrls: ['https://a.example/'], consolePasswordAuth: 'true', consoleThrottleRate: '20', consoleThrottleBurst: '40' })).toMatchObject({
      consoleCallbackUrls: ['https://a.example/'],
      consolePasswordAuth: true,
      consoleThrottleRate: 20,
      consoleThrottleBurst: 40,
    });
  });

  it('rejects plain-http callbacks other than the loopback, bad flags and bad throttling', () => {
    expect(() => config({ consoleCallbackUrls: 'http://console.example.com/' })).toThrow(/must be an https URL/);
    expect(() => config({ consoleCallbackUrls: '' })).toThrow(/at least one URL/);
    expect(() => config({ consolePasswordAuth: 'yes' })).toThrow(/consolePasswordAuth must be true or false/);
    expect(() => config({ consoleThrottleBurst: '2.5' })).toThrow(/consoleThrottleBurst must be an integer/);
    expect(() => config({ consoleThrottleRate: '0' })).toThrow(/consoleThrottleRate must be in/);
  });
});
