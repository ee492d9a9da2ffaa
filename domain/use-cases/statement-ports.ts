import type { Statement } from '../statements/statement.ts';
import type { Tariff } from '../tariffs/tariff.ts';
import type { OutboxClaim, OutboxState } from './mail-ports.ts';

export type EmailState = Exclude<OutboxState, 'cancelled'>;

export interface StoredStatement extends Statement {
  email: { state: EmailState; messageId?: string; /** When it was sent (or suppressed, or failed). */ at?: string; leaseUntil?: number; error?: string };
  createdAt: string;
}

/** Statements, one item per version; the email outbox lives on the statement item itself. */
export interface StatementStore {
  latest(customerId: string, period: string): Promise<StoredStatement | undefined>;
  /** Creates version `statement.version`; 'exists' when another worker created that version first. */
  create(statement: StoredStatement): Promise<'created' | 'exists'>;
  /**
   * Claims the right to send: 'claimed', or 'sent'/'suppressed' (nothing to do), 'unknown' (an operator decides), or
   * 'busy' (another worker holds it).
   */
  claimEmail(customerId: string, period: string, version: number, now: Date, leaseMs: number): Promise<OutboxClaim>;
  /** The claiming worker's result, conditional on the current state (see OutboxState); false when nothing was written. */
  markEmail(
    customerId: string,
    period: string,
    version: number,
    state: 'sent' | 'suppressed' | 'failed' | 'unknown',
    detail: { messageId?: string; at: Date; error?: string; lease: number },
  ): Promise<boolean>;
  /** An operator's decision on an 'unknown' send; false when it was not 'unknown'. */
  resolveEmail(customerId: string, period: string, version: number, to: 'sent' | 'failed', detail: { at: Date; messageId?: string; by: string }): Promise<boolean>;
  listPeriod(period: string): Promise<StoredStatement[]>;
  history(customerId: string): Promise<StoredStatement[]>;
}

export interface TariffStore {
  get(id: string): Promise<Tariff | undefined>;
  put(tariff: Tariff): Promise<void>;
  all(): Promise<Tariff[]>;
}

/** Peer-group figures of the latest classification, for "compared with your peers". */
export interface PeerGroupFigures {
  asOf: string;
  /** `medianProfile`: the members' hour-by-hour median day (24 shares); absent in figures stored before it existed. */
  groups: { group: number; size: number; median: { avgDailyKwh: number; loadFactor: number; peakShare: number }; medianProfile?: number[] }[];
}
