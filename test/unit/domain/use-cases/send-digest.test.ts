import { describe, expect, it } from 'vitest';
import { DigestsBusyError, sendDigests, type DigestLedger } from '../../../../domain/use-cases/send-digest.ts';
import { MailOutcomeUnknownError } from '../../../../domain/use-cases/mail-ports.ts';
import { CUSTOMER } from './memory-arrears.ts';
import { memoryMailer } from './memory-mailer.ts';
import { insights } from '../../../helpers/insights.ts';

/** The DIGEST ledger rules of functions/adapters/dynamo-digests.ts, in memory. */
function memoryLedger(): DigestLedger & { items: Map<string, { state: string; leaseUntil?: number; messageId?: string }> } {
  const items = new Map<string, { state: string; leaseUntil?: number; messageId?: string }>();
  const k = (m: string, w: string) => `${m}|${w}`;
  return {
    items,
    claim: async (m, w, now, leaseMs) => {
      const cur = items.get(k(m, w));
      if (!cur || cur.state === 'failed' || (cur.state === 'sending' && (cur.leaseUntil ?? 0) < now.getTime())) {
        items.set(k(m, w), { state: 'sending', leaseUntil: now.getTime() + leaseMs });
        return 'claimed';
      }
      return cur.state === 'sent' || cur.state === 'unknown' ? cur.state : 'busy';
    },
    record: async (m, w, messageId) => {
      const cur = items.get(k(m, w))!;
      if (!['sending', 'failed', 'unknown'].includes(cur.state)) return false;
      items.set(k(m, w), { state: 'sent', messageId });
      return true;
    },
    release: async (m, w, lease, state) => {
      const cur = items.get(k(m, w))!;
      if (cur.state !== 'sending' || cur.leaseUntil !== lease) return false;
      items.set(k(m, w), { state });
      return true;
    },
  };
}

function setup() {
  const ledger = memoryLedger();
  const { mailer, sent, behaviours } = memoryMailer();
  let clock = new Date('2026-07-20T00:00:00Z');
  const send = sendDigests(
    {
      customers: { all: async () => [CUSTOMER], get: async () => CUSTOMER },
      history: async () => [],
      arrears: { notices: async () => [] },
      ledger,
      mailer,
      clock: () => clock,
    },
    2 * 60_000,
  );
  return { send, sent, ledger, behaviours, advance: (ms: number) => (clock = new Date(clock.getTime() + ms)) };
}

describe('sendDigests (in-memory ledger)', () => {
  it('a run that died holding a claim leaves it busy only for the lease; then the digest is sent once', async () => {
    const t = setup();
    // The run that crashed: claimed, never recorded.
    expect(await t.ledger.claim('am@example.com', '2026-07-19', new Date('2026-07-20T00:00:00Z'), 2 * 60_000)).toBe('claimed');
    t.advance(60_000);
    await expect(t.send('2026-07-19')).rejects.toThrow(DigestsBusyError);
    expect(t.sent).toHaveLength(0);
    t.advance(61_000);
    expect(await t.send('2026-07-19')).toEqual({ managers: 1, sent: 1, unknown: 0 });
    expect(await t.send('2026-07-19')).toEqual({ managers: 1, sent: 0, unknown: 0 });
    expect(t.sent).toHaveLength(1);
  });

  it('an ambiguous SES failure is kept as unknown and not resent by the next run', async () => {
    const t = setup();
    t.behaviours.push(async () => {
      throw new MailOutcomeUnknownError('socket reset');
    });
    expect(await t.send('2026-07-19')).toEqual({ managers: 1, sent: 0, unknown: 1 });
    t.advance(3600_000);
    expect(await t.send('2026-07-19')).toEqual({ managers: 1, sent: 0, unknown: 1 });
    expect(t.sent).toHaveLength(0);
    expect(t.ledger.items.get('am@example.com|2026-07-19')!.state).toBe('unknown');
  });
});

describe('sendDigests: forecasts and anomalies from the stored insights', () => {
  it('puts each customer’s forecast and the week’s anomalies from customers.get into the email', async () => {
    const { mailer, sent } = memoryMailer();
    const send = sendDigests(
      {
        customers: { all: async () => [CUSTOMER], get: async () => ({ ...CUSTOMER, insights: insights() }) },
        history: async () => [],
        arrears: { notices: async () => [] },
        ledger: memoryLedger(),
        mailer,
        clock: () => new Date('2026-11-30T00:00:00Z'),
      },
      60_000,
    );
    expect(await send('2026-11-29')).toMatchObject({ sent: 1 });
    expect(sent[0]!.text).toContain('- C1 Acme Steel: 2026-12 about 123,457 kWh (110,000–138,001), bill about CNY 98,765.43');
    expect(sent[0]!.text).toContain('- C1 Acme Steel: usage dropped [level-drop] (ongoing) 2026-11-10 to 2026-11-29, high');
    expect(sent[0]!.text).not.toContain('zero-reads');
  });
});
