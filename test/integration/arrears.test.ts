import { readFileSync } from 'node:fs';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshId, localApp } from '../helpers/local-app.ts';
import { scanArrears } from '../../domain/use-cases/scan-arrears.ts';
import { DEFAULT_ARREARS_POLICY } from '../../domain/arrears/policy.ts';
import type { NoticeJob } from '../../domain/use-cases/arrears-ports.ts';
import { SqsJobQueue } from '../../functions/adapters/sqs-job-queue.ts';
import { arrearsRows } from '../../cli/arrears.ts';
import { resolveNotice, resolveStatement } from '../../cli/resolve.ts';

const app = localApp();
const MASTER = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
const LONG = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('arrears notices on the local stack, under faults', () => {
  const id = freshId();
  const [failing, paying, normal, dropped] = ['F', 'P', 'N', 'U'].map((s) => `${id}${s}`) as [string, string, string, string];
  // SES fails notices to @ses-fails with 503 (not sent); it accepts mail to @ses-drops but the answer never arrives.
  const email = (c: string) =>
    c === failing ? `${c.toLowerCase()}@ses-fails.example.com` : c === dropped ? `${c.toLowerCase()}@ses-drops.example.com` : `${c.toLowerCase()}@example.com`;
  const toDropped = async () => (await app.mail()).filter((m) => m.destination.to.includes(email(dropped)));
  const manager = `am-${id.toLowerCase()}@example.com`;
  let totalOf: Record<string, string> = {};

  beforeAll(async () => {
    await app.upload('tariffs/cn-large-industry-2026.json', readFileSync(new URL('../../samples/tariffs/cn-large-industry-2026.json', import.meta.url)));
    const ids = [failing, paying, normal, dropped];
    await app.upload(`customers/${id}.csv`, [MASTER, ...ids.map((c) => `${c},Arrears ${c},${email(c)},en,arrears,cn-large-industry-2026,500,400,${manager},0.90,`)].join('\n'));
    const rows = [LONG];
    for (const c of ids) for (let d = 1; d <= 31; d++) for (let h = 0; h < 24; h++) rows.push(`${c},${c},2026-08-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00+08:00,60,100.000,30.000,A`);
    expect((await app.upload(`readings/${id}-2026-08.csv`, rows.join('\n'))).status).toBe('accepted');
    // The handlers run on the simulated day the test sets (a notice is dated the day it is sent).
    app.setClock('2026-09-02T09:00:00+08:00');
    await app.invoke('RunStatements', { period: '2026-08', customerIds: ids, issuedOn: '2026-09-02' });
    await app.idle();
    for (const c of ids) {
      const s = (await app.stores.statements.latest(c, '2026-08'))!;
      expect([s.dueDate, s.email.state]).toEqual(['2026-09-17', c === dropped ? 'unknown' : 'sent']);
      totalOf[c] = s.bill.total;
    }
    // SES did take the dropped customer's statement; a second run (a duplicate schedule) does not send it again.
    await app.invoke('RunStatements', { period: '2026-08', customerIds: [dropped], issuedOn: '2026-09-02' });
    await app.idle();
    expect(await toDropped()).toHaveLength(1);
    expect((await app.stores.statements.latest(dropped, '2026-08'))!.email).toMatchObject({ state: 'unknown', error: expect.stringContaining('SES may have accepted') });
  }, 180_000);

  afterAll(() => app.setClock(undefined));

  it('retries a failing SES send into the DLQ, stops a notice paid between scan and send, and never sends a stage twice', async () => {
    // The scan decides three reminders (one day overdue); its jobs are held back while a payment arrives.
    const held: NoticeJob[] = [];
    const scan = scanArrears(
      { customers: app.stores.customers, payments: app.stores.payments, arrears: app.stores.arrears, queue: { enqueue: async (jobs) => void held.push(...jobs) }, clock: () => new Date() },
      DEFAULT_ARREARS_POLICY,
    );
    const first = await scan('2026-09-18');
    const mine = held.filter((j) => j.customerId.startsWith(id));
    // None for the customer whose statement may never have arrived.
    expect(mine.map((j) => [j.customerId, j.stage]).sort()).toEqual([[failing, 'reminder'], [normal, 'reminder'], [paying, 'reminder']].sort());
    expect(first.byStage.reminder).toBeGreaterThanOrEqual(3);
    expect(first.undelivered).toBeGreaterThanOrEqual(1);
    app.setClock('2026-09-18T11:00:00+08:00');

    const payment = `${paying},2026-09-18T10:00:00+08:00,${totalOf[paying]},CNY,${id}-PAY-1`;
    const pay = await app.upload(`payments/${id}.csv`, ['customer_id,paid_at,amount,currency,reference', payment].join('\n'));
    expect(pay).toMatchObject({ status: 'accepted', rows: { accepted: 1, rejected: 0 } });
    // The same payment again in another file is recorded once; its reference with other details is rejected by row;
    // a payment for an unknown customer is rejected by row too.
    const again = await app.upload(`payments/${id}-again.csv`, [
      'customer_id,paid_at,amount,currency,reference',
      payment,
      `${paying},2026-09-18T10:00:00+08:00,1.00,CNY,${id}-PAY-1`,
      ...Array.from({ length: 50 }, (_, i) => `${paying},2026-08-01,0.01,CNY,${id}-OLD-${i}`),
      `${id}ZZ,2026-09-18,5.00,CNY,${id}-PAY-2`,
    ].join('\n'));
    expect(again).toMatchObject({ status: 'accepted', rows: { accepted: 51, rejected: 2 } });
    expect((await app.stores.payments.forCustomer(paying)).filter((p) => p.reference === `${id}-PAY-1`)).toHaveLength(1);

    await new SqsJobQueue<NoticeJob>(app.clients.sqs, app.names.noticeQueue!).enqueue(mine);
    // The failing customer's notice: SES answers 503; the SDK retries, the worker fails, SQS redelivers (visibility
    // shortened to 2 s locally) until maxReceiveCount sends it to the DLQ.
    const dlqBody = await until('the failing notice in the DLQ', async () => {
      const res = await app.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: app.names.noticeDlq!, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 0 }));
      return res.Messages?.map((m) => JSON.parse(m.Body!) as NoticeJob).find((j) => j.customerId === failing);
    }, 120_000);
    expect(dlqBody).toMatchObject({ customerId: failing, stage: 'reminder', statementKey: '2026-08#v1' });

    const normalNotice = await until('the normal reminder sent', async () => {
      const n = await app.stores.arrears.notice({ customerId: normal, statementKey: '2026-08#v1', stage: 'reminder' });
      return n?.email.state === 'sent' ? n : undefined;
    });
    expect(normalNotice.email).toMatchObject({ to: [email(normal)], cc: [], amountDue: totalOf[normal], sentOn: '2026-09-18' });
    expect((await app.stores.arrears.notice({ customerId: paying, statementKey: '2026-08#v1', stage: 'reminder' }))!.email.state).toBe('cancelled');
    expect((await app.stores.arrears.notice({ customerId: failing, statementKey: '2026-08#v1', stage: 'reminder' }))!.email.state).toBe('failed');

    const notices = (await app.mail()).filter((m) => m.subject.startsWith('Payment reminder') && m.destination.to.some((t) => t.includes(id.toLowerCase())));
    expect(notices.map((m) => m.destination.to[0])).toEqual([email(normal)]);
    expect(notices[0]!.body.text).toContain(`was due on 2026-09-17`);
    expect(notices[0]!.body.text).toMatch(/late-payment charge so far is CNY [\d,]+\.\d\d/);
    expect(notices[0]!.body.text).toMatch(/a formal notice follows on 2026-09-24/);

    // The real scan, twice on the same day and on the next: nothing new (the failed reminder still holds its stage).
    for (const asOf of ['2026-09-18', '2026-09-18', '2026-09-19']) {
      const r = await app.invoke<{ queued: number; byStage: Record<string, number> }>('ScanArrears', { asOf });
      expect(r.queued, asOf).toBe(0);
    }
    const depth = await app.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: app.names.noticeQueue!, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(depth.Attributes?.ApproximateNumberOfMessages).toBe('0');

    // Seven days overdue: the formal notice for the customer whose reminder went out, with the manager copied and a
    // phone-call task; none for the one whose reminder never arrived (no stage is skipped).
    app.setClock('2026-09-24T09:00:00+08:00');
    const formal = await app.invoke<{ byStage: Record<string, number> }>('ScanArrears', { asOf: '2026-09-24' });
    expect(formal.byStage.formal).toBeGreaterThanOrEqual(1);
    await app.idle();
    const f = (await app.stores.arrears.notice({ customerId: normal, statementKey: '2026-08#v1', stage: 'formal' }))!;
    expect(f.email).toMatchObject({ state: 'sent', to: [email(normal)], cc: [manager] });
    expect(await app.stores.arrears.notice({ customerId: failing, statementKey: '2026-08#v1', stage: 'formal' })).toBeUndefined();
    const tasks = await app.stores.arrears.tasks(normal);
    expect(tasks).toEqual([expect.objectContaining({ kind: 'phone-call', assignee: manager, day: '2026-09-24', statementKey: '2026-08#v1', dueOn: '2026-09-27', status: 'open' })]);
    const all = (await app.mail()).filter((m) => m.destination.to.some((t) => t === email(normal)));
    expect(all.filter((m) => m.subject.startsWith('Payment reminder'))).toHaveLength(1);
    expect(all.filter((m) => m.subject.startsWith('Formal notice'))).toHaveLength(1);
  }, 240_000);

  it('a statement that may not have arrived starts no ladder and is listed for the operator; once resolved, the ladder starts, and an unknown notice is never resent', async () => {
    const job = { customerId: dropped, statementKey: '2026-08#v1', stage: 'reminder' } as const;
    app.setClock('2026-09-25T09:00:00+08:00');
    const scan = await app.invoke<{ byStage: Record<string, number>; undelivered: number }>('ScanArrears', { asOf: '2026-09-25' });
    expect(scan.undelivered).toBeGreaterThanOrEqual(1);
    expect(await app.stores.arrears.notice(job)).toBeUndefined();
    const rows = (await arrearsRows(app, '2026-09-25')).filter((r) => r.customer === dropped);
    expect(rows).toEqual([expect.objectContaining({ statement: '2026-08#v1', stage: 'statement not delivered (unknown)', outstanding: totalOf[dropped] })]);

    // The operator finds the message in the SES sending logs: the statement was delivered on 09-02.
    expect(await resolveStatement(app, dropped, '2026-08', undefined, { decision: 'sent', by: 'ops' }, new Date())).toEqual({ resolved: true, state: 'sent' });
    expect(await resolveStatement(app, dropped, '2026-08', undefined, { decision: 'resend', by: 'ops' }, new Date())).toEqual({ resolved: false, state: 'sent' });
    expect((await app.stores.statements.latest(dropped, '2026-08'))!.email).toMatchObject({ state: 'sent', resolvedBy: 'ops' });

    // Now the reminder: SES takes it but the answer is lost, so it is 'unknown', with what it said; a redelivery of
    // the job and the next scans send nothing more.
    await app.invoke('ScanArrears', { asOf: '2026-09-25' });
    await app.idle();
    const unknown = (await app.stores.arrears.notice(job))!;
    expect(unknown.email).toMatchObject({ state: 'unknown', sentOn: '2026-09-25', to: [email(dropped)], amountDue: totalOf[dropped] });
    await new SqsJobQueue<NoticeJob>(app.clients.sqs, app.names.noticeQueue!).enqueue([job]);
    await app.idle();
    app.setClock('2026-09-26T09:00:00+08:00');
    expect((await app.invoke<{ queued: number }>('ScanArrears', { asOf: '2026-09-26' })).queued).toBe(0);
    await app.idle();
    expect((await toDropped()).filter((m) => m.subject.startsWith('Payment reminder'))).toHaveLength(1);
    expect((await app.stores.arrears.notice(job))!.email.state).toBe('unknown');
    expect((await arrearsRows(app, '2026-09-26')).find((r) => r.customer === dropped)?.stage).toBe('reminder (unknown)');

    // Confirmed as sent: the formal notice follows at least 3 days after the day the reminder went out (09-28).
    expect(await resolveNotice(app, job, { decision: 'sent', by: 'ops' }, new Date())).toEqual({ resolved: true, state: 'sent' });
    app.setClock('2026-09-27T09:00:00+08:00');
    await app.invoke('ScanArrears', { asOf: '2026-09-27' });
    expect(await app.stores.arrears.notice({ ...job, stage: 'formal' })).toBeUndefined();
    app.setClock('2026-09-28T09:00:00+08:00');
    await app.invoke('ScanArrears', { asOf: '2026-09-28' });
    await app.idle();
    expect((await app.stores.arrears.notice({ ...job, stage: 'formal' }))!.decidedOn).toBe('2026-09-28');
  }, 180_000);
});
