import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { freshId, localApp } from '../helpers/local-app.ts';
import { consolePorts } from '../../functions/adapters/ports.ts';
import { approvalId, decideDisconnection, listApprovals, recommendDisconnection } from '../../domain/console/approvals.ts';
import { customerAudit } from '../../domain/console/audit.ts';
import type { Caller } from '../../domain/console/caller.ts';
import { Conflict } from '../../domain/console/ports.ts';
import { createPlaybookTasks, listTasks, noticeTaskKey, recordOutcome, taskId } from '../../domain/console/tasks.ts';
import type { Customer } from '../../domain/customers/customer-master.ts';
import type { StoredNotice } from '../../domain/use-cases/arrears-ports.ts';
import type { Segment } from '../../domain/classification/classify.ts';
import { DEFAULTS } from '../../contracts/settings.ts';
import { approveRequest } from '../../cli/arrears.ts';

const app = localApp();

/** The console's conditional writes on DynamoDB Local: concurrent double submits, one winner, audit in the same transaction. */
describe('console workflows on the local table', () => {
  const id = freshId();
  const region = `r-${id.toLowerCase()}`;
  const manager = `am-${id.toLowerCase()}@example.com`;
  const c1 = `${id}A`;
  const customer: Customer = {
    customerId: c1, name: 'Console Steel', email: `${c1.toLowerCase()}@example.com`, locale: 'en', region, tariffId: 't', contractKva: 500, contractKw: 400,
    accountManagerEmail: manager, pfStandard: 0.9, meterIds: [c1], basicChargeMode: null,
  };
  const am: Caller = { sub: `sub-am-${id}`, email: manager, groups: ['managers'], regions: [] };
  const sup1: Caller = { sub: `sub-s1-${id}`, email: `s1-${id.toLowerCase()}@example.com`, groups: ['supervisors'], regions: [region] };
  const sup2: Caller = { sub: `sub-s2-${id}`, email: `s2-${id.toLowerCase()}@example.com`, groups: ['supervisors'], regions: [region] };
  let now = new Date('2026-10-01T02:00:00Z');
  const ports = consolePorts(app.stores, DEFAULTS.timeZone, () => now);

  it('a notice\'s phone-call task is a console task; two outcomes at once: one closes it with its hold and audit, the other gets Conflict', async () => {
    await app.stores.customers.upsert([customer]);
    await app.stores.arrears.addTask(c1, { day: '2026-09-24', kind: 'phone-call', statementKey: '2026-08#v1', stage: 'formal', dueOn: '2026-09-27', assignee: manager, note: 'call' });
    // A task written before tasks had ids and a status (the scan's old shape) reads as an open formal-notice call.
    await app.clients.doc.send(new PutCommand({
      TableName: app.names.table,
      Item: { pk: `CUST#${c1}`, sk: 'TASK#2026-08-24#2026-07#v1#phone-call', type: 'task', day: '2026-08-24', kind: 'phone-call', statementKey: '2026-07#v1', assignee: manager, note: 'old', gsi1pk: 'TASKS', gsi1sk: `2026-08-24#${c1}` },
    }));
    const key = noticeTaskKey('2026-09-24', '2026-08#v1');
    const tid = taskId(c1, key);
    expect(await ports.console.task(c1, key)).toEqual({
      id: tid, customerId: c1, kind: 'phone-call', day: '2026-09-24', dueOn: '2026-09-27', assignee: manager,
      source: { kind: 'notice', statementKey: '2026-08#v1', stage: 'formal' }, note: 'call', status: 'open',
    });
    const legacy = (await ports.console.tasksOf(c1)).find((t) => t.day === '2026-08-24')!;
    expect(legacy).toMatchObject({ id: `${c1}~2026-08-24~2026-07~v1~phone-call`, dueOn: '2026-08-27', status: 'open', source: { kind: 'notice', statementKey: '2026-07#v1', stage: 'formal' } });
    // The listing index finds both for the manager (the CLI's view of the same items is unchanged).
    expect((await listTasks(ports)(am, { status: 'open' })).map((t) => t.id).sort()).toEqual([legacy.id, tid].sort());
    expect((await app.stores.arrears.tasks(c1)).map((t) => t.note).sort()).toEqual(['call', 'old']);

    const record = recordOutcome(ports);
    const both = await Promise.allSettled([
      record(am, tid, { kind: 'dispute', reason: 'meter reading contested' }),
      record(sup1, tid, { kind: 'dispute', reason: 'tariff contested' }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(Conflict);
    const winner = (both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof record>>>).value;
    const stored = (await ports.console.task(c1, key))!;
    expect(stored).toMatchObject({ status: 'closed', closed: { closedOn: '2026-10-01', outcome: { kind: 'dispute' } } });
    expect(stored.closed).toEqual(winner.task.closed);
    // Exactly one hold, which the arrears scan reads like any other, and one audit entry per write of the winner.
    expect(await app.stores.arrears.holds(c1)).toEqual([{ kind: 'dispute', from: '2026-10-01', statementKeys: ['2026-08#v1'] }]);
    const audit = await customerAudit(ports)(am, c1);
    expect(audit.map((a) => a.action).sort()).toEqual(['hold.created', 'task.outcome']);
    expect(audit.every((a) => a.by.sub === stored.closed!.by.sub)).toBe(true);
    await expect(record(am, tid, { kind: 'reached' })).rejects.toThrow(Conflict);
    // The store's condition itself, with a stale read of the task (as the loser of a race has): nothing is written.
    const stale = { ...stored, status: 'open' as const };
    const late = { outcome: { kind: 'reached' as const }, by: { sub: am.sub, email: am.email }, at: '2026-10-01T02:30:00.000Z', closedOn: '2026-10-01' };
    const effects = { hold: { key: `2026-10-01#dispute#${tid}-late`, hold: { kind: 'dispute' as const, from: '2026-10-01' } }, audit: [{ customerId: c1, at: late.at, id: 'late', by: late.by, action: 'task.outcome' as const, target: tid, before: null, after: null }] };
    expect(await ports.console.closeTask(stale, late, effects)).toBe('already-closed');
    expect(await app.stores.arrears.holds(c1)).toHaveLength(1);
    expect(await customerAudit(ports)(am, c1)).toHaveLength(2);

    // The legacy task closes like any other (no status attribute counts as open).
    now = new Date('2026-10-01T03:00:00Z');
    expect((await record(am, legacy.id, { kind: 'reached', note: 'spoke to the finance director' })).task.status).toBe('closed');
    const trail = await customerAudit(ports)(sup1, c1);
    expect(trail[0]).toMatchObject({ action: 'task.outcome', target: legacy.id, at: '2026-10-01T03:00:00.000Z' }); // newest first
  });

  it('two supervisors deciding at once: exactly one decision; the recommender can never decide, even straight on the store', async () => {
    const request = (statementKey: string): StoredNotice => ({
      customerId: c1, tier: 'A', statementKey, period: statementKey.slice(0, 7), stage: 'disconnection-request', amountDue: '1000.00', currency: 'CNY', dueDate: '2026-09-17',
      daysOverdue: 33, lateChargeSoFar: '66.00', lateChargeDetail: '', nextStep: null, disconnectionDate: '2026-10-17', copyManager: true, phoneTask: false,
      decidedOn: '2026-10-20', decidedAt: '2026-10-20T01:00:00.000Z', email: { state: 'sent', sentOn: '2026-10-20', amountDue: '900.00', disconnectionDate: '2026-10-18' },
    });
    await app.stores.customers.upsert([customer]);
    await app.stores.arrears.createNotice(request('2026-08#v1'));
    await app.stores.arrears.createNotice(request('2026-09#v1'));
    now = new Date('2026-10-21T02:00:00Z');
    const decide = decideDisconnection(ports);
    const a = approvalId(c1, '2026-08#v1');
    const both = await Promise.allSettled([
      decide(sup1, a, { verdict: 'approved', reason: 'three months unpaid' }),
      decide(sup2, a, { verdict: 'rejected', reason: 'plan under discussion' }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(Conflict);
    const record = (await ports.console.approval(c1, '2026-08#v1'))!;
    const winner = (both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof decide>>>).value;
    expect(record.decision).toEqual(winner.decision);
    expect((await customerAudit(ports)(sup1, c1)).filter((e) => e.action === 'approval.decided')).toHaveLength(1);

    // Second request: sup1 recommends; the store refuses sup1's decision even when the domain check is bypassed.
    const b = approvalId(c1, '2026-09#v1');
    await recommendDisconnection(ports)(sup1, b, { verdict: 'approve', reason: 'unpaid' });
    const self = { verdict: 'approved' as const, reason: 'x', by: { sub: sup1.sub, email: sup1.email }, at: now.toISOString() };
    expect(await ports.console.decide(c1, '2026-09#v1', self, { customerId: c1, at: self.at, id: 'x1', by: self.by, action: 'approval.decided', target: b, before: null, after: null })).toBe('conflict');
    expect((await decide(sup2, b, { verdict: 'approved', reason: 'agreed with the recommendation' })).state).toBe('approved');
    expect((await listApprovals(ports)(am)).map((v) => [v.id, v.state])).toEqual([[a, winner.state], [b, 'approved']]);
  });

  it('kam approve-disconnection records from before the console read as approvals; playbook tasks are created once; suppressions list by day', async () => {
    const c2 = `${id}B`;
    await app.stores.customers.upsert([{ ...customer, customerId: c2, meterIds: [c2] }]);
    await app.clients.doc.send(new PutCommand({ TableName: app.names.table, Item: { pk: `CUST#${c2}`, sk: 'APPROVAL#2026-08#v1', type: 'approval', statementKey: '2026-08#v1', by: 'ops-lead', at: '2026-10-02T01:00:00.000Z' } }));
    expect(await ports.console.approval(c2, '2026-08#v1')).toMatchObject({ decision: { verdict: 'approved', by: { sub: 'ops-lead' }, at: '2026-10-02T01:00:00.000Z' } });
    // kam approve-disconnection goes through the console's use case: audited, and once only.
    const c3 = `${id}C`;
    await app.stores.customers.upsert([{ ...customer, customerId: c3, meterIds: [c3] }]);
    expect(await approveRequest(app, c3, { by: 'ops-lead' })).toEqual({ refused: `${c3} has no disconnection request to approve` });
    const req = { ...(await app.stores.arrears.notice({ customerId: c1, statementKey: '2026-08#v1', stage: 'disconnection-request' }))!, customerId: c3 };
    await app.stores.arrears.createNotice(req);
    expect(await approveRequest(app, c3, { by: 'ops-lead', reason: 'board decision 12' }, () => new Date('2026-10-23T01:00:00Z'))).toEqual({ approved: '2026-08#v1' });
    expect((await ports.console.approval(c3, '2026-08#v1'))!.decision).toEqual({ verdict: 'approved', reason: 'board decision 12', by: { sub: 'cli:ops-lead', email: 'ops-lead' }, at: '2026-10-23T01:00:00.000Z' });
    expect((await customerAudit(ports)(am, c3)).map((e) => [e.action, e.by.sub])).toEqual([['approval.decided', 'cli:ops-lead']]);
    expect(await approveRequest(app, c3, { by: 'someone-else' })).toEqual({ refused: expect.stringContaining('already approved') });

    const segment = { customerId: c2, asOf: '2026-09-30', playbook: [{ code: 'visit', text: 'Visit the site.' }, { code: 'valley-shifting', text: 'Shift load.' }] } as unknown as Segment;
    const run = createPlaybookTasks({ ...ports, segments: { all: async () => [{ customer: { ...customer, customerId: c2 }, segment }] } });
    expect(await run()).toEqual({ created: 2, existing: 0 });
    expect(await run()).toEqual({ created: 0, existing: 2 });
    expect((await ports.console.tasksOf(c2)).map((t) => [t.kind, t.source.kind, t.status])).toEqual([['phone-call', 'playbook', 'open'], ['visit', 'playbook', 'open']]);

    const address = `${id.toLowerCase()}-bounce@example.com`;
    expect(await app.stores.suppressions.suppress(address, 'bounce', new Date('2026-09-30T20:00:00Z'), { customerIds: [c2] })).toBe(true);
    // 2026-09-30T20:00Z is 2026-10-01 in Shanghai: both months' queries return it, the KPI keeps it by local day.
    for (const [from, to] of [['2026-09-01', '2026-09-30'], ['2026-10-01', '2026-10-31']] as const) {
      expect((await ports.console.suppressions(from, to)).filter((s) => s.address === address)).toEqual([{ address, reason: 'bounce', at: '2026-09-30T20:00:00.000Z', customerIds: [c2] }]);
    }
    expect((await ports.console.suppressions('2026-11-01', '2026-11-30')).filter((s) => s.address === address)).toEqual([]);
  });
});
