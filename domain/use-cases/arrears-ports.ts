import type { Hold, NoticeDecision } from '../arrears/decide.ts';
import type { Receivable } from '../arrears/ledger.ts';
import type { Stage } from '../arrears/policy.ts';

export type NoticeState = 'pending' | 'sending' | 'sent' | 'failed' | 'suppressed' | 'cancelled';

/** A notice as decided by the scan and, once sent, the proof of notice: what, when, to whom, amounts, dates, id. */
export interface StoredNotice extends NoticeDecision {
  /** The scan day that decided it. */
  decidedOn: string;
  decidedAt: string;
  email: { state: NoticeState; messageId?: string; at?: string; to?: string[]; cc?: string[]; amountDue?: string; lateCharge?: string; error?: string };
}

export interface NoticeJob {
  customerId: string;
  statementKey: string;
  stage: Stage;
}

export interface ArrearsStore {
  /** The current version of each of the customer's statements, as receivables. */
  receivables(customerId: string): Promise<Receivable[]>;
  notices(customerId: string): Promise<StoredNotice[]>;
  notice(job: NoticeJob): Promise<StoredNotice | undefined>;
  /** Creates the notice of a stage for a statement once: a stage is never decided twice. */
  createNotice(notice: StoredNotice): Promise<'created' | 'exists'>;
  claimNotice(job: NoticeJob, now: Date, leaseMs: number): Promise<'claimed' | 'sent' | 'suppressed' | 'busy'>;
  recordNotice(job: NoticeJob, email: StoredNotice['email']): Promise<void>;
  holds(customerId: string): Promise<Hold[]>;
  putHold(customerId: string, hold: Hold): Promise<void>;
  releaseHolds(customerId: string, on: string): Promise<number>;
  /** A phone-call task for the account manager (at the formal notice). */
  addTask(customerId: string, task: { day: string; kind: 'phone-call'; statementKey: string; assignee: string; note: string }): Promise<void>;
  tasks(customerId: string): Promise<{ day: string; kind: string; statementKey: string; assignee: string; note: string }[]>;
  /** Records a person's approval of a disconnection request; never acts on it. */
  approveDisconnection(customerId: string, statementKey: string, by: string, at: Date): Promise<'recorded' | 'no-request'>;
}
