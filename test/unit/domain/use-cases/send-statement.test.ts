import { describe, expect, it } from 'vitest';
import { sendStatement, type SendStatementPorts } from '../../../../domain/use-cases/send-statement.ts';
import type { StatementStore, StoredStatement } from '../../../../domain/use-cases/statement-ports.ts';
import { MailOutcomeUnknownError } from '../../../../domain/use-cases/mail-ports.ts';
import type { Customer } from '../../../../domain/customers/customer-master.ts';
import type { DailyUsage } from '../../../../domain/usage/daily-usage.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { LARGE_INDUSTRY, PROFILE_P } from '../billing/fixtures.ts';
import { memoryMailer } from './memory-mailer.ts';
import { memoryOutbox } from './memory-outbox.ts';

/** In-memory statement store with the same conditional semantics as the DynamoDB one. */
function memoryStatements(): StatementStore & { items: Map<string, StoredStatement> } {
  const items = new Map<string, StoredStatement>();
  const k = (c: string, p: string, v: number) => `${c}|${p}|${v}`;
  return {
    items,
    latest: async (c, p) => [...items.values()].filter((s) => s.customerId === c && s.period === p).sort((a, b) => b.version - a.version)[0],
    create: async (s) => (items.has(k(s.customerId, s.period, s.version)) ? 'exists' : (items.set(k(s.customerId, s.period, s.version), structuredClone(s)), 'created')),
    claimEmail: async (c, p, v, now, lease) => memoryOutbox.claim(items.get(k(c, p, v))!, now, lease),
    markEmail: async (c, p, v, state, d) =>
      memoryOutbox.mark(items.get(k(c, p, v))!, { state, ...(d.messageId ? { messageId: d.messageId } : {}), ...(d.error ? { error: d.error } : {}), at: d.at.toISOString() }, d.lease),
    resolveEmail: async (c, p, v, to, d) => memoryOutbox.resolve(items.get(k(c, p, v))!, to, { resolvedBy: d.by, ...(d.messageId ? { messageId: d.messageId } : {}) }),
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
  const { mailer, sent, behaviours } = memoryMailer();
  let clock = new Date('2026-11-02T01:00:00Z');
  const suppressed = new Set<string>();
  const statements = memoryStatements();
  const ports: SendStatementPorts = {
    customers: { all: async () => [customer], upsert: async () => undefined, get: async () => customer },
    usage: { get: async () => [], merge: async () => [], range: async (_c, from, to) => days.filter((d) => d.day >= from && d.day <= to) },
    tariffs: { get: async () => LARGE_INDUSTRY, put: async () => undefined, all: async () => [LARGE_INDUSTRY] },
    statements,
    peers: { get: async () => undefined },
    suppressions: { isSuppressed: async (a) => suppressed.has(a), suppress: async () => true },
    mailer,
    clock: () => clock,
  };
  const send = sendStatement(ports, { config: DEFAULT_CONFIG, dueDays: 15, utilityName: { en: 'U', 'zh-CN': 'U' }, sendLeaseMs: 60_000, busyWaitMs: 0 });
  return {
    send,
    ports,
    sent,
    statements,
    behaviours,
    setDays: (d: DailyUsage[]) => (days = d),
    failOnce: () =>
      behaviours.push(async () => {
        throw new Error('SES throttled');
      }),
    suppress: (a: string) => suppressed.add(a),
    advance: (ms: number) => (clock = new Date(clock.getTime() + ms)),
  };
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

  it('an ambiguous SES failure leaves the statement unknown: no resend until an operator releases it, then once', async () => {
    const t = setup();
    t.behaviours.push(async () => {
      throw new MailOutcomeUnknownError('socket reset after the request was written');
    });
    expect(await t.send(job)).toMatchObject({ outcome: 'delivery-unknown', version: 1 });
    expect(await t.send(job)).toMatchObject({ outcome: 'delivery-unknown', version: 1 });
    // Even long after any lease: 'unknown' is never claimed by a worker.
    t.advance(24 * 3600_000);
    expect(await t.send(job)).toMatchObject({ outcome: 'delivery-unknown' });
    expect(t.sent).toHaveLength(0);
    const stored = [...t.statements.items.values()][0]!;
    expect(stored.email).toMatchObject({ state: 'unknown', error: 'socket reset after the request was written' });

    // The operator checked the SES sending logs: not delivered, released for a resend.
    expect(await t.statements.resolveEmail('C1', '2026-10', 1, 'failed', { at: new Date(), by: 'ops' })).toBe(true);
    expect(await t.statements.resolveEmail('C1', '2026-10', 1, 'sent', { at: new Date(), by: 'ops' })).toBe(false);
    expect(await t.send(job)).toMatchObject({ outcome: 'sent', version: 1 });
    expect(await t.send(job)).toMatchObject({ outcome: 'already-sent' });
    expect(t.sent).toHaveLength(1);
  });

  it('a worker whose lease was taken over cannot turn the other worker\'s sent into failed', async () => {
    const t = setup();
    let fail!: (err: Error) => void;
    t.behaviours.push(() => new Promise<string>((_, reject) => (fail = reject)));
    const slow = t.send(job);
    await new Promise((r) => setTimeout(r, 10));
    // The slow worker's lease (60 s) runs out; another delivery of the job takes over and sends.
    t.advance(61_000);
    expect(await t.send(job)).toMatchObject({ outcome: 'sent', version: 1, messageId: 'msg-1' });
    // Then the slow worker's SES call fails (HTTP 503): its 'failed' must not replace 'sent'.
    fail(new Error('SES 503'));
    await expect(slow).rejects.toThrow('SES 503');
    expect([...t.statements.items.values()][0]!.email).toMatchObject({ state: 'sent', messageId: 'msg-1' });
    expect(await t.send(job)).toMatchObject({ outcome: 'already-sent' });
    expect(t.sent).toHaveLength(1);
  });
});

describe('sendStatement: expected next month', () => {
  /** Same day as october(), on any date. */
  function dayOn(day: string): DailyUsage {
    return { ...october()[0]!, day };
  }
  function span(from: string, to: string): DailyUsage[] {
    const out: DailyUsage[] = [];
    for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(dayOn(new Date(t).toISOString().slice(0, 10)));
    return out;
  }

  it('reads the forecast history and the year-ago period in one range ending on the period, and stores the forecast', async () => {
    const t = setup();
    t.setDays(span('2025-08-01', '2026-11-05'));
    const reads: [string, string][] = [];
    // The sample tariff starts in 2026: the same rates from 2025 on, so the year-ago period can be billed.
    const older = { ...LARGE_INDUSTRY, versions: [{ ...LARGE_INDUSTRY.versions[0]!, effectiveFrom: '2025-01-01' }, ...LARGE_INDUSTRY.versions.slice(1)] };
    t.ports.tariffs.get = async () => older;
    const range = t.ports.usage.range;
    t.ports.usage.range = async (c, from, to) => (reads.push([from, to]), range(c, from, to));
    expect(await t.send(job)).toMatchObject({ outcome: 'sent', version: 1 });
    // 400 days up to 2026-10-31 start on 2025-09-27, before the year-ago period (2025-10): one read.
    expect(reads).toEqual([['2025-09-27', '2026-10-31']]);
    const stored = [...t.statements.items.values()][0]!;
    expect(stored.comparison.sameLastYear).toMatchObject({ period: '2025-10', kwh: stored.bill.kwh });
    expect(stored.expectedNext).toMatchObject({ period: '2026-11', kwh: 30 * 4800, maxDemandKw: 300 });
    expect(t.sent[0]!.text).toContain('Expected next month (2026-11)');
  });

  it('makes no new version when a later day arrives', async () => {
    const t = setup();
    t.setDays(span('2026-06-01', '2026-10-31'));
    await t.send(job);
    t.setDays([...span('2026-06-01', '2026-10-31'), ...span('2026-11-01', '2026-11-20').map((d) => ({ ...d, kwh: d.kwh * 3, hourly: d.hourly.map((v) => v * 3) }))]);
    expect(await t.send(job)).toMatchObject({ outcome: 'already-sent', version: 1 });
    expect(t.statements.items.size).toBe(1);
  });
});
