/**
 * Puts a function behind the local IAM check: what Lambda verifies when its event source mappings are created, and a
 * proxy in front of every service its SDK clients reach.
 */
import type { LocalEventSourceMapping } from '../provision.ts';
import { evaluateAll } from './policy.ts';
import { startIamProxy, type Denial, type IamProxy } from './proxy.ts';
import type { ResourceNaming, Service } from './requests.ts';
import type { FunctionRole } from './roles.ts';

/** The endpoint variables the SDK clients read, per service (SES v2 reads its own). */
const ENDPOINT_VARIABLES: Partial<Record<Service, string[]>> = {
  dynamodb: ['AWS_ENDPOINT_URL_DYNAMODB'],
  s3: ['AWS_ENDPOINT_URL_S3'],
  ses: ['AWS_ENDPOINT_URL_SES', 'AWS_ENDPOINT_URL_SESV2'],
  sqs: ['AWS_ENDPOINT_URL_SQS'],
};

/** Throws as CreateEventSourceMapping fails in AWS when the role may not poll a source queue. */
export function checkEventSourceAccess(functionName: string, role: FunctionRole, sources: readonly LocalEventSourceMapping[]): void {
  for (const source of sources) {
    const verdict = evaluateAll(
      role.policies,
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].map((action) => ({ action, resource: source.eventSourceArn })),
    );
    if (!verdict.allowed) {
      throw new Error(`${functionName}: the execution role does not have permissions to call ${verdict.request.action.split(':')[1]} on ${source.eventSourceArn} (event source mapping ${source.logicalId})`);
    }
  }
}

/**
 * Starts the function's proxy in front of the servers its environment names, and points that environment at it
 * (changed in place). Denied calls reach `onDenied`.
 */
export async function guardEndpoints(
  functionName: string,
  role: FunctionRole,
  environment: Record<string, string>,
  naming: ResourceNaming,
  onDenied: (denial: Denial) => void,
): Promise<IamProxy> {
  const upstream: Partial<Record<Service, string>> = {};
  for (const [service, [primary]] of Object.entries(ENDPOINT_VARIABLES) as [Service, string[]][]) {
    if (environment[primary!]) upstream[service] = environment[primary!];
  }
  const proxy = await startIamProxy({ functionName, roleArn: role.roleArn, policies: role.policies, upstream, naming, onDenied });
  for (const names of Object.values(ENDPOINT_VARIABLES)) for (const name of names) environment[name] = proxy.url;
  return proxy;
}
