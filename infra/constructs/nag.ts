import { Stack, Token, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/**
 * Acknowledge one AwsSolutions-IAM5 finding (`Resource::<arn>` or `Action::<action>`) on `policy` and nothing else.
 * cdk-nag 3 matches findings by exact id, and an ARN holding a cross-stack reference only takes its final form
 * (import/stack-output name) after CDK's prepare phase, so those are acknowledged from a node validation, which
 * runs after prepare and before the validation plugins.
 */
export function acknowledgeWildcard(policy: IConstruct, kind: 'Resource' | 'Action', value: string, reason: string): void {
  const acknowledge = (flat: string): void => Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${kind}::${flat}]`, reason });
  if (!Token.isUnresolved(value)) return acknowledge(flattenCfnReference(value));
  let acknowledged = false; // every synth (e.g. each Template.fromStack) validates again
  policy.node.addValidation({
    validate: () => {
      if (!acknowledged) acknowledge(flattenCfnReference(Stack.of(policy).resolve(value)));
      acknowledged = true;
      return [];
    },
  });
}
