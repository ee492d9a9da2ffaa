import { describe, expect, it } from 'vitest';
import { approvalId, decideDisconnection, listApprovals, recommendDisconnection } from '../../../../domain/console/approvals.ts';
import { customerAudit } from '../../../../domain/console/audit.ts';
import { Forbidden } from '../../../../domain/console/caller.ts';
import { Conflict, Invalid, NotFound } from '../../../../domain/console/ports.ts';
import type { StoredNotice } from '../../../../domain/use-cases/arrears-ports.ts';
import { AM1, AM2, customer, memoryPorts, OPS, SUP_EAST, SUP_EAST_2, SUP_WEST } from './fixtures.ts';

const C1 = customer('C1', 'east', 'am1@example.com');
const C2 = customer('C2', 'west', 'am2@example.com');

function request(customerId: string, statementKey: string, state: 'sent' | 'pending' = 'sent', sentOn = '2026-10-20'): StoredNotice {
  return {
    customerId, tier: 'A', statementKey, period: statementKey.slice(0, 7), stage: 'disconnection-request', amountDue: '1000.00', currency: 'CNY', dueDate: '2026-09-17',
    daysOverdue: 33, lateChargeSoFar: '66.00', lateChargeDetail: '', nextStep: null, disconnectionDate: '2026-10-17', copyManager: true, phoneTask: false,
    decidedOn: sentOn, decidedAt: `${sentOn}T01:00:00.000Z`,
    email: state === 'sent' ? { state, sentOn, amountDue: '900.00', disconnectionDate: '2026-10-18' } : { state },
  };
}

async function setup() {
  const t = memoryPorts([C1, C2]);
  await t.arrears.createNotice(request('C1', '2026-08#v1'));
  await t.arrears.createNotice(request('C1', '2026-09#v1', 'pending'));
  await t.arrears.createNotice(request('C2', '2026-08#v1', 'sent', '2026-10-19'));
  const id = approvalId('C1', '2026-08#v1');
  return { ...t, id, list: listApprovals(t.ports), recommend: recommendDisconnection(t.ports), decide: decideDisconnection(t.ports) };
}

describe('disconnection approvals', () => {
  it('lists sent requests the caller may see, with the amount and date as sent', async () => {
    const t = await setup();
    expect(await t.list(AM1)).toEqual([
      {
        id: 'C1~2026-08~v1', customerId: 'C1', customerName: 'Acme Steel', region: 'east', accountManagerEmail: 'am1@example.com', statementKey: '2026-08#v1',
        state: 'requested', amountDue: '900.00', currency: 'CNY', disconnectionDate: '2026-10-18', requestedOn: '2026-10-20',
      },
    ]);
    expect((await t.list(OPS)).map((v) => v.id)).toEqual(['C2~2026-08~v1', 'C1~2026-08~v1']);
    expect((await t.list(SUP_WEST)).map((v) => v.id)).toEqual(['C2~2026-08~v1']);
    await expect(t.list(AM2, { customerId: 'C1' })).rejects.toThrow(Forbidden);
  });

  it('four eyes: the manager recommends, cannot decide; the recommending supervisor cannot decide; another supervisor of the region does, once', async () => {
    const t = await setup();
    await expect(t.decide(AM1, t.id, { verdict: 'approved', reason: 'unpaid' })).rejects.toThrow(Forbidden);
    await expect(t.recommend(AM2, t.id, { verdict: 'approve', reason: 'x' })).rejects.toThrow(Forbidden);
    await expect(t.recommend(OPS, t.id, { verdict: 'approve', reason: 'x' })).rejects.toThrow(Forbidden);
    await expect(t.recommend(AM1, t.id, { verdict: 'approve', reason: '' })).rejects.toThrow(Invalid);

    t.setNow('2026-10-21T03:00:00Z');
    const rec = await t.recommend(AM1, t.id, { verdict: 'reject', reason: 'customer paying next week' });
    expect(rec).toMatchObject({ state: 'recommended', recommendation: { verdict: 'reject', by: { sub: 'sub-am1', email: 'am1@example.com' }, at: '2026-10-21T03:00:00.000Z' } });
    await expect(t.recommend(SUP_EAST, t.id, { verdict: 'approve', reason: 'again' })).rejects.toThrow(Conflict);

    await expect(t.decide(SUP_WEST, t.id, { verdict: 'approved', reason: 'unpaid' })).rejects.toThrow(Forbidden);
    t.setNow('2026-10-22T03:00:00Z');
    const d = await t.decide(SUP_EAST, t.id, { verdict: 'rejected', reason: 'plan agreed' });
    expect(d).toMatchObject({ state: 'rejected', decision: { verdict: 'rejected', reason: 'plan agreed', by: { sub: 'sub-se' }, at: '2026-10-22T03:00:00.000Z' } });
    await expect(t.decide(SUP_EAST_2, t.id, { verdict: 'approved', reason: 'no' })).rejects.toThrow(Conflict);
    expect((await t.list(AM1))[0]).toMatchObject({ state: 'rejected', recommendation: { verdict: 'reject' }, decision: { verdict: 'rejected' } });

    const audit = await customerAudit(t.ports)(AM1, 'C1');
    expect(audit.map((a) => [a.action, a.by.sub, a.at, a.after])).toEqual([
      ['approval.decided', 'sub-se', '2026-10-22T03:00:00.000Z', { state: 'rejected', reason: 'plan agreed' }],
      ['approval.recommended', 'sub-am1', '2026-10-21T03:00:00.000Z', { state: 'recommended', verdict: 'reject', reason: 'customer paying next week' }],
    ]);
    await expect(customerAudit(t.ports)(AM2, 'C1')).rejects.toThrow(Forbidden);
  });

  it('a supervisor who recommended cannot approve it themselves', async () => {
    const t = await setup();
    await t.recommend(SUP_EAST, t.id, { verdict: 'approve', reason: 'three months unpaid' });
    await expect(t.decide(SUP_EAST, t.id, { verdict: 'approved', reason: 'as recommended' })).rejects.toThrow(Forbidden);
    expect((await t.decide(SUP_EAST_2, t.id, { verdict: 'approved', reason: 'agreed' })).state).toBe('approved');
  });

  it('two supervisors deciding at once: exactly one decision is recorded, the other gets Conflict', async () => {
    const t = await setup();
    const both = await Promise.allSettled([
      t.decide(SUP_EAST, t.id, { verdict: 'approved', reason: 'unpaid' }),
      t.decide(SUP_EAST_2, t.id, { verdict: 'rejected', reason: 'dispute pending' }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(Conflict);
    expect(t.mem.audit.filter((a) => a.action === 'approval.decided')).toHaveLength(1);
  });

  it('only sent requests can be decided on', async () => {
    const t = await setup();
    await expect(t.decide(SUP_EAST, approvalId('C1', '2026-09#v1'), { verdict: 'approved', reason: 'x' })).rejects.toThrow(NotFound);
    await expect(t.decide(SUP_EAST, 'C1', { verdict: 'approved', reason: 'x' })).rejects.toThrow(NotFound);
  });
});
