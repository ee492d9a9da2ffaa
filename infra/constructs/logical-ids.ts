import { createHash } from 'node:crypto';
import type { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Stateful resources keep a fixed logical id: a changed id would make CloudFormation replace (and orphan) them. */
export function pinLogicalId<T extends IConstruct>(construct: T, logicalId: string): T {
  (construct.node.defaultChild as CfnResource).overrideLogicalId(logicalId);
  return construct;
}

/**
 * The logical id CDK allocates to the resource at `path` directly under its stack (human part + 8 hex digits of the
 * path's MD5), for a resource that has moved into a construct but must keep the id it had at the root.
 */
export function rootLogicalId(...path: string[]): string {
  const human = path.filter((part) => part !== 'Resource').join('').replace(/[^A-Za-z0-9]/g, '');
  return human + createHash('md5').update(path.join('/')).digest('hex').slice(0, 8).toUpperCase();
}
