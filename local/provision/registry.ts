/** Provisioned resources by stack and logical id, and the resolution of references, outputs and exports to them. */
import type { LocalAws } from '../servers.ts';
import { EMULATED_TYPES } from './create-resources.ts';
import { collectDependencies, expectString, NO_VALUE, resolveValue, type ResolveContext, type ResourceKey } from './intrinsics.ts';
import { NAME_PROPERTIES, physicalName, placeholderArn } from './names.ts';
import type { CfnValue, NamedTemplate, ProvisionedResource } from './types.ts';

export const REGISTRY = Symbol('registry');

export interface Registry {
  stacks: NamedTemplate[];
  region: string;
  accountId: string;
  resources: Map<ResourceKey, ProvisionedResource>;
  names: Record<string, string>;
  suffix: string;
  outputs: Map<string, Map<string, string>>;
  exports: Map<string, string>;
  stack(name: string): NamedTemplate;
  lookup(stackName: string, logicalId: string): ProvisionedResource;
  contextFor(stackName: string): ResolveContext;
  resolve(value: CfnValue, stackName: string, path?: string): unknown;
  /** The (unresolved) Value of an exported output or of a stack's named output. */
  outputValue(fromStack: string, name: { exportName?: string; outputName?: string }): { stackName: string; value: CfnValue } | undefined;
}

export function createRegistry(stacks: NamedTemplate[], aws: LocalAws, suffix: string, names: Record<string, string>): Registry {
  const region = aws.region;
  const accountId = aws.accountId;
  const resources = new Map<ResourceKey, ProvisionedResource>();
  const outputs = new Map<string, Map<string, string>>();
  const exports = new Map<string, string>();
  const resolvingOutputs = new Set<string>();

  const registry: Registry = {
    stacks,
    region,
    accountId,
    resources,
    names,
    suffix,
    outputs,
    exports,
    stack(name) {
      const found = stacks.find((s) => s.stackName === name);
      if (!found) throw new Error(`No template for stack ${name} (known: ${stacks.map((s) => s.stackName).join(', ')})`);
      return found;
    },
    lookup(stackName, logicalId) {
      const key: ResourceKey = `${stackName}/${logicalId}`;
      const existing = resources.get(key);
      if (existing) return existing;
      const resource = registry.stack(stackName).template.Resources?.[logicalId];
      if (!resource) throw new Error(`Reference to unknown resource ${logicalId} in stack ${stackName}`);
      if (EMULATED_TYPES.has(resource.Type)) {
        throw new Error(`${resource.Type} ${stackName}/${logicalId} is referenced before it was created`);
      }
      // Not emulated: give it a stable name so references resolve.
      const props = resource.Properties ?? {};
      const nameProp = NAME_PROPERTIES[resource.Type];
      const explicit = nameProp && typeof props[nameProp] === 'string' ? (props[nameProp] as string) : undefined;
      const name = explicit ?? names[key] ?? physicalName(resource.Type, logicalId, suffix, props);
      names[key] = name;
      const arn = placeholderArn(resource.Type, name, region, accountId);
      const ref = resource.Type === 'AWS::SNS::Topic' ? arn : name;
      const placeholder: ProvisionedResource = {
        stackName,
        logicalId,
        type: resource.Type,
        ref,
        name,
        attributes: { Arn: arn },
        created: false,
      };
      resources.set(key, placeholder);
      return placeholder;
    },
    contextFor(stackName) {
      return {
        stackName,
        pseudo(name) {
          switch (name) {
            case 'AWS::Region':
              return region;
            case 'AWS::AccountId':
              return accountId;
            case 'AWS::Partition':
              return 'aws';
            case 'AWS::URLSuffix':
              return 'amazonaws.com';
            case 'AWS::StackName':
              return stackName;
            case 'AWS::StackId':
              return `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/00000000-0000-0000-0000-000000000000`;
            case 'AWS::NotificationARNs':
              return [];
            case 'AWS::NoValue':
              return NO_VALUE;
            default:
              return undefined;
          }
        },
        parameter(name) {
          const parameter = registry.stack(stackName).template.Parameters?.[name];
          if (!parameter) return undefined;
          if (parameter.Default === undefined) throw new Error(`Parameter ${name} of stack ${stackName} has no Default`);
          return parameter.Default;
        },
        ref(logicalId) {
          return registry.lookup(stackName, logicalId).ref;
        },
        getAtt(logicalId, attribute) {
          const resource = registry.lookup(stackName, logicalId);
          const value = resource.attributes[attribute];
          if (value === undefined) {
            throw new Error(
              `Fn::GetAtt ${logicalId}.${attribute}: attribute ${attribute} of ${resource.type} is not available locally ` +
                `(available: ${Object.keys(resource.attributes).join(', ')})`,
            );
          }
          return value;
        },
        importValue(exportName) {
          const cached = exports.get(exportName);
          if (cached !== undefined) return cached;
          const found = findOutput(stackName, { exportName });
          if (!found) throw new Error(`Fn::ImportValue: no stack exports ${exportName}`);
          const value = resolveOutput(found.stackName, found.outputName);
          exports.set(exportName, value);
          return value;
        },
        stackOutput(otherStack, outputName) {
          registry.stack(otherStack);
          return resolveOutput(otherStack, outputName);
        },
      };
    },
    resolve(value, stackName, path = stackName) {
      return resolveValue(value, registry.contextFor(stackName), path);
    },
    outputValue: () => undefined, // replaced below
  };

  function exportNameOf(stackName: string, outputName: string): string | undefined {
    const output = registry.stack(stackName).template.Outputs?.[outputName];
    if (!output?.Export) return undefined;
    return expectString(
      registry.resolve(output.Export.Name, stackName, `${stackName}.Outputs.${outputName}.Export.Name`),
      'Export.Name',
      outputName,
    );
  }

  function findOutput(_from: string, name: { exportName: string }): { stackName: string; outputName: string } | undefined {
    for (const { stackName, template } of stacks) {
      for (const outputName of Object.keys(template.Outputs ?? {})) {
        if (exportNameOf(stackName, outputName) === name.exportName) return { stackName, outputName };
      }
    }
    return undefined;
  }

  function resolveOutput(stackName: string, outputName: string): string {
    const perStack = outputs.get(stackName) ?? new Map<string, string>();
    outputs.set(stackName, perStack);
    const cached = perStack.get(outputName);
    if (cached !== undefined) return cached;
    const output = registry.stack(stackName).template.Outputs?.[outputName];
    if (!output) throw new Error(`Stack ${stackName} has no Output ${outputName}`);
    const key = `${stackName}/${outputName}`;
    if (resolvingOutputs.has(key)) throw new Error(`Circular output reference through ${key}`);
    resolvingOutputs.add(key);
    try {
      const value = expectString(
        registry.resolve(output.Value, stackName, `${stackName}.Outputs.${outputName}.Value`),
        'Output value',
        key,
      );
      perStack.set(outputName, value);
      return value;
    } finally {
      resolvingOutputs.delete(key);
    }
  }

  registry.outputValue = (fromStack, name) => {
    if (name.exportName !== undefined) {
      const found = findOutput(fromStack, { exportName: name.exportName });
      if (!found) return undefined;
      const output = registry.stack(found.stackName).template.Outputs![found.outputName]!;
      return { stackName: found.stackName, value: output.Value };
    }
    const output = registry.stack(fromStack).template.Outputs?.[name.outputName!];
    return output ? { stackName: fromStack, value: output.Value } : undefined;
  };

  return registry;
}

export function dependenciesOf(registry: Registry, value: CfnValue, stackName: string): ResourceKey[] {
  // names of imports/outputs never depend on resources in CDK output, so resolving them eagerly is safe
  const literal = (v: CfnValue, s: string) => registry.resolve(v, s);
  return [...collectDependencies(value, stackName, registry.outputValue, literal)];
}
