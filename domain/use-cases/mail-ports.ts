import type { RenderedEmail } from '../statements/statement.ts';

export interface OutgoingMail extends RenderedEmail {
  to: string[];
  cc?: string[];
  /** Tags for delivery events (bounces come back with them): e.g. kind=statement, customer=KA0001. */
  tags?: Record<string, string>;
}

/**
 * Sends one email; resolves with the provider's message id. Rejects with `MailOutcomeUnknownError` when the request
 * may have reached the provider (timeout or reset after it was written); any other error means it was not sent.
 */
export interface Mailer {
  send(mail: OutgoingMail): Promise<string>;
}

/** The provider may or may not have accepted the message: sending again could deliver it twice. */
export class MailOutcomeUnknownError extends Error {
  override name = 'MailOutcomeUnknownError';
}

/**
 * The email outbox kept on a statement, notice, alert or digest record. `sent`, `suppressed` and `cancelled` are final;
 * `unknown` (the send may have gone out) waits for an operator, who marks it `sent` or releases it as `failed`.
 * A worker claims `pending`/`failed` (or an expired `sending`) and records `failed`/`unknown`/`suppressed` only while
 * it still holds its lease; `sent` is recorded over any state that is not final, since the message did go out.
 */
export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown' | 'suppressed' | 'cancelled';

export type OutboxClaim = 'claimed' | 'sent' | 'suppressed' | 'busy' | 'unknown' | 'cancelled';

/** States a worker's `sent` may replace (everything but the final ones). */
export const SENT_FROM: readonly OutboxState[] = ['pending', 'sending', 'failed', 'unknown'];

/** The lease a claim made at `now` holds: the token that later records of the same worker are conditional on. */
export function leaseUntil(now: Date, leaseMs: number): number {
  return now.getTime() + leaseMs;
}

/** Addresses that bounced or complained: no further mail goes to them. */
export interface SuppressionList {
  isSuppressed(address: string): Promise<boolean>;
  suppress(address: string, reason: 'bounce' | 'complaint', at: Date, detail: { customerIds: string[] }): Promise<boolean>;
}
