import { REGISTRY, type Registry } from './registry.ts';
import { normalizeTemplates } from './templates.ts';
import type { CfnValue, LocalEventSourceMapping, LocalFunctionConfig, ProvisionedResource, ProvisionedResources, TemplateInput } from './types.ts';

const CDK_INTERNAL_FUNCTION = new RegExp(
  '^(BucketNotificationsHandler|CustomS3AutoDeleteObjects|LogRetention|CustomCDKBucketDeployment|' +
    'AWS679f53fac002430cb0da5b7982bd2287)',
);

/**
 * For each AWS::Lambda::Function (whose logical id starts with `logicalIdPrefix`, if given): its environment with
 * Ref / GetAtt / ImportValue / GetStackOutput resolved to local names and URLs, and its SQS event source mappings.
 * `templates` must be the templates given to provisionFromTemplates (same stack names / order).
 */
export function resolveFunctionEnvironment(
  templates: readonly TemplateInput[],
  provisioned: ProvisionedResources,
  logicalIdPrefix = '',
): LocalFunctionConfig[] {
  const registry = (provisioned as ProvisionedResources & { [REGISTRY]: Registry })[REGISTRY];
  if (!registry) throw new Error('resolveFunctionEnvironment needs the result of provisionFromTemplates');
  const stacks = normalizeTemplates(templates);
  for (const { stackName } of stacks) registry.stack(stackName);

  const queuesByArn = new Map<string, ProvisionedResource>();
  for (const r of registry.resources.values()) if (r.type === 'AWS::SQS::Queue') queuesByArn.set(r.attributes.Arn!, r);

  const result: LocalFunctionConfig[] = [];
  for (const { stackName, template } of stacks) {
    const resources = Object.entries(template.Resources ?? {});
    const mappings = resources.filter(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping');
    for (const [logicalId, resource] of resources) {
      if (resource.Type !== 'AWS::Lambda::Function' || !logicalId.startsWith(logicalIdPrefix)) continue;
      const props = resource.Properties ?? {};
      const path = `${stackName}.Resources.${logicalId}.Properties`;
      const variables = (props.Environment as { Variables?: Record<string, CfnValue> } | undefined)?.Variables ?? {};
      const environment: Record<string, string> = {};
      for (const [name, value] of Object.entries(variables)) {
        const resolved = registry.resolve(value, stackName, `${path}.Environment.Variables.${name}`);
        environment[name] = typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
      }
      const self = registry.lookup(stackName, logicalId);
      const eventSources: LocalEventSourceMapping[] = [];
      for (const [mappingId, mapping] of mappings) {
        const mp = mapping.Properties ?? {};
        const target = registry.resolve(mp.FunctionName, stackName, `${stackName}.Resources.${mappingId}.Properties.FunctionName`);
        if (target !== self.name && target !== self.attributes.Arn) continue;
        const m = registry.resolve(mp, stackName, `${stackName}.Resources.${mappingId}.Properties`) as {
          EventSourceArn: string;
          BatchSize?: number;
          MaximumBatchingWindowInSeconds?: number;
          FunctionResponseTypes?: string[];
          ScalingConfig?: { MaximumConcurrency?: number };
          Enabled?: boolean | string;
        };
        const queue = queuesByArn.get(m.EventSourceArn);
        eventSources.push({
          logicalId: mappingId,
          eventSourceArn: m.EventSourceArn,
          ...(queue ? { queueUrl: queue.ref } : {}),
          batchSize: Number(m.BatchSize ?? 10),
          ...(m.MaximumBatchingWindowInSeconds !== undefined
            ? { maximumBatchingWindowInSeconds: Number(m.MaximumBatchingWindowInSeconds) }
            : {}),
          functionResponseTypes: m.FunctionResponseTypes ?? [],
          ...(m.ScalingConfig?.MaximumConcurrency !== undefined
            ? { maximumConcurrency: Number(m.ScalingConfig.MaximumConcurrency) }
            : {}),
          enabled: m.Enabled === undefined ? true : m.Enabled === true || m.Enabled === 'true',
        });
      }
      const metadata = resource.Metadata ?? {};
      result.push({
        stackName,
        logicalId,
        functionName: self.name,
        ...(typeof props.Handler === 'string' ? { handler: props.Handler } : {}),
        ...(typeof props.Runtime === 'string' ? { runtime: props.Runtime } : {}),
        timeoutSeconds: Number(props.Timeout ?? 3),
        memorySize: Number(props.MemorySize ?? 128),
        ...(props.ReservedConcurrentExecutions !== undefined ? { reservedConcurrency: Number(props.ReservedConcurrentExecutions) } : {}),
        environment,
        ...(typeof metadata['aws:cdk:path'] === 'string' ? { cdkPath: metadata['aws:cdk:path'] } : {}),
        ...(typeof metadata['aws:asset:path'] === 'string' ? { assetPath: metadata['aws:asset:path'] } : {}),
        cdkInternal: CDK_INTERNAL_FUNCTION.test(logicalId),
        eventSources,
      });
    }
  }
  return result;
}
