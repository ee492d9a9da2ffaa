import iconv from 'iconv-lite';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memoryUsage } from '../../../helpers/memory-usage.ts';
import { DEFAULT_CONFIG, type DomainConfig } from '../../../../domain/config.ts';
import type { Customer } from '../../../../domain/customers/customer-master.ts';
import { fanOut, type FanOutJob, type FanOutLedger, type FanOutRecord } from '../../../../domain/use-cases/fan-out.ts';
import { analyseHead, boundaryRule, nextBoundary, partitionOf } from '../../../../domain/use-cases/fan-out-plan.ts';
import { Zone } from '../../../../domain/time/zone.ts';
import { ingestFile, type IngestPorts } from '../../../../domain/use-cases/ingest-file.ts';
import type { FileLedger, FileOutcome, FileRef, ObjectStore } from '../../../../domain/use-cases/ports.ts';
import type { StoredDay } from '../../../../domain/usage/meter-day.ts';

const IDS = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6'];
const customers: Customer[] = IDS.map((id) => ({
  customerId: id, name: id, email: `${id}@example.com`, locale: 'en', region: id < 'C4' ? 'east' : 'west', tariffId: 't',
  contractKva: null, contractKw: null, accountManagerEmail: 'm@example.com', pfStandard: 0.9, meterIds: [id], basicChargeMode: null,
}));
const DAYS = 12;
const dayKey = (d: number) => new Date(Date.UTC(2026, 5, 1 + d)).toISOString().slice(0, 10);
const value = (c: number, d: number, i: number) => Math.round((10 + c * 3 + ((d * 7 + i * 13 + c) % 17) * 0.5) * 1000) / 1000;

/** A canonical long CSV, customer-major; `bad(c, d, i)` spoils chosen rows. */
function longCsv(bad: (c: number, d: number, i: number) => boolean = () => false): string {
  const rows = ['customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality'];
  IDS.forEach((id, c) => {
    for (let d = 0; d < DAYS; d++) {
      for (let i = 0; i < 96; i++) {
        const hh = String(Math.floor(i / 4)).padStart(2, '0'), mm = String((i % 4) * 15).padStart(2, '0');
        rows.push(`${id},${id},${dayKey(d)}T${hh}:${mm}:00+08:00,15,${bad(c, d, i) ? 'n/a' : value(c, d, i)},,A`);
      }
    }
  });
  return rows.join('\n') + '\n';
}

/** A GBK wide export: two title rows, Chinese header with a name column, CRLF line ends. */
function wideGbk(): Buffer {
  const labels = Array.from({ length: 96 }, (_, i) => `${String(Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}`);
  const rows = ['XX供电公司96点电量数据导出', '导出时间：2026-10-01', ['户号', '户名', '表号', '日期', ...labels].join(',')];
  IDS.forEach((id, c) => {
    for (let d = 0; d < DAYS; d++) rows.push([id, `某某钢铁有限公司${c}`, id, dayKey(d), ...labels.map((_, i) => value(c, d, i))].join(','));
  });
  return iconv.encode(rows.join('\r\n') + '\r\n', 'gbk');
}

function memoryWorld() {
  const objects = new Map<string, Uint8Array>();
  const staged = new Map<string, Uint8Array>();
  const reports = new Map<string, string>();
  let ranged = 0;
  const lastModified = new Date('2026-11-01T10:00:00Z');
  const store: ObjectStore = {
    async read(file) {
      const body = objects.get(file.key)!;
      return { body: (async function* () { for (let i = 0; i < body.length; i += 65536) yield body.subarray(i, i + 65536); })(), lastModified };
    },
    async readRange(file, start, end) {
      ranged++;
      const body = objects.get(file.key)!.subarray(start, end);
      return { body: (async function* () { yield body; })(), lastModified };
    },
    async stage(_b, key, body) {
      staged.set(key, body);
    },
    async readStaged(_b, key) {
      const b = staged.get(key);
      if (!b) throw new Error(`no staged ${key}`);
      return b;
    },
    async writeReport(_b, key, body) {
      reports.set(key, body);
    },
  };
  const ledger = new Map<string, { state: string; outcome?: FileOutcome }>();
  const files: FileLedger = {
    async claim(f) {
      const cur = ledger.get(f.key);
      if (cur) return cur.state === 'processing' ? 'busy' : 'duplicate';
      ledger.set(f.key, { state: 'processing' });
      return 'claimed';
    },
    async finish(f, outcome) {
      ledger.set(f.key, { state: 'done', outcome });
    },
    async release(f) {
      ledger.delete(f.key);
    },
    async handOver(f) {
      ledger.set(f.key, { state: 'fanned-out' });
    },
    async list() {
      return [];
    },
  };
  const { usage, days } = memoryUsage();
  const records = new Map<string, FanOutRecord & { done: Set<number>; applied: Set<number> }>();
  const fanOuts: FanOutLedger = {
    async start(r, _at) {
      if (!records.has(r.id)) records.set(r.id, { ...structuredClone(r), done: new Set(), applied: new Set() });
      return (await this.get(r.id))!;
    },
    async get(id) {
      const r = records.get(id);
      if (!r) return undefined;
      const { done, applied, ...rest } = r;
      return { ...structuredClone(rest), doneChunks: [...done], appliedPartitions: [...applied] };
    },
    async chunkDone(id, i) {
      const r = records.get(id)!;
      const first = !r.done.has(i);
      r.done.add(i);
      return { first, done: r.done.size };
    },
    async partitionApplied(id, p) {
      const r = records.get(id)!;
      const first = !r.applied.has(p);
      r.applied.add(p);
      return { first, done: r.applied.size };
    },
    async appliesQueued(id) {
      records.get(id)!.appliesQueued = true;
    },
    async advance(id, from, to, at, outcome) {
      const r = records.get(id)!;
      if (r.state !== from) return false;
      r.state = to;
      r.stateSince = at.toISOString();
      if (outcome) r.outcome = outcome;
      return true;
    },
  };
  const queue: FanOutJob[] = [];
  const classified: string[][] = [];
  const ports: IngestPorts = {
    files,
    objects: store,
    customers: { all: async () => customers, upsert: async () => undefined },
    usage,
    classify: async (touched) => void classified.push([...touched].sort()),
    masterChanged: async () => undefined,
    clock: () => new Date('2026-11-01T12:00:00Z'),
  };
  const put = (key: string, body: Uint8Array | string): FileRef => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    objects.set(key, bytes);
    return { bucket: 'b', key, etag: createHash('md5').update(bytes).digest('hex'), size: bytes.length };
  };
  return { ports, fanOuts, queue, days, ledger, staged, reports, classified, put, ranged: () => ranged };
}

const small: DomainConfig = { ...DEFAULT_CONFIG, limits: { ...DEFAULT_CONFIG.limits, fanOutBytes: 100_000, chunkBytes: 64 * 1024, compressedFanOutBytes: 20_000 } };

/**
 * Ingests one file with the fan-out on, then runs the queued jobs the way SQS delivers them: in a shuffled order, a few
 * at a time, and every job twice (at-least-once delivery).
 */
async function ingestFannedOut(world: ReturnType<typeof memoryWorld>, file: FileRef, config = small, seed = 7) {
  const jobs = fanOut({ ...world.ports, fanOuts: world.fanOuts, jobs: { enqueue: async (j) => void world.queue.push(...j) } }, config);
  const ingest = ingestFile({ ...world.ports, fanOut: jobs }, config);
  const first = await ingest(file);
  let rnd = seed;
  const next = () => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let ran = 0;
  while (world.queue.length) {
    const batch = world.queue.splice(0, world.queue.length).flatMap((j) => [j, j]);
    batch.sort(() => next() - 0.5);
    for (let i = 0; i < batch.length; i += 3) await Promise.all(batch.slice(i, i + 3).map((j) => (ran++, jobs.run(j))));
  }
  return { first, ran };
}

async function ingestWhole(body: Uint8Array | string, key: string) {
  const world = memoryWorld();
  const file = world.put(key, body);
  const r = await ingestFile(world.ports, DEFAULT_CONFIG)(file);
  return { world, r };
}

const dayView = (days: Map<string, StoredDay>) =>
  [...days.entries()].sort().map(([k, d]) => [k, d.kwh, d.hourly, d.maxDemandKw, d.intervals]);

describe('byte-range fan-out (domain, in-memory ports)', () => {
  it('applies exactly what reading the file whole applies, with jobs redelivered and out of order', async () => {
    const body = longCsv();
    const whole = await ingestWhole(body, 'readings/big.csv');
    expect(whole.r).toMatchObject({ outcome: 'processed', file: { status: 'accepted' } });

    const world = memoryWorld();
    const file = world.put('readings/big.csv', body);
    const { first, ran } = await ingestFannedOut(world, file);
    expect(first).toMatchObject({ outcome: 'fanned-out', chunks: Math.ceil(body.length / (64 * 1024)) });
    // Every chunk job and every apply job (one partition per chunk) ran twice.
    expect(ran).toBeGreaterThanOrEqual(4 * Math.ceil(body.length / (64 * 1024)));
    expect(dayView(world.days)).toEqual(dayView(whole.world.days));
    expect(world.days.size).toBe(IDS.length * DAYS);
    const outcome = world.ledger.get('readings/big.csv')!;
    const wholeOutcome = whole.world.ledger.get('readings/big.csv')!.outcome!;
    expect(outcome.state).toBe('done');
    expect(outcome.outcome).toMatchObject({ status: 'accepted', rows: wholeOutcome.rows, customers: IDS.length, days: IDS.length * DAYS, format: 'long-csv', chunks: first.outcome === 'fanned-out' ? first.chunks : -1 });
    expect(outcome.outcome!.kwhByRegion!.east).toBeCloseTo(wholeOutcome.kwhByRegion!.east!, 6);
    // Classified once, although the last apply job was delivered twice.
    expect(world.classified).toEqual([IDS]);
  });

  it('quarantines a file whose bad rows are spread over its chunks, applies nothing, and reports the file’s own line numbers', async () => {
    const bad = (c: number, d: number, i: number) => (c * DAYS * 96 + d * 96 + i) % 12 === 5; // 8.3% of rows
    const body = longCsv(bad);
    const whole = await ingestWhole(body, 'readings/bad.csv');
    const world = memoryWorld();
    const { first } = await ingestFannedOut(world, world.put('readings/bad.csv', body));
    expect(first.outcome).toBe('fanned-out');
    expect(world.days.size).toBe(0);
    expect(world.classified).toEqual([]);
    const outcome = world.ledger.get('readings/bad.csv')!.outcome!;
    expect(outcome).toMatchObject({ status: 'quarantined', rows: whole.world.ledger.get('readings/bad.csv')!.outcome!.rows });
    expect(outcome.error).toMatch(/8\.3% of rows rejected, above the 5\.0% quarantine threshold; nothing applied/);
    const lines = world.reports.get('rejects/readings/bad.csv.csv')!.trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    const expected: number[] = [];
    for (let r = 0; r < IDS.length * DAYS * 96; r++) if (r % 12 === 5) expected.push(r + 2);
    expect(lines).toEqual(expected);
  });

  it('cuts a GBK wide export with CRLF line ends at line starts and decodes every range as GBK', async () => {
    const body = wideGbk();
    const whole = await ingestWhole(body, 'readings/wide.csv');
    expect(whole.r).toMatchObject({ file: { status: 'accepted', encoding: 'gbk' } });
    const world = memoryWorld();
    const { first } = await ingestFannedOut(world, world.put('readings/wide.csv', body), { ...small, limits: { ...small.limits, fanOutBytes: 20_000, chunkBytes: 8 * 1024 } });
    expect(first).toMatchObject({ outcome: 'fanned-out' });
    const outcome = world.ledger.get('readings/wide.csv')!.outcome!;
    expect(outcome).toMatchObject({ status: 'accepted', encoding: 'gbk', format: 'wide-csv', rows: { accepted: IDS.length * DAYS, rejected: 0 } });
    // What a whole file's outcome says too: the title rows skipped (once, by the file's own lines) and the columns.
    const wholeOutcome = whole.world.ledger.get('readings/wide.csv')!.outcome!;
    expect(outcome.warnings).toEqual(wholeOutcome.warnings);
    expect(outcome.warnings?.map((w) => w.line)).toEqual([1, 2]);
    expect(outcome.columns).toEqual(wholeOutcome.columns);
    expect(outcome.columns?.ignored.map((c) => c.header)).toEqual(['户名']);
    expect(dayView(world.days)).toEqual(dayView(whole.world.days));
  });

  it('inflates a large gzip once into staged parts and applies the same days', async () => {
    const body = gzipSync(longCsv());
    const whole = await ingestWhole(body, 'readings/big.csv.gz');
    const world = memoryWorld();
    const { first } = await ingestFannedOut(world, world.put('readings/big.csv.gz', body));
    expect(first).toMatchObject({ outcome: 'fanned-out' });
    expect([...world.staged.keys()].filter((k) => k.endsWith('part.csv')).length).toBe(first.outcome === 'fanned-out' ? first.chunks : 0);
    expect(dayView(world.days)).toEqual(dayView(whole.world.days));
    expect(world.ledger.get('readings/big.csv.gz')!.outcome).toMatchObject({ status: 'accepted', rows: whole.world.ledger.get('readings/big.csv.gz')!.outcome!.rows });
  });

  it('lets a later delivery finish a completion whose invocation died, but not one still running', async () => {
    const world = memoryWorld();
    const file = world.put('readings/crash.csv', longCsv());
    const jobs = fanOut({ ...world.ports, fanOuts: world.fanOuts, jobs: { enqueue: async (j) => void world.queue.push(...j) } }, small);
    const ingest = ingestFile({ ...world.ports, fanOut: jobs }, small);
    const started = await ingest(file);
    if (started.outcome !== 'fanned-out') throw new Error('expected a fan-out');
    // Run every job but the last apply.
    while (world.queue[0]?.kind === 'chunk') await jobs.run(world.queue.shift()!);
    while (world.queue.length > 1) await jobs.run(world.queue.shift()!);
    const last = world.queue.shift()!;
    expect(last.kind).toBe('apply');
    // The last apply job's invocation dies while it re-classifies (after it took the completion).
    const dying = fanOut({ ...world.ports, classify: async () => { throw new Error('invocation killed'); }, fanOuts: world.fanOuts, jobs: { enqueue: async () => undefined } }, small);
    await expect(dying.run(last)).rejects.toThrow('invocation killed');
    expect((await world.fanOuts.get(started.fanOutId))!.state).toBe('completing');
    // Its partition is applied but the file is not done: the redelivery one minute later leaves it to the running one…
    const soon = fanOut({ ...world.ports, clock: () => new Date('2026-11-01T12:01:00Z'), fanOuts: world.fanOuts, jobs: { enqueue: async () => undefined } }, small);
    await soon.run(last);
    await soon.run(last);
    expect(world.ledger.get('readings/crash.csv')!.state).toBe('fanned-out');
    expect(world.classified).toEqual([]);
    // …and the one after the lease (SQS brings it back after the visibility timeout) completes the file once.
    const later = fanOut({ ...world.ports, clock: () => new Date('2026-11-01T12:30:00Z'), fanOuts: world.fanOuts, jobs: { enqueue: async () => undefined } }, small);
    const r = await later.run(last);
    expect(r.finished).toMatchObject({ status: 'accepted', customers: IDS.length });
    expect(world.ledger.get('readings/crash.csv')).toMatchObject({ state: 'done', outcome: { status: 'accepted' } });
    expect(world.classified).toEqual([IDS]);
    expect((await world.fanOuts.get(started.fanOutId))!.state).toBe('done');
    expect((await later.run(last)).did).toMatch(/late/);
  });

  it('reads a file under the threshold whole, as before', async () => {
    const world = memoryWorld();
    const body = longCsv().slice(0, 19_000);
    const { first } = await ingestFannedOut(world, world.put('readings/small.csv', body.slice(0, body.lastIndexOf('\n') + 1)));
    expect(first).toMatchObject({ outcome: 'processed', file: { status: 'accepted' } });
    expect(world.ranged()).toBe(0);
  });
});

describe('where a file may be cut', () => {
  const bytes = (s: string) => Buffer.from(s);
  it('finds the next line start at or after an offset (LF, CRLF, CR)', () => {
    const any = boundaryRule(false);
    expect(nextBoundary(bytes('ab\ncd\nef'), 0, 1, 0x0a, any)).toBe(3);
    expect(nextBoundary(bytes('ab\ncd\nef'), 0, 3, 0x0a, any)).toBe(3);
    expect(nextBoundary(bytes('ab\ncd\nef'), 0, 4, 0x0a, any)).toBe(6);
    expect(nextBoundary(bytes('ab\r\ncd\r\n'), 0, 2, 0x0a, any)).toBe(4);
    expect(nextBoundary(bytes('ab\rcd\ref'), 0, 1, 0x0d, any)).toBe(3);
    // A window starting mid-file: offsets are the file's.
    expect(nextBoundary(bytes('xx\nyy'), 1000, 1001, 0x0a, any)).toBe(1003);
    expect(nextBoundary(bytes('abcdef'), 0, 1, 0x0a, any)).toBeUndefined();
  });

  it('cuts a NEM12 file only before a 200 or 250 record', () => {
    const nem = boundaryRule(true);
    const text = '100,NEM12,x\n200,N1,E1\n300,20260601,1,2\n300,20260602,1,2\n250,N2,B1\n300,1\n';
    expect(nextBoundary(bytes(text), 0, 5, 0x0a, nem)).toBe(text.indexOf('200,'));
    expect(nextBoundary(bytes(text), 0, text.indexOf('200,') + 1, 0x0a, nem)).toBe(text.indexOf('250,'));
    expect(nextBoundary(bytes(text), 0, text.indexOf('250,') + 1, 0x0a, nem)).toBeUndefined();
  });

  it('never cuts XML (Green Button) or register readings (示值), and finds the header below title rows', () => {
    const zone = new Zone('Asia/Shanghai');
    expect(analyseHead(Buffer.from('<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n'), zone)).toBeUndefined();
    const labels = Array.from({ length: 96 }, (_, i) => `第${i + 1}点`).join(',');
    const values = Array.from({ length: 96 }, (_, i) => i).join(',');
    expect(analyseHead(iconv.encode(`96点示值曲线\n户号,表号,日期,${labels}\nC1,C1,2026-06-01,${values}\n`, 'gbk'), zone)).toBeUndefined();
    const head = iconv.encode(`XX供电公司96点电量数据导出\r\n导出时间：2026-10-01\r\n户号,户名,表号,日期,${labels}\r\nC1,某厂,C1,2026-06-01,${values}\r\n`, 'gbk');
    const a = analyseHead(head, zone)!;
    expect(a).toMatchObject({ encoding: 'gbk', terminator: 0x0a, nem: false, prefixLines: 3 });
    expect(a.prefixEnd).toBe(head.indexOf(Buffer.from('C1,')));
  });

  it('spreads customers over partitions, each customer always to the same one', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`CUST${i}`, 8)]++;
    for (const n of counts) expect(n).toBeGreaterThan(800);
    expect(partitionOf('C1', 8)).toBe(partitionOf('C1', 8));
  });
});
