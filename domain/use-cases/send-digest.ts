import { buildDigest, renderDigest } from '../digest/digest.ts';
import type { Segment } from '../classification/classify.ts';
import type { Customer } from '../customers/customer-master.ts';
import type { CustomerInsights } from '../insights/insights.ts';
import { nextDay } from '../time/zone.ts';
import type { ArrearsStore } from './arrears-ports.ts';
import { leaseUntil, MailOutcomeUnknownError, type Mailer } from './mail-ports.ts';

export interface DigestLedger {
  /**
   * Claims a manager's digest for a week, with a lease like the other outboxes: 'claimed' the first time, or when an
   * earlier send failed, or when the worker that claimed it died (its lease ran out); 'sent' (nothing to do); 'busy'
   * (another run holds a live claim); 'unknown' (an earlier send may have gone out: an operator decides).
   */
  claim(manager: string, weekEnd: string, now: Date, leaseMs: number): Promise<'claimed' | 'sent' | 'busy' | 'unknown'>;
  /** Records the send; conditional like the other outboxes (a final state is never undone). */
  record(manager: string, weekEnd: string, messageId: string, lease: number): Promise<boolean>;
  /** Gives the claim back after a send that failed ('failed': the retry sends it) or whose outcome is unknown. */
  release(manager: string, weekEnd: string, lease: number, state: 'failed' | 'unknown', error: string): Promise<boolean>;
}

export class DigestsBusyError extends Error {
  override name = 'DigestsBusyError';
}

/** The weekly digest: one email per account manager, in the locale of most of their customers, once per week. */
export function sendDigests(
  ports: {
    customers: { all(): Promise<Customer[]>; get(id: string): Promise<(Customer & { segment?: Segment; insights?: CustomerInsights }) | undefined> };
    history: (customerId: string) => Promise<Segment[]>;
    arrears: Pick<ArrearsStore, 'notices'>;
    ledger: DigestLedger;
    mailer: Mailer;
    clock: () => Date;
  },
  leaseMs: number,
) {
  return async (weekEnd: string): Promise<{ managers: number; sent: number; unknown: number }> => {
    const weekStart = nextDay(weekEnd, -6);
    const byManager = new Map<string, Customer[]>();
    for (const c of await ports.customers.all()) byManager.set(c.accountManagerEmail, [...(byManager.get(c.accountManagerEmail) ?? []), c]);
    let sent = 0;
    let unknown = 0;
    const busy: string[] = [];
    for (const [manager, customers] of byManager) {
      const items = await Promise.all(
        customers.map(async (customer) => ({
          customer,
          ...(await ports.customers.get(customer.customerId).then((c) => ({ segment: c?.segment, insights: c?.insights }))),
          history: (await ports.history(customer.customerId)).sort((a, b) => (a.asOf < b.asOf ? -1 : 1)),
          notices: (await ports.arrears.notices(customer.customerId)).map((n) => ({ stage: n.stage, statementKey: n.statementKey, decidedOn: n.decidedOn, amountDue: n.amountDue, currency: n.currency })),
        })),
      );
      const digest = buildDigest({ manager, weekStart, weekEnd, customers: items.map(({ segment, insights, ...i }) => ({ ...i, ...(segment ? { segment } : {}), ...(insights ? { insights } : {}) })) });
      const claimedAt = ports.clock();
      const claim = await ports.ledger.claim(manager, weekEnd, claimedAt, leaseMs);
      if (claim === 'busy') busy.push(manager);
      if (claim === 'unknown') unknown++;
      if (claim !== 'claimed') continue;
      const lease = leaseUntil(claimedAt, leaseMs);
      let messageId: string;
      try {
        messageId = await ports.mailer.send({ ...renderDigest(digest, { start: weekStart, end: weekEnd }), to: [manager], tags: { kind: 'digest' } });
      } catch (err) {
        // An outcome SES may have accepted is not retried blindly: the claim stays 'unknown' for an operator.
        const ambiguous = err instanceof MailOutcomeUnknownError;
        await ports.ledger.release(manager, weekEnd, lease, ambiguous ? 'unknown' : 'failed', (err as Error).message);
        if (ambiguous) {
          unknown++;
          continue;
        }
        throw err;
      }
      await ports.ledger.record(manager, weekEnd, messageId, lease);
      sent++;
    }
    // A claim held by a live or crashed run: fail so the scheduler's retry (after the lease) or the DLQ picks it up.
    if (busy.length) throw new DigestsBusyError(`${busy.length} digest(s) of the week ending ${weekEnd} are claimed by another run; retry after the lease`);
    return { managers: byManager.size, sent, unknown };
  };
}
