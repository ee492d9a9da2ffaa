import { describe, expect, it } from 'vitest';
import type { Receivable } from '../../../../domain/arrears/ledger.ts';
import { DEFAULT_ARREARS_POLICY as policy } from '../../../../domain/arrears/policy.ts';
import type { NoticeEmail, NoticeJob, StoredNotice } from '../../../../domain/use-cases/arrears-ports.ts';
import { scanArrears } from '../../../../domain/use-cases/scan-arrears.ts';
import { CUSTOMER, memoryArrears, memoryPayments } from './memory-arrears.ts';

const MAR: Receivable = { key: '2026-03#v1', customerId: 'C1', period: '2026-03', total: '100000.00', dueDate: '2026-04-15', currency: 'CNY', issuedOn: '2026-04-01', delivered: true };

function setup(receivables: Receivable[] = [MAR]) {
  const arrears = memoryArrears(receivables);
  const queued: NoticeJob[] = [];
  const scan = scanArrears(
    {
      customers: { all: async () => [CUSTOMER], get: async () => ({ ...CUSTOMER, segment: { tier: 'A' as const } }) },
      payments: memoryPayments(),
      arrears,
      queue: { enqueue: async (jobs) => void queued.push(...jobs) },
      clock: () => new Date('2026-04-01T00:00:00Z'),
    },
    policy,
  );
  /** A notice of the scan of `decidedOn`, as the worker recorded it when it went out on `email.sentOn`. */
  const sentNotice = (stage: StoredNotice['stage'], decidedOn: string, email: Partial<NoticeEmail>, extra: Partial<StoredNotice> = {}) =>
    arrears.createNotice({
      customerId: 'C1', tier: 'A', statementKey: MAR.key, period: MAR.period, stage, amountDue: '100000.00', currency: 'CNY', dueDate: MAR.dueDate,
      daysOverdue: 0, lateChargeSoFar: '0.00', lateChargeDetail: '', nextStep: null, copyManager: false, phoneTask: false,
      decidedOn, decidedAt: `${decidedOn}T01:00:00.000Z`, email: { state: 'sent', messageId: 'm', ...email }, ...extra,
    });
  return { scan, queued, sentNotice };
}

describe('scanArrears (in-memory ports)', () => {
  it('counts the ladder from the day a notice was actually sent, not the day it was decided', async () => {
    const t = setup();
    // Decided on 04-16, but it went out only on 04-20 (retried, then redriven from the DLQ).
    await t.sentNotice('reminder', '2026-04-16', { sentOn: '2026-04-20' });
    expect((await t.scan('2026-04-22')).byStage).toEqual({}); // 7 days overdue, but only 2 days after the reminder
    expect((await t.scan('2026-04-23')).byStage).toEqual({ formal: 1 });
  });

  it('the disconnection request waits for the date the final notice stated when it was sent', async () => {
    const t = setup();
    await t.sentNotice('reminder', '2026-04-16', { sentOn: '2026-04-16' });
    await t.sentNotice('formal', '2026-04-22', { sentOn: '2026-04-22' });
    // Decided 04-30 (stating 05-07 then), sent 05-05 stating 05-12.
    await t.sentNotice('final', '2026-04-30', { sentOn: '2026-05-05', disconnectionDate: '2026-05-12' }, { disconnectionDate: '2026-05-07' });
    expect((await t.scan('2026-05-11')).byStage).toEqual({});
    const r = await t.scan('2026-05-12');
    expect(r.byStage).toEqual({ 'disconnection-request': 1 });
  });

  it('starts no ladder for a statement whose email was not delivered, and counts it', async () => {
    const t = setup([{ ...MAR, delivered: false }]);
    const r = await t.scan('2026-04-20');
    expect(r).toMatchObject({ decided: 0, queued: 0, overdue: 1, undelivered: 1, outstanding: '100000.00' });
    expect(t.queued).toEqual([]);

    const delivered = setup();
    expect(await delivered.scan('2026-04-20')).toMatchObject({ decided: 1, undelivered: 0, byStage: { reminder: 1 } });
  });
});
