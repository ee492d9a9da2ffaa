import { describe, expect, it } from 'vitest';
import { memoryUsage } from '../../../helpers/memory-usage.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import type { Customer } from '../../../../domain/customers/customer-master.ts';
import { ingestFile, type IngestPorts } from '../../../../domain/use-cases/ingest-file.ts';
import { type FileLedger, type FileOutcome, type FileRef, ObjectChangedError, type ObjectStore } from '../../../../domain/use-cases/ports.ts';

const LONG = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';
const customer: Customer = {
  customerId: 'C1', name: 'x', email: 'a@example.com', locale: 'en', region: 'east', tariffId: 't',
  contractKva: null, contractKw: null, accountManagerEmail: 'm@example.com', pfStandard: 0.9, meterIds: ['C1'], basicChargeMode: null,
};
const day = (scale: number) => [LONG, ...Array.from({ length: 24 }, (_, h) => `C1,C1,2026-06-01T${String(h).padStart(2, '0')}:00:00+08:00,60,${scale * (h + 1)},,A`)].join('\n');

/** A bucket of one version per key that, like S3 with If-Match, refuses to hand over another object than the one named. */
function memoryBucket() {
  const objects = new Map<string, { etag: string; body: string; lastModified: Date }>();
  let afterRead: (() => void) | undefined;
  const store: ObjectStore = {
    async read(file) {
      const o = objects.get(file.key);
      if (!o || o.etag !== file.etag) throw new ObjectChangedError(`${file.key} is no longer ${file.etag}`);
      const body = o.body;
      const hook = afterRead;
      afterRead = undefined;
      hook?.();
      return { body: (async function* () { yield Buffer.from(body); })(), lastModified: o.lastModified };
    },
    async readRange() {
      throw new Error('not used: files here are small');
    },
    async stage() {},
    async readStaged() {
      throw new Error('not used: nothing is staged');
    },
    async writeReport() {},
  };
  return {
    store,
    put: (key: string, etag: string, body: string, lastModified: Date): FileRef => {
      objects.set(key, { etag, body, lastModified });
      return { bucket: 'b', key, etag };
    },
    /** Runs once, right after the next read has started (between pass 1 and pass 2 when called before pass 1). */
    afterNextRead: (f: () => void) => (afterRead = f),
  };
}

function memoryPorts(objects: ObjectStore) {
  const ledger = new Map<string, { state: string; outcome?: FileOutcome }>();
  const files: FileLedger = {
    async claim(f) {
      const k = `${f.key}#${f.etag}`;
      const cur = ledger.get(k);
      if (cur) return cur.state === 'processing' ? 'busy' : 'duplicate';
      ledger.set(k, { state: 'processing' });
      return 'claimed';
    },
    async finish(f, outcome) {
      ledger.set(`${f.key}#${f.etag}`, { state: 'done', outcome });
    },
    async release(f) {
      ledger.delete(`${f.key}#${f.etag}`);
    },
    async handOver(f) {
      ledger.set(`${f.key}#${f.etag}`, { state: 'fanned-out' });
    },
    async list() {
      return [...ledger.values()].flatMap((v) => (v.outcome ? [{ ...v.outcome, bucket: 'b', etag: '', processedAt: '' }] : []));
    },
  };
  const { usage, days } = memoryUsage();
  const ports: IngestPorts = {
    files,
    objects,
    customers: { all: async () => [customer], upsert: async () => undefined },
    usage,
    classify: async () => undefined,
    masterChanged: async () => undefined,
    clock: () => new Date('2026-11-01T00:00:00Z'),
  };
  return { ports, ledger, days };
}

describe('ingestFile (readings) with in-memory ports', () => {
  it('applies nothing when the object is overwritten between validation and application, and frees the claim', async () => {
    const bucket = memoryBucket();
    const { ports, ledger, days } = memoryPorts(bucket.store);
    const v1 = bucket.put('readings/a.csv', 'e1', day(1), new Date('2026-11-01T10:00:00Z'));
    bucket.afterNextRead(() => bucket.put('readings/a.csv', 'e2', day(1000), new Date('2026-11-01T10:00:01Z')));
    const r = await ingestFile(ports, DEFAULT_CONFIG)(v1);
    expect(r).toMatchObject({ outcome: 'superseded' });
    expect(days.size).toBe(0);
    expect(ledger.size).toBe(0);
  });

  it('records how a wide export was read (columns, intervals, title rows skipped) in the file outcome', async () => {
    const bucket = memoryBucket();
    const { ports, ledger } = memoryPorts(bucket.store);
    const hours = Array.from({ length: 24 }, (_, h) => `${h + 1}时`);
    const text = ['某某供电公司24点电量', `户号,户名,表号,日期,${hours.join(',')}`, `C1,某某厂,C1,2026-06-01,${hours.map(() => 1).join(',')}`].join('\n');
    const r = await ingestFile(ports, DEFAULT_CONFIG)(bucket.put('readings/wide.csv', 'w', text, new Date('2026-11-01T10:00:00Z')));
    expect(r).toMatchObject({ outcome: 'processed', file: { status: 'accepted', format: 'wide-csv', warnings: [{ line: 1, message: 'skipped above the header (a title row)' }] } });
    const stored = [...ledger.values()][0]!.outcome!;
    expect(stored.columns).toEqual({
      used: [{ column: 'customer_id', header: '户号', index: 1 }, { column: 'meter_id', header: '表号', index: 3 }, { column: 'date', header: '日期', index: 4 }],
      ignored: [{ header: '户名', index: 2 }],
      intervals: '24 intervals of 60 min, labels are hours 1时…24时 (hour h ends at h:00) (columns 5–28)',
    });
  });

  it('keeps the later upload whatever order the files are processed in', async () => {
    const bucket = memoryBucket();
    const { ports, days } = memoryPorts(bucket.store);
    const original = bucket.put('readings/original.csv', 'o', day(1), new Date('2026-11-01T10:00:00Z'));
    const correction = bucket.put('readings/correction.csv', 'c', day(2), new Date('2026-11-01T11:00:00Z'));
    const ingest = ingestFile(ports, DEFAULT_CONFIG);
    expect(await ingest(correction)).toMatchObject({ outcome: 'processed', file: { status: 'accepted' } });
    expect(await ingest(original)).toMatchObject({ outcome: 'processed', file: { status: 'accepted' } });
    expect(days.get('C1|2026-06-01')!.hourly).toEqual(Array.from({ length: 24 }, (_, h) => 2 * (h + 1)));
  });

  it('hands classification the touched customers of a readings file, and only marks the population changed for a master file', async () => {
    const bucket = memoryBucket();
    const { ports } = memoryPorts(bucket.store);
    const calls: string[] = [];
    const watched = { ...ports, classify: async (t: ReadonlySet<string>) => void calls.push(`features ${[...t].join(',')}`), masterChanged: async () => void calls.push('master') };
    const ingest = ingestFile(watched, DEFAULT_CONFIG);
    const master = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids\nC1,One,c1@example.com,en,north,t,,,am@example.com,0.90,';
    expect(await ingest(bucket.put('customers/m.csv', 'm', master, new Date('2026-11-01T09:00:00Z')))).toMatchObject({ file: { status: 'accepted' } });
    expect(await ingest(bucket.put('readings/r.csv', 'r', day(1), new Date('2026-11-01T10:00:00Z')))).toMatchObject({ file: { status: 'accepted' } });
    expect(calls).toEqual(['master', 'features C1']);
  });

  it('refuses an object above the size limit for one file without reading it, and records why', async () => {
    const bucket = memoryBucket();
    let reads = 0;
    const counting = { ...bucket.store, read: (f: FileRef) => (reads++, bucket.store.read(f)) };
    const { ports, days } = memoryPorts(counting);
    const huge = { ...bucket.put('readings/huge.csv', 'h', day(1), new Date('2026-11-01T10:00:00Z')), size: 6 * 1024 ** 3 };
    const r = await ingestFile(ports, DEFAULT_CONFIG)(huge);
    expect(r).toEqual({
      outcome: 'processed',
      file: {
        key: 'readings/huge.csv',
        kind: 'readings',
        status: 'failed',
        rows: { accepted: 0, rejected: 0 },
        error: 'readings/huge.csv: the object is 6 GiB (6,442,450,944 bytes), above the 4 GiB limit for one file (MAX_OBJECT_BYTES); it was not read: split it into smaller files',
      },
    });
    expect(reads).toBe(0);
    expect(days.size).toBe(0);
  });
});
