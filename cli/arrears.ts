import { randomUUID } from 'node:crypto';
import { SqsJobQueue } from '../functions/adapters/sqs-job-queue.ts';
import { scanArrears } from '../domain/use-cases/scan-arrears.ts';
import { DEFAULT_ARREARS_POLICY, furthestNotice } from '../domain/arrears/policy.ts';
import { allocatePayments } from '../domain/arrears/ledger.ts';
import { lateCharge } from '../domain/arrears/late-charge.ts';
import { holdEnd, type Hold } from '../domain/arrears/decide.ts';
import type { NoticeJob } from '../domain/use-cases/arrears-ports.ts';
import { DEFAULTS } from '../contracts/settings.ts';
import { localDayOf } from '../domain/time/zone.ts';
import { printJson, table } from './output.ts';
import { approvalId, decideDisconnection } from '../domain/console/approvals.ts';
import { Forbidden, type Caller } from '../domain/console/caller.ts';
import { Conflict } from '../domain/console/ports.ts';
import { consolePorts } from '../functions/adapters/ports.ts';
import { type Target, type TargetOptions, withTarget } from './target.ts';

type Json = { json?: boolean };
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const today = () => localDayOf(new Date(), DEFAULTS.timeZone);


function checkDay(name: string, v: string | undefined): string {
  const d = v ?? today();
  if (!DAY.test(d)) throw new Error(`${name} "${d}" is not yyyy-mm-dd`);
  return d;
}

export async function runArrearsCommand(opts: TargetOptions & Json & { asOf?: string }): Promise<number> {
  const asOf = checkDay('--as-of', opts.asOf);
  return withTarget({ ...opts, pipeline: true }, async (t) => {
    if (!t.names.noticeQueue) throw new Error('this stack has no notice queue');
    const scan = scanArrears(
      { customers: t.stores.customers, payments: t.stores.payments, arrears: t.stores.arrears, queue: new SqsJobQueue<NoticeJob>(t.clients.sqs, t.names.noticeQueue), clock: () => new Date() },
      DEFAULT_ARREARS_POLICY,
    );
    const r = await scan(asOf);
    await t.waitForQueues();
    if (opts.json) printJson({ runId: `cli-${randomUUID()}`, asOf, ...r });
    else console.log(`arrears scan ${asOf}: ${r.customers} customers, ${r.decided} notice(s) decided (${Object.entries(r.byStage).map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}), ${r.queued} queued and processed`);
    return 0;
  });
}

export interface ArrearsRow {
  customer: string;
  statement: string;
  dueDate: string;
  outstanding: string;
  lateCharge: string;
  currency: string;
  stage: string;
  hold: string;
}

/** Overdue statements as of `asOf`; one never delivered by email shows as "statement not delivered" (no notice follows it). */
export async function arrearsRows(t: Pick<Target, 'stores'>, asOf: string): Promise<ArrearsRow[]> {
  const rows: ArrearsRow[] = [];
  for (const c of await t.stores.customers.all()) {
    const receivables = await t.stores.arrears.receivables(c.customerId);
    if (!receivables.length) continue;
    const [payments, notices, holds] = await Promise.all([t.stores.payments.forCustomer(c.customerId), t.stores.arrears.notices(c.customerId), t.stores.arrears.holds(c.customerId)]);
    const ledger = allocatePayments(receivables, payments.filter((p) => p.paidOn <= asOf));
    for (const r of ledger.receivables) {
      const outstanding = r.outstandingOn(asOf);
      if (outstanding.lte(0) || r.receivable.dueDate >= asOf) continue;
      const last = furthestNotice(notices, r.receivable.key);
      const email = r.receivable.delivered === false ? (await t.stores.statements.latest(c.customerId, r.receivable.period))?.email.state ?? 'missing' : undefined;
      const hold = holds.find((h) => {
        const end = holdEnd(h, payments, DEFAULT_ARREARS_POLICY.planGraceDays);
        return h.from <= asOf && (!end || end > asOf) && (!h.statementKeys || h.statementKeys.includes(r.receivable.key));
      });
      rows.push({
        customer: c.customerId,
        statement: r.receivable.key,
        dueDate: r.receivable.dueDate,
        outstanding: outstanding.toFixed(2),
        lateCharge: lateCharge({ receivable: r.receivable, balanceOn: (d) => r.balanceAtStartOf(d), asOf, policy: DEFAULT_ARREARS_POLICY }).amount,
        currency: r.receivable.currency,
        stage: email ? `statement not delivered (${email})` : last ? `${last.stage}${last.email.state === 'sent' ? '' : ` (${last.email.state})`}` : 'none yet',
        hold: hold ? hold.kind : '',
      });
    }
  }
  return rows;
}

export async function arrearsCommand(opts: TargetOptions & Json & { stage?: string; asOf?: string }): Promise<number> {
  const asOf = checkDay('--as-of', opts.asOf);
  return withTarget(opts, async (t) => {
    const rows = (await arrearsRows(t, asOf)).filter((r) => !opts.stage || r.stage.startsWith(opts.stage));
    if (opts.json) printJson({ asOf, arrears: rows });
    else {
      console.log(table(rows.map((r) => ({ ...r }))));
      console.log(`${rows.length} overdue statement(s) as of ${asOf}`);
      const undelivered = rows.filter((r) => r.stage.startsWith('statement not delivered')).length;
      if (undelivered) console.log(`${undelivered} of them never delivered by email: no notice follows until it is (kam statements, kam resolve statement)`);
    }
    return 0;
  });
}

export async function noticesCommand(customerId: string, opts: TargetOptions & Json): Promise<number> {
  return withTarget(opts, async (t) => {
    const notices = (await t.stores.arrears.notices(customerId)).sort((a, b) => (a.decidedOn < b.decidedOn ? -1 : a.decidedOn > b.decidedOn ? 1 : 0));
    const tasks = await t.stores.arrears.tasks(customerId);
    if (opts.json) {
      printJson({ customer: customerId, notices, tasks });
      return 0;
    }
    console.log(
      table(
        notices.map((n) => ({
          statement: n.statementKey,
          stage: n.stage,
          decided: n.decidedOn,
          'sent on': n.email.sentOn ?? '',
          state: n.email.state,
          sent: n.email.at?.slice(0, 19).replace('T', ' ') ?? '',
          to: [...(n.email.to ?? []), ...(n.email.cc ?? []).map((x) => `cc ${x}`)].join(', '),
          amount: n.email.amountDue ?? n.amountDue,
          'late charge': n.email.lateCharge ?? n.lateChargeSoFar,
          // As stated in the email (dated from the day it went out), else as decided.
          'disconnection date': n.email.disconnectionDate ?? n.disconnectionDate ?? '',
          messageId: n.email.messageId ?? '',
        })),
      ),
    );
    if (tasks.length) console.log(`\nTasks:\n${table(tasks.map((x) => ({ day: x.day, kind: x.kind, for: x.assignee, note: x.note })))}`);
    return 0;
  });
}

export async function holdCommand(customerId: string, opts: TargetOptions & { reason: string; from?: string; statement?: string[]; instalment?: string[] }): Promise<number> {
  if (opts.reason !== 'dispute' && opts.reason !== 'plan') throw new Error('--reason must be dispute or plan');
  const from = checkDay('--from', opts.from);
  const instalments = (opts.instalment ?? []).map((s) => {
    const m = /^(\d{4}-\d{2}-\d{2})[=:](\d+(\.\d{1,2})?)$/.exec(s);
    if (!m) throw new Error(`--instalment "${s}" must be DATE=AMOUNT, e.g. 2026-12-15=50000`);
    return { dueOn: m[1]!, amount: Number(m[2]).toFixed(2) };
  });
  if (opts.reason === 'plan' && instalments.length === 0) throw new Error('a payment plan needs at least one --instalment DATE=AMOUNT');
  const hold: Hold = { kind: opts.reason, from, ...(opts.statement?.length ? { statementKeys: opts.statement } : {}), ...(instalments.length ? { instalments } : {}) };
  return withTarget(opts, async (t) => {
    if (!(await t.stores.customers.get(customerId))) throw new Error(`no customer ${customerId}`);
    await t.stores.arrears.putHold(customerId, hold);
    console.log(`${customerId} on ${opts.reason} hold from ${from}${instalments.length ? ` with ${instalments.length} instalment(s)` : ''}; escalation stops until released${opts.reason === 'plan' ? ' or an instalment is missed' : ''}`);
    return 0;
  });
}

export async function releaseCommand(customerId: string, opts: TargetOptions & { on?: string }): Promise<number> {
  const on = checkDay('--on', opts.on);
  return withTarget(opts, async (t) => {
    const n = await t.stores.arrears.releaseHolds(customerId, on);
    console.log(n ? `${customerId}: ${n} hold(s) released on ${on}; escalation resumes` : `${customerId} has no active hold`);
    return n ? 0 : 1;
  });
}

/**
 * Records a supervisor's approval from the CLI, through the console's use case (the same four-eyes rules, conditional
 * write and audit entry): the CLI user acts as a supervisor of the customer's region, identified as `cli:<by>`.
 * Returns the statement approved, or why nothing was recorded.
 */
export async function approveRequest(
  t: Pick<Target, 'stores'>,
  customerId: string,
  opts: { statement?: string; by: string; reason?: string },
  clock: () => Date = () => new Date(),
): Promise<{ approved: string } | { refused: string }> {
  const requests = (await t.stores.arrears.notices(customerId)).filter((n) => n.stage === 'disconnection-request' && n.email.state === 'sent');
  const target = opts.statement ? requests.find((r) => r.statementKey === opts.statement) : requests.at(-1);
  const customer = await t.stores.customers.get(customerId);
  if (!target || !customer) return { refused: `${customerId} has no disconnection request to approve` };
  const caller: Caller = { sub: `cli:${opts.by}`, email: opts.by.toLowerCase(), groups: ['supervisors'], regions: [customer.region] };
  try {
    await decideDisconnection(consolePorts(t.stores, DEFAULTS.timeZone, clock))(caller, approvalId(customerId, target.statementKey), { verdict: 'approved', reason: opts.reason ?? 'approved with kam approve-disconnection' });
  } catch (err) {
    if (err instanceof Conflict || err instanceof Forbidden) return { refused: err.message };
    throw err;
  }
  return { approved: target.statementKey };
}

export async function approveCommand(customerId: string, opts: TargetOptions & { statement?: string; by: string; reason?: string }): Promise<number> {
  return withTarget(opts, async (t) => {
    const r = await approveRequest(t, customerId, opts);
    if ('refused' in r) {
      console.error(`kam: ${r.refused}`);
      return 1;
    }
    console.log(`approval recorded for ${customerId} ${r.approved} by ${opts.by}. Nothing was disconnected: carry it out under the Supply Business Rules, with the 30-minute advance notice.`);
    return 0;
  });
}
