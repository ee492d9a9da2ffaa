import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildApp, type KamApp } from '../../infra/build-app.ts';
import type { AppConfig } from '../../infra/config.ts';

/** Synthesized CloudFormation: untyped JSON. */
export type Json = Record<string, any>;
export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
}

export const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Both templates of a built app, and readers that resolve the stateless stack's references into the stateful one. */
export interface Synthesized {
  built: KamApp;
  stateful: Template;
  stateless: Template;
  statefulJson: Json;
  statelessJson: Json;
  /** Cross-stack values (weak `Fn::GetStackOutput` or `Fn::ImportValue`) replaced by what the stateful stack outputs. */
  fromStateful(value: unknown): unknown;
  /** An ARN or name as readable text: `<IngestBucket.Arn>/rejects/*`, `<UsageTable>`, `arn:<AWS::Partition>:ses:…`. */
  render(value: unknown): string;
  /** Every IAM statement attached to the role of the function (or role) with this logical id. */
  statementsOf(logicalId: string): Statement[];
  /** Every IAM statement attached to the role with this logical id. */
  roleStatements(roleId: string): Statement[];
}

export function resourcesOfType(template: Json, type: string): [string, Json][] {
  return Object.entries(template.Resources as Record<string, Json>).filter(([, resource]) => resource.Type === type);
}

/** Templates of `built` (synthesizes the app if that has not happened yet). */
export function synthesized(built: KamApp): Synthesized {
  const stateful = Template.fromStack(built.stateful);
  const stateless = Template.fromStack(built.stateless);
  const statefulJson = stateful.toJSON() as Json;
  const statelessJson = stateless.toJSON() as Json;

  const fromStateful = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(fromStateful);
    if (!value || typeof value !== 'object') return value;
    const node = value as Json;
    const outputs = statefulJson.Outputs as Record<string, { Value: unknown; Export?: { Name: unknown } }>;
    if (node['Fn::GetStackOutput']) {
      const { StackName, OutputName } = node['Fn::GetStackOutput'];
      expect(StackName).toBe(built.stateful.stackName);
      return outputs[OutputName]!.Value;
    }
    if (node['Fn::ImportValue']) {
      return Object.values(outputs).find((output) => output.Export?.Name === node['Fn::ImportValue'])!.Value;
    }
    return Object.fromEntries(Object.entries(node).map(([key, inner]) => [key, fromStateful(inner)]));
  };

  const render = (value: unknown): string => {
    const node = fromStateful(value) as Json | string | undefined;
    if (node === undefined || node === null) return String(node);
    if (typeof node === 'string') return node;
    if (node.Ref) return `<${node.Ref}>`;
    if (node['Fn::GetAtt']) return `<${node['Fn::GetAtt'].join('.')}>`;
    if (node['Fn::Join']) return (node['Fn::Join'][1] as unknown[]).map(render).join(node['Fn::Join'][0]);
    return JSON.stringify(node);
  };

  const roleStatements = (roleId: string): Statement[] =>
    resourcesOfType(statelessJson, 'AWS::IAM::Policy')
      .filter(([, policy]) => list(policy.Properties.Roles).some((role: Json) => role.Ref === roleId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);

  const statementsOf = (logicalId: string): Statement[] => {
    const resource = statelessJson.Resources[logicalId];
    const roleId = resource.Type === 'AWS::Lambda::Function' ? resource.Properties.Role['Fn::GetAtt'][0] : logicalId;
    return roleStatements(roleId);
  };

  return { built, stateful, stateless, statefulJson, statelessJson, fromStateful, render, statementsOf, roleStatements };
}

/** Rendered resources of every Allow statement granting `action`, sorted. */
export function resourcesFor(render: (value: unknown) => string, statements: Statement[], action: string): string[] {
  return statements.filter((s) => s.Effect === 'Allow' && list(s.Action).includes(action)).flatMap((s) => list(s.Resource).map(render)).sort();
}

export function allowedActions(statements: Statement[]): string[] {
  return statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action));
}

/** Synthesis without esbuild bundling (fast; the templates are the same). */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** The one item a filter must find. */
export function only<T>(items: T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0]!;
}

export function fnProps(s: Synthesized, id: string): Json {
  return s.statelessJson.Resources[id].Properties;
}

/** Registers hooks that synthesize the app with its defaults (no bundling) for a test file; read `.s` inside tests. */
export function synthDefaults(name: string): { s: Synthesized } {
  const out = {} as { s: Synthesized; dir: string };
  beforeAll(() => {
    out.dir = mkdtempSync(join(tmpdir(), `kam-${name}-`));
    out.s = synthesized(buildApp({ outdir: out.dir, context: NO_BUNDLING }));
  });
  afterAll(() => rmSync(out.dir, { recursive: true, force: true }));
  return out;
}

/**
 * Registers hooks that synthesize the app twice for a test file, with `config` and with the defaults (no bundling),
 * and clean up after; read the results inside tests. Synthesis throws on any unacknowledged cdk-nag finding.
 */
export function synthCustomAndDefaults(name: string, config: Partial<AppConfig>): { custom: Synthesized; defaults: Synthesized; customAssembly: string; outdir: string } {
  const out = {} as { custom: Synthesized; defaults: Synthesized; customAssembly: string; outdir: string };
  beforeAll(() => {
    const outdir = (out.outdir = mkdtempSync(join(tmpdir(), `kam-${name}-`)));
    const built = buildApp({ outdir: join(outdir, 'custom'), context: NO_BUNDLING, config });
    out.customAssembly = built.app.synth().directory;
    out.custom = synthesized(built);
    out.defaults = synthesized(buildApp({ outdir: join(outdir, 'defaults'), context: NO_BUNDLING }));
  });
  afterAll(() => rmSync(out.outdir, { recursive: true, force: true }));
  return out;
}

/**
 * A schedule's role: assumed only by EventBridge Scheduler (this account, default schedule group), no managed
 * policies, allowed to invoke `fn` and send to `dlq` and nothing else; and no other role or resource policy may
 * invoke `fn`.
 */
export function expectSchedulerRoleInvokesOnly(s: Synthesized, roleId: string, fn: string, dlq: string): void {
  const role = s.statelessJson.Resources[roleId];
  expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  const trust = only(role.Properties.AssumeRolePolicyDocument.Statement as Json[], 'trust statements');
  expect(trust).toMatchObject({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'scheduler.amazonaws.com' } });
  expect(trust.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
  expect(s.render(trust.Condition.StringEquals['aws:SourceArn'])).toBe('arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule-group/default');
  expect(s.roleStatements(roleId).map((st) => ({ effect: st.Effect, actions: list(st.Action), resources: list(st.Resource).map(s.render) }))).toEqual([
    { effect: 'Allow', actions: ['lambda:InvokeFunction'], resources: [`<${fn}.Arn>`] },
    { effect: 'Allow', actions: ['sqs:SendMessage'], resources: [`<${dlq}.Arn>`] },
  ]);
  const invokers = resourcesOfType(s.statelessJson, 'AWS::IAM::Policy').filter(([, p]) =>
    (p.Properties.PolicyDocument.Statement as Statement[]).some(
      (st) => list(st.Action).some((a) => /^lambda:(InvokeFunction|\*)$|^\*$/.test(a)) && list(st.Resource).map(s.render).some((arn) => arn.startsWith(`<${fn}.`)),
    ),
  );
  expect(invokers.flatMap(([, p]) => list(p.Properties.Roles).map((r: Json) => r.Ref))).toEqual([roleId]);
  expect(resourcesOfType(s.statelessJson, 'AWS::Lambda::Permission').filter(([, p]) => s.render(p.Properties.FunctionName).startsWith(`<${fn}`))).toEqual([]);
}

/** Asynchronous invocations of `fn` that still fail after 2 Lambda retries go to `dlq`. */
export function expectFailuresKeptIn(s: Synthesized, fn: string, dlq: string): void {
  const [, config] = only(
    resourcesOfType(s.statelessJson, 'AWS::Lambda::EventInvokeConfig').filter(([, c]) => c.Properties.FunctionName.Ref === fn),
    'invoke configs',
  );
  expect(config.Properties.MaximumRetryAttempts).toBe(2);
  expect(s.render(config.Properties.DestinationConfig.OnFailure.Destination)).toBe(`<${dlq}.Arn>`);
}
