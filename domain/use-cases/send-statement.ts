import { dayKeyOfEpochDay, epochDayOf, localDayOf } from '../time/zone.ts';
import { DEFAULT_FORECAST } from '../config.ts';
import { PermanentError } from '../errors.ts';
import type { Segment } from '../classification/classify.ts';
import type { DomainConfig } from '../config.ts';
import type { Customer } from '../customers/customer-master.ts';
import { composeStatement, periodRange, shiftPeriod } from '../statements/compose-statement.ts';
import { renderStatementEmail } from '../statements/render-email.ts';
import type { Localized } from '../tariffs/tariff.ts';
import type { DailyUsage } from '../usage/daily-usage.ts';
import { leaseUntil, MailOutcomeUnknownError, type Mailer, type SuppressionList } from './mail-ports.ts';
import type { StatementJob } from './run-statements.ts';
import type { CustomerRepository, UsageRepository } from './ports.ts';
import type { PeerGroupFigures, StatementStore, StoredStatement, TariffStore } from './statement-ports.ts';

export interface SendStatementPorts {
  customers: CustomerRepository & { get(id: string): Promise<(Customer & { segment?: Segment }) | undefined> };
  usage: UsageRepository;
  tariffs: TariffStore;
  statements: StatementStore;
  peers: { get(): Promise<PeerGroupFigures | undefined> };
  mailer: Mailer;
  suppressions: SuppressionList;
  clock: () => Date;
}

export interface StatementSettings {
  config: DomainConfig;
  dueDays: number;
  utilityName: Localized;
  /** How long a worker may hold the right to send before another may take it over. */
  sendLeaseMs: number;
  /** How long to wait for another worker's claim to finish before retrying the job later (default 20 s). */
  busyWaitMs?: number;
}

export type SendOutcome =
  | { outcome: 'no-usage' | 'unknown-customer' }
  | { outcome: 'sent' | 'already-sent' | 'suppressed' | 'delivery-unknown'; version: number; correction: boolean; total: string; messageId?: string }
  | { outcome: 'busy'; version: number };

export class PermanentStatementError extends PermanentError {
  override name = 'PermanentStatementError';
}

/**
 * One customer's statement for one period, made and emailed exactly once per version:
 * 1. compose from stored data; the same content as the latest version reuses it, different content makes the next
 *    version, marked as a correction (a conditional put: concurrent workers agree on one version);
 * 2. the statement item is its own outbox: a conditional claim gives one worker the right to send; it sends, then
 *    records the message id. A worker that dies holding the claim leaves it to expire and be taken over. A send whose
 *    outcome is unknown (SES may have accepted it) is recorded as 'unknown' and never retried without an operator.
 */
export function sendStatement(ports: SendStatementPorts, settings: StatementSettings) {
  return async (job: StatementJob): Promise<SendOutcome> => {
    const customer = await ports.customers.get(job.customerId);
    if (!customer) return { outcome: 'unknown-customer' };
    const tariff = await ports.tariffs.get(customer.tariffId);
    if (!tariff) throw new PermanentStatementError(`customer ${customer.customerId}: tariff ${customer.tariffId} is not loaded (upload it under tariffs/)`);
    const range = periodRange(job.period);
    // One read covers the period, the previous one, the same period a year earlier (the comparisons) and the history
    // the "expected next month" forecast reads (maxHistoryDays up to the period's last day; nothing after it).
    const history = dayKeyOfEpochDay(epochDayOf(range.to) - DEFAULT_FORECAST.maxHistoryDays + 1);
    const lastYear = periodRange(shiftPeriod(job.period, -12)).from;
    const days: DailyUsage[] = await ports.usage.range(customer.customerId, lastYear < history ? lastYear : history, range.to);
    const now = ports.clock();
    const composed = composeStatement({
      customer,
      tariff,
      period: job.period,
      days,
      bands: settings.config.bands,
      ...(customer.segment ? { segment: customer.segment } : {}),
      ...(await ports.peers.get().then((p) => (p ? { peers: p } : {}))),
      issuedOn: job.issuedOn ?? localDayOf(now, settings.config.timeZone),
      dueDays: settings.dueDays,
    });
    if (!composed) return { outcome: 'no-usage' };

    let statement = await ports.statements.latest(customer.customerId, job.period);
    if (!statement || statement.contentHash !== composed.contentHash) {
      const next: StoredStatement = {
        ...composed,
        version: (statement?.version ?? 0) + 1,
        correction: statement !== undefined,
        email: { state: 'pending' },
        createdAt: now.toISOString(),
      };
      if ((await ports.statements.create(next)) === 'created') statement = next;
      else statement = (await ports.statements.latest(customer.customerId, job.period))!;
    }
    const base = { version: statement.version, correction: statement.correction, total: statement.bill.total };
    if (statement.email.state === 'sent') return { outcome: 'already-sent', ...base, messageId: statement.email.messageId };
    if (statement.email.state === 'suppressed') return { outcome: 'suppressed', ...base };
    if (statement.email.state === 'unknown') return { outcome: 'delivery-unknown', ...base };

    // Another worker holding the claim is usually done within a second: wait a little before giving the job back.
    let claimedAt = now;
    let claim = await ports.statements.claimEmail(customer.customerId, job.period, statement.version, claimedAt, settings.sendLeaseMs);
    for (let waited = 0; claim === 'busy' && waited < (settings.busyWaitMs ?? 20_000); waited += 250) {
      await new Promise((r) => setTimeout(r, 250));
      claimedAt = ports.clock();
      claim = await ports.statements.claimEmail(customer.customerId, job.period, statement.version, claimedAt, settings.sendLeaseMs);
    }
    if (claim === 'sent') return { outcome: 'already-sent', ...base };
    if (claim === 'suppressed') return { outcome: 'suppressed', ...base };
    if (claim === 'unknown') return { outcome: 'delivery-unknown', ...base };
    if (claim === 'busy' || claim === 'cancelled') return { outcome: 'busy', version: statement.version };
    const lease = leaseUntil(claimedAt, settings.sendLeaseMs);

    if (await ports.suppressions.isSuppressed(customer.email)) {
      await ports.statements.markEmail(customer.customerId, job.period, statement.version, 'suppressed', { at: ports.clock(), lease });
      return { outcome: 'suppressed', ...base };
    }
    const rendered = renderStatementEmail(
      statement,
      { name: customer.name, email: customer.email, locale: customer.locale, accountManagerEmail: customer.accountManagerEmail },
      { utilityName: settings.utilityName },
    );
    let messageId: string;
    try {
      messageId = await ports.mailer.send({
        ...rendered,
        to: [customer.email],
        tags: { kind: 'statement', customer: customer.customerId, period: job.period, version: String(statement.version) },
      });
    } catch (err) {
      // SES may have accepted it (timeout or reset after the request left): no blind resend, an operator decides.
      if (err instanceof MailOutcomeUnknownError) {
        await ports.statements.markEmail(customer.customerId, job.period, statement.version, 'unknown', { at: ports.clock(), error: err.message, lease });
        return { outcome: 'delivery-unknown', ...base };
      }
      // Sending failed before SES accepted it: the claim is released as 'failed' so the retry may send.
      await ports.statements.markEmail(customer.customerId, job.period, statement.version, 'failed', { at: ports.clock(), error: (err as Error).message, lease });
      throw err;
    }
    await ports.statements.markEmail(customer.customerId, job.period, statement.version, 'sent', { messageId, at: ports.clock(), lease });
    return { outcome: 'sent', ...base, messageId };
  };
}

