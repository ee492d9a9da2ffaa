import { Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { buildConsoleAssetsSync } from '../../web/build.ts';
import { acknowledgeWildcard } from './nag.ts';

export interface ConsoleSiteProps {
  /** The HTTP API's endpoint (https://<id>.execute-api.<region>.amazonaws.com): /api/* is forwarded to it. */
  apiEndpoint: string;
  /** How the browser signs in: written to config.json beside the assets (see web/src/auth.ts). */
  auth: { mode: 'hosted'; clientId: string; domain: string; redirectUri?: string };
  /** A custom domain with its ACM certificate (us-east-1): TLS 1.2 minimum for viewers. */
  customDomain?: { names: string[]; certificateArn: string };
  /** An existing CloudFront-scope WAF web ACL (created in us-east-1) to attach. */
  webAclArn?: string;
}

/** What the browser may load: only this origin (and `connect` for sign-in), canvas charts, no frames. */
export function consoleCsp(connect: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${connect.map((c) => ` ${c}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

/** In AWS the sign-in page talks to Cognito's managed login domain. */
export const CONSOLE_CSP = consoleCsp(['https://*.amazoncognito.com']);

/** config.json beside the assets: how the browser signs in (web/src/auth.ts); the redirect is the site itself by default. */
export function consoleSiteConfig(auth: ConsoleSiteProps['auth'], origin: string): { auth: Required<ConsoleSiteProps['auth']> } {
  return { auth: { ...auth, redirectUri: auth.redirectUri ?? `${origin}/` } };
}

/**
 * The console's web UI: static assets in a private bucket behind CloudFront (origin access control), security
 * headers on every answer, and /api/* forwarded to the HTTP API so the UI and the API share one origin (no CORS).
 */
export class ConsoleSite extends Construct {
  readonly distribution: Distribution;
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const { outdir } = buildConsoleAssetsSync();

    const logs = new Bucket(this, 'Logs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logs are delivered with an ACL: the log bucket alone keeps ACLs enabled.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });

    this.bucket = new Bucket(this, 'Assets', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'assets-bucket/',
      // Built from the repository on every deploy: nothing here that a deploy does not put back.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONSOLE_CSP, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: { customHeaders: [{ header: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()', override: true }] },
    });

    const apiDomain = Fn.select(2, Fn.split('/', props.apiEndpoint));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Key account console',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_ALL,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'distribution/',
      ...(props.customDomain
        ? {
            domainNames: props.customDomain.names,
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new HttpOrigin(apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          // Everything the API needs (the Authorization header, the query) but the Host, which must be the API's.
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
    });

    const origin = props.customDomain ? `https://${props.customDomain.names[0]}` : `https://${this.distribution.distributionDomainName}`;
    new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [Source.asset(outdir), Source.jsonData('config.json', consoleSiteConfig(props.auth, origin))],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/app.js', '/styles.css', '/config.json'],
      memoryLimit: 256,
      // Its own log group, unnamed like every other resource here (two copies of the app can share an account).
      logGroup: new LogGroup(this, 'DeployLogs', { retention: RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.DESTROY }),
    });

    const acknowledge = (id: string, reason: string) => Validations.of(this.distribution.node.defaultChild!).acknowledge({ id, reason });
    acknowledge('AwsSolutions-CFR1', 'Account managers travel and work from anywhere the utility operates; access is decided by Cognito sign-in, not by country.');
    if (!props.webAclArn) {
      acknowledge('AwsSolutions-CFR2', 'A CloudFront-scope WAF web ACL must live in us-east-1; attach one with -c consoleWebAclArn=<arn> (off by default: every API call needs a Cognito token and the API is throttled).');
    }
    if (!props.customDomain) {
      acknowledge('AwsSolutions-CFR4', 'Without a custom domain CloudFront serves its default certificate, whose policy cannot be raised; set -c consoleDomain=<name> -c consoleCertificateArn=<arn> for TLS 1.2 minimum.');
    }
    this.acknowledgeDeploymentProvider();
  }

  /** CDK's own singleton function behind BucketDeployment (one per stack): its role and runtime are aws-cdk-lib's. */
  private acknowledgeDeploymentProvider(): void {
    const stack = Stack.of(this);
    const provider = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!provider) throw new Error('expected the CDK BucketDeployment provider after new BucketDeployment');
    const role = provider.node.tryFindChild('ServiceRole');
    if (role) {
      Validations.of(role.node.defaultChild!).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'CDK-managed BucketDeployment provider role; its log permissions are fixed by aws-cdk-lib.',
      });
    }
    const policy = role?.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
    if (policy) {
      const why = 'CDK-managed BucketDeployment provider: aws-s3-deployment grants it read on the deployment asset and write on this assets bucket with these wildcards; it runs only during deploys.';
      for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) acknowledgeWildcard(policy, 'Action', action, why);
      acknowledgeWildcard(policy, 'Resource', `arn:${stack.partition}:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`, why);
      acknowledgeWildcard(policy, 'Resource', `${this.bucket.bucketArn}/*`, why);
      acknowledgeWildcard(policy, 'Resource', '*', 'CDK-managed BucketDeployment provider: cloudfront:CreateInvalidation/GetInvalidation after a deploy, which aws-s3-deployment grants on *.');
    }
    const fn = provider.node.tryFindChild('Resource');
    if (fn) Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason: 'CDK-managed BucketDeployment provider: its runtime is chosen by aws-s3-deployment, not by this project.' });
  }
}
