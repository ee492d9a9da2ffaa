import { describe, expect, it } from 'vitest';
import { decideNotices, type SentNotice } from '../../../../domain/arrears/decide.ts';
import type { Receivable } from '../../../../domain/arrears/ledger.ts';
import { DEFAULT_ARREARS_POLICY as policy, type Stage } from '../../../../domain/arrears/policy.ts';
import type { NoticeJob, StoredNotice } from '../../../../domain/use-cases/arrears-ports.ts';
import { MailOutcomeUnknownError } from '../../../../domain/use-cases/mail-ports.ts';
import { sendNotice } from '../../../../domain/use-cases/send-notice.ts';
import { CUSTOMER, memoryArrears, memoryPayments } from './memory-arrears.ts';
import { memoryMailer } from './memory-mailer.ts';

const MAR: Receivable = { key: '2026-03#v1', customerId: 'C1', period: '2026-03', total: '100000.00', dueDate: '2026-04-15', currency: 'CNY', issuedOn: '2026-04-01', delivered: true };

/** The notice the scan of `decidedOn` decides after the given notices went out (each on its day), stored pending. */
function decided(decidedOn: string, sent: SentNotice[] = [], receivable = MAR): StoredNotice {
  const [d] = decideNotices({ customerId: 'C1', tier: 'A', asOf: decidedOn, receivables: [receivable], payments: [], notices: sent, holds: [], policy });
  if (!d) throw new Error(`nothing decided on ${decidedOn}`);
  return { ...d, decidedOn, decidedAt: `${decidedOn}T01:00:00.000Z`, email: { state: 'pending' } };
}

function setup(notice: StoredNotice, receivables: Receivable[] = [MAR]) {
  const arrears = memoryArrears(receivables);
  void arrears.createNotice(notice);
  const payments = memoryPayments();
  const { mailer, sent, behaviours } = memoryMailer();
  let today = notice.decidedOn;
  let clock = new Date(`${notice.decidedOn}T02:00:00Z`);
  const send = sendNotice(
    {
      customers: { get: async () => CUSTOMER },
      payments,
      arrears,
      suppressions: { isSuppressed: async () => false, suppress: async () => true },
      mailer,
      clock: () => clock,
      today: () => today,
    },
    policy,
    60_000,
  );
  const job: NoticeJob = { customerId: 'C1', statementKey: notice.statementKey, stage: notice.stage };
  const stored = () => arrears.items.get(`C1|${job.statementKey}|${job.stage}`)!;
  return { send, job, sent, arrears, payments, behaviours, stored, setToday: (d: string) => ((today = d), (clock = new Date(`${d}T02:00:00Z`))) };
}

const on = (stage: Stage, sentOn: string): SentNotice => ({ statementKey: MAR.key, stage, sentOn });

describe('sendNotice (in-memory ports)', () => {
  it('a final notice sent days after its scan states a disconnection date counted from the day it is sent', async () => {
    const final = decided('2026-04-30', [on('reminder', '2026-04-16'), on('formal', '2026-04-22')]);
    expect(final.disconnectionDate).toBe('2026-05-07'); // as decided: 7 days after the scan day
    const t = setup(final);
    t.setToday('2026-05-05'); // retried, then redriven from the DLQ five days later
    expect(await t.send(t.job)).toBe('sent');
    expect(t.stored().email).toMatchObject({
      state: 'sent',
      sentOn: '2026-05-05',
      disconnectionDate: '2026-05-12',
      nextStep: { stage: 'disconnection-request', date: '2026-05-12' },
    });
    expect(t.sent[0]!.text).toContain('2026-05-12');
    expect(t.sent[0]!.text).not.toContain('2026-05-07');
  });

  it('a formal notice sent late dates its phone-call task and its next step from the sent day', async () => {
    const t = setup(decided('2026-04-22', [on('reminder', '2026-04-16')]));
    t.setToday('2026-04-27');
    expect(await t.send(t.job)).toBe('sent');
    // Final: 15 days overdue (04-30) but at least 5 days after the formal notice actually went out.
    expect(t.stored().email).toMatchObject({ sentOn: '2026-04-27', nextStep: { stage: 'final', date: '2026-05-02' } });
    expect(t.arrears.tasks_).toEqual([expect.objectContaining({ day: '2026-04-27', kind: 'phone-call', stage: 'formal', dueOn: '2026-04-30', statementKey: MAR.key })]);
  });

  it('cancels a notice about a statement version that has been superseded, and sends nothing', async () => {
    const notice = decided('2026-04-16');
    const v2: Receivable = { ...MAR, key: '2026-03#v2', total: '80000.00' };
    const t = setup(notice, [v2]);
    expect(await t.send(t.job)).toBe('cancelled-superseded');
    expect(t.sent).toEqual([]);
    expect(t.stored().email).toMatchObject({ state: 'cancelled', reason: 'superseded' });
    expect(await t.send(t.job)).toBe('cancelled-superseded');
  });

  it('cancels a notice paid in full since the scan', async () => {
    const t = setup(decided('2026-04-16'));
    t.payments.add({ reference: 'P1', paidOn: '2026-04-16', amount: '100000.00' });
    expect(await t.send(t.job)).toBe('cancelled-paid');
    expect(t.stored().email).toMatchObject({ state: 'cancelled', reason: 'paid' });
    expect(t.sent).toEqual([]);
  });

  it('a duplicate delivery that sees the payment after the notice went out cannot turn the sent proof of notice into cancelled', async () => {
    const t = setup(decided('2026-04-16'));
    // Delivery B reads payments only once delivery A has sent the notice and the customer has paid.
    let calls = 0;
    let first!: Promise<unknown>;
    const read = t.payments.forCustomer;
    t.payments.forCustomer = async (c) => {
      if (++calls === 2) {
        await first;
        t.payments.add({ reference: 'P1', paidOn: '2026-04-16', amount: '100000.00' });
      }
      return read(c);
    };
    const cancel = t.arrears.cancelNotice;
    const cancels: boolean[] = [];
    t.arrears.cancelNotice = async (j, e) => {
      const done = await cancel(j, e);
      cancels.push(done);
      return done;
    };
    first = t.send(t.job);
    const [a, b] = await Promise.all([first, t.send(t.job)]);
    expect([a, b]).toEqual(['sent', 'already-sent']);
    expect(cancels).toEqual([false]); // B did try to cancel (it saw the payment), and was refused
    expect(t.stored().email).toMatchObject({ state: 'sent', messageId: 'msg-1', to: ['c1@example.com'] });
    expect(t.sent).toHaveLength(1);
  });

  it('an ambiguous SES failure records the notice as unknown, with what it stated; it is not resent until an operator releases it', async () => {
    const t = setup(decided('2026-04-16'));
    t.behaviours.push(async () => {
      throw new MailOutcomeUnknownError('request timed out after it was written');
    });
    expect(await t.send(t.job)).toBe('delivery-unknown');
    expect(t.stored().email).toMatchObject({ state: 'unknown', sentOn: '2026-04-16', to: ['c1@example.com'], amountDue: '100000.00' });
    // Redelivered (or re-queued by the scan), much later: still not sent.
    t.setToday('2026-04-18');
    expect(await t.send(t.job)).toBe('delivery-unknown');
    expect(t.sent).toHaveLength(0);
    // The operator found no such message in the SES logs and releases it; the next delivery sends it once.
    expect(await t.arrears.resolveNotice(t.job, 'failed', { at: new Date(), by: 'ops' })).toBe(true);
    expect(await t.send(t.job)).toBe('sent');
    expect(await t.send(t.job)).toBe('already-sent');
    expect(t.sent).toHaveLength(1);
  });

  it('a failure that certainly sent nothing is recorded as failed and retried', async () => {
    const t = setup(decided('2026-04-16'));
    t.behaviours.push(async () => {
      throw Object.assign(new Error('Service Unavailable'), { $metadata: { httpStatusCode: 503 } });
    });
    await expect(t.send(t.job)).rejects.toThrow('Service Unavailable');
    expect(t.stored().email.state).toBe('failed');
    expect(await t.send(t.job)).toBe('sent');
    expect(t.sent).toHaveLength(1);
  });
});
