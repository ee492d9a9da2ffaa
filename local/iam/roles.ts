/**
 * Each function's execution role as the synthesized templates define it, with every ARN resolved to the local
 * resources: the role's inline policies and every AWS::IAM::Policy / ManagedPolicy attached to it. AWS-managed policy
 * ARNs cannot be read locally; they are reported and grant nothing (stricter than AWS, never looser).
 */
import type { CfnValue, NamedTemplate, ProvisionedResources } from '../provision.ts';
import type { PolicyDocument } from './policy.ts';
import type { ResourceNaming } from './requests.ts';

export interface FunctionRole {
  roleLogicalId: string;
  roleArn: string;
  policies: PolicyDocument[];
  /** Managed policy ARNs attached to the role that are not in the templates */
  unresolvedManagedPolicies: string[];
}

function roleLogicalIdOf(roleProperty: CfnValue): string | undefined {
  const v = roleProperty as { 'Fn::GetAtt'?: [string, string] | string } | undefined;
  const getAtt = v?.['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

const refersTo = (roles: unknown, roleLogicalId: string) =>
  Array.isArray(roles) && roles.some((r) => (r as { Ref?: string } | null)?.Ref === roleLogicalId);

/** The role of function `functionLogicalId` in `stackName`, its policy documents resolved locally. */
export function functionRole(templates: readonly NamedTemplate[], provisioned: ProvisionedResources, stackName: string, functionLogicalId: string): FunctionRole {
  const template = templates.find((t) => t.stackName === stackName)?.template;
  const fn = template?.Resources?.[functionLogicalId];
  if (!template || fn?.Type !== 'AWS::Lambda::Function') throw new Error(`no function ${stackName}/${functionLogicalId}`);
  const roleLogicalId = roleLogicalIdOf(fn.Properties?.Role);
  if (!roleLogicalId) throw new Error(`${functionLogicalId}: Role is not a GetAtt of a role in its stack; the local stack cannot enforce it`);
  const role = template.Resources?.[roleLogicalId];
  const resolve = (v: CfnValue) => provisioned.resolve(v, stackName);
  const policies: PolicyDocument[] = [];
  for (const inline of (role?.Properties?.Policies ?? []) as { PolicyDocument: CfnValue }[]) policies.push(resolve(inline.PolicyDocument) as PolicyDocument);
  const managed = new Set(((resolve(role?.Properties?.ManagedPolicyArns ?? []) as string[]) ?? []).map(String));
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    if ((r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') && refersTo(r.Properties?.Roles, roleLogicalId)) {
      policies.push(resolve(r.Properties!.PolicyDocument) as PolicyDocument);
      if (r.Type === 'AWS::IAM::ManagedPolicy') managed.delete(provisioned.resolve({ Ref: id }, stackName) as string);
    }
  }
  return {
    roleLogicalId,
    roleArn: provisioned.resolve({ 'Fn::GetAtt': [roleLogicalId, 'Arn'] }, stackName) as string,
    policies,
    unresolvedManagedPolicies: [...managed],
  };
}

/** How the local resources are named, for building request ARNs that equal the policies' resolved ARNs. */
export function resourceNaming(provisioned: ProvisionedResources, sesIdentities: readonly string[] = []): ResourceNaming {
  const tables = new Map<string, { arn: string; hashKey: string; indexes: Map<string, string> }>();
  for (const t of provisioned.tables) {
    const hash = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) => schema?.find((k) => k.KeyType === 'HASH')?.AttributeName ?? '';
    const indexes = new Map<string, string>();
    for (const i of [...(t.description.GlobalSecondaryIndexes ?? []), ...(t.description.LocalSecondaryIndexes ?? [])]) {
      if (i.IndexName) indexes.set(i.IndexName, hash(i.KeySchema));
    }
    tables.set(t.name, { arn: t.attributes.Arn!, hashKey: hash(t.description.KeySchema), indexes });
  }
  return {
    region: provisioned.region,
    accountId: provisioned.accountId,
    tables,
    queues: new Map(provisioned.queues.map((q) => [q.name, q.arn])),
    sesIdentities,
  };
}
