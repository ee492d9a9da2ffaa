import type { DomainConfig } from '../config.ts';
import { CustomerMasterParser, meterDirectory } from '../customers/customer-master.ts';
import { decodeLines, HostileFileError } from '../parsing/decode.ts';
import { FileFormatError, type LineParser } from '../parsing/reading-sink.ts';
import { type MergeRules, uploadStamp } from '../usage/apply-readings.ts';
import { DayWriter } from './day-writer.ts';
import { Zone } from '../time/zone.ts';
import { boundedKey } from '../util/bounded-key.ts';
import { checkReadings, rejectsCsv } from './validate-readings.ts';
import { type CustomerRepository, type FileLedger, type FileOutcome, type FileRef, ObjectChangedError, type ObjectStore, type UsageRepository } from './ports.ts';
import type { TariffStore } from './statement-ports.ts';
import type { FanOutStart } from './fan-out.ts';
import type { PaymentStore } from './ports.ts';
import { PaymentFileParser } from '../payments/payment-file.ts';
import { parseTariff, TariffError } from '../tariffs/parse-tariff.ts';

export interface IngestPorts {
  files: FileLedger;
  objects: ObjectStore;
  customers: CustomerRepository;
  usage: UsageRepository;
  /**
   * After an ingest, for the customers it touched: refreshes their features and marks the population changed
   * (O(customers in the file)); their segments come from the population job, not from here.
   */
  classify: (touched: ReadonlySet<string>) => Promise<void>;
  /** After a customer master upload: marks the population changed (regions, contracts), computing no features. */
  masterChanged: () => Promise<void>;
  /** Interim alerts (max demand, projected bill) for the customers whose usage changed. */
  alerts?: (touched: ReadonlySet<string>) => Promise<void>;
  /** Where tariff definitions (tariffs/*.json) are kept. */
  tariffs?: TariffStore;
  /** Where payments (payments/*.csv) are recorded. */
  payments?: PaymentStore;
  /** Splits a reading file too large for one invocation into chunk jobs (fan-out.ts); without it every file is read whole. */
  fanOut?: { plan(file: FileRef): Promise<FanOutStart> };
  clock: () => Date;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

export type IngestResult =
  | { outcome: 'duplicate' | 'busy' }
  | { outcome: 'processed'; file: FileOutcome }
  /** Too large for one invocation: its chunk jobs are queued and the fan-out records the outcome when it is done. */
  | { outcome: 'fanned-out'; fanOutId: string; chunks: number }
  /** The object the event announced was overwritten or deleted before it could be read whole: nothing was applied. */
  | { outcome: 'superseded'; reason: string };

export class RetryableError extends Error {
  override name = 'RetryableError';
}

const KINDS = ['customers', 'readings', 'payments', 'tariffs'] as const;

export function kindOf(key: string): FileOutcome['kind'] | undefined {
  const top = key.split('/')[0];
  return KINDS.find((k) => k === top);
}

/** `rejects/<key>.csv`, or for a key too long for that, a shortened name ending in a hash of the key (see boundedKey). */
export function rejectsKeyFor(key: string): string {
  return boundedKey('rejects/', key, '.csv');
}

/**
 * Processes one object from the ingest bucket exactly once per content (bucket, key, ETag): the customer master is
 * upserted (a meter belongs to one customer); readings are validated, aggregated and applied to the stored days
 * interval by interval in upload order, and the customers they touch re-classified. Bad rows go to
 * `rejects/<key>.csv`; a file over the bad-row threshold applies nothing, and so does one overwritten after its event.
 */
export function ingestFile(ports: IngestPorts, config: DomainConfig) {
  const zone = new Zone(config.timeZone);
  return async (file: FileRef): Promise<IngestResult> => {
    const kind = kindOf(file.key);
    const claim = await ports.files.claim(file, ports.clock());
    if (claim !== 'claimed') return { outcome: claim };
    let outcome: FileOutcome;
    try {
      if (file.size !== undefined && file.size > config.limits.maxObjectBytes) outcome = tooLarge(file, kind);
      else if (kind === 'customers') outcome = await ingestCustomers(file);
      else if (kind === 'readings') {
        const start = ports.fanOut ? await ports.fanOut.plan(file) : ({ kind: 'whole' } as const);
        if (start.kind === 'fanned-out') {
          await ports.files.handOver(file, start.id);
          return { outcome: 'fanned-out', fanOutId: start.id, chunks: start.chunks };
        }
        outcome = start.kind === 'outcome' ? start.outcome : await ingestReadings(file);
      }
      else if (kind === 'tariffs' && ports.tariffs) outcome = await ingestTariff(file, ports.tariffs);
      else if (kind === 'payments' && ports.payments) outcome = await ingestPayments(file, ports.payments);
      else {
        outcome = {
          key: file.key,
          kind: kind ?? 'readings',
          status: 'failed',
          rows: { accepted: 0, rejected: 0 },
          error: kind
            ? `${file.key}: ${kind}/ files are not processed by this release yet; the file is kept and will be processed when they are`
            : `${file.key}: not under customers/, readings/, payments/ or tariffs/`,
        };
      }
    } catch (err) {
      // Infrastructure failures are retried by the queue; the claim is released so the retry can take it.
      await ports.files.release(file);
      // Its content is gone; the object that replaced it has an event of its own. Released, so that the same content
      // uploaded again later is processed then.
      if (err instanceof ObjectChangedError) return { outcome: 'superseded', reason: err.message };
      throw err;
    }
    await ports.files.finish(file, outcome, ports.clock());
    return { outcome: 'processed', file: outcome };
  };

  /** Refused unread: one invocation could not finish it, and retrying would only time out again. */
  function tooLarge(file: FileRef, kind: FileOutcome['kind'] | undefined): FileOutcome {
    const gib = (n: number) => `${(n / 1024 ** 3).toLocaleString('en', { maximumFractionDigits: 2 })} GiB`;
    return {
      key: file.key,
      kind: kind ?? 'readings',
      status: 'failed',
      rows: { accepted: 0, rejected: 0 },
      error: `${file.key}: the object is ${gib(file.size!)} (${file.size!.toLocaleString('en')} bytes), above the ${gib(config.limits.maxObjectBytes)} limit for one file (MAX_OBJECT_BYTES); it was not read: split it into smaller files`,
    };
  }

  async function writeRejects(file: FileRef, rejects: readonly { line: number; reason: string }[]): Promise<string | undefined> {
    if (!rejects.length) return undefined;
    const key = rejectsKeyFor(file.key);
    await ports.objects.writeReport(file.bucket, key, rejectsCsv(file.key, rejects));
    return key;
  }

  /** Feeds a CSV table file (customer master, payments) to its parser; a file that cannot be read fails whole. */
  async function readTable(file: FileRef, parser: LineParser, base: Pick<FileOutcome, 'key' | 'kind'>): Promise<FileOutcome | undefined> {
    try {
      const decoded = await decodeLines((await ports.objects.read(file)).body, config.limits);
      let started = false;
      await decoded.forEachLine((text, lineNo) => {
        if (!started && text.trim() === '') return;
        started = true;
        parser.line(text, lineNo);
      });
      parser.end();
      return undefined;
    } catch (err) {
      if (!(err instanceof FileFormatError)) throw err;
      const rejectsKey = await writeRejects(file, [{ line: err.line, reason: err.message }]);
      return { ...base, status: err instanceof HostileFileError ? 'quarantined' : 'failed', rows: { accepted: 0, rejected: 0 }, error: `${file.key}, line ${err.line}: ${err.message}`, rejectsKey };
    }
  }

  async function ingestCustomers(file: FileRef): Promise<FileOutcome> {
    const parser = new CustomerMasterParser();
    const base = { key: file.key, kind: 'customers' as const };
    const unreadable = await readTable(file, parser, base);
    if (unreadable) return unreadable;
    parser.rejectMetersOwnedElsewhere(await ports.customers.all());
    const rows = { accepted: parser.customers.length, rejected: parser.rejects.length };
    const rejectsKey = await writeRejects(file, parser.rejects);
    const share = parser.dataRows ? parser.rejects.length / parser.dataRows : 0;
    if (share > config.quarantineShare) {
      return {
        ...base,
        status: 'quarantined',
        rows,
        rejectsKey,
        error: `${file.key}: ${(share * 100).toFixed(1)}% of rows rejected, above the ${(config.quarantineShare * 100).toFixed(1)}% quarantine threshold; nothing applied`,
      };
    }
    await ports.customers.upsert(parser.customers);
    // A changed master (region, contract) can change segments, not features: marks the population changed for the job.
    await ports.masterChanged();
    return { ...base, status: 'accepted', rows, rejectsKey, customers: parser.customers.length };
  }

  async function ingestPayments(file: FileRef, store: PaymentStore): Promise<FileOutcome> {
    const known = new Set((await ports.customers.all()).map((c) => c.customerId));
    const parser = new PaymentFileParser({ timeZone: config.timeZone, knownCustomer: (id) => known.has(id) });
    const base = { key: file.key, kind: 'payments' as const };
    const unreadable = await readTable(file, parser, base);
    if (unreadable) return unreadable;
    const share = parser.dataRows ? parser.rejects.length / parser.dataRows : 0;
    if (share > config.quarantineShare) {
      const rejectsKey = await writeRejects(file, parser.rejects);
      return {
        ...base,
        status: 'quarantined',
        rows: { accepted: parser.payments.length, rejected: parser.rejects.length },
        rejectsKey,
        error: `${file.key}: ${(share * 100).toFixed(1)}% of rows rejected, above the ${(config.quarantineShare * 100).toFixed(1)}% quarantine threshold; nothing applied`,
      };
    }
    const r = await store.record(parser.payments);
    const rejects = [
      ...parser.rejects,
      ...r.conflicts.map((ref) => ({ line: parser.lineOf.get(ref) ?? 0, reason: `reference ${ref} was recorded before with different details` })),
    ].sort((a, b) => a.line - b.line);
    const rejectsKey = await writeRejects(file, rejects);
    return { ...base, status: 'accepted', rows: { accepted: parser.payments.length - r.conflicts.length, rejected: rejects.length }, rejectsKey, customers: new Set(parser.payments.map((p) => p.customerId)).size };
  }

  async function ingestTariff(file: FileRef, tariffs: TariffStore): Promise<FileOutcome> {
    const base = { key: file.key, kind: 'tariffs' as const };
    const chunks: Buffer[] = [];
    for await (const c of (await ports.objects.read(file)).body) chunks.push(Buffer.from(c));
    let tariff;
    try {
      tariff = parseTariff(JSON.parse(Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '')) as unknown, file.key);
    } catch (err) {
      if (!(err instanceof TariffError) && !(err instanceof SyntaxError)) throw err;
      const message = err instanceof SyntaxError ? `${file.key}: not valid JSON (${err.message})` : (err as Error).message;
      const rejectsKey = await writeRejects(file, [{ line: 1, reason: message }]);
      return { ...base, status: 'failed', rows: { accepted: 0, rejected: 1 }, error: message, rejectsKey };
    }
    await tariffs.put(tariff);
    return { ...base, status: 'accepted', rows: { accepted: tariff.versions.length, rejected: 0 } };
  }

  async function ingestReadings(file: FileRef): Promise<FileOutcome> {
    const customers = await ports.customers.all();
    const byId = new Map(customers.map((c) => [c.customerId, c]));
    const directory = meterDirectory(customers);
    // Pass 1 validates only: a file over the bad-row threshold must apply nothing, and that is known at its end.
    const validated = await ports.objects.read(file);
    const check = await checkReadings(file.key, validated.body, { directory, config });
    const rejectsKey = await writeRejects(file, check.rejects);
    const base = {
      key: file.key,
      kind: 'readings' as const,
      rows: check.rows,
      format: check.stats?.format,
      encoding: check.stats?.encoding,
      rejectsKey,
      ...(check.stats?.warnings.length ? { warnings: check.stats.warnings.slice(0, 20) } : {}),
      ...(check.stats?.columns ? { columns: check.stats.columns } : {}),
    };
    if (check.status !== 'accepted') return { ...base, status: check.status, error: check.error };
    // Pass 2 re-reads the same object (by version or ETag: an overwrite in between fails the read instead of slipping
    // in unvalidated data) and writes customer-days as they complete, so memory stays flat.
    const applied = await ports.objects.read(file);
    const rules: MergeRules = {
      zone,
      bands: config.bands,
      maxInterpolatedGap: config.maxInterpolatedGap,
      keepMeter: (customerId, meterId) => byId.get(customerId)?.meterIds.includes(meterId) ?? false,
    };
    const writer = new DayWriter(ports.usage, byId, uploadStamp(file, validated.lastModified), rules);
    await checkReadings(file.key, applied.body, {
      directory,
      config,
      onMeterDay: (customerId, meterId, day, md) => writer.add(customerId, meterId, day, md),
    });
    await writer.flush();
    await ports.classify(writer.touched);
    await ports.alerts?.(writer.touched);
    return { ...base, status: 'accepted', customers: writer.touched.size, days: writer.days.size, kwhByRegion: writer.kwhByRegion };
  }
}
