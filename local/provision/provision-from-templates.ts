import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { forwardObjectCreatedNotifications, type QueueNotificationRule } from '../notifications.ts';
import type { LocalAws } from '../servers.ts';
import { createBucket, createQueue, createTable, createUserPool, createUserPoolClient, createUserPoolGroup, EMULATED_TYPES, USED_PROPERTIES } from './create-resources.ts';
import { expectString, type ResourceKey } from './intrinsics.ts';
import { NAME_PROPERTIES, physicalName, randomSuffix } from './names.ts';
import { cfnNotificationRules, notificationRules, type CfnNotificationConfiguration, type NotificationConfiguration } from './notification-rules.ts';
import { createRegistry, dependenciesOf, REGISTRY } from './registry.ts';
import { normalizeTemplates } from './templates.ts';
import type { ProvisionedResource, ProvisionedResources, ProvisionedTable, ProvisionOptions, TemplateInput } from './types.ts';

/**
 * Creates every table, bucket, queue and Cognito user pool (with its clients and groups) of the templates in the local emulators, wires bucket notifications to
 * their queues and resolves all Outputs / Exports. Idempotent for a persistent LocalAws (names are remembered).
 */
export async function provisionFromTemplates(
  templates: readonly TemplateInput[],
  aws: LocalAws,
  options: ProvisionOptions = {},
): Promise<ProvisionedResources> {
  const log = options.log ?? (() => {});
  const stacks = normalizeTemplates(templates);
  const namesFile = aws.persistent ? join(aws.dataDir, 'provisioned-names.json') : undefined;
  const remembered =
    namesFile && existsSync(namesFile)
      ? (JSON.parse(readFileSync(namesFile, 'utf8')) as { suffix: string; names: Record<string, string> })
      : undefined;
  const suffix = options.suffix ?? remembered?.suffix ?? randomSuffix();
  const registry = createRegistry(stacks, aws, suffix, { ...(remembered?.names ?? {}) });

  const clientConfig = { region: aws.region, credentials: { ...aws.credentials } };
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: aws.endpoints.dynamodb });
  const s3 = new S3Client({
    ...clientConfig,
    endpoint: aws.endpoints.s3,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const sqs = new SQSClient({ ...clientConfig, endpoint: aws.endpoints.sqs, useQueueUrlAsEndpoint: false });
  const cognito = new CognitoIdentityProviderClient({ ...clientConfig, endpoint: aws.endpoints.cognito });

  const tables: ProvisionedTable[] = [];
  const inProgress = new Set<ResourceKey>();
  const done = new Set<ResourceKey>();

  const ensure = async (key: ResourceKey): Promise<void> => {
    if (done.has(key)) return;
    const slash = key.indexOf('/');
    const stackName = key.slice(0, slash);
    const logicalId = key.slice(slash + 1);
    const resource = registry.stack(stackName).template.Resources?.[logicalId];
    // a Ref to a parameter, a dangling reference (resolving reports it) or a type that only gets a name
    if (!resource || !EMULATED_TYPES.has(resource.Type)) return;
    if (inProgress.has(key)) throw new Error(`Circular reference through ${key}`);
    inProgress.add(key);
    // Only the properties the emulators use are resolved, so an intrinsic elsewhere (encryption, lifecycle, …)
    // cannot stop local provisioning.
    const raw = resource.Properties ?? {};
    const used = USED_PROPERTIES[resource.Type]!;
    const ignored = Object.keys(raw).filter((k) => !used.includes(k) && k !== 'Tags');
    if (ignored.length > 0) log(`provision: ${stackName}/${logicalId}: not emulated locally: ${ignored.join(', ')}`);
    const picked = Object.fromEntries(Object.entries(raw).filter(([k]) => used.includes(k)));
    for (const dep of dependenciesOf(registry, picked, stackName)) {
      if (dep !== key) await ensure(dep);
    }
    const path = `${stackName}.Resources.${logicalId}.Properties`;
    const props = (registry.resolve(picked, stackName, path) ?? {}) as Record<string, unknown>;
    const nameProp = NAME_PROPERTIES[resource.Type]!;
    const name =
      (typeof props[nameProp] === 'string' ? (props[nameProp] as string) : undefined) ??
      registry.names[key] ??
      physicalName(resource.Type, logicalId, suffix, props);
    registry.names[key] = name;
    const base = { stackName, logicalId, type: resource.Type, name, created: true };
    let provisioned: ProvisionedResource;
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable': {
        const description = await createTable(dynamodb, name, props, log);
        const attributes: Record<string, string> = { Arn: description.TableArn! };
        if (description.LatestStreamArn) attributes.StreamArn = description.LatestStreamArn;
        const table: ProvisionedTable = { ...base, ref: name, attributes, description };
        tables.push(table);
        provisioned = table;
        break;
      }
      case 'AWS::S3::Bucket': {
        await createBucket(s3, name, log);
        provisioned = {
          ...base,
          ref: name,
          attributes: {
            Arn: `arn:aws:s3:::${name}`,
            DomainName: `${name}.s3.amazonaws.com`,
            RegionalDomainName: `${name}.s3.${aws.region}.amazonaws.com`,
            DualStackDomainName: `${name}.s3.dualstack.${aws.region}.amazonaws.com`,
            WebsiteURL: `http://${name}.s3-website-${aws.region}.amazonaws.com`,
          },
        };
        break;
      }
      case 'AWS::SQS::Queue': {
        const { url, arn } = await createQueue(sqs, aws.endpoints.sqs, name, props);
        provisioned = { ...base, ref: url, attributes: { Arn: arn, QueueName: name, QueueUrl: url } };
        break;
      }
      case 'AWS::Cognito::UserPool': {
        const id = await createUserPool(cognito, name, props, log);
        // In AWS ProviderURL is `cognito-idp.<region>.amazonaws.com/<id>` and the issuer `https://` + it; locally the
        // same shape names cognito-local's HTTPS listener, so `https://` + ProviderURL is the local tokens' `iss`.
        const providerUrl = `${aws.endpoints.cognitoIssuer.replace(/^https:\/\//, '')}/${id}`;
        provisioned = {
          ...base,
          ref: id,
          attributes: {
            Arn: `arn:aws:cognito-idp:${aws.region}:${aws.accountId}:userpool/${id}`,
            ProviderName: providerUrl,
            ProviderURL: providerUrl,
            UserPoolId: id,
          },
        };
        break;
      }
      case 'AWS::Cognito::UserPoolClient': {
        const clientId = await createUserPoolClient(cognito, name, props, log);
        provisioned = { ...base, ref: clientId, attributes: { ClientId: clientId, Name: name } };
        break;
      }
      case 'AWS::Cognito::UserPoolGroup': {
        await createUserPoolGroup(cognito, name, props, log);
        provisioned = { ...base, ref: name, attributes: {} };
        break;
      }
      default:
        throw new Error(`unreachable: ${resource.Type}`);
    }
    registry.resources.set(key, provisioned);
    done.add(key);
    inProgress.delete(key);
    log(`provision: ${resource.Type} ${stackName}/${logicalId} → ${name}`);
  };

  try {
    for (const { stackName, template } of stacks) {
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        if (EMULATED_TYPES.has(resource.Type)) await ensure(`${stackName}/${logicalId}`);
      }
    }

    // Outputs and exports (after creation, so every value is known)
    const outputs: Record<string, Record<string, string>> = {};
    const exportsOut: Record<string, string> = {};
    for (const { stackName, template } of stacks) {
      outputs[stackName] = {};
      for (const [outputName, output] of Object.entries(template.Outputs ?? {})) {
        let value: string;
        try {
          value = registry.contextFor(stackName).stackOutput(stackName, outputName);
        } catch (err) {
          // only fatal if something imports it (resolving that reference reports the same error)
          log(`provision: output ${stackName}.${outputName} cannot be resolved locally: ${(err as Error).message}`);
          continue;
        }
        outputs[stackName]![outputName] = value;
        if (output.Export) {
          const exportName = expectString(registry.resolve(output.Export.Name, stackName), 'Export.Name', outputName);
          if (exportName in exportsOut) throw new Error(`Export ${exportName} is defined twice`);
          exportsOut[exportName] = value;
          registry.exports.set(exportName, value);
        }
      }
    }

    // Bucket → queue notifications
    const queuesByArn = new Map<string, ProvisionedResource>();
    for (const r of registry.resources.values()) if (r.type === 'AWS::SQS::Queue') queuesByArn.set(r.attributes.Arn!, r);
    const rules: QueueNotificationRule[] = [];
    for (const { stackName, template } of stacks) {
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        const path = `${stackName}.Resources.${logicalId}.Properties`;
        if (resource.Type === 'Custom::S3BucketNotifications') {
          const props = registry.resolve(
            { BucketName: resource.Properties?.BucketName, NotificationConfiguration: resource.Properties?.NotificationConfiguration },
            stackName,
            path,
          ) as { BucketName: string; NotificationConfiguration?: NotificationConfiguration };
          rules.push(...notificationRules(props.BucketName, props.NotificationConfiguration ?? {}, queuesByArn, `${stackName}/${logicalId}`, log));
        } else if (resource.Type === 'AWS::S3::Bucket' && resource.Properties?.NotificationConfiguration) {
          const bucket = registry.lookup(stackName, logicalId).name;
          const config = registry.resolve(resource.Properties.NotificationConfiguration, stackName, path) as CfnNotificationConfiguration;
          rules.push(...cfnNotificationRules(bucket, config, queuesByArn, `${stackName}/${logicalId}`, log));
        }
      }
    }
    const notifications = forwardObjectCreatedNotifications(aws, rules, {
      log,
      ...(options.sendTestEvent ? { sendTestEvent: true } : {}),
    });
    for (const rule of rules) {
      log(`provision: notify ${rule.queueArn} of ${rule.events.join(',')} in ${rule.bucket} (prefix ${rule.prefix ?? '-'}, suffix ${rule.suffix ?? '-'})`);
    }

    if (namesFile) writeFileSync(namesFile, JSON.stringify({ suffix, names: registry.names }, null, 2));

    const all = () => [...registry.resources.values()];
    const queues = all()
      .filter((r) => r.type === 'AWS::SQS::Queue')
      .map((r) => ({ ...r, url: r.ref, arn: r.attributes.Arn! }));
    return {
      region: aws.region,
      accountId: aws.accountId,
      stacks,
      get resources() {
        return all();
      },
      tables,
      buckets: all().filter((r) => r.type === 'AWS::S3::Bucket'),
      queues,
      exports: exportsOut,
      outputs,
      notificationRules: rules,
      notifications,
      find(logicalId, opts = {}) {
        const candidates = stacks
          .filter((s) => !opts.stackName || s.stackName === opts.stackName)
          .flatMap((s) =>
            Object.entries(s.template.Resources ?? {})
              .filter(([id, r]) => (id === logicalId || id.startsWith(logicalId)) && (!opts.type || r.Type === opts.type))
              .map(([id]) => ({ stackName: s.stackName, id })),
          );
        const exact = candidates.filter((c) => c.id === logicalId);
        const chosen = exact.length > 0 ? exact : candidates;
        if (chosen.length !== 1) {
          throw new Error(
            `find(${logicalId}): ${chosen.length === 0 ? 'no resource' : `ambiguous: ${chosen.map((c) => `${c.stackName}/${c.id}`).join(', ')}`}`,
          );
        }
        return registry.lookup(chosen[0]!.stackName, chosen[0]!.id);
      },
      resolve(value, stackName) {
        return registry.resolve(value, stackName);
      },
      [REGISTRY]: registry,
    } as ProvisionedResources;
  } finally {
    dynamodb.destroy();
    s3.destroy();
    sqs.destroy();
    cognito.destroy();
  }
}
