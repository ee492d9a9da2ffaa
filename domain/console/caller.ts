/**
 * Who calls the console API, from the claims of a verified Cognito token (never from anything the client says).
 * Access is decided here, in the domain, so every route and every use case applies the same rule:
 * - `managers` see and act on the customers whose account manager email is theirs;
 * - `supervisors` see every customer of their regions (the `custom:regions` attribute) and every manager's figures,
 *   and are the only ones who approve a disconnection request (never their own recommendation);
 * - `operators` see everything and write nothing.
 */
export const GROUPS = ['managers', 'supervisors', 'operators'] as const;
export type Group = (typeof GROUPS)[number];

export interface Caller {
  /** Cognito `sub`: stable id of the person, used in audit records. */
  sub: string;
  /** Verified email, lower case: the account_manager_email a manager's customers carry. */
  email: string;
  groups: Group[];
  /** Supervisors' regions (empty for others). */
  regions: string[];
}

/** The caller from verified token claims; null when the token names no known group (no access at all). */
export function callerFromClaims(claims: Record<string, unknown>): Caller | null {
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  const raw = claims['cognito:groups'];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.replace(/^\[|\]$/g, '').split(/[\s,]+/) : [];
  const groups = GROUPS.filter((g) => list.includes(g));
  if (!sub || !email || groups.length === 0) return null;
  const regionClaim = typeof claims['custom:regions'] === 'string' ? claims['custom:regions'] : '';
  const regions = groups.includes('supervisors') ? regionClaim.split(',').map((r) => r.trim()).filter(Boolean) : [];
  return { sub, email, groups, regions };
}

/** What a customer needs for an access decision. */
export interface CustomerScope {
  customerId: string;
  region: string;
  accountManagerEmail: string;
}

/** Whether the caller may see the customer. */
export function canRead(caller: Caller, c: CustomerScope): boolean {
  if (caller.groups.includes('operators')) return true;
  if (caller.groups.includes('supervisors') && caller.regions.includes(c.region)) return true;
  return caller.groups.includes('managers') && c.accountManagerEmail.trim().toLowerCase() === caller.email;
}

/** Whether the caller may act on the customer (tasks, recommendations): its own manager or a supervisor of its region. */
export function canWrite(caller: Caller, c: CustomerScope): boolean {
  if (caller.groups.includes('supervisors') && caller.regions.includes(c.region)) return true;
  return caller.groups.includes('managers') && c.accountManagerEmail.trim().toLowerCase() === caller.email;
}

/** Whether the caller may approve or reject a disconnection request: a supervisor of the region, not its recommender. */
export function canApprove(caller: Caller, c: CustomerScope, recommendedBy: string | undefined): boolean {
  return caller.groups.includes('supervisors') && caller.regions.includes(c.region) && recommendedBy !== caller.sub && recommendedBy !== caller.email;
}

/** Thrown by use cases when the caller may not see or do something: the API answers 403 with no data. */
export class Forbidden extends Error {
  override name = 'Forbidden';
}
