import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { CONSOLE_CSP, ConsoleSite, consoleSiteConfig } from '../../infra/constructs/console-site.ts';
import { type Json, NO_BUNDLING, resourcesOfType } from './template-helpers.ts';
import { readAppConfig } from '../../infra/config.ts';

const values = (rs: [string, Json][]): any[] => rs.map(([, r]) => r);

/** The console site alone in a stack, synthesized with the AwsSolutions checks as the app is (an unacknowledged finding throws). */
function site(extra: Partial<ConstructorParameters<typeof ConsoleSite>[2]> = {}): Json {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'Site', { env: { account: '123456789012', region: 'eu-west-1' } });
  new ConsoleSite(stack, 'Console', {
    apiEndpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
    auth: { mode: 'hosted', clientId: 'client-1', domain: 'kam-example.auth.eu-west-1.amazoncognito.com' },
    ...extra,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return Template.fromStack(stack).toJSON() as Json;
}

describe('console web UI on S3 behind CloudFront', () => {
  const t = site();
  const [dist] = values(resourcesOfType(t, 'AWS::CloudFront::Distribution')) as { Properties: { DistributionConfig: Record<string, any> } }[];
  const config = dist!.Properties.DistributionConfig;

  it('keeps the assets bucket private, reached only through origin access control', () => {
    const buckets = values(resourcesOfType(t, 'AWS::S3::Bucket')) as { Properties: Record<string, any> }[];
    for (const b of buckets) expect(b.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect((resourcesOfType(t, 'AWS::CloudFront::OriginAccessControl'))).toHaveLength(1);
    expect((resourcesOfType(t, 'AWS::CloudFront::CloudFrontOriginAccessIdentity'))).toHaveLength(0);
    const policy = JSON.stringify(resourcesOfType(t, 'AWS::S3::BucketPolicy'));
    expect(policy).toContain('cloudfront.amazonaws.com');
    expect(policy).not.toMatch(/"Principal":"\*"(?![^}]*"aws:SecureTransport")/);
  });

  it('sends security headers, redirects to HTTPS and forwards /api/* uncached to the HTTP API', () => {
    const [headers] = values(resourcesOfType(t, 'AWS::CloudFront::ResponseHeadersPolicy')) as { Properties: { ResponseHeadersPolicyConfig: Record<string, any> } }[];
    const sec = headers!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(sec.ContentSecurityPolicy.ContentSecurityPolicy).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(sec.FrameOptions.FrameOption).toBe('DENY');
    expect(sec.StrictTransportSecurity.AccessControlMaxAgeSec).toBe(31536000);
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const api = config.CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === '/api/*');
    expect(api.AllowedMethods).toContain('POST');
    expect(api.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // CachingDisabled
    expect(api.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac'); // AllViewerExceptHostHeader
    expect(JSON.stringify(config.Origins)).toContain('execute-api');
    expect(config.Logging.Prefix).toBe('distribution/');
  });

  it('deploys the built assets and a config.json that signs in through the hosted UI', () => {
    const [deploy] = values(resourcesOfType(t, 'Custom::CDKBucketDeployment')) as { Properties: Record<string, any> }[];
    // Two sources: the built assets (web/dist) and config.json; CloudFront's copies of both are invalidated.
    expect(deploy!.Properties.SourceObjectKeys).toHaveLength(2);
    expect(deploy!.Properties.DistributionPaths).toEqual(['/index.html', '/app.js', '/styles.css', '/config.json']);
    expect(consoleSiteConfig({ mode: 'hosted', clientId: 'client-1', domain: 'kam.auth.eu-west-1.amazoncognito.com' }, 'https://d1.cloudfront.net')).toEqual({
      auth: { mode: 'hosted', clientId: 'client-1', domain: 'kam.auth.eu-west-1.amazoncognito.com', redirectUri: 'https://d1.cloudfront.net/' },
    });
  });

  it('takes a custom domain with TLS 1.2 minimum and an existing WAF web ACL when given', () => {
    const custom = site({ customDomain: { names: ['console.example.com'], certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' }, webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/kam/1' });
    const [d] = values(resourcesOfType(custom, 'AWS::CloudFront::Distribution')) as { Properties: { DistributionConfig: Record<string, any> } }[];
    expect(d!.Properties.DistributionConfig.ViewerCertificate.MinimumProtocolVersion).toBe('TLSv1.2_2021');
    expect(d!.Properties.DistributionConfig.WebACLId).toContain('webacl/kam');
    expect(d!.Properties.DistributionConfig.Aliases).toEqual(['console.example.com']);
  });
});

describe('console site settings from CDK context', () => {
  const config = (context: Record<string, string>) => readAppConfig(new App({ context }));
  it('takes a CloudFront-scope web ACL, a custom domain with its us-east-1 certificate and a managed-login prefix, and refuses wrong ones', () => {
    expect(config({})).not.toHaveProperty('consoleWebAclArn');
    expect(config({ consoleWebAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/kam/abc-1' }).consoleWebAclArn).toBe('arn:aws:wafv2:us-east-1:123456789012:global/webacl/kam/abc-1');
    expect(() => config({ consoleWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/kam/abc' })).toThrow(/CLOUDFRONT-scope/);
    expect(config({ consoleDomain: 'console.example.com', consoleCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-1' }).consoleDomain).toEqual({
      names: ['console.example.com'], certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-1',
    });
    expect(() => config({ consoleDomain: 'console.example.com' })).toThrow('consoleDomain and consoleCertificateArn go together');
    expect(() => config({ consoleDomain: 'c.example.com', consoleCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x' })).toThrow(/us-east-1/);
    expect(config({ consoleDomainPrefix: 'state-grid-kam' }).consoleDomainPrefix).toBe('state-grid-kam');
    expect(() => config({ consoleDomainPrefix: 'my-cognito-login' })).toThrow(/without aws, amazon or cognito/);
  });
});
