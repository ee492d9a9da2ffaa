import type { AlertJob } from '../alerts/alert.ts';
import { renderAlertEmail } from '../alerts/render-alert.ts';
import type { AlertStore } from './check-alerts.ts';
import { leaseUntil, MailOutcomeUnknownError, type Mailer, type SuppressionList } from './mail-ports.ts';
import type { CustomerRepository } from './ports.ts';

/** Emails one raised alert exactly once (the alert item is its own outbox, like a statement). */
export function sendAlert(ports: { customers: CustomerRepository & { get(id: string): Promise<import('../customers/customer-master.ts').Customer | undefined> }; alerts: AlertStore; mailer: Mailer; suppressions: SuppressionList; clock: () => Date }, leaseMs: number) {
  return async (job: AlertJob): Promise<'sent' | 'already-sent' | 'suppressed' | 'busy' | 'unknown' | 'cancelled' | 'delivery-unknown'> => {
    const [alert, customer] = await Promise.all([ports.alerts.get(job.customerId, job.period, job.kind), ports.customers.get(job.customerId)]);
    if (!alert || !customer) return 'unknown';
    const claimedAt = ports.clock();
    const claim = await ports.alerts.claimEmail(job, claimedAt, leaseMs);
    if (claim === 'sent') return 'already-sent';
    if (claim === 'unknown') return 'delivery-unknown';
    if (claim !== 'claimed') return claim;
    const lease = leaseUntil(claimedAt, leaseMs);
    if (await ports.suppressions.isSuppressed(customer.email)) {
      await ports.alerts.markEmail(job, 'suppressed', { at: ports.clock(), lease });
      return 'suppressed';
    }
    const rendered = renderAlertEmail(alert, customer);
    let messageId: string;
    try {
      messageId = await ports.mailer.send({ ...rendered, to: [customer.email], cc: [customer.accountManagerEmail], tags: { kind: `alert-${job.kind}`, customer: job.customerId } });
    } catch (err) {
      // SES may have accepted it: no blind resend, an operator decides.
      if (err instanceof MailOutcomeUnknownError) {
        await ports.alerts.markEmail(job, 'unknown', { at: ports.clock(), error: err.message, lease });
        return 'delivery-unknown';
      }
      await ports.alerts.markEmail(job, 'failed', { at: ports.clock(), error: (err as Error).message, lease });
      throw err;
    }
    await ports.alerts.markEmail(job, 'sent', { messageId, at: ports.clock(), lease });
    return 'sent';
  };
}
