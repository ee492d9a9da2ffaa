/**
 * IAM identity-policy evaluation, as AWS does it for one request: an explicit Deny wins, otherwise some Allow
 * statement must match the action, the resource and every condition, otherwise the request is implicitly denied.
 * Covers what the project's roles use: Action/NotAction and Resource/NotResource with `*` and `?` wildcards, and
 * the String*, Arn*, Bool, Numeric* and Null condition operators with the ForAllValues:/ForAnyValue: set prefixes
 * and the IfExists suffix. Resource policies, permission boundaries and SCPs are not evaluated.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** One authorization check: an action on a resource, with the request's condition keys. */
export interface AuthorizationRequest {
  /** `service:Action`, e.g. `dynamodb:Query` */
  action: string;
  /** the ARN the action is authorized against */
  resource: string;
  /** condition keys (case-insensitive names) → one value or a set of values */
  context?: Record<string, string | readonly string[]>;
}

export interface Decision {
  allowed: boolean;
  /** `explicit-deny`, `allow` or `implicit-deny` */
  kind: 'allow' | 'explicit-deny' | 'implicit-deny';
  /** the statement that decided (Sid or index), when one did */
  statement?: string;
}

const list = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v);

/** IAM wildcard match: `*` any run of characters, `?` one character; everything else literal. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  if (pattern === '*') return true;
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  if (!p.includes('*') && !p.includes('?')) return p === v;
  // Iterative glob with backtracking on the last `*`: linear for the patterns IAM sees.
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = vi;
    } else if (star !== -1) {
      pi = star + 1;
      vi = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** ARNs match segment by segment (partition, service, region, account, resource), each with wildcards. */
export function arnMatch(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const ps = pattern.split(':');
  const as = arn.split(':');
  if (ps.length < 6 || as.length < 6) return wildcardMatch(pattern, arn);
  // The resource part may itself contain ':'; compare the first five segments, then the rest as one.
  for (let i = 0; i < 5; i++) if (!wildcardMatch(ps[i]!, as[i]!)) return false;
  return wildcardMatch(ps.slice(5).join(':'), as.slice(5).join(':'));
}

const actionMatches = (patterns: readonly string[], action: string) => patterns.some((p) => wildcardMatch(p, action, true));
const resourceMatches = (patterns: readonly string[], resource: string) => patterns.some((p) => arnMatch(p, resource));

type Comparator = (requestValue: string, policyValue: string) => boolean;

const COMPARATORS: Record<string, Comparator> = {
  StringEquals: (a, b) => a === b,
  StringNotEquals: (a, b) => a !== b,
  StringEqualsIgnoreCase: (a, b) => a.toLowerCase() === b.toLowerCase(),
  StringNotEqualsIgnoreCase: (a, b) => a.toLowerCase() !== b.toLowerCase(),
  StringLike: (a, b) => wildcardMatch(b, a),
  StringNotLike: (a, b) => !wildcardMatch(b, a),
  ArnEquals: (a, b) => arnMatch(b, a),
  ArnLike: (a, b) => arnMatch(b, a),
  ArnNotEquals: (a, b) => !arnMatch(b, a),
  ArnNotLike: (a, b) => !arnMatch(b, a),
  NumericEquals: (a, b) => Number(a) === Number(b),
  NumericNotEquals: (a, b) => Number(a) !== Number(b),
  NumericLessThan: (a, b) => Number(a) < Number(b),
  NumericLessThanEquals: (a, b) => Number(a) <= Number(b),
  NumericGreaterThan: (a, b) => Number(a) > Number(b),
  NumericGreaterThanEquals: (a, b) => Number(a) >= Number(b),
  Bool: (a, b) => a.toLowerCase() === b.toLowerCase(),
};
/** Negated operators are satisfied when no policy value matches (AWS: "not equal to any"). */
const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'NumericNotEquals']);

function lookup(context: AuthorizationRequest['context'], key: string): readonly string[] | undefined {
  if (!context) return undefined;
  const wanted = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) if (k.toLowerCase() === wanted) return list(v);
  return undefined;
}

/** Whether one `Operator: { key: values }` block holds for the request; throws on an operator it does not know. */
function conditionHolds(operatorSpec: string, block: Record<string, unknown>, context: AuthorizationRequest['context']): boolean {
  let operator = operatorSpec;
  let set: 'ForAllValues' | 'ForAnyValue' | undefined;
  const colon = operator.indexOf(':');
  if (colon > 0) {
    const prefix = operator.slice(0, colon);
    if (prefix !== 'ForAllValues' && prefix !== 'ForAnyValue') throw new Error(`unsupported condition set operator ${prefix}`);
    set = prefix;
    operator = operator.slice(colon + 1);
  }
  const ifExists = operator.endsWith('IfExists');
  if (ifExists) operator = operator.slice(0, -'IfExists'.length);

  for (const [key, raw] of Object.entries(block)) {
    const policyValues = list(raw as string | string[]).map(String);
    const present = lookup(context, key);
    if (operator === 'Null') {
      // Null: true → the key must be absent; false → present.
      const wantAbsent = policyValues[0]?.toLowerCase() === 'true';
      if (wantAbsent !== (present === undefined || present.length === 0)) return false;
      continue;
    }
    const compare = COMPARATORS[operator];
    if (!compare) throw new Error(`unsupported condition operator ${operatorSpec}`);
    const negated = NEGATED.has(operator);
    const one = (value: string) =>
      negated ? policyValues.every((p) => compare(value, p)) : policyValues.some((p) => compare(value, p));
    if (present === undefined) {
      // A missing key: ForAllValues holds vacuously, IfExists holds, anything else fails.
      if (set === 'ForAllValues' || ifExists) continue;
      return false;
    }
    if (set === 'ForAllValues') {
      if (!present.every(one)) return false;
    } else if (set === 'ForAnyValue') {
      if (!present.some(one)) return false;
    } else {
      // A single-valued operator on a multi-valued key matches if any value does.
      if (!present.some(one)) return false;
    }
  }
  return true;
}

function statementMatches(s: PolicyStatement, request: AuthorizationRequest): boolean {
  if (s.Action !== undefined ? !actionMatches(list(s.Action), request.action) : s.NotAction !== undefined ? actionMatches(list(s.NotAction), request.action) : true) {
    return false;
  }
  if (s.Resource !== undefined ? !resourceMatches(list(s.Resource), request.resource) : s.NotResource !== undefined ? resourceMatches(list(s.NotResource), request.resource) : true) {
    return false;
  }
  for (const [operator, block] of Object.entries(s.Condition ?? {})) {
    if (!conditionHolds(operator, block, request.context)) return false;
  }
  return true;
}

export function statementsOf(policies: readonly PolicyDocument[]): PolicyStatement[] {
  return policies.flatMap((p) => (Array.isArray(p.Statement) ? p.Statement : [p.Statement]));
}

/** Evaluates one request against a principal's identity policies. */
export function evaluate(policies: readonly PolicyDocument[], request: AuthorizationRequest): Decision {
  const statements = statementsOf(policies);
  const name = (s: PolicyStatement, i: number) => s.Sid ?? `#${i}`;
  for (const [i, s] of statements.entries()) {
    if (s.Effect === 'Deny' && statementMatches(s, request)) return { allowed: false, kind: 'explicit-deny', statement: name(s, i) };
  }
  for (const [i, s] of statements.entries()) {
    if (s.Effect === 'Allow' && statementMatches(s, request)) return { allowed: true, kind: 'allow', statement: name(s, i) };
  }
  return { allowed: false, kind: 'implicit-deny' };
}

/** All requests of one API call must be allowed (e.g. a transaction touching several tables); the first denial. */
export function evaluateAll(policies: readonly PolicyDocument[], requests: readonly AuthorizationRequest[]): { allowed: true } | { allowed: false; request: AuthorizationRequest; decision: Decision } {
  for (const request of requests) {
    const decision = evaluate(policies, request);
    if (!decision.allowed) return { allowed: false, request, decision };
  }
  return { allowed: true };
}
