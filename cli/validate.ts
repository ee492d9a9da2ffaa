import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { DEFAULT_CONFIG, type DomainConfig } from '../domain/config.ts';
import { CustomerMasterParser, meterDirectory } from '../domain/customers/customer-master.ts';
import { decodeLines } from '../domain/parsing/decode.ts';
import { isZip, zipEntries } from '../domain/parsing/zip.ts';
import type { ColumnReport } from '../domain/parsing/reading-sink.ts';
import { ANY_METER, type MeterDirectory } from '../domain/usage/aggregate.ts';
import { checkReadings, type ReadingsCheck } from '../domain/use-cases/validate-readings.ts';
import { fmtNumber, printJson, table } from './output.ts';

export interface ValidateOptions {
  json?: boolean;
  customers?: string[];
  timeZone?: string;
  quarantineShare?: number;
  maxRejects?: number;
  /** JSON file: logical column → extra header texts. */
  aliases?: string;
  /** Wide CSV values are before the 倍率 multiplier: multiply by it. */
  applyMultiplier?: boolean;
  /** Daily frozen register readings: read at the start (default) or the end of the day they are dated. */
  frozenReadingAt?: 'day-start' | 'day-end';
}

/** `kam validate`: the ingest code path (parse + validate + aggregate) on local files, with no AWS at all. */
export async function validateFiles(files: string[], opts: ValidateOptions): Promise<number> {
  const config: DomainConfig = {
    ...DEFAULT_CONFIG,
    ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
    ...(opts.quarantineShare !== undefined ? { quarantineShare: opts.quarantineShare } : {}),
    ...(opts.aliases ? { aliases: readAliases(opts.aliases) } : {}),
    ...(opts.applyMultiplier ? { applyMultiplier: true } : {}),
    ...(opts.frozenReadingAt ? { frozenReadingAt: opts.frozenReadingAt } : {}),
  };
  const directory = opts.customers?.length ? await loadDirectory(opts.customers) : ANY_METER;
  const results: (ReadingsCheck & { seconds: number })[] = [];
  for (const file of files) {
    if (!existsSync(file) || !statSync(file).isFile()) {
      results.push({ ...failed(file, 'no such file'), seconds: 0 });
      continue;
    }
    for (const part of openParts(file)) {
      const t0 = performance.now();
      const progress = opts.json ? undefined : (lines: number, bytes: number) =>
        process.stderr.write(`  ${part.name}: ${fmtNumber(lines)} lines, ${(bytes / 1e6).toFixed(0)} MB read\r`);
      const r = await checkReadings(part.name, part.open(), { directory, config, onProgress: progress });
      results.push({ ...r, seconds: (performance.now() - t0) / 1000 });
    }
  }
  const max = opts.maxRejects ?? 10;
  if (opts.json) {
    printJson({
      files: results.map((r) => ({
        file: r.file,
        status: r.status,
        format: r.stats?.format ?? null,
        encoding: r.stats?.encoding ?? null,
        compressed: r.stats?.compressed ?? null,
        rows: r.rows,
        readings: r.readings,
        rejectedShare: r.rejectedShare,
        rejects: r.rejects.slice(0, max),
        warnings: r.stats?.warnings ?? [],
        ...(r.stats?.columns ? { columns: r.stats.columns } : {}),
        ...(r.error ? { error: r.error } : {}),
        customers: r.customers,
      })),
    });
  } else {
    for (const r of results) {
      const s = r.stats;
      console.log(`${r.file}: ${r.status.toUpperCase()}`);
      if (s) {
        console.log(`  format ${s.format}, ${s.encoding}${s.compressed ? ', gzip' : ''}; ${fmtNumber(s.lines)} lines, ${(s.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(2)} s`);
      }
      if (s?.columns) for (const l of columnLines(s.columns)) console.log(`  ${l}`);
      if (r.status === 'failed') {
        console.log(`  ${r.error}`);
        continue;
      }
      for (const w of s?.warnings ?? []) console.log(`  warning, line ${w.line}: ${w.message}`);
      console.log(`  rows accepted ${fmtNumber(r.rows.accepted)}, rejected ${fmtNumber(r.rows.rejected)} (${(r.rejectedShare * 100).toFixed(2)}%, quarantine above ${(config.quarantineShare * 100).toFixed(1)}%); readings ${fmtNumber(r.readings)}`);
      if (r.error) console.log(`  ${r.error}`);
      if (r.rejects.length) {
        console.log(`  first rejects:`);
        for (const x of r.rejects.slice(0, max)) console.log(`    line ${x.line}: ${x.reason}`);
        if (r.rejects.length > max) console.log(`    … and ${fmtNumber(r.rejects.length - max)} more`);
      }
      if (r.customers.length) {
        const days = r.customers.reduce((a, c) => a + c.days, 0);
        console.log(`  ${r.customers.length} customers, ${fmtNumber(days)} customer-days`);
        console.log(table(r.customers.slice(0, 20).map((c) => ({ customer: c.customerId, days: c.days, kWh: c.kwh }))).replace(/^/gm, '    '));
        if (r.customers.length > 20) console.log(`    … and ${r.customers.length - 20} more customers`);
      }
    }
  }
  return results.some((r) => r.status !== 'accepted') ? 1 : 0;
}

/** The header as understood: columns used (logical ← header, column number), the interval block, columns ignored. */
export function columnLines(c: ColumnReport): string[] {
  return [
    `columns used: ${c.used.map((u) => `${u.column} ← "${u.header}" (${u.index})`).join(', ')}`,
    `intervals: ${c.intervals}`,
    `columns ignored: ${c.ignored.length ? c.ignored.map((i) => `"${i.header}" (${i.index})${i.reason ? ` — ${i.reason}` : ''}`).join(', ') : 'none'}`,
  ];
}

function failed(file: string, reason: string): ReadingsCheck {
  return { file, stats: null, status: 'failed', rows: { accepted: 0, rejected: 0 }, readings: 0, rejectedShare: 1, rejects: [], error: `${file}: ${reason}`, customers: [] };
}

/** A file, or each CSV inside a .zip (AEMO ships NEM12 zipped). */
function openParts(file: string): { name: string; open: () => AsyncIterable<Uint8Array> }[] {
  const head = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  readSync(fd, head, 0, 4, 0);
  closeSync(fd);
  if (isZip(head)) {
    return [...zipEntries(readFileSync(file))].map((e) => ({ name: `${basename(file)}:${e.name}`, open: () => Readable.from([Buffer.from(e.bytes)]) }));
  }
  return [{ name: file, open: () => createReadStream(file, { highWaterMark: 1 << 20 }) }];
}

async function loadDirectory(files: string[]): Promise<MeterDirectory> {
  const parser = new CustomerMasterParser();
  for (const f of files) {
    const decoded = await decodeLines(createReadStream(f));
    let started = false;
    await decoded.forEachLine((text, n) => {
      if (!started && text.trim() === '') return;
      if (!started) {
        parser.nextFile();
        started = true;
      }
      parser.line(text, n);
    });
  }
  return meterDirectory(parser.customers);
}

function readAliases(file: string): Record<string, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`--aliases ${file}: ${(err as Error).message}`);
  }
  const ok = parsed && typeof parsed === 'object' && Object.values(parsed).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'));
  if (!ok) throw new Error(`--aliases ${file}: must be a JSON object mapping a column (customer_id, meter_id, date, kwh, ...) to an array of header texts`);
  return parsed as Record<string, string[]>;
}
