import { describe, expect, it } from 'vitest';
import type { Receivable } from '../../../../domain/arrears/ledger.ts';
import { kpis, periodDays } from '../../../../domain/console/kpis.ts';
import { Invalid, type ClosedOutcome, type Task, type TaskOutcome } from '../../../../domain/console/ports.ts';
import type { StoredStatement } from '../../../../domain/use-cases/statement-ports.ts';
import { AM1, AM2, customer, memoryPorts, OPS, SUP_EAST } from './fixtures.ts';

/*
 * A hand-worked month: period 2026-09, computed on 2026-10-31. Two managers, two regions:
 *   m1 = am1@example.com: A1 (east), A2 (west)      m2 = am2@example.com: B1 (east), B2 (east)
 *
 * Statements issued in September (on time = sent on a local day ≤ issuedOn + 1; the local day here is the UTC date):
 *   A1 2026-08 v1 issued 09-02, sent 09-02 → on time       A2 2026-08 v1 issued 09-02, sent 09-04 → late
 *   B1 2026-08 v1 issued 09-02, failed → not on time       B1 2026-08 v2 issued 09-10, sent 09-10 → on time
 *   B2 2026-08 v1 issued 09-02, sent 09-03T23:00Z → on time (last day of grace)
 *   B1 2026-07 v1 issued 08-02 → not in the month
 *   m1: 1 of 2 = 0.5; m2: 2 of 3 = 0.6667; east: 3 of 4 = 0.75; west: 0 of 1 = 0.
 *
 * Notice tasks due in September (acted on = closed on or before the due day):
 *   T1 A1 due 09-27 closed 09-26 reached → yes         T2 A1 due 09-30 closed 10-02 not-reached → no (late)
 *   T3 A2 due 09-15 open → no                           T4 B1 due 10-03 → not due in September (closed 09-29, promise)
 *   T5 B2 due 09-20 closed 09-20 not-reached → yes
 *   m1: 1 of 3 = 0.3333; m2: 1 of 1 = 1; east (T1, T2, T5): 2 of 3 = 0.6667; west (T3): 0 of 1 = 0.
 *
 * Playbook tasks closed in September: P1 A1 visit closed 09-10 reached; P3 B2 closed 09-05 dispute;
 *   (P2 A2 closed 08-30 and P4 B2 open do not count). m1: 1; m2: 1; east: 2; west: 0.
 *
 * Customers contacted (a task closed in September with reached / promise / dispute):
 *   A1 (T1, P1); B1 (T4 promise); B2 (P3 dispute; T5 was not-reached); A2 none.
 *   m1: 1; m2: 2; east: 3; west: 0.
 *
 * Arrears recovered within 30 days of a due date in September (payments to the oldest statement first):
 *   A1 2026-08: 1000.00 due 09-17; 400 paid 09-10 → overdue 600.00 at the end of 09-17; 500 paid 10-10 (≤ 10-17)
 *      → 100 left on 10-17, recovered 500.00; 100 paid 10-20 is after the window.
 *   A2 2026-08: 2000.00 due 09-17, nothing paid → overdue 2000.00, recovered 0.
 *   B1 2026-07 300.00 due 08-17 (not in September) and 2026-08 v2 1500.00 due 09-25: 1500 paid 09-25 goes to July
 *      first (300) then 1200 to August → overdue 300.00 at the end of 09-25; 300 paid 10-01 → 0 by 10-25: recovered 300.00.
 *   B2 2026-08: 800.00 due 09-17; 800 paid 10-20 (day 33) → overdue 800.00, recovered 0.
 *   m1: 2 statements, 2600.00 overdue, 500.00 recovered, 500/2600 = 0.1923
 *   m2: 2 statements, 1100.00 overdue, 300.00 recovered, 300/1100 = 0.2727
 *   east (A1, B1, B2): 3, 1700.00, 800.00, 0.4706;   west (A2): 1, 2000.00, 0.00, 0
 *
 * Suppressions recorded in September: S1 bounce 09-05 for A1 and B1 (one address, two customers); S2 complaint
 *   09-20 for A2; S3 bounce 10-01 (B2) and S4 bounce 08-31 (B2) are outside the month.
 *   m1: 1 bounce, 1 complaint; m2: 1 bounce; east: 1 bounce (counted once); west: 1 complaint.
 *
 * A supervisor of east sees only east's customers: m1's row is A1 alone (1 of 1 on time; T1, T2 → 1 of 2; 600.00
 * overdue, 500.00 recovered = 0.8333; 1 playbook action; 1 contacted; 1 bounce), m2's as above, and only east's row.
 */
const M1 = 'am1@example.com';
const M2 = 'am2@example.com';
const CUSTOMERS = [customer('A1', 'east', M1), customer('A2', 'west', M1), customer('B1', 'east', M2), customer('B2', 'east', M2)];

const stmt = (customerId: string, period: string, version: number, issuedOn: string, email: StoredStatement['email']) =>
  ({ customerId, period, version, issuedOn, dueDate: '2026-09-17', email }) as StoredStatement;
const STATEMENTS = [
  stmt('A1', '2026-08', 1, '2026-09-02', { state: 'sent', at: '2026-09-02T01:00:00.000Z' }),
  stmt('A2', '2026-08', 1, '2026-09-02', { state: 'sent', at: '2026-09-04T01:00:00.000Z' }),
  stmt('B1', '2026-08', 1, '2026-09-02', { state: 'failed', at: '2026-09-02T01:00:00.000Z' }),
  stmt('B1', '2026-08', 2, '2026-09-10', { state: 'sent', at: '2026-09-10T05:00:00.000Z' }),
  stmt('B2', '2026-08', 1, '2026-09-02', { state: 'sent', at: '2026-09-03T23:00:00.000Z' }),
  stmt('B1', '2026-07', 1, '2026-08-02', { state: 'sent', at: '2026-08-02T01:00:00.000Z' }),
];

const rcv = (customerId: string, period: string, total: string, dueDate: string, version = 1): Receivable => ({
  key: `${period}#v${version}`, customerId, period, total, dueDate, currency: 'CNY', issuedOn: `${period === '2026-07' ? '2026-08' : '2026-09'}-02`, delivered: true,
});
const RECEIVABLES = [
  rcv('A1', '2026-08', '1000.00', '2026-09-17'),
  rcv('A2', '2026-08', '2000.00', '2026-09-17'),
  rcv('B1', '2026-07', '300.00', '2026-08-17'),
  rcv('B1', '2026-08', '1500.00', '2026-09-25', 2),
  rcv('B2', '2026-08', '800.00', '2026-09-17'),
];

function task(id: string, customerId: string, source: 'notice' | 'playbook', dueOn: string, closedOn?: string, outcome: TaskOutcome = { kind: 'reached' }): Task {
  const closed: ClosedOutcome | undefined = closedOn ? { outcome, by: { sub: 's', email: 'x@example.com' }, at: `${closedOn}T03:00:00.000Z`, closedOn } : undefined;
  return {
    id: `${customerId}~${id}`, customerId, kind: source === 'notice' ? 'phone-call' : 'visit', day: '2026-09-01', dueOn, assignee: 'x',
    source: source === 'notice' ? { kind: 'notice', statementKey: '2026-08#v1', stage: 'formal' } : { kind: 'playbook', action: 'visit', text: 'Visit.', segmentAsOf: '2026-08-31' },
    note: '', status: closed ? 'closed' : 'open', ...(closed ? { closed } : {}),
  };
}
const TASKS = [
  task('T1', 'A1', 'notice', '2026-09-27', '2026-09-26'),
  task('T2', 'A1', 'notice', '2026-09-30', '2026-10-02', { kind: 'not-reached' }),
  task('T3', 'A2', 'notice', '2026-09-15'),
  task('T4', 'B1', 'notice', '2026-10-03', '2026-09-29', { kind: 'promise-to-pay', promisedOn: '2026-10-01' }),
  task('T5', 'B2', 'notice', '2026-09-20', '2026-09-20', { kind: 'not-reached' }),
  task('P1', 'A1', 'playbook', '2026-09-15', '2026-09-10'),
  task('P2', 'A2', 'playbook', '2026-09-15', '2026-08-30'),
  task('P3', 'B2', 'playbook', '2026-09-15', '2026-09-05', { kind: 'dispute', reason: 'r' }),
  task('P4', 'B2', 'playbook', '2026-09-15'),
];

async function scenario() {
  const t = memoryPorts(CUSTOMERS, RECEIVABLES, STATEMENTS);
  for (const x of TASKS) await t.ports.console.createTask(x);
  const pay = (customerId: string, paidOn: string, amount: string) => t.payments.add({ customerId, reference: `${customerId}-${paidOn}`, paidOn, amount });
  pay('A1', '2026-09-10', '400.00');
  pay('A1', '2026-10-10', '500.00');
  pay('A1', '2026-10-20', '100.00');
  pay('B1', '2026-09-25', '1500.00');
  pay('B1', '2026-10-01', '300.00');
  pay('B2', '2026-10-20', '800.00');
  t.mem.suppressionList.push(
    { address: 'shared@example.com', reason: 'bounce', at: '2026-09-05T00:00:00.000Z', customerIds: ['A1', 'B1'] },
    { address: 'a2@example.com', reason: 'complaint', at: '2026-09-20T08:00:00.000Z', customerIds: ['A2'] },
    { address: 'b2@example.com', reason: 'bounce', at: '2026-10-01T08:00:00.000Z', customerIds: ['B2'] },
    { address: 'b2-old@example.com', reason: 'bounce', at: '2026-08-31T23:59:00.000Z', customerIds: ['B2'] },
  );
  t.setNow('2026-10-31T02:00:00Z');
  return kpis(t.ports);
}

const figures = (
  s: [number, number, number | null], n: [number, number, number | null], a: [number, string, string, number | null], playbook: number, contacted: number, fb: [number, number],
) => ({
  statements: { issued: s[0], onTime: s[1], share: s[2] },
  notices: { due: n[0], actedOn: n[1], share: n[2] },
  arrears: { statements: a[0], overdue: a[1], recovered: a[2], share: a[3], currency: a[0] ? 'CNY' : null },
  playbookActionsTaken: playbook,
  customersContacted: contacted,
  feedback: { bounces: fb[0], complaints: fb[1] },
});

const M1_ALL = figures([2, 1, 0.5], [3, 1, 0.3333], [2, '2600.00', '500.00', 0.1923], 1, 1, [1, 1]);
const M2_ALL = figures([3, 2, 0.6667], [1, 1, 1], [2, '1100.00', '300.00', 0.2727], 1, 2, [1, 0]);
const EAST = figures([4, 3, 0.75], [3, 2, 0.6667], [3, '1700.00', '800.00', 0.4706], 2, 3, [1, 0]);
const WEST = figures([1, 0, 0], [1, 0, 0], [1, '2000.00', '0.00', 0], 0, 0, [0, 1]);

describe('KPIs: the hand-worked month', () => {
  it('an operator gets every manager and region', async () => {
    const report = await (await scenario())(OPS, '2026-09');
    expect(report).toEqual({
      period: '2026-09',
      asOf: '2026-10-31',
      managers: [{ manager: M1, customers: 2, figures: M1_ALL }, { manager: M2, customers: 2, figures: M2_ALL }],
      regions: [{ region: 'east', customers: 3, figures: EAST }, { region: 'west', customers: 1, figures: WEST }],
    });
  });

  it('a supervisor gets the managers over their regions\' customers and their regions; a manager only their own row', async () => {
    const run = await scenario();
    const sup = await run(SUP_EAST, '2026-09');
    expect(sup.managers).toEqual([
      { manager: M1, customers: 1, figures: figures([1, 1, 1], [2, 1, 0.5], [1, '600.00', '500.00', 0.8333], 1, 1, [1, 0]) },
      { manager: M2, customers: 2, figures: M2_ALL },
    ]);
    expect(sup.regions).toEqual([{ region: 'east', customers: 3, figures: EAST }]);
    expect(await run(AM1, '2026-09')).toMatchObject({ managers: [{ manager: M1, customers: 2, figures: M1_ALL }], regions: [] });
    expect((await run(AM2, '2026-09')).managers.map((m) => m.manager)).toEqual([M2]);
  });

  it('a month with nothing in it has zero counts and no shares; a malformed period is refused', async () => {
    const run = await scenario();
    const empty = await run(OPS, '2026-06');
    expect(empty.managers[0]!.figures).toEqual(figures([0, 0, null], [0, 0, null], [0, '0.00', '0.00', null], 0, 0, [0, 0]));
    await expect(run(OPS, '2026-13')).rejects.toThrow(Invalid);
    expect(periodDays('2026-02')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(periodDays('2026-12')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
  });
});
