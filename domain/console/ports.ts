import type { AnomalyKind, Severity } from '../anomalies/anomaly.ts';
import type { Hold } from '../arrears/decide.ts';
import type { Stage } from '../arrears/policy.ts';
import type { ActionCode } from '../classification/playbook.ts';
import type { Customer } from '../customers/customer-master.ts';
import type { Segment } from '../classification/classify.ts';
import type { ArrearsStore } from '../use-cases/arrears-ports.ts';
import type { PaymentStore } from '../use-cases/ports.ts';
import type { StoredStatement } from '../use-cases/statement-ports.ts';

/**
 * What the console's workflows (tasks, disconnection approvals, audit, KPIs) read and write. Every person's write
 * goes through one conditional call that also writes its audit items, so a change and its audit record land
 * together or not at all, and two people acting at once cannot both win.
 */

/** Who did something, as the audit records it: the token's `sub` and email (never logged, only stored). */
export interface Actor {
  sub: string;
  email: string;
}

export type TaskKind = 'phone-call' | 'visit';

/** Why a task exists: a notice that asked for a call, an action of the customer's segment playbook, or an anomaly episode. */
export type TaskSource =
  | { kind: 'notice'; statementKey: string; stage: Stage }
  | { kind: 'playbook'; action: ActionCode; text: string; segmentAsOf: string }
  | { kind: 'anomaly'; anomaly: AnomalyKind; episodeKey: string; from: string; severity: Severity; evidence: string };

export type TaskOutcome =
  | { kind: 'reached'; note?: string }
  | { kind: 'not-reached'; note?: string }
  /** The customer promised to pay by `promisedOn`: a payment-plan hold with one instalment on that day. */
  | { kind: 'promise-to-pay'; promisedOn: string; note?: string }
  /** The customer disputes the amount: a dispute hold until someone releases it. */
  | { kind: 'dispute'; reason: string; note?: string };

export interface ClosedOutcome {
  outcome: TaskOutcome;
  by: Actor;
  at: string;
  /** The local day it was closed: "closed within the due date" compares this with `dueOn`. */
  closedOn: string;
}

export interface Task {
  /** `<customerId>~<key>`, stable and URL-safe (see taskId in tasks.ts). */
  id: string;
  customerId: string;
  kind: TaskKind;
  /** The local day it was created. */
  day: string;
  dueOn: string;
  /** The customer's account manager when the task was created. */
  assignee: string;
  source: TaskSource;
  note: string;
  status: 'open' | 'closed';
  closed?: ClosedOutcome;
}

/** One audited write: who, when, what, and the state before and after (ids and amounts; never logged). */
export interface AuditEntry {
  customerId: string;
  /** ISO instant; entries read newest first. */
  at: string;
  /** Unique within the customer and instant. */
  id: string;
  by: Actor;
  action: 'task.outcome' | 'hold.created' | 'approval.recommended' | 'approval.decided';
  /** The task, hold or request it concerns. */
  target: string;
  before: unknown;
  after: unknown;
}

export interface Recommendation {
  verdict: 'approve' | 'reject';
  reason: string;
  by: Actor;
  at: string;
}

export interface Decision {
  verdict: 'approved' | 'rejected';
  reason: string;
  by: Actor;
  at: string;
}

/** A person's handling of one disconnection request (a sent `disconnection-request` notice). */
export interface ApprovalRecord {
  customerId: string;
  statementKey: string;
  recommendation?: Recommendation;
  decision?: Decision;
}

/** A suppressed address (bounce or complaint) with the customers that used it. */
export interface SuppressionRecord {
  address: string;
  reason: 'bounce' | 'complaint';
  at: string;
  customerIds: string[];
}

/** Task, hold and approval storage for the console; every write is conditional and carries its audit entries. */
export interface ConsoleStore {
  task(customerId: string, key: string): Promise<Task | undefined>;
  tasksOf(customerId: string): Promise<Task[]>;
  /** Every task of every customer (the listing index); callers filter by access. */
  allTasks(): Promise<Task[]>;
  /** Creates a task once; 'exists' when a task with its id is there already (nothing changed). */
  createTask(task: Task): Promise<'created' | 'exists'>;
  /**
   * Closes an open task, and with it creates the hold (if any) and writes the audit entries, all or nothing;
   * 'already-closed' when the task was no longer open (someone else closed it first), and nothing was written.
   */
  closeTask(task: Task, closed: ClosedOutcome, effects: { hold?: { key: string; hold: Hold }; audit: AuditEntry[] }): Promise<'closed' | 'already-closed'>;
  approval(customerId: string, statementKey: string): Promise<ApprovalRecord | undefined>;
  approvalsOf(customerId: string): Promise<ApprovalRecord[]>;
  /** Records a recommendation while there is neither one nor a decision; 'conflict' otherwise (nothing written). */
  recommend(customerId: string, statementKey: string, r: Recommendation, audit: AuditEntry): Promise<'recorded' | 'conflict'>;
  /** Records a decision while there is none; 'conflict' when one was recorded first (nothing written). */
  decide(customerId: string, statementKey: string, d: Decision, audit: AuditEntry): Promise<'recorded' | 'conflict'>;
  /** A customer's audit trail, newest first. */
  audit(customerId: string, limit?: number): Promise<AuditEntry[]>;
  /** Suppressions recorded from `from` to `to` (local days, inclusive; compared on the ISO instant's date). */
  suppressions(from: string, to: string): Promise<SuppressionRecord[]>;
}

/** The ports the console workflows share. */
export interface ConsolePorts {
  customers: { all(): Promise<Customer[]>; get(id: string): Promise<(Customer & { segment?: Segment }) | undefined> };
  console: ConsoleStore;
  arrears: Pick<ArrearsStore, 'receivables' | 'notices'>;
  payments: PaymentStore;
  statements: { history(customerId: string): Promise<StoredStatement[]> };
  clock: () => Date;
  /** The business time zone's local day of an instant. */
  dayOf: (at: Date) => string;
  /** A fresh unique id (audit entries). */
  newId: () => string;
}

/** The thing asked for does not exist (or is not visible in this form): the API answers 404. */
export class NotFound extends Error {
  override name = 'NotFound';
}

/** Someone else changed it first (a task closed twice, a second decision): the API answers 409 with this message. */
export class Conflict extends Error {
  override name = 'Conflict';
}

/** The request is malformed (a missing reason, a date that is not a day): the API answers 400. */
export class Invalid extends Error {
  override name = 'Invalid';
}
