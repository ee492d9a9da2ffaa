/** Resolves CloudFormation intrinsic functions locally and finds the resources a value references. */
import type { CfnValue } from './types.ts';

export const NO_VALUE = Symbol('AWS::NoValue');
const SUPPORTED_INTRINSICS = [
  'Ref',
  'Fn::GetAtt',
  'Fn::ImportValue',
  'Fn::GetStackOutput',
  'Fn::Join',
  'Fn::Select',
  'Fn::Split',
  'Fn::Sub',
];

export interface ResolveContext {
  stackName: string;
  pseudo(name: string): string | string[] | typeof NO_VALUE | undefined;
  parameter(name: string): CfnValue | undefined;
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): string;
  importValue(exportName: string): string;
  stackOutput(stackName: string, outputName: string): string;
}

function intrinsicName(value: CfnValue): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return keys[0];
  return undefined;
}

export function expectString(value: unknown, what: string, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${what} must resolve to a string at ${path}, got ${JSON.stringify(value)}`);
}

export function resolveValue(value: CfnValue, ctx: ResolveContext, path: string): unknown {
  if (Array.isArray(value)) {
    return value.map((v, i) => resolveValue(v, ctx, `${path}[${i}]`)).filter((v) => v !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const fn = intrinsicName(value);
  if (!fn) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = resolveValue(v, ctx, `${path}.${k}`);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }
  const arg = (value as Record<string, CfnValue>)[fn];
  const at = `${path}.${fn}`;
  switch (fn) {
    case 'Ref': {
      const name = expectString(arg, 'Ref', at);
      if (name.startsWith('AWS::')) {
        const pseudo = ctx.pseudo(name);
        if (pseudo === undefined) throw new Error(`Unsupported pseudo parameter ${name} at ${at}`);
        return pseudo;
      }
      const parameter = ctx.parameter(name);
      if (parameter !== undefined) return parameter;
      return ctx.ref(name);
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(arg)
        ? [expectString(arg[0], 'Fn::GetAtt resource', at), expectString(resolveValue(arg[1], ctx, at), 'Fn::GetAtt attribute', at)]
        : (() => {
            const s = expectString(arg, 'Fn::GetAtt', at);
            const dot = s.indexOf('.');
            return [s.slice(0, dot), s.slice(dot + 1)];
          })();
      return ctx.getAtt(logicalId, attribute);
    }
    case 'Fn::ImportValue':
      return ctx.importValue(expectString(resolveValue(arg, ctx, at), 'Fn::ImportValue name', at));
    case 'Fn::GetStackOutput': {
      const spec = resolveValue(arg, ctx, at) as { StackName?: unknown; OutputName?: unknown };
      return ctx.stackOutput(
        expectString(spec.StackName, 'Fn::GetStackOutput StackName', at),
        expectString(spec.OutputName, 'Fn::GetStackOutput OutputName', at),
      );
    }
    case 'Fn::Join': {
      if (!Array.isArray(arg) || arg.length !== 2) throw new Error(`Malformed Fn::Join at ${at}`);
      const delimiter = expectString(arg[0], 'Fn::Join delimiter', at);
      const list = resolveValue(arg[1], ctx, at);
      if (!Array.isArray(list)) throw new Error(`Fn::Join needs a list at ${at}`);
      return list.map((item, i) => expectString(item, 'Fn::Join item', `${at}[${i}]`)).join(delimiter);
    }
    case 'Fn::Select': {
      if (!Array.isArray(arg) || arg.length !== 2) throw new Error(`Malformed Fn::Select at ${at}`);
      const index = Number(resolveValue(arg[0], ctx, at));
      const list = resolveValue(arg[1], ctx, at);
      if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length) {
        throw new Error(`Fn::Select index ${index} out of range at ${at}`);
      }
      return list[index];
    }
    case 'Fn::Split': {
      if (!Array.isArray(arg) || arg.length !== 2) throw new Error(`Malformed Fn::Split at ${at}`);
      const delimiter = expectString(arg[0], 'Fn::Split delimiter', at);
      return expectString(resolveValue(arg[1], ctx, at), 'Fn::Split source', at).split(delimiter);
    }
    case 'Fn::Sub': {
      const [template, variables] = Array.isArray(arg)
        ? [expectString(arg[0], 'Fn::Sub template', at), (resolveValue(arg[1] ?? {}, ctx, at) ?? {}) as Record<string, unknown>]
        : [expectString(arg, 'Fn::Sub template', at), {} as Record<string, unknown>];
      return template.replace(/\$\{(!?)([^}]+)\}/g, (_m, literal: string, name: string) => {
        if (literal) return `\${${name}}`;
        const key = name.trim();
        if (key in variables) return expectString(variables[key], `Fn::Sub variable ${key}`, at);
        if (key.startsWith('AWS::')) return expectString(resolveValue({ Ref: key }, ctx, at), key, at);
        const dot = key.indexOf('.');
        if (dot > 0) return ctx.getAtt(key.slice(0, dot), key.slice(dot + 1));
        return expectString(resolveValue({ Ref: key }, ctx, at), key, at);
      });
    }
    default:
      throw new Error(
        `Unsupported intrinsic function ${fn} at ${path} (the local stack supports ${SUPPORTED_INTRINSICS.join(', ')})`,
      );
  }
}

export type ResourceKey = `${string}/${string}`;

/** References a value makes to resources (in this or other stacks), for ordering creation. */
export function collectDependencies(
  value: CfnValue,
  stackName: string,
  lookupOutput: (stackName: string, name: { exportName?: string; outputName?: string }) => { stackName: string; value: CfnValue } | undefined,
  resolveLiteral: (v: CfnValue, stackName: string) => unknown,
  out = new Set<ResourceKey>(),
  seenOutputs = new Set<string>(),
): Set<ResourceKey> {
  if (Array.isArray(value)) {
    for (const v of value) collectDependencies(v, stackName, lookupOutput, resolveLiteral, out, seenOutputs);
    return out;
  }
  if (value === null || typeof value !== 'object') return out;
  const fn = intrinsicName(value);
  const arg = fn ? (value as Record<string, CfnValue>)[fn] : undefined;
  const viaOutput = (found: { stackName: string; value: CfnValue } | undefined, key: string) => {
    if (!found || seenOutputs.has(key)) return;
    seenOutputs.add(key);
    collectDependencies(found.value, found.stackName, lookupOutput, resolveLiteral, out, seenOutputs);
  };
  switch (fn) {
    case 'Ref':
      if (typeof arg === 'string' && !arg.startsWith('AWS::')) out.add(`${stackName}/${arg}`);
      return out;
    case 'Fn::GetAtt': {
      const id = Array.isArray(arg) ? arg[0] : typeof arg === 'string' ? arg.split('.')[0] : undefined;
      if (typeof id === 'string') out.add(`${stackName}/${id}`);
      return out;
    }
    case 'Fn::ImportValue': {
      const name = String(resolveLiteral(arg, stackName));
      viaOutput(lookupOutput(stackName, { exportName: name }), `export:${name}`);
      return out;
    }
    case 'Fn::GetStackOutput': {
      const spec = resolveLiteral(arg, stackName) as { StackName: string; OutputName: string };
      viaOutput(lookupOutput(spec.StackName, { outputName: spec.OutputName }), `output:${spec.StackName}/${spec.OutputName}`);
      return out;
    }
    case 'Fn::Sub': {
      const template = Array.isArray(arg) ? arg[0] : arg;
      const variables = Array.isArray(arg) && arg[1] && typeof arg[1] === 'object' ? (arg[1] as Record<string, CfnValue>) : {};
      collectDependencies(Object.values(variables), stackName, lookupOutput, resolveLiteral, out, seenOutputs);
      if (typeof template === 'string') {
        for (const [, literal, name] of template.matchAll(/\$\{(!?)([^}]+)\}/g)) {
          const key = name!.trim();
          if (literal || key in variables || key.startsWith('AWS::')) continue;
          out.add(`${stackName}/${key.split('.')[0]}`);
        }
      }
      return out;
    }
    default:
      for (const v of Object.values(value)) collectDependencies(v, stackName, lookupOutput, resolveLiteral, out, seenOutputs);
      return out;
  }
}
