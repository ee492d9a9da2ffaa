import { DateTime } from 'luxon';
import type { CustomerRepository } from './ports.ts';

export interface StatementJob {
  customerId: string;
  period: string;
  /** Identifies the run that queued the job (logs and metrics follow it as the correlation id). */
  runId: string;
  /** Issue date to print (local day); default: the day the worker makes the statement. */
  issuedOn?: string;
}

export interface JobQueue<T> {
  enqueue(jobs: readonly T[]): Promise<void>;
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** `previous` → the last complete calendar month in the utility's time zone at `now`; else a checked `yyyy-mm`. */
export function resolvePeriod(period: string | undefined, now: Date, timeZone: string): string {
  if (!period || period === 'previous') {
    return DateTime.fromJSDate(now, { zone: timeZone }).startOf('month').minus({ months: 1 }).toFormat('yyyy-MM');
  }
  if (!PERIOD.test(period)) throw new Error(`period "${period}" is not yyyy-mm or "previous"`);
  return period;
}

/**
 * The scheduled statement run: one job per customer on the statement queue. Running it twice (a duplicate schedule
 * invocation) queues the jobs twice, which is harmless: the worker makes and emails each statement version once.
 */
export function runStatements(ports: { customers: CustomerRepository; queue: JobQueue<StatementJob>; clock: () => Date }, config: { timeZone: string }) {
  return async (input: { period?: string; customerIds?: string[]; runId: string; issuedOn?: string }): Promise<{ period: string; queued: number }> => {
    const period = resolvePeriod(input.period, ports.clock(), config.timeZone);
    if (input.issuedOn !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(input.issuedOn)) throw new Error(`issuedOn "${input.issuedOn}" is not yyyy-mm-dd`);
    const ids = input.customerIds ?? (await ports.customers.all()).map((c) => c.customerId);
    await ports.queue.enqueue(ids.map((customerId) => ({ customerId, period, runId: input.runId, ...(input.issuedOn ? { issuedOn: input.issuedOn } : {}) })));
    return { period, queued: ids.length };
  };
}
