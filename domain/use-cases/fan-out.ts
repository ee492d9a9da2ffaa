import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DomainConfig } from '../config.ts';
import { meterDirectory } from '../customers/customer-master.ts';
import { decodeLines, type Encoding } from '../parsing/decode.ts';
import { type ColumnReport, FileFormatError } from '../parsing/reading-sink.ts';
import { mergeMeterDays, type MergeRules, uploadStamp } from '../usage/apply-readings.ts';
import type { Reject } from '../usage/aggregate.ts';
import type { MeterDay } from '../usage/meter-day.ts';
import { Zone } from '../time/zone.ts';
import { PermanentError } from '../errors.ts';
import { mapConcurrent } from '../util/concurrency.ts';
import { mergeAliases, READING_ALIASES } from '../parsing/header-aliases.ts';
import { DayWriter } from './day-writer.ts';
import { checkReadings, rejectsCsv } from './validate-readings.ts';
import { rejectsKeyFor } from './ingest-file.ts';
import { analyseHead, boundaryRule, isXml, nextBoundary, partitionOf, prefixLineCount } from './fan-out-plan.ts';
import type { CustomerRepository, FileLedger, FileOutcome, FileRef, ObjectStore, UsageRepository } from './ports.ts';
import type { JobQueue } from './run-statements.ts';

/**
 * Files larger than one invocation (issue 9 §3; the AWS Meter Data Analytics guidance's pattern on SQS):
 *
 * 1. plan (IngestReadings): a file above `fanOutBytes` is cut into ranges of about `chunkBytes` at line starts (found
 *    with small ranged GETs); a gzip above `compressedFanOutBytes`, which cannot be range-read, is inflated
 *    once and staged as UTF-8 parts. One chunk job per range goes on the chunk queue and the file is handed over.
 * 2. chunk (IngestChunks, in parallel): reads its range (the header travels with it), validates and aggregates it
 *    exactly as a whole file is, and stages its meter-days split into partitions by customer, plus a summary (rows,
 *    rejects, lines). A set of done chunks, updated conditionally, counts it once however often it is delivered.
 * 3. finish (whichever invocation completes the set): decides accept / quarantine / fail over the whole file, writes
 *    one rejects report with the file's own line numbers, then queues one apply job per partition (or applies
 *    nothing).
 * 4. apply (in parallel): merges the partition's staged meter-days from every chunk and applies them as a whole file's
 *    are (DayWriter: interval by interval, the later upload winning). The last partition re-classifies the touched
 *    customers once and records the file's outcome.
 *
 * Every step is idempotent: a redelivered job finds its chunk or partition counted and changes nothing.
 */

export type FanOutJob = { kind: 'chunk'; fanOutId: string; index: number } | { kind: 'apply'; fanOutId: string; partition: number };

/** A range of the original object, or a staged part of an inflated compressed file. */
export type ChunkSource = { start: number; end: number } | { key: string };

export interface FanOutRecord {
  id: string;
  file: FileRef;
  /** The object's LastModified (ISO): the upload stamp's first part. */
  lastModified?: string;
  state: 'chunking' | 'applying' | 'completing' | 'done';
  /** When the record entered its state (ISO); a `completing` record older than the lease was abandoned by a crash. */
  stateSince?: string;
  /** Set once the apply jobs are queued: a repeated verdict re-queues them only if the first was lost before this. */
  appliesQueued?: boolean;
  /** How the chunks decode: the file's encoding for ranges, UTF-8 for staged parts. */
  encoding: Encoding;
  /** The uploaded file's own encoding, for its outcome. */
  fileEncoding: Encoding;
  /** Lines and bytes before the first data line (title rows, header); they travel with every chunk but the first. */
  prefixLines: number;
  prefixEnd: number;
  chunks: ChunkSource[];
  partitions: number;
  /** Set when the verdict is known: the file's outcome so far (rows, rejects report, format). */
  outcome?: FileOutcome;
  /** Chunks staged and partitions applied so far (read back; the ledger keeps them as sets). */
  doneChunks?: number[];
  appliedPartitions?: number[];
}

/** Bookkeeping of fan-outs (FANOUT# items): every count is a set, so a repeated job counts once. */
export interface FanOutLedger {
  /** Stores the record (started `at`) unless one with its id exists; returns the stored one. */
  start(record: FanOutRecord, at: Date): Promise<FanOutRecord>;
  get(id: string): Promise<FanOutRecord | undefined>;
  /** Adds chunk `index` to the done set; `first` is false when it was there already. */
  chunkDone(id: string, index: number): Promise<{ first: boolean; done: number }>;
  partitionApplied(id: string, partition: number): Promise<{ first: boolean; done: number }>;
  /** Moves the record from state `from` to `to` at `at` (with the outcome so far); false when it was not in `from`. */
  advance(id: string, from: FanOutRecord['state'], to: FanOutRecord['state'], at: Date, outcome?: FileOutcome): Promise<boolean>;
  /** Records that the apply jobs are queued. */
  appliesQueued(id: string): Promise<void>;
}

export interface FanOutPorts {
  files: FileLedger;
  objects: ObjectStore;
  customers: CustomerRepository;
  usage: UsageRepository;
  fanOuts: FanOutLedger;
  jobs: JobQueue<FanOutJob>;
  classify: (touched: ReadonlySet<string>) => Promise<void>;
  alerts?: (touched: ReadonlySet<string>) => Promise<void>;
  clock: () => Date;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

/** What planning a file decided: processed whole as before, fanned out, or refused before any chunk ran. */
export type FanOutStart = { kind: 'whole' } | { kind: 'fanned-out'; id: string; chunks: number } | { kind: 'outcome'; outcome: FileOutcome };

interface ChunkSummary {
  index: number;
  /** The chunk's own lines (prefix excluded). */
  lines: number;
  dataRows: number;
  rejectedRows: number;
  readings: number;
  format?: string;
  /** Line numbers within the chunk's own lines, 1-based. */
  rejects: Reject[];
  warnings: { line: number; message: string }[];
  /** A wide CSV's columns used and ignored (the first chunk's: every chunk reads the same header). */
  columns?: ColumnReport;
  /** The chunk could not be read on (a line too long, a broken header): the whole file fails or is quarantined. */
  fatal?: { line: number; message: string; hostile: boolean };
}

const HEAD_BYTES = 1024 * 1024;
/** Thrown inside the inflating loop when the content turns out to be of a kind that is never cut. */
const READ_WHOLE = Symbol('read whole');
const PROBE_BYTES = 64 * 1024;
const MAX_PROBE_BYTES = 16 * 1024 * 1024;
const MAX_PARTITIONS = 64;
/** Longer than IngestChunks' timeout (5 minutes): a completion held longer than this was abandoned. */
const COMPLETION_LEASE_MS = 6 * 60_000;

export const stagingPrefix = (id: string): string => `staging/${id}/`;
const chunkKey = (id: string, index: number, name: string) => `${stagingPrefix(id)}c${index}/${name}`;
const appliedKey = (id: string, partition: number) => `${stagingPrefix(id)}applied/p${partition}.json`;

/** A fan-out's id: the file's identity down to its content (bucket, key, ETag, version). */
export function fanOutId(file: FileRef): string {
  return createHash('sha256').update(`${file.bucket}\n${file.key}\n${file.etag}\n${file.versionId ?? ''}`).digest('hex').slice(0, 32);
}

// gzip (the ingest reads gzip; zip archives are for `kam validate`).
const isCompressed = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

export function fanOut(ports: FanOutPorts, config: DomainConfig) {
  const zone = new Zone(config.timeZone);
  const aliases = config.aliases ? mergeAliases(READING_ALIASES, config.aliases) : undefined;
  const limits = config.limits;
  const gap = config.maxInterpolatedGap;

  /** Decides whether a reading file is fanned out and, if so, queues its chunk jobs (IngestReadings, after its claim). */
  async function plan(file: FileRef): Promise<FanOutStart> {
    const size = file.size;
    if (size === undefined || size <= Math.min(limits.fanOutBytes, limits.compressedFanOutBytes)) return { kind: 'whole' };
    // A file that is cut only if it is a gzip needs its first 2 bytes; one that may be cut, its first MiB.
    const headObject = await ports.objects.readRange(file, 0, Math.min(size, size > limits.fanOutBytes ? HEAD_BYTES : 2));
    const head = await buffer(headObject.body);
    const lastModified = headObject.lastModified?.toISOString();
    if (isCompressed(head)) return size > limits.compressedFanOutBytes ? stageCompressed(file, lastModified) : { kind: 'whole' };
    if (size <= limits.fanOutBytes) return { kind: 'whole' };
    const analysis = analyseHead(head, zone, aliases);
    if (!analysis) return { kind: 'whole' };
    const accept = boundaryRule(analysis.nem);
    const cuts: number[] = [0];
    for (let t = limits.chunkBytes; t < size; t += limits.chunkBytes) {
      if (t <= cuts[cuts.length - 1]!) continue;
      const at = await findBoundary(file, size, t, analysis.terminator, accept);
      if (at !== undefined && at > cuts[cuts.length - 1]! && at < size) cuts.push(at);
    }
    const chunks = cuts.map((start, i) => ({ start, end: cuts[i + 1] ?? size }));
    return start(file, lastModified, { encoding: analysis.encoding, fileEncoding: analysis.encoding }, analysis.prefixLines, analysis.prefixEnd, chunks);
  }

  /** The first acceptable line start at or after `from`, reading ever larger windows up to 16 MiB. */
  async function findBoundary(file: FileRef, size: number, from: number, terminator: number, accept: ReturnType<typeof boundaryRule>): Promise<number | undefined> {
    for (let len = PROBE_BYTES; ; len *= 4) {
      const windowStart = from - 1;
      const end = Math.min(size, windowStart + len);
      const window = await buffer((await ports.objects.readRange(file, windowStart, end)).body);
      const at = nextBoundary(window, windowStart, from, terminator, accept);
      if (at !== undefined) return at;
      if (end >= size || len >= MAX_PROBE_BYTES) return undefined;
    }
  }

  async function start(file: FileRef, lastModified: string | undefined, encodings: { encoding: Encoding; fileEncoding: Encoding }, prefixLines: number, prefixEnd: number, chunks: ChunkSource[]): Promise<FanOutStart> {
    const id = fanOutId(file);
    const record = await ports.fanOuts.start({
      id,
      file,
      ...(lastModified ? { lastModified } : {}),
      state: 'chunking',
      ...encodings,
      prefixLines,
      prefixEnd,
      chunks,
      // One apply job per chunk's worth of data keeps each within one invocation's time.
      partitions: Math.min(MAX_PARTITIONS, chunks.length),
    }, ports.clock());
    // Queued before the hand-over: a crash in between leaves the claim to expire and the plan to be queued again.
    await ports.jobs.enqueue(record.chunks.map((_, index) => ({ kind: 'chunk' as const, fanOutId: id, index })));
    ports.log?.('file fanned out', { key: file.key, fanOutId: id, chunks: record.chunks.length, partitions: record.partitions });
    return { kind: 'fanned-out', id, chunks: record.chunks.length };
  }

  /**
   * A gzip cannot be range-read: it is inflated once here, in flat memory, and staged as UTF-8 parts of
   * about `chunkBytes` cut at line starts (before a 200/250 record in a NEM file), each part after the first
   * beginning with the file's prefix. At most two part uploads are in flight; reading waits for them.
   */
  async function stageCompressed(file: FileRef, lastModified: string | undefined): Promise<FanOutStart> {
    const id = fanOutId(file);
    const object = await ports.objects.read(file);
    const inflight = new Set<Promise<void>>();
    let failure: unknown;
    const throttled = (async function* () {
      for await (const c of object.body) {
        while (inflight.size >= 2) await Promise.race(inflight);
        if (failure) throw failure;
        yield c;
      }
    })();
    const keys: string[] = [];
    let prefix: { lines: number; text: string } | undefined;
    let nem = false;
    let part: string[] = [];
    let partBytes = 0;
    const flush = () => {
      if (!part.length) return;
      // Register readings carry a meter's last reading into its next row: such an export is read whole.
      if (!prefix && part.some((l) => l.includes('示值'))) throw READ_WHOLE;
      if (!prefix) {
        const n = prefixLineCount(part, zone, aliases) ?? 0;
        nem = n > 0 && (part[n]!.startsWith('200,') || part[n]!.startsWith('250,'));
        prefix = { lines: n, text: n ? part.slice(0, n).join('\n') + '\n' : '' };
      }
      const body = Buffer.from((keys.length ? prefix.text : '') + part.join('\n') + '\n', 'utf8');
      const key = chunkKey(id, keys.length, 'part.csv');
      keys.push(key);
      part = [];
      partBytes = 0;
      const upload = ports.objects.stage(file.bucket, key, body).then(
        () => void inflight.delete(upload),
        (err: unknown) => {
          failure ??= err;
          inflight.delete(upload);
        },
      );
      inflight.add(upload);
    };
    let encoding: Encoding = 'utf-8';
    try {
      const decoded = await decodeLines(throttled, limits);
      encoding = decoded.encoding;
      await decoded.forEachLine((text) => {
        // XML (Green Button) cannot be cut at line starts.
        if (!part.length && !keys.length && text.trim() !== '' && isXml(text)) throw READ_WHOLE;
        if (partBytes >= limits.chunkBytes && (!nem || text.startsWith('200,') || text.startsWith('250,'))) flush();
        part.push(text);
        partBytes += text.length + 1;
      });
      flush();
      await Promise.all(inflight);
      if (failure) throw failure;
    } catch (err) {
      if (err === READ_WHOLE) {
        (object.body as { destroy?: () => void }).destroy?.();
        return { kind: 'whole' };
      }
      if (!(err instanceof FileFormatError)) throw err;
      // A decompression bomb or a hostile line: refused before any chunk ran; nothing applied.
      const hostile = err.name === 'HostileFileError';
      return {
        kind: 'outcome',
        outcome: { key: file.key, kind: 'readings', status: hostile ? 'quarantined' : 'failed', rows: { accepted: 0, rejected: 0 }, encoding, error: `${file.key}, line ${err.line}: ${err.message}` },
      };
    }
    if (!keys.length) return { kind: 'whole' };
    ports.log?.('compressed file inflated and staged', { key: file.key, parts: keys.length, encoding });
    // Staged parts are UTF-8 whatever the file was.
    return start(file, lastModified, { encoding: 'utf-8', fileEncoding: encoding }, prefix?.lines ?? 0, 0, keys.map((key) => ({ key })));
  }

  /** Runs one chunk or apply job; says what it did, and the file's outcome when this job finished the file. */
  async function run(job: FanOutJob): Promise<{ did: string; finished?: FileOutcome }> {
    const record = await ports.fanOuts.get(job.fanOutId);
    if (!record) throw new PermanentError(`fan-out ${job.fanOutId} does not exist; the job cannot be processed`);
    return job.kind === 'chunk' ? chunk(record, job.index) : apply(record, job.partition);
  }

  type Done = { did: string; finished?: FileOutcome };
  const done = (did: string, finished?: FileOutcome): Done => ({ did, ...(finished ? { finished } : {}) });

  async function chunk(record: FanOutRecord, index: number): Promise<Done> {
    const source = record.chunks[index];
    if (!source) throw new PermanentError(`fan-out ${record.id} has no chunk ${index}`);
    if (record.state !== 'chunking') return done('late: the file was decided already');
    if (record.doneChunks?.includes(index)) {
      // A redelivered job: counted once already. If every chunk is done, make sure the verdict was reached.
      const finished = record.doneChunks.length >= record.chunks.length ? await finish(record.id, false) : undefined;
      return done(`chunk ${index} was staged already`, finished);
    }
    const t0 = performance.now();
    const customers = await ports.customers.all();
    const directory = meterDirectory(customers);
    const t1 = performance.now();
    const out: string[][] = Array.from({ length: record.partitions }, () => []);
    const file = record.file;
    const body =
      'key' in source
        ? (async function* () {
            yield await ports.objects.readStaged(file.bucket, source.key);
          })()
        : concat(index > 0 && record.prefixEnd > 0 ? [() => ports.objects.readRange(file, 0, record.prefixEnd)] : [], () => ports.objects.readRange(file, source.start, source.end));
    const check = await checkReadings(file.key, body, {
      directory,
      config,
      encoding: 'key' in source ? 'utf-8' : record.encoding,
      onMeterDay: (customerId, meterId, day, md) => out[partitionOf(customerId, record.partitions)]!.push(JSON.stringify([customerId, meterId, day, md])),
    });
    const t2 = performance.now();
    const skip = index > 0 ? record.prefixLines : 0;
    const own = (line: number) => line - skip;
    const summary: ChunkSummary = {
      index,
      lines: Math.max(0, (check.stats?.lines ?? 0) - skip),
      dataRows: check.rows.accepted + check.rows.rejected,
      rejectedRows: check.rows.rejected,
      readings: check.readings,
      ...(check.stats ? { format: check.stats.format } : {}),
      rejects: check.stats ? check.rejects.filter((r) => r.line > skip).map((r) => ({ line: own(r.line), reason: r.reason })) : [],
      warnings: index === 0 ? (check.stats?.warnings ?? []) : (check.stats?.warnings ?? []).filter((w) => w.line > skip).map((w) => ({ ...w, line: own(w.line) })),
      ...(index === 0 && check.stats?.columns ? { columns: check.stats.columns } : {}),
      ...(check.stats === null ? { fatal: { line: own(check.rejects[0]?.line ?? 1), message: check.rejects[0]?.reason ?? String(check.error), hostile: check.status === 'quarantined' } } : {}),
    };
    await mapConcurrent(out, 8, (lines, p) => ports.objects.stage(file.bucket, chunkKey(record.id, index, `p${p}.jsonl.gz`), gzipSync(lines.join('\n'))));
    await ports.objects.stage(file.bucket, chunkKey(record.id, index, 'summary.json'), Buffer.from(JSON.stringify(summary)));
    const t3 = performance.now();
    const counted = await ports.fanOuts.chunkDone(record.id, index);
    ports.log?.('chunk staged', { fanOutId: record.id, index, readings: check.readings, masterMs: Math.round(t1 - t0), parseMs: Math.round(t2 - t1), stageMs: Math.round(t3 - t2) });
    if (counted.done < record.chunks.length) return done(`chunk ${index} staged (${counted.done}/${record.chunks.length})`);
    return done(`chunk ${index} staged; all ${record.chunks.length} done`, await finish(record.id, counted.first));
  }

  /**
   * The verdict over the whole file, once every chunk is staged; then the apply jobs, or nothing is applied. Returns
   * the file's outcome when the verdict ends it (quarantined, failed).
   */
  async function finish(id: string, first: boolean): Promise<FileOutcome | undefined> {
    const record = (await ports.fanOuts.get(id))!;
    const file = record.file;
    if (record.state === 'chunking') {
      const summaries = await mapConcurrent(record.chunks, 8, async (_, k) => JSON.parse(Buffer.from(await ports.objects.readStaged(file.bucket, chunkKey(id, k, 'summary.json'))).toString('utf8')) as ChunkSummary);
      let base = 0;
      let dataRows = 0;
      let rejectedRows = 0;
      const rejects: Reject[] = [];
      const warnings: ChunkSummary['warnings'] = [];
      let fatal: ChunkSummary['fatal'];
      for (const s of summaries) {
        for (const r of s.rejects) rejects.push({ line: base + r.line, reason: r.reason });
        for (const w of s.warnings) if (warnings.length < 20) warnings.push({ line: base + w.line, message: w.message });
        if (s.fatal && !fatal) fatal = { ...s.fatal, line: base + s.fatal.line };
        base += s.lines;
        dataRows += s.dataRows;
        rejectedRows += s.rejectedRows;
      }
      const share = dataRows ? rejectedRows / dataRows : 0;
      const quarantined = fatal ? fatal.hostile : share > config.quarantineShare;
      const status: FileOutcome['status'] = fatal && !fatal.hostile ? 'failed' : quarantined ? 'quarantined' : 'accepted';
      if (fatal) rejects.splice(0, rejects.length, { line: fatal.line, reason: fatal.message });
      let rejectsKey: string | undefined;
      if (rejects.length) {
        rejectsKey = rejectsKeyFor(file.key);
        await ports.objects.writeReport(file.bucket, rejectsKey, rejectsCsv(file.key, rejects));
      }
      const outcome: FileOutcome = {
        key: file.key,
        kind: 'readings',
        status,
        rows: fatal ? { accepted: 0, rejected: 0 } : { accepted: dataRows - rejectedRows, rejected: rejectedRows },
        ...(summaries[0]?.format ? { format: summaries[0].format } : {}),
        encoding: record.fileEncoding,
        ...(rejectsKey ? { rejectsKey } : {}),
        // As a whole file's outcome: the first 20 warnings (title rows skipped, a kW curve converted, …) and the columns.
        ...(warnings.length ? { warnings } : {}),
        ...(summaries[0]?.columns ? { columns: summaries[0].columns } : {}),
        chunks: record.chunks.length,
        ...(fatal
          ? { error: `${file.key}, line ${fatal.line}: ${fatal.message}` }
          : quarantined
            ? { error: `${file.key}: ${pct(share)} of rows rejected, above the ${pct(config.quarantineShare)} quarantine threshold; nothing applied` }
            : {}),
      };
      if (status !== 'accepted') {
        await ports.files.finish(file, outcome, ports.clock());
        await ports.fanOuts.advance(id, 'chunking', 'done', ports.clock(), outcome);
        ports.log?.('fanned-out file decided', { key: file.key, fanOutId: id, status, rows: outcome.rows });
        return outcome;
      }
      if (await ports.fanOuts.advance(id, 'chunking', 'applying', ports.clock(), outcome)) {
        await queueApplies(record);
        ports.log?.('fanned-out file accepted; applying', { key: file.key, fanOutId: id, partitions: record.partitions, rows: outcome.rows });
        return undefined;
      }
      return undefined;
    }
    // A repeated completion (the job that completed the set was redelivered after a crash): its apply jobs may never
    // have been queued.
    if (!first && record.state === 'applying' && !record.appliesQueued) await queueApplies(record);
    return undefined;
  }

  async function queueApplies(record: FanOutRecord): Promise<void> {
    await ports.jobs.enqueue(Array.from({ length: record.partitions }, (_, partition) => ({ kind: 'apply' as const, fanOutId: record.id, partition })));
    await ports.fanOuts.appliesQueued(record.id);
  }

  async function apply(record: FanOutRecord, partition: number): Promise<Done> {
    if (record.state === 'chunking') return done('early: the file is not decided');
    if (record.state === 'done') return done('late: the file is applied');
    if (record.state === 'completing' || record.appliedPartitions?.includes(partition)) {
      const finished = (record.appliedPartitions ?? []).length >= record.partitions ? await complete(record.id) : undefined;
      return done(`partition ${partition} was applied already`, finished);
    }
    const file = record.file;
    const customers = await ports.customers.all();
    const byId = new Map(customers.map((c) => [c.customerId, c]));
    const merged = new Map<string, [string, string, string, MeterDay]>();
    await mapConcurrent(record.chunks, 4, async (_, k) => {
      const text = gunzipSync(await ports.objects.readStaged(file.bucket, chunkKey(record.id, k, `p${partition}.jsonl.gz`))).toString('utf8');
      if (!text) return;
      for (const line of text.split('\n')) {
        const entry = JSON.parse(line) as [string, string, string, MeterDay];
        const key = `${entry[0]}|${entry[1]}|${entry[2]}`;
        const prev = merged.get(key);
        // A meter-day cut by a chunk boundary comes in two parts; they are joined before anything is applied.
        merged.set(key, prev ? [entry[0], entry[1], entry[2], mergeMeterDays(prev[3], entry[3], gap)] : entry);
      }
    });
    const rules: MergeRules = {
      zone,
      bands: config.bands,
      maxInterpolatedGap: gap,
      keepMeter: (customerId, meterId) => byId.get(customerId)?.meterIds.includes(meterId) ?? false,
    };
    const writer = new DayWriter(ports.usage, byId, uploadStamp(file, record.lastModified ? new Date(record.lastModified) : undefined), rules);
    // The partition's figures come from what it applies, not from what changed, so that a duplicate job running
    // at the same time (which changes nothing) stages the same summary.
    const kwhByRegion: Record<string, number> = {};
    for (const [customerId, meterId, day, md] of merged.values()) {
      writer.add(customerId, meterId, day, md);
      const region = byId.get(customerId)?.region ?? 'unknown';
      let kwh = 0;
      for (const v of md.kwh) if (v !== null) kwh += v;
      kwhByRegion[region] = (kwhByRegion[region] ?? 0) + kwh;
    }
    await writer.flush();
    const summary = { customers: [...writer.touched].sort(), days: writer.days.size, kwhByRegion };
    await ports.objects.stage(file.bucket, appliedKey(record.id, partition), Buffer.from(JSON.stringify(summary)));
    const counted = await ports.fanOuts.partitionApplied(record.id, partition);
    if (counted.done < record.partitions) return done(`partition ${partition} applied (${counted.done}/${record.partitions})`);
    return done(`partition ${partition} applied; file complete`, await complete(record.id));
  }

  /**
   * Every partition applied: re-classify the touched customers once and record the file's outcome. One invocation
   * does it (the one that moves the record to `completing`); another takes over only when that one has held it for
   * longer than an invocation can run, i.e. it crashed and its job came back.
   */
  async function complete(id: string): Promise<FileOutcome | undefined> {
    const record = (await ports.fanOuts.get(id))!;
    const now = ports.clock();
    if (record.state === 'applying') {
      if (!(await ports.fanOuts.advance(id, 'applying', 'completing', now))) return undefined;
    } else if (record.state === 'completing') {
      const since = record.stateSince ? Date.parse(record.stateSince) : 0;
      if (now.getTime() - since < COMPLETION_LEASE_MS) return undefined;
      ports.log?.('taking over an abandoned completion', { fanOutId: id, since: record.stateSince });
    } else return undefined;
    const file = record.file;
    const applied = await mapConcurrent(Array.from({ length: record.partitions }), 8, async (_, p) =>
      JSON.parse(Buffer.from(await ports.objects.readStaged(file.bucket, appliedKey(id, p))).toString('utf8')) as { customers: string[]; days: number; kwhByRegion: Record<string, number> },
    );
    const touched = new Set(applied.flatMap((a) => a.customers));
    const kwhByRegion: Record<string, number> = {};
    for (const a of applied) for (const [r, v] of Object.entries(a.kwhByRegion)) kwhByRegion[r] = (kwhByRegion[r] ?? 0) + v;
    await ports.classify(touched);
    await ports.alerts?.(touched);
    const outcome: FileOutcome = { ...record.outcome!, status: 'accepted', customers: touched.size, days: applied.reduce((n, a) => n + a.days, 0), kwhByRegion };
    await ports.files.finish(file, outcome, ports.clock());
    await ports.fanOuts.advance(id, 'completing', 'done', ports.clock(), outcome);
    ports.log?.('fanned-out file applied', { key: file.key, fanOutId: id, customers: touched.size, days: outcome.days });
    return outcome;
  }

  return { plan, run };
}

/** The fan-out's two entry points: `plan` (IngestReadings, per large file) and `run` (IngestChunks, per job). */
export type FanOut = ReturnType<typeof fanOut>;

/** The bytes of several lazily opened objects, one after the other. */
async function* concat(
  first: (() => Promise<{ body: AsyncIterable<Uint8Array> }>)[],
  last: () => Promise<{ body: AsyncIterable<Uint8Array> }>,
): AsyncIterable<Uint8Array> {
  for (const open of [...first, last]) for await (const c of (await open()).body) yield c;
}
