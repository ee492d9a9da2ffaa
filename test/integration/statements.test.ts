import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshId, localApp } from '../helpers/local-app.ts';
import { makeClients } from '../../functions/commons/clients.ts';
import { statementPorts } from '../../functions/adapters/ports.ts';
import { loadConfig } from '../../functions/commons/config.ts';
import { sendStatement, type SendStatementPorts } from '../../domain/use-cases/send-statement.ts';
import type { StatementJob } from '../../domain/use-cases/run-statements.ts';

const app = localApp();
const MASTER = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
const LONG = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';
const PERIOD = '2026-09';
const N = 200;

function readings(ids: string[], scale = 1): Buffer {
  const rows = [LONG];
  for (const [n, id] of ids.entries()) {
    for (let d = 1; d <= 30; d++) {
      const day = `2026-09-${String(d).padStart(2, '0')}`;
      for (let h = 0; h < 24; h++) {
        const kwh = (scale * (50 + (n % 17) + (h >= 8 && h < 18 ? 40 : 0))).toFixed(3);
        rows.push(`${id},${id},${day}T${String(h).padStart(2, '0')}:00:00+08:00,60,${kwh},${(Number(kwh) / 3).toFixed(3)},A`);
      }
    }
  }
  return gzipSync(rows.join('\n') + '\n');
}

describe('monthly statements emailed through SES exactly once', () => {
  const id = freshId();
  const ids = Array.from({ length: N }, (_, n) => `${id}${String(n).padStart(3, '0')}`);
  const address = (cid: string) => `${cid.toLowerCase()}@example.com`;
  const manager = `am-${id.toLowerCase()}@example.com`;
  const mine = (a: string) => a.startsWith(id.toLowerCase());

  beforeAll(async () => {
    const tariff = readFileSync(new URL('../../samples/tariffs/cn-large-industry-2026.json', import.meta.url));
    expect((await app.upload('tariffs/cn-large-industry-2026.json', tariff)).status).toBe('accepted');
    const master = [MASTER, ...ids.map((c) => `${c},Customer ${c},${address(c)},${Number(c.slice(-1)) % 2 ? 'en' : 'zh-CN'},stmt,cn-large-industry-2026,6000,5000,${manager},0.90,`)];
    expect((await app.upload(`customers/${id}.csv`, master.join('\n'))).rows.accepted).toBe(N);
    const r = await app.upload(`readings/${id}-2026-09.csv.gz`, readings(ids));
    expect(r).toMatchObject({ status: 'accepted', rows: { rejected: 0 } });
  }, 300_000);

  it('sends exactly one email per customer when the run is invoked twice concurrently and a worker fails mid-way', async () => {
    // Extra workers in this process, on the same table and SES, each failing once mid-way and then retried:
    // one after creating the statement (before sending), one after sending (before the queue would be told).
    const config = loadConfig({ ...process.env, TABLE_NAME: app.names.table, MAX_SEND_RATE: '50' });
    const real = statementPorts(makeClients(), config);
    const settings = { config: config.domain, dueDays: 15, utilityName: { en: 'Test Utility', 'zh-CN': '测试供电公司' }, sendLeaseMs: 60_000 };
    let failBeforeSend = true;
    let failAfterSend = true;
    const faulty: SendStatementPorts = {
      ...real,
      statements: {
        ...real.statements,
        latest: real.statements.latest.bind(real.statements),
        create: real.statements.create.bind(real.statements),
        claimEmail: async (...args) => {
          if (failBeforeSend) {
            failBeforeSend = false;
            throw new Error('injected: worker died after storing the statement');
          }
          return real.statements.claimEmail(...args);
        },
        markEmail: async (...args) => {
          const recorded = await real.statements.markEmail(...args);
          if (args[3] === 'sent' && failAfterSend) {
            failAfterSend = false;
            throw new Error('injected: worker died after sending, before acknowledging the job');
          }
          return recorded;
        },
        resolveEmail: real.statements.resolveEmail.bind(real.statements),
        listPeriod: real.statements.listPeriod.bind(real.statements),
        history: real.statements.history.bind(real.statements),
      },
    };
    const worker = sendStatement(faulty, settings);
    const retried = async (job: StatementJob) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await worker(job);
          if (r.outcome !== 'busy') return r;
        } catch (err) {
          if (attempt >= 3) throw err;
        }
        await new Promise((res) => setTimeout(res, 50));
      }
    };

    const [a, b, extra] = await Promise.all([
      app.invoke<{ queued: number; period: string }>('RunStatements', { period: PERIOD, customerIds: ids }),
      app.invoke<{ queued: number; period: string }>('RunStatements', { period: PERIOD, customerIds: ids }),
      Promise.all(ids.slice(0, 20).map((customerId) => retried({ customerId, period: PERIOD, runId: 'test' }))),
    ]);
    expect(a).toMatchObject({ queued: N, period: PERIOD });
    expect(b).toMatchObject({ queued: N, period: PERIOD });
    expect(failBeforeSend).toBe(false);
    expect(failAfterSend).toBe(false);
    expect(extra.every((r) => ['sent', 'already-sent'].includes(r.outcome))).toBe(true);
    await app.idle();

    const sent = await app.mail((to) => mine(to) && to !== manager);
    expect(sent).toHaveLength(N);
    const perAddress = new Map<string, number>();
    for (const m of sent) for (const to of m.destination.to) perAddress.set(to.toLowerCase(), (perAddress.get(to.toLowerCase()) ?? 0) + 1);
    expect(perAddress.size).toBe(N);
    expect([...perAddress.values()].every((n) => n === 1)).toBe(true);

    const statements = (await app.stores.statements.listPeriod(PERIOD)).filter((s) => s.customerId.startsWith(id));
    expect(statements).toHaveLength(N);
    expect(statements.every((s) => s.version === 1 && s.email.state === 'sent' && s.email.messageId)).toBe(true);
    const ids2 = new Set(sent.map((m) => m.messageId));
    expect(statements.every((s) => ids2.has(s.email.messageId!))).toBe(true);
    // Every email carries the CSV of daily usage: 30 days plus the header.
    const csv = Buffer.from(sent[0]!.attachments[0]!.content, 'base64').toString('utf8').replace(/^\uFEFF/, '');
    expect(csv.trim().split(/\r?\n/)).toHaveLength(31);
  }, 300_000);

  it('stops mail to a bounced address, tells the account manager, and emails a correction once to the others', async () => {
    const [bounced, corrected] = [ids[7]!, ids[8]!];
    const before = await app.mail((to) => to === manager);
    await app.invoke('SesFeedback', {
      Records: [
        {
          EventSource: 'aws:sns',
          Sns: {
            Type: 'Notification',
            Message: JSON.stringify({ eventType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: address(bounced) }] }, mail: {} }),
          },
        },
      ],
    });
    const told = (await app.mail((to) => to === manager)).slice(before.length);
    expect(told).toHaveLength(1);
    expect(told[0]!.subject).toContain(bounced);
    expect(told[0]!.body.text).toContain(address(bounced));

    // New readings for both change September: a corrected statement (version 2) for each.
    const rows = [LONG, ...[bounced, corrected].map((c) => `${c},${c},2026-09-30T23:00:00+08:00,60,999.000,1.000,A`)];
    await app.upload(`readings/${id}-fix.csv`, rows.join('\n'));
    const mailBefore = (await app.mail((to) => mine(to) && to !== manager)).length;
    await app.invoke('RunStatements', { period: PERIOD, customerIds: [bounced, corrected] });
    await app.invoke('RunStatements', { period: PERIOD, customerIds: [bounced, corrected] });
    await app.idle();
    const after = (await app.mail((to) => mine(to) && to !== manager)).slice(mailBefore);
    expect(after.map((m) => m.destination.to[0])).toEqual([address(corrected)]);
    expect(after[0]!.subject).toMatch(/Corrected|更正/);
    const b = await app.stores.statements.latest(bounced, PERIOD);
    const c = await app.stores.statements.latest(corrected, PERIOD);
    expect([b?.version, b?.correction, b?.email.state]).toEqual([2, true, 'suppressed']);
    expect([c?.version, c?.correction, c?.email.state]).toEqual([2, true, 'sent']);
  }, 120_000);
});
