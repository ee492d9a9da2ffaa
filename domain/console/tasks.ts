import type { Decimal } from 'decimal.js';
import { Dec } from '../billing/decimal.ts';
import type { Hold } from '../arrears/decide.ts';
import { allocatePayments } from '../arrears/ledger.ts';
import type { ActionCode } from '../classification/playbook.ts';
import type { SegmentState } from '../use-cases/classify-customers.ts';
import { nextDay } from '../time/zone.ts';
import { canRead, canWrite, Forbidden, type Caller, type CustomerScope } from './caller.ts';
import { Conflict, Invalid, NotFound, type AuditEntry, type ClosedOutcome, type ConsolePorts, type Task, type TaskKind, type TaskOutcome } from './ports.ts';

/**
 * Phone-call and visit tasks for account managers, and the outcome a manager records on one.
 * - A notice that asks for a call (the formal notice by default) creates a phone-call task when it is sent
 *   (send-notice.ts, through ArrearsStore.addTask); it is due `DUE_DAYS['phone-call']` days later.
 * - Each action of a customer's stored segment playbook becomes one task per customer, action and segment as-of:
 *   visits for what needs someone on site, calls for the rest. Creating them again changes nothing.
 * - An outcome closes the task once (a second submission, even a concurrent one, gets Conflict). A promise to pay
 *   puts the statement on a payment-plan hold with one instalment (the amount outstanding) due on the promised day,
 *   so escalation resumes by itself if the money does not come; a dispute puts it on a dispute hold until released.
 *   A task from a playbook action has no statement: its hold covers every statement of the customer.
 */

/** Days from a task's creation to its due date: a call within 3 days of the formal notice leaves the customer about a week before the final notice (15 days overdue). */
export const DUE_DAYS: Record<TaskKind, number> = { 'phone-call': 3, visit: 14 };

/** Playbook actions that need someone on site; the others are done by phone. */
const VISIT_ACTIONS: ReadonlySet<ActionCode> = new Set<ActionCode>(['visit', 'meter-check', 'reliability-check', 'review-capacity']);

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A task's id: the customer and the key of the task within the customer (`<day>#<reference>#<kind>`, the stored sort
 * key after `TASK#`), with `#` written `~` so the id is one URL path segment. Customer ids, days, statement keys and
 * action codes never contain `~`.
 */
export function taskId(customerId: string, key: string): string {
  return `${customerId}~${key.replaceAll('#', '~')}`;
}

export function parseTaskId(id: string): { customerId: string; key: string } {
  const i = id.indexOf('~');
  if (i <= 0 || i === id.length - 1) throw new NotFound(`no task ${id}`);
  return { customerId: id.slice(0, i), key: id.slice(i + 1).replaceAll('~', '#') };
}

/** The task key of a notice's phone call (the key the arrears scan's tasks always had). */
export const noticeTaskKey = (day: string, statementKey: string, kind: TaskKind = 'phone-call') => `${day}#${statementKey}#${kind}`;
/** The task key of a playbook action: one per customer, action and segment as-of, whatever day it is created. */
/** The task key of an anomaly episode: one per episode (its key holds the kind and first day), whatever day it is opened. */
export const anomalyTaskKey = (from: string, episodeKey: string, kind: TaskKind = 'phone-call') => `${from}#anomaly:${episodeKey}#${kind}`;
export const playbookTaskKey = (segmentAsOf: string, action: ActionCode, kind: TaskKind) => `${segmentAsOf}#playbook:${action}#${kind}`;

export function scopeOf(c: { customerId: string; region: string; accountManagerEmail: string }): CustomerScope {
  return { customerId: c.customerId, region: c.region, accountManagerEmail: c.accountManagerEmail };
}

/** The caller's tasks: every task of every customer they may see, open ones first, then by due date. */
export function listTasks(ports: Pick<ConsolePorts, 'customers' | 'console'>) {
  return async (caller: Caller, filter: { status?: 'open' | 'closed'; customerId?: string } = {}): Promise<Task[]> => {
    let tasks: Task[];
    if (filter.customerId !== undefined) {
      // One customer (its 360): that customer's access and partition only, not the whole customer list.
      const c = await ports.customers.get(filter.customerId);
      if (!c || !canRead(caller, scopeOf(c))) throw new Forbidden(`no access to ${filter.customerId}`);
      tasks = await ports.console.tasksOf(filter.customerId);
    } else {
      const customers = new Map((await ports.customers.all()).map((c) => [c.customerId, c]));
      tasks = (await ports.console.allTasks()).filter((t) => {
        const c = customers.get(t.customerId);
        return c !== undefined && canRead(caller, scopeOf(c));
      });
    }
    return tasks
      .filter((t) => filter.status === undefined || t.status === filter.status)
      .sort((a, b) => (a.status !== b.status ? (a.status === 'open' ? -1 : 1) : a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : a.id < b.id ? -1 : 1));
  };
}

/**
 * Turns every stored segment's playbook actions into tasks for the customer's account manager (idempotent: the task
 * key is the segment as-of and the action, so a re-run, or a run on another day, finds them and changes nothing).
 * `only`: just these customers (the population job passes the customers whose segment moved in its run, so a
 * segment move makes its actions tasks once, and a run that moved nobody writes nothing).
 */
export function createPlaybookTasks(ports: Pick<ConsolePorts, 'console' | 'clock' | 'dayOf'> & { segments: { all(): Promise<SegmentState[]> } }) {
  return async (only?: ReadonlySet<string>): Promise<{ created: number; existing: number }> => {
    const today = ports.dayOf(ports.clock());
    let created = 0;
    let existing = 0;
    for (const { customer, segment } of await ports.segments.all()) {
      if (!segment || (only !== undefined && !only.has(customer.customerId))) continue;
      for (const action of segment.playbook) {
        const kind: TaskKind = VISIT_ACTIONS.has(action.code) ? 'visit' : 'phone-call';
        const key = playbookTaskKey(segment.asOf, action.code, kind);
        const task: Task = {
          id: taskId(customer.customerId, key),
          customerId: customer.customerId,
          kind,
          day: today,
          dueOn: nextDay(today, DUE_DAYS[kind]),
          assignee: customer.accountManagerEmail,
          source: { kind: 'playbook', action: action.code, text: action.text, segmentAsOf: segment.asOf },
          note: action.text,
          status: 'open',
        };
        if ((await ports.console.createTask(task)) === 'created') created++;
        else existing++;
      }
    }
    return { created, existing };
  };
}

/** Longest free text (notes, reasons) kept from a request. */
export const MAX_TEXT = 2000;

/** Trimmed free text, at most MAX_TEXT characters; undefined when empty. */
export function text(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Invalid(`${what} must be text`);
  const t = v.trim();
  if (t.length > MAX_TEXT) throw new Invalid(`${what} is longer than ${MAX_TEXT} characters`);
  return t || undefined;
}

/** The outcome as stored: only its known fields (the request body may carry anything), checked. */
function checkOutcome(o: TaskOutcome, today: string): TaskOutcome {
  const note = text(o?.note, 'note');
  const withNote = note ? { note } : {};
  switch (o?.kind) {
    case 'reached':
    case 'not-reached':
      return { kind: o.kind, ...withNote };
    case 'promise-to-pay':
      if (typeof o.promisedOn !== 'string' || !DAY.test(o.promisedOn)) throw new Invalid('a promise to pay needs the promised day (yyyy-mm-dd)');
      if (o.promisedOn < today) throw new Invalid(`the promised day ${o.promisedOn} is in the past`);
      return { kind: o.kind, promisedOn: o.promisedOn, ...withNote };
    case 'dispute': {
      const reason = text(o.reason, 'reason');
      if (!reason) throw new Invalid('a dispute needs a reason');
      return { kind: o.kind, reason, ...withNote };
    }
    default:
      throw new Invalid(`unknown outcome ${String((o as { kind?: unknown } | undefined)?.kind)}`);
  }
}

/**
 * Records a task's outcome for a caller who may act on the customer (its manager or a supervisor of its region);
 * a promise or a dispute creates the matching hold in the same write, with the audit entries of both.
 */
export function recordOutcome(ports: ConsolePorts) {
  return async (caller: Caller, id: string, input: TaskOutcome): Promise<{ task: Task; hold?: Hold }> => {
    const { customerId, key } = parseTaskId(id);
    const customer = await ports.customers.get(customerId);
    // Forbidden before NotFound: whether a task exists is itself data about the customer.
    if (!customer || !canWrite(caller, scopeOf(customer))) throw new Forbidden(`no access to ${customerId}`);
    const task = await ports.console.task(customerId, key);
    if (!task) throw new NotFound(`no task ${id}`);
    if (task.status === 'closed') throw new Conflict(`task ${id} is already closed`);
    const now = ports.clock();
    const today = ports.dayOf(now);
    const outcome = checkOutcome(input, today);

    const by = { sub: caller.sub, email: caller.email };
    const closed: ClosedOutcome = { outcome, by, at: now.toISOString(), closedOn: today };
    const statementKeys = task.source.kind === 'notice' ? [task.source.statementKey] : undefined;
    let hold: Hold | undefined;
    if (outcome.kind === 'promise-to-pay') {
      const owed = await outstanding(ports, customerId, today, statementKeys);
      // Nothing owed (paid since the call): nothing to hold.
      if (owed.gt(0)) hold = { kind: 'plan', from: today, ...(statementKeys ? { statementKeys } : {}), instalments: [{ dueOn: outcome.promisedOn, amount: owed.toFixed(2) }] };
    } else if (outcome.kind === 'dispute') {
      hold = { kind: 'dispute', from: today, ...(statementKeys ? { statementKeys } : {}) };
    }
    const after: Task = { ...task, status: 'closed', closed };
    const audit: AuditEntry[] = [
      { customerId, at: closed.at, id: ports.newId(), by, action: 'task.outcome', target: task.id, before: { status: task.status }, after: { status: 'closed', outcome } },
    ];
    // The hold's key names the task, so holds created the same day by different tasks never overwrite each other.
    const holdKey = hold ? `${hold.from}#${hold.kind}#${task.id}` : undefined;
    if (hold) audit.push({ customerId, at: closed.at, id: ports.newId(), by, action: 'hold.created', target: `hold:${holdKey}`, before: null, after: hold });
    const r = await ports.console.closeTask(task, closed, { ...(hold && holdKey ? { hold: { key: holdKey, hold } } : {}), audit });
    if (r === 'already-closed') throw new Conflict(`task ${id} is already closed`);
    return { task: after, ...(hold ? { hold } : {}) };
  };
}

/** What the customer owes on `day` on the given statements (all when absent), from the current versions and payments. */
async function outstanding(ports: Pick<ConsolePorts, 'arrears' | 'payments'>, customerId: string, day: string, keys: string[] | undefined): Promise<Decimal> {
  const [receivables, payments] = await Promise.all([ports.arrears.receivables(customerId), ports.payments.forCustomer(customerId)]);
  const ledger = allocatePayments(receivables, payments.filter((p) => p.paidOn <= day));
  return ledger.receivables
    .filter((l) => keys === undefined || keys.includes(l.receivable.key))
    .reduce((s: Decimal, l) => s.plus(l.outstandingOn(day)), new Dec(0));
}
