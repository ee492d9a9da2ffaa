import type { Hold, NoticeDecision } from '../arrears/decide.ts';
import type { Receivable } from '../arrears/ledger.ts';
import type { Stage } from '../arrears/policy.ts';
import type { OutboxClaim, OutboxState } from './mail-ports.ts';

export type NoticeState = OutboxState;

/** The notice's outbox and, once sent, what was actually sent: recipients, amounts and the dates as of the sent day. */
export interface NoticeEmail {
  state: NoticeState;
  messageId?: string;
  at?: string;
  /** The local day it went out: the ladder counts from it, not from the day it was decided. */
  sentOn?: string;
  to?: string[];
  cc?: string[];
  amountDue?: string;
  lateCharge?: string;
  /** Final notice and request: the earliest disconnection date as stated in the email (recomputed on the sent day). */
  disconnectionDate?: string;
  nextStep?: NoticeDecision['nextStep'];
  /** Cancelled: paid in full, or the statement was superseded by a newer version of its period. */
  reason?: 'paid' | 'superseded';
  error?: string;
  leaseUntil?: number;
  /** Who resolved an 'unknown' send. */
  resolvedBy?: string;
}

/** A notice as decided by the scan and, once sent, the proof of notice: what, when, to whom, amounts, dates, id. */
export interface StoredNotice extends NoticeDecision {
  /** The scan day that decided it. */
  decidedOn: string;
  decidedAt: string;
  email: NoticeEmail;
}

export interface NoticeJob {
  customerId: string;
  statementKey: string;
  stage: Stage;
}

export interface ArrearsStore {
  /**
   * The current version of each of the customer's statements, as receivables (`delivered` false when its email has
   * not been sent: no notice may follow it).
   */
  receivables(customerId: string): Promise<Receivable[]>;
  notices(customerId: string): Promise<StoredNotice[]>;
  notice(job: NoticeJob): Promise<StoredNotice | undefined>;
  /** Creates the notice of a stage for a statement once: a stage is never decided twice. */
  createNotice(notice: StoredNotice): Promise<'created' | 'exists'>;
  claimNotice(job: NoticeJob, now: Date, leaseMs: number): Promise<OutboxClaim>;
  /** The claiming worker's result, conditional on the current state (see OutboxState); false when nothing was written. */
  markNotice(job: NoticeJob, email: NoticeEmail & { state: 'sent' | 'failed' | 'unknown' }, lease: number): Promise<boolean>;
  /** Cancels a notice not sent yet (`pending` or `failed` only); false when it was in any other state. */
  cancelNotice(job: NoticeJob, email: NoticeEmail & { state: 'cancelled' }): Promise<boolean>;
  /** An operator's decision on an 'unknown' send; false when it was not 'unknown'. */
  resolveNotice(job: NoticeJob, to: 'sent' | 'failed', detail: { at: Date; messageId?: string; sentOn?: string; by: string }): Promise<boolean>;
  holds(customerId: string): Promise<Hold[]>;
  putHold(customerId: string, hold: Hold): Promise<void>;
  releaseHolds(customerId: string, on: string): Promise<number>;
  /**
   * A phone-call task for the account manager (at the formal notice), created once per notice: an open console task
   * (domain/console/tasks.ts) due on `dueOn`, from the notice of `stage`.
   */
  addTask(customerId: string, task: { day: string; kind: 'phone-call'; statementKey: string; stage: Stage; dueOn: string; assignee: string; note: string }): Promise<void>;
  tasks(customerId: string): Promise<{ day: string; kind: string; statementKey: string; assignee: string; note: string; dueOn?: string; status?: string }[]>;
}
