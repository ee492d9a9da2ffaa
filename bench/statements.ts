import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseTariff } from '../domain/tariffs/parse-tariff.ts';
import { composeStatement } from '../domain/statements/compose-statement.ts';
import { renderStatementEmail } from '../domain/statements/render-email.ts';
import type { Customer } from '../domain/customers/customer-master.ts';
import type { DailyUsage } from '../domain/usage/daily-usage.ts';
import { DEFAULT_BANDS } from '../domain/config.ts';
import { Zone } from '../domain/time/zone.ts';

const tariffJson = JSON.parse(readFileSync(new URL('../samples/tariffs/cn-large-industry-2026.json', import.meta.url), 'utf8')) as unknown;

function customer(n: number): Customer {
  const id = `S${String(n).padStart(6, '0')}`;
  return {
    customerId: id, name: `Bench customer ${n}`, email: `${id.toLowerCase()}@example.com`, locale: n % 2 ? 'en' : 'zh-CN', region: `r${n % 4}`,
    tariffId: 'cn-large-industry-2026', contractKva: 2000, contractKw: 1500, accountManagerEmail: 'am@example.com', pfStandard: 0.9,
    meterIds: [id], basicChargeMode: null,
  };
}

/** October 2026 (the sample tariff changes on the 16th, so every bill splits) for one customer, hourly. */
function october(n: number): DailyUsage[] {
  const zone = new Zone('Asia/Shanghai');
  return Array.from({ length: 31 }, (_, d) => {
    const day = `2026-10-${String(d + 1).padStart(2, '0')}`;
    const hourly = Array.from({ length: 24 }, (_, h) => 400 + ((n * 7 + d * 13 + h * 31) % 500));
    const kwh = hourly.reduce((a, b) => a + b, 0);
    const grid = Zone.weekday(day) >= 6 ? DEFAULT_BANDS.weekend : DEFAULT_BANDS.weekday;
    const bands = { sharp: 0, peak: 0, flat: 0, valley: 0 };
    hourly.forEach((v, h) => (bands[grid[9]![h]!] += v));
    void zone;
    return { customerId: `S${n}`, day, kwh, hourly, bands, maxDemandKw: Math.max(...hourly), kvarh: kwh / 3, intervals: { actual: 24, estimated: 0, missing: 0 }, intervalMinutes: 60 };
  });
}

/** Statements composed per second (bill + hash), and with the email rendered too; domain code only. */
export function benchStatementsDomain(customers = 10_000): { perSecond: number; withRenderPerSecond: number; seconds: number } {
  const tariff = parseTariff(tariffJson, 'bench');
  const inputs = Array.from({ length: customers }, (_, n) => ({ c: customer(n), days: october(n) }));
  let t = performance.now();
  let total = 0;
  for (const { c, days } of inputs) {
    const s = composeStatement({ customer: c, tariff, period: '2026-10', days, issuedOn: '2026-11-02', dueDays: 15 });
    total += Number(s!.bill.total);
  }
  const seconds = (performance.now() - t) / 1000;
  t = performance.now();
  for (const { c, days } of inputs) {
    const s = composeStatement({ customer: c, tariff, period: '2026-10', days, issuedOn: '2026-11-02', dueDays: 15 })!;
    renderStatementEmail({ ...s, version: 1, correction: false }, c, { utilityName: { en: 'Bench', 'zh-CN': '基准' } });
  }
  const withRender = (performance.now() - t) / 1000;
  if (!(total > 0)) throw new Error('no bills');
  return { perSecond: customers / seconds, withRenderPerSecond: customers / withRender, seconds };
}

/** The local end-to-end run: ingest a month for `customers` customers, then the statement run until every email is sent. */
export async function benchStatementsLocal(customers = 1000): Promise<{ ingestSeconds: number; runSeconds: number; emailed: number }> {
  const { startLocalApp } = await import('../local/app.ts');
  const { makeClients } = await import('../functions/commons/clients.ts');
  const { stores } = await import('../functions/adapters/ports.ts');
  const app = await startLocalApp({ pipeline: true, logDir: 'bench/out/logs', functionEnv: { MAX_SEND_RATE: '1000' } });
  try {
    Object.assign(process.env, app.aws.env());
    const clients = makeClients();
    const put = (Key: string, Body: string | Buffer) => clients.s3.send(new PutObjectCommand({ Bucket: app.names.bucket, Key, Body }));
    const master = ['customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard'];
    const rows = ['customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality'];
    for (let n = 0; n < customers; n++) {
      const c = customer(n);
      master.push(`${c.customerId},${c.name},${c.email},${c.locale},${c.region},${c.tariffId},2000,1500,am@example.com,0.90`);
      for (const d of october(n)) d.hourly.forEach((v, h) => rows.push(`${c.customerId},${c.customerId},${d.day}T${String(h).padStart(2, '0')}:00:00+08:00,60,${v},${(v / 3).toFixed(3)},A`));
    }
    const t0 = performance.now();
    await put('tariffs/cn-large-industry-2026.json', JSON.stringify(tariffJson));
    await app.idle();
    await put('customers/bench.csv', master.join('\n'));
    await app.idle();
    await put('readings/bench-2026-10.csv.gz', gzipSync(rows.join('\n')));
    await app.idle(1_800_000);
    const ingestSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await app.functions.find((f) => f.logicalId === 'RunStatements')!.invoke({ period: '2026-10' });
    await app.idle(1_800_000);
    const runSeconds = (performance.now() - t1) / 1000;
    const emailed = (await stores(clients, app.names.table).statements.listPeriod('2026-10')).filter((s) => s.email.state === 'sent').length;
    return { ingestSeconds, runSeconds, emailed };
  } finally {
    await app.stop();
  }
}
