import { describe, expect, it } from 'vitest';
import type { Receivable } from '../../../../domain/arrears/ledger.ts';
import { Forbidden } from '../../../../domain/console/caller.ts';
import { Conflict, Invalid, NotFound, type Task } from '../../../../domain/console/ports.ts';
import { createPlaybookTasks, listTasks, noticeTaskKey, parseTaskId, recordOutcome, taskId } from '../../../../domain/console/tasks.ts';
import { customerAudit } from '../../../../domain/console/audit.ts';
import type { Segment } from '../../../../domain/classification/classify.ts';
import { AM1, AM2, customer, memoryPorts, OPS, SUP_EAST, SUP_WEST } from './fixtures.ts';

const C1 = customer('C1', 'east', 'am1@example.com');
const C2 = customer('C2', 'east', 'am2@example.com');
const AUG: Receivable = { key: '2026-08#v1', customerId: 'C1', period: '2026-08', total: '1000.00', dueDate: '2026-09-17', currency: 'CNY', issuedOn: '2026-09-02', delivered: true };
const JUL: Receivable = { ...AUG, key: '2026-07#v1', period: '2026-07', total: '500.00', dueDate: '2026-08-17', issuedOn: '2026-08-02' };

function noticeTask(customerId = 'C1', statementKey = AUG.key, day = '2026-09-24'): Task {
  const key = noticeTaskKey(day, statementKey);
  return { id: taskId(customerId, key), customerId, kind: 'phone-call', day, dueOn: '2026-09-27', assignee: 'am1@example.com', source: { kind: 'notice', statementKey, stage: 'formal' }, note: 'call', status: 'open' };
}

function setup() {
  const t = memoryPorts([C1, C2], [AUG, JUL]);
  return { ...t, record: recordOutcome(t.ports) };
}

describe('task ids', () => {
  it('are one URL path segment and read back to the stored key', () => {
    const id = taskId('C-1.x', noticeTaskKey('2026-09-24', '2026-08#v2'));
    expect(id).toBe('C-1.x~2026-09-24~2026-08~v2~phone-call');
    expect(encodeURIComponent(id)).toBe(id);
    expect(parseTaskId(id)).toEqual({ customerId: 'C-1.x', key: '2026-09-24#2026-08#v2#phone-call' });
    expect(() => parseTaskId('nothing')).toThrow(NotFound);
  });
});

describe('playbook tasks', () => {
  const segment = (asOf: string): Segment =>
    ({
      customerId: 'C1', asOf, tier: 'A', pattern: 'continuous', trend: 'stable', peerGroup: 1, features: {} as Segment['features'], reasons: [], actions: [],
      playbook: [
        { code: 'dedicated-manager', text: 'Assign a dedicated account manager and a priority service channel.' },
        { code: 'visit', text: 'Visit the customer.' },
      ],
    }) as Segment;

  it('become one task per customer, action and segment as-of; re-running (on another day too) changes nothing', async () => {
    const t = setup();
    let seg = segment('2026-09-30');
    const run = createPlaybookTasks({ ...t.ports, segments: { all: async () => [{ customer: C1, segment: seg }, { customer: C2 }] } });
    expect(await run()).toEqual({ created: 2, existing: 0 });
    const tasks = [...t.mem.tasks.values()];
    expect(tasks.map((x) => [x.id, x.kind, x.day, x.dueOn, x.assignee])).toEqual([
      ['C1~2026-09-30~playbook:dedicated-manager~phone-call', 'phone-call', '2026-10-01', '2026-10-04', 'am1@example.com'],
      ['C1~2026-09-30~playbook:visit~visit', 'visit', '2026-10-01', '2026-10-15', 'am1@example.com'],
    ]);
    expect(tasks[1]!.source).toEqual({ kind: 'playbook', action: 'visit', text: 'Visit the customer.', segmentAsOf: '2026-09-30' });
    t.setNow('2026-10-05T02:00:00Z');
    expect(await run()).toEqual({ created: 0, existing: 2 });
    expect(t.mem.tasks.size).toBe(2);
    // A new classification (new as-of) is new work.
    seg = segment('2026-10-31');
    // The population job passes only the customers that moved: C1 did not move this time, so nothing is written.
    expect(await run(new Set(['C2']))).toEqual({ created: 0, existing: 0 });
    expect(await run(new Set(['C1']))).toEqual({ created: 2, existing: 0 });
  });
});

describe('recordOutcome', () => {
  it('a promise to pay closes the task and puts the statement on a payment plan of the amount outstanding, audited', async () => {
    const t = setup();
    const task = noticeTask();
    await t.ports.console.createTask(task);
    t.payments.add({ reference: 'P1', paidOn: '2026-09-30', amount: '300.00' }); // JUL (older) first: 500 → 200
    t.payments.add({ reference: 'P2', paidOn: '2026-09-30', amount: '400.00' }); // then 200 to JUL, 200 to AUG
    const r = await t.record(AM1, task.id, { kind: 'promise-to-pay', promisedOn: '2026-10-10' });
    expect(r.hold).toEqual({ kind: 'plan', from: '2026-10-01', statementKeys: ['2026-08#v1'], instalments: [{ dueOn: '2026-10-10', amount: '800.00' }] });
    expect(r.task).toMatchObject({ status: 'closed', closed: { by: { sub: 'sub-am1', email: 'am1@example.com' }, closedOn: '2026-10-01', at: '2026-10-01T02:00:00.000Z' } });
    expect([...t.mem.holds.entries()]).toEqual([[`2026-10-01#plan#${task.id}`, { customerId: 'C1', hold: r.hold }]]);
    const audit = await customerAudit(t.ports)(SUP_EAST, 'C1');
    expect(audit.map((a) => [a.action, a.target, a.by.sub])).toEqual([
      ['hold.created', `hold:2026-10-01#plan#${task.id}`, 'sub-am1'],
      ['task.outcome', task.id, 'sub-am1'],
    ]);
    expect(audit[1]).toMatchObject({ before: { status: 'open' }, after: { status: 'closed', outcome: { kind: 'promise-to-pay', promisedOn: '2026-10-10' } } });
  });

  it('a dispute from a playbook task puts every statement on a dispute hold; reached and not-reached create no hold', async () => {
    const t = setup();
    const pb: Task = { ...noticeTask(), id: 'C1~2026-09-30~playbook:visit~visit', kind: 'visit', source: { kind: 'playbook', action: 'visit', text: 'Visit.', segmentAsOf: '2026-09-30' } };
    await t.ports.console.createTask(pb);
    const r = await t.record(SUP_EAST, pb.id, { kind: 'dispute', reason: 'meter reading contested' });
    expect(r.hold).toEqual({ kind: 'dispute', from: '2026-10-01' });
    const call = noticeTask('C1', AUG.key, '2026-09-25');
    await t.ports.console.createTask(call);
    expect((await t.record(AM1, call.id, { kind: 'reached' })).hold).toBeUndefined();
    expect(t.mem.holds.size).toBe(1);
  });

  it('is refused to anyone but the customer\'s manager and its region\'s supervisors, before revealing whether the task exists', async () => {
    const t = setup();
    const task = noticeTask();
    await t.ports.console.createTask(task);
    for (const who of [AM2, SUP_WEST, OPS]) await expect(t.record(who, task.id, { kind: 'reached' })).rejects.toThrow(Forbidden);
    await expect(t.record(AM2, 'C1~2026-01-01~nothing~phone-call', { kind: 'reached' })).rejects.toThrow(Forbidden);
    await expect(t.record(AM1, 'C1~2026-01-01~nothing~phone-call', { kind: 'reached' })).rejects.toThrow(NotFound);
    expect(t.mem.tasks.get(task.id)!.status).toBe('open');
    expect(t.mem.audit).toEqual([]);
  });

  it('checks the outcome: a promise needs a day not in the past, a dispute a reason', async () => {
    const t = setup();
    const task = noticeTask();
    await t.ports.console.createTask(task);
    await expect(t.record(AM1, task.id, { kind: 'promise-to-pay', promisedOn: '2026-09-30' })).rejects.toThrow(Invalid);
    await expect(t.record(AM1, task.id, { kind: 'promise-to-pay', promisedOn: 'soon' })).rejects.toThrow(Invalid);
    await expect(t.record(AM1, task.id, { kind: 'dispute', reason: '  ' })).rejects.toThrow(Invalid);
    await expect(t.record(AM1, task.id, { kind: 'called' } as never)).rejects.toThrow(Invalid);
    await expect(t.record(AM1, task.id, { kind: 'reached', note: 'x'.repeat(2001) })).rejects.toThrow(Invalid);
    expect(t.mem.tasks.get(task.id)!.status).toBe('open');
    // Only the outcome's own fields are kept, trimmed.
    const body = { kind: 'dispute', reason: '  wrong tariff ', note: '', isAdmin: true } as never;
    expect((await t.record(AM1, task.id, body)).task.closed!.outcome).toEqual({ kind: 'dispute', reason: 'wrong tariff' });
  });

  it('closes a task once: a second submission, or two at the same moment, gets Conflict and writes nothing', async () => {
    const t = setup();
    const task = noticeTask();
    await t.ports.console.createTask(task);
    const both = await Promise.allSettled([
      t.record(AM1, task.id, { kind: 'dispute', reason: 'wrong tariff' }),
      t.record(SUP_EAST, task.id, { kind: 'promise-to-pay', promisedOn: '2026-10-20' }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(Conflict);
    expect(t.mem.holds.size).toBe(1);
    expect(t.mem.audit.filter((a) => a.action === 'task.outcome')).toHaveLength(1);
    await expect(t.record(AM1, task.id, { kind: 'reached' })).rejects.toThrow(Conflict);
  });
});

describe('listTasks', () => {
  it('shows each caller only the tasks of customers they may see, open first then by due date', async () => {
    const t = setup();
    const a = noticeTask('C1', AUG.key, '2026-09-24');
    const b = { ...noticeTask('C1', JUL.key, '2026-08-24'), dueOn: '2026-08-27' };
    const c = { ...noticeTask('C2', AUG.key, '2026-09-24'), assignee: 'am2@example.com' };
    for (const x of [a, b, c]) await t.ports.console.createTask(x);
    await t.record(AM1, b.id, { kind: 'reached' });
    const list = listTasks(t.ports);
    expect((await list(AM1)).map((x) => x.id)).toEqual([a.id, b.id]);
    expect((await list(AM2)).map((x) => x.id)).toEqual([c.id]);
    expect((await list(SUP_EAST, { status: 'open' })).map((x) => x.id)).toEqual([a.id, c.id].sort());
    expect(await list(SUP_WEST)).toEqual([]);
    expect(await list(OPS)).toHaveLength(3);
    await expect(list(AM2, { customerId: 'C1' })).rejects.toThrow(Forbidden);
    expect((await list(AM1, { customerId: 'C1', status: 'closed' })).map((x) => x.id)).toEqual([b.id]);
  });
});
