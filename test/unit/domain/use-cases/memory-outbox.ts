import { SENT_FROM, type OutboxClaim, type OutboxState } from '../../../../domain/use-cases/mail-ports.ts';

type Email = { state: OutboxState; leaseUntil?: number };

/**
 * The outbox rules of functions/adapters/dynamo-outbox.ts on an in-memory record, for fake ports: the same
 * conditions, so a use case that relied on an unconditional write fails here as it would on DynamoDB.
 */
export const memoryOutbox = {
  claim(record: { email: Email }, now: Date, leaseMs: number): OutboxClaim {
    const e = record.email;
    if (e.state === 'pending' || e.state === 'failed' || (e.state === 'sending' && (e.leaseUntil ?? 0) < now.getTime())) {
      record.email = { ...e, state: 'sending', leaseUntil: now.getTime() + leaseMs };
      return 'claimed';
    }
    return e.state === 'sent' || e.state === 'suppressed' || e.state === 'unknown' || e.state === 'cancelled' ? e.state : 'busy';
  },
  mark<E extends { state: OutboxState }>(record: { email: Email }, email: E, lease: number): boolean {
    const e = record.email;
    const ok = email.state === 'sent' ? SENT_FROM.includes(e.state) : e.state === 'sending' && e.leaseUntil === lease;
    if (ok) record.email = structuredClone(email);
    return ok;
  },
  cancel<E extends { state: OutboxState }>(record: { email: Email }, email: E): boolean {
    const ok = record.email.state === 'pending' || record.email.state === 'failed';
    if (ok) record.email = structuredClone(email);
    return ok;
  },
  resolve(record: { email: Email }, to: 'sent' | 'failed', fields: Record<string, unknown>): boolean {
    const ok = record.email.state === 'unknown';
    if (ok) record.email = { ...record.email, ...fields, state: to };
    return ok;
  },
};
