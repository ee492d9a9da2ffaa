import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshId, localApp } from '../helpers/local-app.ts';

const app = localApp();
const MASTER = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
const LONG = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';
const LOG_DIR = 'test/artifacts/logs';
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

describe('logs carry no personal data', () => {
  it('has no customer email or name in any function log after ingest, statements, alerts, bounces and notices', async () => {
    const id = freshId();
    const customers = [0, 1, 2].map((n) => ({
      id: `${id}${n}`,
      name: `Privacy Probe ${id} 测试钢铁${n}号`,
      email: `privacy.${id.toLowerCase()}.${n}@example.com`,
      manager: `manager.${id.toLowerCase()}@example.com`,
    }));
    await app.upload('tariffs/cn-large-industry-2026.json', readFileSync(new URL('../../samples/tariffs/cn-large-industry-2026.json', import.meta.url)));
    await app.upload(`customers/${id}.csv`, [MASTER, ...customers.map((c) => `${c.id},${c.name},${c.email},zh-CN,privacy,cn-large-industry-2026,100,50,${c.manager},0.90,`)].join('\n'));
    const rows = [LONG];
    for (const c of customers) for (let d = 1; d <= 30; d++) for (let h = 0; h < 24; h++) rows.push(`${c.id},${c.id},2026-06-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00+08:00,60,${h === 10 ? 60 : 20},5,A`);
    rows.push(`${id}X,${id}X,2026-06-01T00:00:00+08:00,60,1,,A`); // an unknown customer, rejected with its id only
    await app.upload(`readings/${id}.csv`, rows.join('\n'));
    await app.invoke('RunStatements', { period: '2026-06', customerIds: customers.map((c) => c.id), issuedOn: '2026-07-02' });
    await app.idle();
    await app.invoke('SesFeedback', { Records: [{ Sns: { Message: JSON.stringify({ eventType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: customers[0]!.email }] } }) } }] });
    await app.invoke('ScanArrears', { asOf: '2026-07-18' });
    await app.idle();
    const digest = await app.invoke<{ sent: number }>('SendDigest', { weekEnding: '2026-07-19' });
    const again = await app.invoke<{ sent: number }>('SendDigest', { weekEnding: '2026-07-19' });
    expect(digest.sent).toBeGreaterThanOrEqual(1);
    expect(again.sent).toBe(0); // once per manager and week

    // The pipeline did what it should (so the logs below cover those paths): statements, an alert, notices.
    const mail = await app.mail((to) => to.includes(id.toLowerCase()));
    expect(mail.some((m) => m.subject.includes('2026年6月电费账单'))).toBe(true);
    expect(mail.some((m) => m.subject.includes('用电提醒'))).toBe(true);
    expect(mail.some((m) => m.subject.includes('电费缴费提醒'))).toBe(true);
    const digests = (await app.mail((to) => to === customers[0]!.manager)).filter((m) => m.subject.startsWith('客户经理周报 2026-07-13 至 2026-07-19'));
    expect(digests).toHaveLength(1);
    expect(digests[0]!.body.text).toContain('本周新增欠费通知');
    expect(digests[0]!.body.text).toContain(`${customers[1]!.id} `);

    const logs = readdirSync(LOG_DIR).filter((f) => f.endsWith('.log'));
    expect(logs.length).toBeGreaterThanOrEqual(5);
    let lines = 0;
    for (const file of logs) {
      const text = readFileSync(join(LOG_DIR, file), 'utf8');
      lines += text.split('\n').length;
      for (const c of customers) {
        for (const secret of [c.email, c.name, c.manager, `测试钢铁`]) expect(text.includes(secret), `${file} contains ${secret}`).toBe(false);
      }
      const anyEmail = text.split('\n').find((l) => EMAIL.test(l));
      expect(anyEmail, `${file} has an email address: ${anyEmail?.slice(0, 200)}`).toBeUndefined();
      // Customer ids are how logs refer to customers.
    }
    expect(lines).toBeGreaterThan(100);
    // One correlation id follows a statement from the statement worker to the notice worker, and one follows the
    // readings file from the ingest to the alert it raised.
    const read = (fn: string) => readFileSync(join(LOG_DIR, `${fn}.log`), 'utf8');
    const statementId = `"correlation_id":"statement#${customers[1]!.id}#2026-06"`;
    expect(read('SendStatement')).toContain(statementId);
    expect(read('SendNotice')).toContain(statementId);
    const fileId = new RegExp(`"correlation_id":"readings/${id}\\.csv#[0-9a-f]+"`);
    expect(read('IngestReadings')).toMatch(fileId);
    expect(read('SendAlert')).toMatch(fileId);
    expect(logs.some((f) => readFileSync(join(LOG_DIR, f), 'utf8').includes(customers[1]!.id))).toBe(true);
  }, 240_000);
});
