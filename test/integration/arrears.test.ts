import { readFileSync } from 'node:fs';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshId, localApp } from '../helpers/local-app.ts';
import { scanArrears } from '../../domain/use-cases/scan-arrears.ts';
import { DEFAULT_ARREARS_POLICY } from '../../domain/arrears/policy.ts';
import type { NoticeJob } from '../../domain/use-cases/arrears-ports.ts';
import { SqsJobQueue } from '../../functions/adapters/sqs-job-queue.ts';

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
  const [failing, paying, normal] = ['F', 'P', 'N'].map((s) => `${id}${s}`) as [string, string, string];
  const email = (c: string) => (c === failing ? `${c.toLowerCase()}@ses-fails.example.com` : `${c.toLowerCase()}@example.com`);
  const manager = `am-${id.toLowerCase()}@example.com`;
  let totalOf: Record<string, string> = {};

  beforeAll(async () => {
    await app.upload('tariffs/cn-large-industry-2026.json', readFileSync(new URL('../../samples/tariffs/cn-large-industry-2026.json', import.meta.url)));
    const ids = [failing, paying, normal];
    await app.upload(`customers/${id}.csv`, [MASTER, ...ids.map((c) => `${c},Arrears ${c},${email(c)},en,arrears,cn-large-industry-2026,500,400,${manager},0.90,`)].join('\n'));
    const rows = [LONG];
    for (const c of ids) for (let d = 1; d <= 31; d++) for (let h = 0; h < 24; h++) rows.push(`${c},${c},2026-08-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00+08:00,60,100.000,30.000,A`);
    expect((await app.upload(`readings/${id}-2026-08.csv`, rows.join('\n'))).status).toBe('accepted');
    await app.invoke('RunStatements', { period: '2026-08', customerIds: ids, issuedOn: '2026-09-02' });
    await app.idle();
    for (const c of ids) {
      const s = (await app.stores.statements.latest(c, '2026-08'))!;
      expect([s.dueDate, s.email.state]).toEqual(['2026-09-17', 'sent']);
      totalOf[c] = s.bill.total;
    }
  }, 180_000);

  it('retries a failing SES send into the DLQ, stops a notice paid between scan and send, and never sends a stage twice', async () => {
    // The scan decides three reminders (one day overdue); its jobs are held back while a payment arrives.
    const held: NoticeJob[] = [];
    const scan = scanArrears(
      { customers: app.stores.customers, payments: app.stores.payments, arrears: app.stores.arrears, queue: { enqueue: async (jobs) => void held.push(...jobs) }, clock: () => new Date() },
      DEFAULT_ARREARS_POLICY,
    );
    const first = await scan('2026-09-18');
    const mine = held.filter((j) => j.customerId.startsWith(id));
    expect(mine.map((j) => [j.customerId, j.stage]).sort()).toEqual([[failing, 'reminder'], [normal, 'reminder'], [paying, 'reminder']].sort());
    expect(first.byStage.reminder).toBeGreaterThanOrEqual(3);

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
    expect(normalNotice.email).toMatchObject({ to: [email(normal)], cc: [], amountDue: totalOf[normal] });
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
    const formal = await app.invoke<{ byStage: Record<string, number> }>('ScanArrears', { asOf: '2026-09-24' });
    expect(formal.byStage.formal).toBeGreaterThanOrEqual(1);
    await app.idle();
    const f = (await app.stores.arrears.notice({ customerId: normal, statementKey: '2026-08#v1', stage: 'formal' }))!;
    expect(f.email).toMatchObject({ state: 'sent', to: [email(normal)], cc: [manager] });
    expect(await app.stores.arrears.notice({ customerId: failing, statementKey: '2026-08#v1', stage: 'formal' })).toBeUndefined();
    const tasks = await app.stores.arrears.tasks(normal);
    expect(tasks).toEqual([expect.objectContaining({ kind: 'phone-call', assignee: manager, day: '2026-09-24', statementKey: '2026-08#v1' })]);
    const all = (await app.mail()).filter((m) => m.destination.to.some((t) => t === email(normal)));
    expect(all.filter((m) => m.subject.startsWith('Payment reminder'))).toHaveLength(1);
    expect(all.filter((m) => m.subject.startsWith('Formal notice'))).toHaveLength(1);
  }, 240_000);
});
