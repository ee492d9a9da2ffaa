import { canApprove, canRead, canWrite, Forbidden, type Caller } from './caller.ts';
import { scopeOf, text } from './tasks.ts';
import { Conflict, Invalid, NotFound, type ApprovalRecord, type ConsolePorts, type Decision, type Recommendation } from './ports.ts';
import type { Customer } from '../customers/customer-master.ts';
import { mapConcurrent } from '../util/concurrency.ts';

/**
 * Disconnection requests (the final stage of the arrears ladder, sent to the account manager) and the people's
 * decision on each. Four eyes: the customer's own manager may recommend approval or rejection, with a reason; only a
 * supervisor of the customer's region approves or rejects, with a reason, and never a request they recommended
 * themselves. Each step records who (sub and email), when and why, once (a second decision, even a concurrent one,
 * gets Conflict). Approving disconnects nothing: the utility carries it out under the Supply Business Rules, with the
 * 30-minute advance notice; the console and the CLI only record the decision.
 */

export type ApprovalState = 'requested' | 'recommended' | 'approved' | 'rejected';

export interface ApprovalView {
  /** `<customerId>~<period>~v<n>`: one URL path segment (see approvalId). */
  id: string;
  customerId: string;
  customerName: string;
  region: string;
  accountManagerEmail: string;
  statementKey: string;
  state: ApprovalState;
  /** From the request as sent: the amount then, the earliest disconnection date the final notice stated, the day. */
  amountDue: string;
  currency: string;
  disconnectionDate?: string;
  requestedOn: string;
  recommendation?: Recommendation;
  decision?: Decision;
}

export function approvalId(customerId: string, statementKey: string): string {
  return `${customerId}~${statementKey.replaceAll('#', '~')}`;
}

export function parseApprovalId(id: string): { customerId: string; statementKey: string } {
  const i = id.indexOf('~');
  if (i <= 0 || i === id.length - 1) throw new NotFound(`no disconnection request ${id}`);
  return { customerId: id.slice(0, i), statementKey: id.slice(i + 1).replaceAll('~', '#') };
}

export function stateOf(r: ApprovalRecord | undefined): ApprovalState {
  if (r?.decision) return r.decision.verdict;
  return r?.recommendation ? 'recommended' : 'requested';
}

type Ports = Pick<ConsolePorts, 'customers' | 'console' | 'arrears' | 'clock' | 'newId'>;

/** The requests of one customer (sent disconnection-request notices) with their state. */
async function requestsOf(ports: Ports, customer: { customerId: string; name: string; region: string; accountManagerEmail: string }): Promise<ApprovalView[]> {
  const requests = (await ports.arrears.notices(customer.customerId)).filter((n) => n.stage === 'disconnection-request' && n.email.state === 'sent');
  if (requests.length === 0) return [];
  const records = new Map((await ports.console.approvalsOf(customer.customerId)).map((r) => [r.statementKey, r]));
  return requests.map((n) => {
    const r = records.get(n.statementKey);
    const disconnectionDate = n.email.disconnectionDate ?? n.disconnectionDate;
    return {
      id: approvalId(customer.customerId, n.statementKey),
      customerId: customer.customerId,
      customerName: customer.name,
      region: customer.region,
      accountManagerEmail: customer.accountManagerEmail,
      statementKey: n.statementKey,
      state: stateOf(r),
      amountDue: n.email.amountDue ?? n.amountDue,
      currency: n.currency,
      ...(disconnectionDate ? { disconnectionDate } : {}),
      requestedOn: n.email.sentOn ?? n.decidedOn,
      ...(r?.recommendation ? { recommendation: r.recommendation } : {}),
      ...(r?.decision ? { decision: r.decision } : {}),
    };
  });
}

/** Every request the caller may see, undecided first, then oldest request first. */
export function listApprovals(ports: Ports) {
  return async (caller: Caller, filter: { customerId?: string } = {}): Promise<ApprovalView[]> => {
    let visible: Customer[];
    if (filter.customerId !== undefined) {
      // One customer (its 360): that customer's access only, not the whole customer list.
      const c = await ports.customers.get(filter.customerId);
      if (!c || !canRead(caller, scopeOf(c))) throw new Forbidden(`no access to ${filter.customerId}`);
      visible = [c];
    } else visible = (await ports.customers.all()).filter((c) => canRead(caller, scopeOf(c)));
    const out = (await mapConcurrent(visible, 8, (c) => requestsOf(ports, c))).flat();
    const open = (v: ApprovalView) => (v.decision ? 1 : 0);
    return out.sort((a, b) => open(a) - open(b) || (a.requestedOn < b.requestedOn ? -1 : a.requestedOn > b.requestedOn ? 1 : a.id < b.id ? -1 : 1));
  };
}

async function load(ports: Ports, caller: Caller, id: string, may: (c: ReturnType<typeof scopeOf>, record: ApprovalRecord | undefined) => boolean) {
  const { customerId, statementKey } = parseApprovalId(id);
  const customer = await ports.customers.get(customerId);
  if (!customer || !canRead(caller, scopeOf(customer))) throw new Forbidden(`no access to ${customerId}`);
  const view = (await requestsOf(ports, customer)).find((v) => v.statementKey === statementKey);
  if (!view) throw new NotFound(`no disconnection request ${id}`);
  const record = await ports.console.approval(customerId, statementKey);
  if (!may(scopeOf(customer), record)) throw new Forbidden(`may not decide on ${id}`);
  return { customerId, statementKey, view, record };
}

const checkReason = (reason: string | undefined) => {
  const r = text(reason, 'reason');
  if (!r) throw new Invalid('a reason is required');
  return r;
};

/** The customer's manager (or a supervisor of the region) recommends approving or rejecting, once, before a decision. */
export function recommendDisconnection(ports: Ports) {
  return async (caller: Caller, id: string, input: { verdict: 'approve' | 'reject'; reason: string }): Promise<ApprovalView> => {
    if (input.verdict !== 'approve' && input.verdict !== 'reject') throw new Invalid('verdict must be approve or reject');
    const reason = checkReason(input.reason);
    const { customerId, statementKey, view, record } = await load(ports, caller, id, (scope) => canWrite(caller, scope));
    if (record?.decision) throw new Conflict(`${id} was already ${record.decision.verdict}`);
    if (record?.recommendation) throw new Conflict(`${id} already has a recommendation`);
    const by = { sub: caller.sub, email: caller.email };
    const recommendation: Recommendation = { verdict: input.verdict, reason, by, at: ports.clock().toISOString() };
    const audit = { customerId, at: recommendation.at, id: ports.newId(), by, action: 'approval.recommended' as const, target: view.id, before: { state: view.state }, after: { state: 'recommended', verdict: input.verdict, reason } };
    if ((await ports.console.recommend(customerId, statementKey, recommendation, audit)) === 'conflict') throw new Conflict(`${id} was changed by someone else first`);
    return { ...view, state: 'recommended', recommendation };
  };
}

/** A supervisor of the customer's region approves or rejects, once, never a request they recommended. */
export function decideDisconnection(ports: Ports) {
  return async (caller: Caller, id: string, input: { verdict: 'approved' | 'rejected'; reason: string }): Promise<ApprovalView> => {
    if (input.verdict !== 'approved' && input.verdict !== 'rejected') throw new Invalid('verdict must be approved or rejected');
    const reason = checkReason(input.reason);
    const { customerId, statementKey, view, record } = await load(ports, caller, id, (scope, r) => canApprove(caller, scope, r?.recommendation?.by.sub));
    if (record?.decision) throw new Conflict(`${id} was already ${record.decision.verdict}`);
    const by = { sub: caller.sub, email: caller.email };
    const decision: Decision = { verdict: input.verdict, reason, by, at: ports.clock().toISOString() };
    const audit = { customerId, at: decision.at, id: ports.newId(), by, action: 'approval.decided' as const, target: view.id, before: { state: view.state }, after: { state: input.verdict, reason } };
    if ((await ports.console.decide(customerId, statementKey, decision, audit)) === 'conflict') throw new Conflict(`${id} was decided by someone else first`);
    return { ...view, state: input.verdict, decision };
  };
}
