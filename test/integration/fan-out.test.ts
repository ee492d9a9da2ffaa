import { gzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../domain/config.ts';
import { meterDirectory } from '../../domain/customers/customer-master.ts';
import { checkReadings } from '../../domain/use-cases/validate-readings.ts';
import { freshId, localApp } from '../helpers/local-app.ts';

/**
 * The fan-out of files too large for one invocation, on the local stack with its concurrent runner. The test stack
 * (test/global-setup.ts) lowers the thresholds: a file above 2 MiB is cut into 512 KiB ranges, a gzip above 128 KiB
 * is staged in parts, so a few MB exercise every step that a multi-GB file takes in AWS.
 */
const app = localApp();
const MASTER = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
const LONG = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';
const DAYS = 45;
const dayKey = (d: number) => new Date(Date.UTC(2026, 3, 1 + d)).toISOString().slice(0, 10);

function longFile(ids: readonly string[], bad: (row: number) => boolean = () => false): string {
  const rows = [LONG];
  let n = 0;
  ids.forEach((id, c) => {
    for (let d = 0; d < DAYS; d++) {
      for (let i = 0; i < 96; i++) {
        const v = Math.round((20 + c * 4 + ((d * 11 + i * 7 + c) % 23) * 0.75) * 1000) / 1000;
        const t = `${dayKey(d)}T${String(Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}:00+08:00`;
        rows.push(`${id},${id},${t},15,${bad(n++) ? 'n/a' : v},${(v / 4).toFixed(3)},A`);
      }
    }
  });
  return rows.join('\n') + '\n';
}

/** Per-customer kWh over the stored days (what the fan-out applied). */
async function storedKwh(ids: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const id of ids) {
    const days = await app.stores.usage.range(id, dayKey(0), dayKey(DAYS - 1));
    out[id] = Math.round(days.reduce((s, d) => s + d.kwh, 0) * 1000) / 1000;
  }
  return out;
}

/** Per-customer kWh as `kam validate` reports them for the same bytes (checkReadings, the CLI's core). */
async function validatedKwh(ids: readonly string[], body: Uint8Array | string): Promise<Record<string, number>> {
  const customers = await app.stores.customers.all();
  const check = await checkReadings('f.csv', (async function* () { yield Buffer.from(body); })(), { directory: meterDirectory(customers), config: DEFAULT_CONFIG });
  return Object.fromEntries(check.customers.filter((c) => ids.includes(c.customerId)).map((c) => [c.customerId, c.kwh]));
}

interface Logged { message: string; timestamp: string; ms?: number; fanOutId?: string; kind?: string }

describe('fan-out of a large reading file on the local stack', () => {
  const id = freshId();
  const good = Array.from({ length: 10 }, (_, i) => `${id}G${i}`);
  const bad = Array.from({ length: 10 }, (_, i) => `${id}B${i}`);
  const zipped = Array.from({ length: 10 }, (_, i) => `${id}Z${i}`);

  beforeAll(async () => {
    const master = [MASTER, ...[...good, ...bad, ...zipped].map((c) => `${c},Plant ${c},ops-${c.toLowerCase()}@example.com,en,fanout,cn-large-industry-2026,1000,800,am@example.com,0.90,`)];
    expect(await app.upload(`customers/${id}.csv`, master.join('\n'))).toMatchObject({ status: 'accepted' });
  });

  it('processes the chunks concurrently, survives redelivered chunk jobs, and applies what kam validate computes', { timeout: 240_000 }, async () => {
    const body = longFile(good);
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const key = `readings/${id}-big.csv`;
    const etag = await app.put(key, body);
    // While it runs, every chunk job is delivered a second time (SQS is at-least-once): find the fan-out's id in the
    // file's ledger item as soon as it is handed over, and send its chunk jobs again.
    let fanOutId: string | undefined;
    for (let i = 0; i < 200 && !fanOutId; i++) {
      const [item] = await app.stores.table.getAll([{ pk: `FILE#${app.names.bucket}/${key}#${etag}`, sk: 'META' }], true);
      fanOutId = item?.fanOutId as string | undefined;
      if (!fanOutId) await new Promise((r) => setTimeout(r, 50));
    }
    expect(fanOutId).toMatch(/^[0-9a-f]{32}$/);
    const chunks = Math.ceil(body.length / (512 * 1024));
    const jobs = Array.from({ length: chunks }, (_, index) => ({ Id: String(index), MessageBody: JSON.stringify({ kind: 'chunk', fanOutId, index }) }));
    for (let i = 0; i < jobs.length; i += 10) await app.clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: app.names.chunkQueue!, Entries: jobs.slice(i, i + 10) }));
    await app.idle();

    const outcome = (await app.stores.files.list()).find((f) => f.key === key && f.etag === etag)!;
    expect(outcome).toMatchObject({ status: 'accepted', format: 'long-csv', chunks, rows: { accepted: good.length * DAYS * 96, rejected: 0 }, customers: good.length, days: good.length * DAYS });
    expect(await storedKwh(good)).toEqual(await validatedKwh(good, body));

    // Concurrent: at least two chunk jobs of this file were running at the same time in different environments.
    const log = (await app.functionLog('IngestChunks')).filter(Boolean).map((l) => JSON.parse(l) as Logged);
    const spans = log.filter((l) => l.message === 'fan-out job done' && l.fanOutId === fanOutId && l.kind === 'chunk').map((l) => [Date.parse(l.timestamp) - l.ms!, Date.parse(l.timestamp)] as const);
    expect(spans.length).toBeGreaterThanOrEqual(chunks);
    expect(spans.some(([s1, e1], i) => spans.some(([s2], j) => j !== i && s2 >= s1 && s2 < e1))).toBe(true);

    // Redelivered after the file is done: a chunk job and an apply job change nothing.
    const before = await app.snapshot([`CUST#${good[0]}|`, `CUST#${good[9]}|`, `FILE#${app.names.bucket}/${key}`]);
    await app.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: app.names.chunkQueue!,
        Entries: [
          { Id: 'c', MessageBody: JSON.stringify({ kind: 'chunk', fanOutId, index: 1 }) },
          { Id: 'a', MessageBody: JSON.stringify({ kind: 'apply', fanOutId, partition: 0 }) },
        ],
      }),
    );
    await app.idle();
    expect(await app.snapshot([`CUST#${good[0]}|`, `CUST#${good[9]}|`, `FILE#${app.names.bucket}/${key}`])).toBe(before);
  });

  it('quarantines a large file whose bad rows are spread over its chunks and applies nothing from it', { timeout: 120_000 }, async () => {
    const key = `readings/${id}-bad.csv`;
    const body = longFile(bad, (n) => n % 12 === 7);
    const res = await app.upload(key, body);
    expect(res).toMatchObject({ status: 'quarantined', chunks: Math.ceil(body.length / (512 * 1024)) });
    expect(res.error).toMatch(/8\.3% of rows rejected, above the 5\.0% quarantine threshold; nothing applied/);
    expect(await app.snapshot(bad.map((c) => `CUST#${c}|DAY#`))).toBe('[]');
    const report = await app.clients.s3.send(new GetObjectCommand({ Bucket: app.names.bucket, Key: `rejects/${key}.csv` }));
    const lines = (await report.Body!.transformToString()).trim().split('\n');
    expect(lines).toHaveLength(1 + Math.floor((bad.length * DAYS * 96 - 8) / 12) + 1);
    // The file's own line numbers: row n (0-based) is line n + 2.
    expect(lines[1]).toBe(`${key},9,"kwh ""n/a"" is not a number"`);
    expect(lines.at(-1)).toBe(`${key},${Math.floor((bad.length * DAYS * 96 - 8) / 12) * 12 + 7 + 2},"kwh ""n/a"" is not a number"`);
  });

  it('inflates a large gzip upload once into staged parts and applies the same kWh', { timeout: 240_000 }, async () => {
    const text = longFile(zipped);
    const body = gzipSync(text);
    expect(body.length).toBeGreaterThan(128 * 1024);
    const res = await app.upload(`readings/${id}-big.csv.gz`, body);
    expect(res).toMatchObject({ status: 'accepted', rows: { accepted: zipped.length * DAYS * 96, rejected: 0 } });
    expect(res.chunks).toBeGreaterThanOrEqual(4);
    expect(await storedKwh(zipped)).toEqual(await validatedKwh(zipped, text));
  });
});
