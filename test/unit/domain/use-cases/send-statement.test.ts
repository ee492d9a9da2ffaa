import { describe, expect, it } from 'vitest';
import { sendStatement, type SendStatementPorts } from '../../../../domain/use-cases/send-statement.ts';
import type { StatementStore, StoredStatement } from '../../../../domain/use-cases/statement-ports.ts';
import type { OutgoingMail } from '../../../../domain/use-cases/mail-ports.ts';
import type { Customer } from '../../../../domain/customers/customer-master.ts';
import type { DailyUsage } from '../../../../domain/usage/daily-usage.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { LARGE_INDUSTRY, PROFILE_P } from '../billing/fixtures.ts';

/** In-memory statement store with the same conditional semantics as the DynamoDB one. */
function memoryStatements(): StatementStore & { items: Map<string, StoredStatement> } {
  const items = new Map<string, StoredStatement>();
  const k = (c: string, p: string, v: number) => `${c}|${p}|${v}`;
  return {
    items,
    latest: async (c, p) => [...items.values()].filter((s) => s.customerId === c && s.period === p).sort((a, b) => b.version - a.version)[0],
    create: async (s) => (items.has(k(s.customerId, s.period, s.version)) ? 'exists' : (items.set(k(s.customerId, s.period, s.version), structuredClone(s)), 'created')),
    claimEmail: async (c, p, v, now, lease) => {
      const s = items.get(k(c, p, v))!;
      const e = s.email;
      if (e.state === 'pending' || e.state === 'failed' || (e.state === 'sending' && (e.leaseUntil ?? 0) < now.getTime())) {
        s.email = { state: 'sending', leaseUntil: now.getTime() + lease };
        return 'claimed';
      }
      return e.state === 'sent' ? 'sent' : e.state === 'suppressed' ? 'suppressed' : 'busy';
    },
    markEmail: async (c, p, v, state, d) => void (items.get(k(c, p, v))!.email = { state, ...(d.messageId ? { messageId: d.messageId } : {}), at: d.at.toISOString() }),
    listPeriod: async (p) => [...items.values()].filter((s) => s.period === p),
    history: async (c) => [...items.values()].filter((s) => s.customerId === c),
  };
}

const customer: Customer = {
  customerId: 'C1', name: 'Acme <Steel>', email: 'c1@example.com', locale: 'en', region: 'east', tariffId: LARGE_INDUSTRY.id,
  contractKva: 500, contractKw: 400, accountManagerEmail: 'am@example.com', pfStandard: 0.9, meterIds: ['C1'], basicChargeMode: null,
};

function october(scale = 1): DailyUsage[] {
  return Array.from({ length: 31 }, (_, i) => {
    const hourly = PROFILE_P.map((v) => v * scale);
    const kwh = hourly.reduce((a, b) => a + b, 0);
    return { customerId: 'C1', day: `2026-10-${String(i + 1).padStart(2, '0')}`, kwh, hourly, bands: { sharp: 0, peak: 0, flat: kwh, valley: 0 }, maxDemandKw: 300, kvarh: kwh / 2, intervals: { actual: 24, estimated: 0, missing: 0 }, intervalMinutes: 60 };
  });
}

function setup() {
  let days = october();
  const sent: OutgoingMail[] = [];
  let failNext = false;
  const suppressed = new Set<string>();
  const statements = memoryStatements();
  const ports: SendStatementPorts = {
    customers: { all: async () => [customer], upsert: async () => undefined, get: async () => customer },
    usage: { get: async () => [], merge: async () => [], range: async (_c, from, to) => days.filter((d) => d.day >= from && d.day <= to) },
    tariffs: { get: async () => LARGE_INDUSTRY, put: async () => undefined, all: async () => [LARGE_INDUSTRY] },
    statements,
    peers: { get: async () => undefined },
    suppressions: { isSuppressed: async (a) => suppressed.has(a), suppress: async () => true },
    mailer: {
      send: async (m) => {
        if (failNext) {
          failNext = false;
          throw new Error('SES throttled');
        }
        sent.push(m);
        return `msg-${sent.length}`;
      },
    },
    clock: () => new Date('2026-11-02T01:00:00Z'),
  };
  const send = sendStatement(ports, { config: DEFAULT_CONFIG, dueDays: 15, utilityName: { en: 'U', 'zh-CN': 'U' }, sendLeaseMs: 60_000, busyWaitMs: 0 });
  return { send, sent, statements, setDays: (d: DailyUsage[]) => (days = d), failOnce: () => (failNext = true), suppress: (a: string) => suppressed.add(a) };
}

const job = { customerId: 'C1', period: '2026-10', runId: 'r' };

describe('sendStatement (exactly once, with in-memory ports)', () => {
  it('makes and emails version 1 once; a re-run with the same data sends nothing', async () => {
    const t = setup();
    expect(await t.send(job)).toMatchObject({ outcome: 'sent', version: 1, correction: false, messageId: 'msg-1' });
    expect(await t.send(job)).toMatchObject({ outcome: 'already-sent', version: 1 });
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]!.subject).toContain('Acme <Steel>');
    expect(t.sent[0]!.html).not.toContain('Acme <Steel>');
  });

  it('makes version 2, marked as a correction, when the data changed, and emails it once', async () => {
    const t = setup();
    await t.send(job);
    t.setDays(october(1.1));
    expect(await t.send(job)).toMatchObject({ outcome: 'sent', version: 2, correction: true });
    expect(await t.send(job)).toMatchObject({ outcome: 'already-sent', version: 2 });
    expect(t.sent.map((m) => m.subject.startsWith('Corrected'))).toEqual([false, true]);
  });

  it('retries after a failed send and then sends exactly once', async () => {
    const t = setup();
    t.failOnce();
    await expect(t.send(job)).rejects.toThrow('SES throttled');
    expect([...t.statements.items.values()][0]!.email.state).toBe('failed');
    expect(await t.send(job)).toMatchObject({ outcome: 'sent', version: 1 });
    expect(await t.send(job)).toMatchObject({ outcome: 'already-sent' });
    expect(t.sent).toHaveLength(1);
  });

  it('sends nothing to a suppressed address and records it', async () => {
    const t = setup();
    t.suppress('c1@example.com');
    expect(await t.send(job)).toMatchObject({ outcome: 'suppressed', version: 1 });
    expect(await t.send(job)).toMatchObject({ outcome: 'suppressed' });
    expect(t.sent).toHaveLength(0);
  });

  it('makes no statement for a period without usage', async () => {
    const t = setup();
    expect(await t.send({ ...job, period: '2026-08' })).toEqual({ outcome: 'no-usage' });
  });
});
