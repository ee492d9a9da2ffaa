import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * The fan-out of one large long CSV on the local stack, end to end: generate it, upload it as `kam upload` does
 * (streamed), wait until the file is accepted, then check the stored per-customer kWh against `kam validate`'s
 * (checkReadings over the same bytes) and read each worker's wall time and peak memory from the REPORT lines the
 * local runner writes per invocation.
 *
 * The production thresholds apply (256 MiB fan-out, 64 MiB ranges). DynamoDB Local writes a few hundred customer-days
 * a second, so the file's interval length sets how long the apply step takes here: 1-minute data puts 1,440 readings
 * in each customer-day (2 GB ≈ 30,000 customer-days), 15-minute data 96 (2 GB ≈ 450,000).
 */
export interface FanOutBenchResult {
  bytes: number;
  readings: number;
  customers: number;
  customerDays: number;
  chunks: number;
  wallSeconds: number;
  kwhMatches: boolean;
  maxKwhDifference: number;
  workers: { functionName: string; invocations: number; maxMemoryMB: number; maxDurationMs: number; totalDurationMs: number }[];
  phases: { chunkSeconds: number; applySeconds: number };
  peakConcurrency: Record<string, number>;
}

function customerId(n: number): string {
  return `F${String(n).padStart(5, '0')}`;
}

/** Writes a canonical long CSV of about `targetBytes`: `customers` customers, customer-major, `minutes`-minute data. */
export async function writeFanOutCsv(path: string, targetBytes: number, customers: number, minutes: number): Promise<{ days: number }> {
  const perDay = 1440 / minutes;
  const rowBytes = 52;
  const days = Math.max(1, Math.round(targetBytes / (customers * perDay * rowBytes)));
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality\n');
  const times = Array.from({ length: perDay }, (_, i) => {
    const m = i * minutes;
    return `T${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00+08:00`;
  });
  for (let c = 0; c < customers; c++) {
    const id = customerId(c);
    for (let d = 0; d < days; d++) {
      const day = new Date(Date.UTC(2025, 0, 1 + d)).toISOString().slice(0, 10);
      let block = '';
      for (let i = 0; i < perDay; i++) {
        const v = ((c * 7 + d * 13 + i * 3) % 97) / 100 + 0.5;
        block += `${id},${id},${day}${times[i]},${minutes},${v.toFixed(3)},,A\n`;
      }
      await write(block);
    }
  }
  await new Promise<void>((r) => out.end(() => r()));
  return { days };
}

interface LogLine { message?: string; durationMs?: number; maxMemoryUsedMB?: number; kind?: string; ms?: number; timestamp?: string; fanOutId?: string }

function readLog(dir: string, fn: string): LogLine[] {
  const file = join(dir, `${fn}.log`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => {
    try {
      return JSON.parse(l) as LogLine;
    } catch {
      return {};
    }
  });
}

export async function benchFanOut(opts: { dir: string; megabytes: number; customers: number; minutes: number; log?: (s: string) => void }): Promise<FanOutBenchResult> {
  const log = opts.log ?? (() => undefined);
  const path = join(opts.dir, `fanout-${opts.megabytes}MB-${opts.customers}c-${opts.minutes}min.csv`);
  if (!existsSync(path)) {
    const t = performance.now();
    log(`generating ${path} ... `);
    await writeFanOutCsv(path, opts.megabytes * 1e6, opts.customers, opts.minutes);
    log(`${(statSync(path).size / 1e6).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const bytes = statSync(path).size;
  const { startLocalApp } = await import('../local/app.ts');
  const { makeClients } = await import('../functions/commons/clients.ts');
  const { stores } = await import('../functions/adapters/ports.ts');
  const logDir = join(opts.dir, 'fanout-logs');
  const { rmSync } = await import('node:fs');
  rmSync(logDir, { recursive: true, force: true });
  const app = await startLocalApp({ pipeline: true, logDir });
  try {
    Object.assign(process.env, app.aws.env());
    const clients = makeClients();
    const s = stores(clients, app.names.table);
    const master = ['customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard'];
    for (let c = 0; c < opts.customers; c++) master.push(`${customerId(c)},Plant ${c},${customerId(c).toLowerCase()}@example.com,en,r${c % 4},cn-large-industry-2026,2000,1500,am@example.com,0.90`);
    await clients.s3.send(new PutObjectCommand({ Bucket: app.names.bucket, Key: 'customers/fanout.csv', Body: master.join('\n') }));
    await app.idle();

    log(`kam upload ${(bytes / 1e6).toFixed(0)} MB ... `);
    const t0 = performance.now();
    // `kam upload`'s own code on this stack: streamed PUT, then wait until the file is processed.
    const { uploadFiles } = await import('../cli/state.ts');
    const target = { clients, stores: s, names: app.names, waitForFiles: async (keys: readonly string[]) => (await app.idle(4 * 3_600_000), (await s.files.list()).filter((f) => keys.includes(f.key))), waitForQueues: () => app.idle(), close: async () => undefined };
    const [outcome] = await uploadFiles(target, [path], 'readings', () => undefined, (line) => log(`\n  ${line}`));
    const wallSeconds = (performance.now() - t0) / 1000;
    if (!outcome || outcome.status !== 'accepted') throw new Error(`the file was not accepted: ${JSON.stringify(outcome)}`);
    log(`accepted in ${wallSeconds.toFixed(0)} s\n`);

    // `kam validate` on the same file, as the CLI ships, in its own process.
    log('kam validate on the same file ... ');
    const masterPath = join(opts.dir, 'fanout-customers.csv');
    writeFileSync(masterPath, master.join('\n') + '\n');
    const tv = performance.now();
    const validated = JSON.parse(
      execFileSync(process.execPath, [join(REPO, 'bin', 'kam.js'), 'validate', path, '--customers', masterPath, '--json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }),
    ) as { files: { customers: { customerId: string; kwh: number }[]; readings: number }[] };
    log(`${((performance.now() - tv) / 1000).toFixed(0)} s\n`);
    const check = validated.files[0]!;
    let maxDiff = 0;
    let customerDays = 0;
    for (const c of check.customers) {
      const days = await s.usage.range(c.customerId, '2000-01-01', '2100-01-01');
      customerDays += days.length;
      const stored = days.reduce((a, d) => a + d.kwh, 0);
      maxDiff = Math.max(maxDiff, Math.abs(stored - c.kwh));
    }

    const workers = ['IngestReadings', 'IngestChunks'].map((fn) => {
      const reports = readLog(logDir, fn).filter((l) => l.message === 'REPORT');
      return {
        functionName: fn,
        invocations: reports.length,
        maxMemoryMB: Math.max(0, ...reports.map((r) => r.maxMemoryUsedMB ?? 0)),
        maxDurationMs: Math.max(0, ...reports.map((r) => r.durationMs ?? 0)),
        totalDurationMs: reports.reduce((a, r) => a + (r.durationMs ?? 0), 0),
      };
    });
    const jobs = readLog(logDir, 'IngestChunks').filter((l) => l.message === 'fan-out job done');
    const span = (kind: string) => {
      const ls = jobs.filter((j) => j.kind === kind);
      if (!ls.length) return 0;
      const ends = ls.map((l) => Date.parse(l.timestamp!));
      const starts = ls.map((l) => Date.parse(l.timestamp!) - (l.ms ?? 0));
      return (Math.max(...ends) - Math.min(...starts)) / 1000;
    };
    const peakConcurrency = Object.fromEntries(app.functions.filter((f) => f.runtime).map((f) => [f.logicalId, f.runtime!.peakConcurrency]));
    return {
      bytes,
      readings: check.readings,
      customers: check.customers.length,
      customerDays,
      chunks: outcome.chunks ?? 1,
      wallSeconds,
      kwhMatches: maxDiff < 0.01,
      maxKwhDifference: maxDiff,
      workers,
      phases: { chunkSeconds: span('chunk'), applySeconds: span('apply') },
      peakConcurrency,
    };
  } finally {
    await app.stop();
  }
}
