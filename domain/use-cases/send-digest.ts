import { buildDigest, renderDigest } from '../digest/digest.ts';
import type { Segment } from '../classification/classify.ts';
import type { Customer } from '../customers/customer-master.ts';
import { nextDay } from '../time/zone.ts';
import type { ArrearsStore } from './arrears-ports.ts';
import type { Mailer } from './mail-ports.ts';

export interface DigestLedger {
  /** True the first time a manager's digest for a week is claimed: a re-run sends nothing twice. */
  claim(manager: string, weekEnd: string): Promise<boolean>;
  record(manager: string, weekEnd: string, messageId: string): Promise<void>;
  /** Gives a claim back after a failed send, so the retry sends it. */
  release(manager: string, weekEnd: string): Promise<void>;
}

/** The weekly digest: one email per account manager, in the locale of most of their customers, once per week. */
export function sendDigests(ports: {
  customers: { all(): Promise<Customer[]>; get(id: string): Promise<(Customer & { segment?: Segment }) | undefined> };
  history: (customerId: string) => Promise<Segment[]>;
  arrears: Pick<ArrearsStore, 'notices'>;
  ledger: DigestLedger;
  mailer: Mailer;
}) {
  return async (weekEnd: string): Promise<{ managers: number; sent: number }> => {
    const weekStart = nextDay(weekEnd, -6);
    const byManager = new Map<string, Customer[]>();
    for (const c of await ports.customers.all()) byManager.set(c.accountManagerEmail, [...(byManager.get(c.accountManagerEmail) ?? []), c]);
    let sent = 0;
    for (const [manager, customers] of byManager) {
      const items = await Promise.all(
        customers.map(async (customer) => ({
          customer,
          segment: (await ports.customers.get(customer.customerId))?.segment,
          history: (await ports.history(customer.customerId)).sort((a, b) => (a.asOf < b.asOf ? -1 : 1)),
          notices: (await ports.arrears.notices(customer.customerId)).map((n) => ({ stage: n.stage, statementKey: n.statementKey, decidedOn: n.decidedOn, amountDue: n.amountDue, currency: n.currency })),
        })),
      );
      const digest = buildDigest({ manager, weekStart, weekEnd, customers: items.map((i) => ({ ...i, ...(i.segment ? { segment: i.segment } : {}) })) });
      if (!(await ports.ledger.claim(manager, weekEnd))) continue;
      let messageId: string;
      try {
        messageId = await ports.mailer.send({ ...renderDigest(digest, { start: weekStart, end: weekEnd }), to: [manager], tags: { kind: 'digest' } });
      } catch (err) {
        await ports.ledger.release(manager, weekEnd);
        throw err;
      }
      await ports.ledger.record(manager, weekEnd, messageId);
      sent++;
    }
    return { managers: byManager.size, sent };
  };
}
