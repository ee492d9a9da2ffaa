import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { freshId, localApp } from '../helpers/local-app.ts';
import { DynamoDigests } from '../../functions/adapters/dynamo-digests.ts';
import { leaseUntil } from '../../domain/use-cases/mail-ports.ts';
import type { NoticeJob, StoredNotice } from '../../domain/use-cases/arrears-ports.ts';

const app = localApp();
const LEASE = 60_000;

function pending(customerId: string, stage: StoredNotice['stage']): StoredNotice {
  return {
    customerId, tier: 'A', statementKey: '2026-08#v1', period: '2026-08', stage, amountDue: '100.00', currency: 'CNY', dueDate: '2026-09-17', daysOverdue: 1,
    lateChargeSoFar: '1.00', lateChargeDetail: '', nextStep: null, copyManager: false, phoneTask: false, decidedOn: '2026-09-18', decidedAt: '2026-09-18T01:00:00.000Z',
    email: { state: 'pending' },
  };
}

// The conditions live in DynamoDB ConditionExpressions: only the real table shows that they hold.
describe('outbox transitions on DynamoDB are conditional on the current state', () => {
  it('a sent proof of notice is never cancelled, failed, released or overwritten by a late worker', async () => {
    const job: NoticeJob = { customerId: freshId(), statementKey: '2026-08#v1', stage: 'reminder' };
    const a = app.stores.arrears;
    expect(await a.createNotice(pending(job.customerId, job.stage))).toBe('created');
    const t0 = new Date('2026-09-18T02:00:00Z');
    expect(await a.claimNotice(job, t0, LEASE)).toBe('claimed');
    expect(await a.claimNotice(job, new Date(t0.getTime() + 30_000), LEASE)).toBe('busy');
    // The lease runs out: B takes over and sends; A's late "failed" is refused, B's "sent" recorded.
    const t1 = new Date(t0.getTime() + LEASE + 1);
    expect(await a.claimNotice(job, t1, LEASE)).toBe('claimed');
    expect(await a.markNotice(job, { state: 'sent', messageId: 'B', at: t1.toISOString(), sentOn: '2026-09-18' }, leaseUntil(t1, LEASE))).toBe(true);
    expect(await a.markNotice(job, { state: 'failed', at: t1.toISOString(), error: 'late' }, leaseUntil(t0, LEASE))).toBe(false);
    expect(await a.markNotice(job, { state: 'failed', at: t1.toISOString(), error: 'late' }, leaseUntil(t1, LEASE))).toBe(false);
    // A duplicate delivery that sees a payment made after the notice went out: its cancel is refused.
    expect(await a.cancelNotice(job, { state: 'cancelled', reason: 'paid', at: t1.toISOString() })).toBe(false);
    expect(await a.resolveNotice(job, 'failed', { at: t1, by: 'ops' })).toBe(false);
    expect(await a.claimNotice(job, new Date(t1.getTime() + 10 * LEASE), LEASE)).toBe('sent');
    expect((await a.notice(job))!.email).toMatchObject({ state: 'sent', messageId: 'B', sentOn: '2026-09-18' });
  });

  it('unknown waits for an operator: no claim, no cancel; released it can be claimed again', async () => {
    const job: NoticeJob = { customerId: freshId(), statementKey: '2026-08#v1', stage: 'formal' };
    const a = app.stores.arrears;
    await a.createNotice(pending(job.customerId, job.stage));
    const t0 = new Date('2026-09-24T02:00:00Z');
    expect(await a.claimNotice(job, t0, LEASE)).toBe('claimed');
    expect(await a.markNotice(job, { state: 'unknown', at: t0.toISOString(), error: 'reset', to: ['x@example.com'], sentOn: '2026-09-24' }, leaseUntil(t0, LEASE))).toBe(true);
    expect(await a.claimNotice(job, new Date(t0.getTime() + 100 * LEASE), LEASE)).toBe('unknown');
    expect(await a.cancelNotice(job, { state: 'cancelled', reason: 'paid', at: t0.toISOString() })).toBe(false);
    expect(await a.resolveNotice(job, 'failed', { at: t0, by: 'ops' })).toBe(true);
    expect((await a.notice(job))!.email).toMatchObject({ state: 'failed', resolvedBy: 'ops', to: ['x@example.com'] });
    expect(await a.claimNotice(job, t0, LEASE)).toBe('claimed');
    // A pending or failed notice is cancelled (paid, superseded) only before it is claimed.
    const other: NoticeJob = { ...job, stage: 'reminder' };
    await a.createNotice(pending(job.customerId, other.stage));
    expect(await a.cancelNotice(other, { state: 'cancelled', reason: 'superseded', at: t0.toISOString() })).toBe(true);
    expect(await a.claimNotice(other, t0, LEASE)).toBe('cancelled');
  });

  it('a digest claim has a lease: a crashed run blocks the week only until it runs out', async () => {
    const digests = new DynamoDigests(app.stores.table);
    const manager = `am-${freshId().toLowerCase()}@example.com`;
    const t0 = new Date('2026-07-20T00:00:00Z');
    const lease = 2 * 60_000;
    expect(await digests.claim(manager, '2026-07-19', t0, lease)).toBe('claimed');
    // The run dies here: nothing recorded. Another run within the lease must not send; after it, it may.
    expect(await digests.claim(manager, '2026-07-19', new Date(t0.getTime() + 60_000), lease)).toBe('busy');
    const t1 = new Date(t0.getTime() + lease + 1);
    expect(await digests.claim(manager, '2026-07-19', t1, lease)).toBe('claimed');
    expect(await digests.release(manager, '2026-07-19', leaseUntil(t0, lease), 'failed', 'late')).toBe(false);
    expect(await digests.record(manager, '2026-07-19', 'm-1', leaseUntil(t1, lease))).toBe(true);
    expect(await digests.release(manager, '2026-07-19', leaseUntil(t1, lease), 'failed', 'late')).toBe(false);
    expect(await digests.claim(manager, '2026-07-19', new Date(t1.getTime() + 10 * lease), lease)).toBe('sent');

    // A 'sending' claim written before leases existed (no leaseUntil) no longer blocks the week forever.
    const stuck = `am-${freshId().toLowerCase()}@example.com`;
    await app.clients.doc.send(new PutCommand({ TableName: app.names.table, Item: { pk: `DIGEST#${stuck}`, sk: 'WEEK#2026-07-12', type: 'digest', state: 'sending' } }));
    expect(await digests.claim(stuck, '2026-07-12', t0, lease)).toBe('claimed');
  });
});
