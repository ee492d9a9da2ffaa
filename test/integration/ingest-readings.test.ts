import iconv from 'iconv-lite';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Segment } from '../../domain/classification/classify.ts';
import { freshId, localApp, s3ObjectCreated } from '../helpers/local-app.ts';

const app = localApp();
const MASTER = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
const LONG = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';

function customers(ids: string[], region = 'itest'): string {
  return [MASTER, ...ids.map((id) => `${id},Test ${id},ops-${id.toLowerCase()}@example.com,en,${region},cn-large-industry-2026,1000,800,am@example.com,0.90,`)].join('\n');
}

/** Hourly kWh of a day-shift plant, scaled, for `days` days from 2026-06-01. */
function hourly(day: number, hour: number, scale: number): number {
  return Math.round(scale * (hour >= 8 && hour < 18 ? 100 + ((day * 7 + hour) % 13) : 20 + (hour % 3)) * 1000) / 1000;
}

function dayKey(day: number): string {
  return new Date(Date.UTC(2026, 5, 1 + day)).toISOString().slice(0, 10);
}

function longFile(id: string, days: number, scale = 1): string {
  const rows = [LONG];
  for (let d = 0; d < days; d++) {
    for (let h = 0; h < 24; h++) {
      const v = hourly(d, h, scale);
      rows.push(`${id},${id},${dayKey(d)}T${String(h).padStart(2, '0')}:00:00+08:00,60,${v},${(v / 3).toFixed(3)},A`);
    }
  }
  return rows.join('\n') + '\n';
}

function wideGbkFile(id: string, days: number, scale = 1): Buffer {
  const rows = [['户号', '表号', '日期', '数据项', ...Array.from({ length: 24 }, (_, h) => `${String(h + 1).padStart(2, '0')}:00`)].join(',')];
  for (let d = 0; d < days; d++) {
    const kwh = Array.from({ length: 24 }, (_, h) => hourly(d, h, scale));
    rows.push([id, id, dayKey(d), '正向有功', ...kwh].join(','));
    rows.push([id, id, dayKey(d), '无功', ...kwh.map((v) => (v / 3).toFixed(3))].join(','));
  }
  return iconv.encode(rows.join('\r\n') + '\r\n', 'gbk');
}

/** 日冻结示值 (GBK, title row, date-major): the total and reactive registers at 00:00 of each of `days` + 1 days. */
function frozenGbkFile(id: string, days: number, scale = 1): Buffer {
  const rows = ['日冻结电能示值', '户号,户名,表号,冻结日期,正向有功总示值,正向无功总示值'];
  let kwh = 5000;
  let kvarh = 100;
  for (let d = 0; d <= days; d++) {
    rows.push([id, '某某公司', id, dayKey(d), kwh.toFixed(3), kvarh.toFixed(3)].join(','));
    for (let h = 0; h < 24; h++) {
      kwh += hourly(d, h, scale);
      kvarh += Number((hourly(d, h, scale) / 3).toFixed(3));
    }
  }
  return iconv.encode(rows.join('\r\n') + '\r\n', 'gbk');
}

describe('ingest on the local AWS stack', () => {
  const id = freshId();
  const [a, b, c, g, l, f] = ['A', 'B', 'C', 'G', 'L', 'F'].map((s) => `${id}${s}`) as [string, string, string, string, string, string];

  beforeAll(async () => {
    const res = await app.upload(`customers/${id}.csv`, customers([a, b, c, g, l, f]));
    expect(res.status).toBe('accepted');
    expect(res.rows).toEqual({ accepted: 6, rejected: 0 });
  });

  it('leaves the table byte-identical when the same file is uploaded twice and its S3 event is delivered twice', async () => {
    const key = `readings/${id}-a.csv`;
    const body = longFile(a, 200);
    const first = await app.upload(key, body);
    expect(first).toMatchObject({ status: 'accepted', rows: { accepted: 4800, rejected: 0 } });
    const before = await app.snapshot([`CUST#${a}`, `FILE#`]);
    expect(before).toContain(`DAY#${dayKey(199)}`);

    await app.redeliver(key, first.etag, body.length);
    await app.redeliver(key, first.etag, body.length);
    await app.idle();
    const again = await app.upload(key, body);
    expect(again.etag).toBe(first.etag);
    expect(await app.snapshot([`CUST#${a}`, `FILE#`])).toBe(before);
  });

  it('replaces the days a correcting file covers and re-classifies the customer', async () => {
    await app.upload(`readings/${id}-b.csv`, longFile(b, 200));
    await app.classify();
    const [profileBefore] = await app.stores.table.getAll([{ pk: `CUST#${b}`, sk: 'PROFILE' }]);
    const segBefore = profileBefore!.segment as Segment;
    const last = dayKey(199);
    const [dayBefore] = await app.stores.usage.get([{ customerId: b, day: last }]);

    // The last 30 days restated at double the load.
    const rows = longFile(b, 200, 2).split('\n').filter((r) => r.startsWith(LONG) || r.slice(b.length * 2 + 2, b.length * 2 + 12) >= dayKey(170));
    const corr = await app.upload(`readings/${id}-b-correction.csv`, rows.join('\n'));
    expect(corr).toMatchObject({ status: 'accepted', rows: { accepted: 30 * 24, rejected: 0 }, days: 30 });
    await app.classify();

    const [dayAfter] = await app.stores.usage.get([{ customerId: b, day: last }]);
    expect(dayAfter!.kwh).toBeCloseTo(2 * dayBefore!.kwh, 6);
    const [untouched] = await app.stores.usage.get([{ customerId: b, day: dayKey(100) }]);
    expect(untouched!.hourly[10]).toBe(hourly(100, 10, 1));

    const [profileAfter] = await app.stores.table.getAll([{ pk: `CUST#${b}`, sk: 'PROFILE' }]);
    const segAfter = profileAfter!.segment as Segment;
    // 30 of the 90 window days doubled: window kWh grows by those days' original kWh, and the trend turns growing.
    expect(segAfter.features.windowKwh).toBeGreaterThan(segBefore.features.windowKwh * 1.3);
    expect(segBefore.trend).toBe('stable');
    expect(segAfter.trend).toBe('growing');
    const history = await app.stores.segments.history(b);
    expect(history.length).toBeGreaterThanOrEqual(1);
    expect(history.at(-1)!.trend).toBe('growing');
  });

  it('applies nothing from a quarantined file and writes its rejects report', async () => {
    const good = longFile(c, 2).split('\n').filter(Boolean);
    const bad = good.map((r, i) => (i > 0 && i % 5 === 0 ? r.replace(/,A$/, ',Q') : r)); // 20% bad quality codes
    const key = `readings/${id}-c.csv`;
    const res = await app.upload(key, bad.join('\n'));
    expect(res.status).toBe('quarantined');
    expect(res.rows.rejected).toBe(9);
    expect(await app.snapshot([`CUST#${c}|DAY#`])).toBe('[]');
    const report = await app.clients.s3.send(new GetObjectCommand({ Bucket: app.names.bucket, Key: `rejects/${key}.csv` }));
    const text = await report.Body!.transformToString();
    expect(text.split('\n')[0]).toBe('file,line,reason');
    expect(text).toContain(`${key},6,"quality ""Q"" is not A, E or S"`);
  });

  it('gives a GBK wide file with Chinese headers and its UTF-8 long twin identical aggregates', async () => {
    const w = await app.upload(`readings/${id}-华东日负荷.csv`, wideGbkFile(g, 30));
    const t = await app.upload(`readings/${id}-long.csv.gz`, gzipSync(longFile(l, 30)));
    expect(w).toMatchObject({ status: 'accepted', format: 'wide-csv', encoding: 'gbk' });
    expect(t).toMatchObject({ status: 'accepted', format: 'long-csv', encoding: 'utf-8' });
    const days = Array.from({ length: 30 }, (_, d) => dayKey(d));
    const strip = ({ customerId: _c, meters, runs, ...rest }: Awaited<ReturnType<typeof app.stores.usage.get>>[number]) => ({ ...rest, meters: Object.values(meters), runs: Object.values(runs ?? {}) });
    const wide = (await app.stores.usage.get(days.map((day) => ({ customerId: g, day })))).map(strip).sort((x, y) => (x.day < y.day ? -1 : 1));
    const long = (await app.stores.usage.get(days.map((day) => ({ customerId: l, day })))).map(strip).sort((x, y) => (x.day < y.day ? -1 : 1));
    expect(wide).toHaveLength(30);
    expect(wide).toEqual(long);
  });

  it('stores a daily frozen register export (日冻结示值) as each day\'s kWh and kvarh of its long twin, in estimated hourly intervals', async () => {
    const r = await app.upload(`readings/${id}-日冻结.csv`, frozenGbkFile(f, 30));
    expect(r).toMatchObject({ status: 'accepted', format: 'wide-csv', encoding: 'gbk' });
    const days = Array.from({ length: 30 }, (_, d) => dayKey(d));
    const byDay = async (customerId: string) =>
      (await app.stores.usage.get(days.map((day) => ({ customerId, day })))).sort((x, y) => (x.day < y.day ? -1 : 1));
    const frozen = await byDay(f);
    const long = await byDay(l);
    expect(frozen).toHaveLength(30);
    frozen.forEach((d, i) => {
      expect(d.day).toBe(long[i]!.day);
      expect(d.kwh).toBeCloseTo(long[i]!.kwh, 3);
      expect(d.kvarh!).toBeCloseTo(long[i]!.kvarh!, 3);
      expect(d.intervals).toEqual({ actual: 0, estimated: 24, missing: 0 });
      // Spread evenly over the day: the demand is the hourly average, not the day-shift peak.
      expect(d.maxDemandKw).toBeCloseTo(d.kwh / 24, 3);
    });
  });

  it('rejects a row for a customer the master does not have, by line, and applies the rest', async () => {
    const rows = longFile(c, 2).split('\n').filter(Boolean);
    rows.splice(10, 0, `${id}ZZ,${id}ZZ,${dayKey(0)}T00:00:00+08:00,60,1,,A`); // line 11
    const res = await app.upload(`readings/${id}-unknown.csv`, rows.join('\n'));
    expect(res).toMatchObject({ status: 'accepted', rows: { accepted: 48, rejected: 1 }, days: 2 });
    const report = await app.clients.s3.send(new GetObjectCommand({ Bucket: app.names.bucket, Key: `rejects/readings/${id}-unknown.csv.csv` }));
    expect(await report.Body!.transformToString()).toContain(`,11,unknown customer ${id}ZZ`);
    const days = await app.stores.usage.get([{ customerId: c, day: dayKey(0) }, { customerId: c, day: dayKey(1) }]);
    expect(days.map((d) => d.intervals.actual)).toEqual([24, 24]);
  });
});

/** One customer-master row; `meters` fills the meter_ids column (semicolon-separated). */
function customerRow(id: string, meters: string[] = [], region = 'itest'): string {
  return `${id},Test ${id},ops-${id.toLowerCase()}@example.com,en,${region},cn-large-industry-2026,1000,800,am@example.com,0.90,${meters.join(';')}`;
}

/** Long-CSV rows of one meter: `hours` of each of `days` days (from 2026-06-01), hourly kWh scaled. */
function meterRows(customerId: string, meterId: string, days: number, scale = 1, hours: readonly number[] = Array.from({ length: 24 }, (_, h) => h)): string[] {
  const rows: string[] = [];
  for (let d = 0; d < days; d++) {
    for (const h of hours) rows.push(`${customerId},${meterId},${dayKey(d)}T${String(h).padStart(2, '0')}:00:00+08:00,60,${hourly(d, h, scale)},,A`);
  }
  return rows;
}

/** The SQS event S3 → SQS would hand IngestReadings for this object (one record, one S3 notification). */
function ingestEvent(bucket: string, key: string, etag: string, size: number) {
  const s3 = s3ObjectCreated(bucket, key, etag, size);
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: 'local',
        body: JSON.stringify(s3),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'local', ApproximateFirstReceiveTimestamp: String(Date.now()) },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:IngestQueue',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

describe('ingest under concurrency, ordering and re-upload', () => {
  const id = freshId();

  /** Uploads, waits for the pipeline, and returns what a direct invocation needs. */
  async function stage(key: string, body: string): Promise<{ key: string; etag: string; size: number }> {
    const res = await app.upload(key, body);
    return { key, etag: res.etag, size: Buffer.byteLength(body) };
  }

  /**
   * Forgets that these files were processed and the customers' stored days, so their events can be delivered again as
   * if for the first time (the pipeline processes every upload in upload order; the tests then replay the events in the
   * order or concurrency they want).
   */
  async function forget(files: readonly { key: string; etag: string }[], customerIds: readonly string[]): Promise<void> {
    const keys = files.map((f) => ({ pk: `FILE#${app.names.bucket}/${f.key}#${f.etag}`, sk: 'META' }));
    for (const c of customerIds) {
      const items = await app.stores.table.query({ KeyConditionExpression: 'pk = :p AND begins_with(sk, :d)', ExpressionAttributeValues: { ':p': `CUST#${c}`, ':d': 'DAY#' }, ProjectionExpression: 'pk, sk' });
      keys.push(...items.map((i) => ({ pk: i.pk, sk: i.sk })));
    }
    for (const Key of keys) await app.clients.doc.send(new DeleteCommand({ TableName: app.names.table, Key }));
  }

  async function invoke(f: { key: string; etag: string; size: number }): Promise<void> {
    const res = await app.invoke<{ batchItemFailures: unknown[] }>('IngestReadings', ingestEvent(app.names.bucket, f.key, f.etag, f.size));
    expect(res.batchItemFailures).toEqual([]);
  }

  it('keeps both meters of a customer-day when two files for different meters are processed at the same time', async () => {
    const c = `${id}M`;
    expect((await app.upload(`customers/${id}-m.csv`, [MASTER, customerRow(c, [`${c}a`, `${c}b`])].join('\n'))).status).toBe('accepted');
    const days = 30;
    const a = await stage(`readings/${id}-meter-a.csv`, [LONG, ...meterRows(c, `${c}a`, days, 1)].join('\n'));
    const b = await stage(`readings/${id}-meter-b.csv`, [LONG, ...meterRows(c, `${c}b`, days, 2)].join('\n'));
    const expected = Array.from({ length: days }, (_, d) => Math.round(Array.from({ length: 24 }, (_, h) => hourly(d, h, 1) + hourly(d, h, 2)).reduce((x, y) => x + y, 0) * 1e6) / 1e6);
    // Both events delivered at once to two concurrent invocations, several times over: every read-modify-write of a
    // customer-day overlaps with the other file's.
    for (let round = 0; round < 4; round++) {
      await forget([a, b], [c]);
      await Promise.all([invoke(a), invoke(b)]);
      const stored = await app.stores.usage.get(Array.from({ length: days }, (_, d) => ({ customerId: c, day: dayKey(d) })));
      expect(stored, `round ${round}`).toHaveLength(days);
      for (const day of stored) {
        expect(Object.keys(day.meters).sort(), `${day.day}, round ${round}`).toEqual([`${c}a`, `${c}b`]);
        expect(day.kwh).toBeCloseTo(expected[Number(day.day.slice(8, 10)) - 1]!, 6);
      }
    }
  });

  it('does not let an original processed after its correction overwrite the correction ("later" is the upload order)', async () => {
    const c = `${id}O`;
    expect((await app.upload(`customers/${id}-o.csv`, [MASTER, customerRow(c)].join('\n'))).status).toBe('accepted');
    const original = await stage(`readings/${id}-original.csv`, [LONG, ...meterRows(c, c, 2, 1)].join('\n'));
    // LastModified has one-second resolution: the correction is uploaded in a later second.
    await new Promise((r) => setTimeout(r, 1100));
    const correction = await stage(`readings/${id}-correction.csv`, [LONG, ...meterRows(c, c, 2, 3)].join('\n'));
    const inOrder = await app.stores.usage.get([{ customerId: c, day: dayKey(0) }, { customerId: c, day: dayKey(1) }]);
    expect(inOrder.map((d) => d.hourly[10])).toEqual([hourly(0, 10, 3), hourly(1, 10, 3)]);

    // SQS does not keep order: the correction's event first, then the original's.
    await forget([original, correction], [c]);
    await invoke(correction);
    await invoke(original);
    const reversed = await app.stores.usage.get([{ customerId: c, day: dayKey(0) }, { customerId: c, day: dayKey(1) }]);
    expect(reversed.map((d) => d.hourly)).toEqual(inOrder.map((d) => d.hourly));
    expect(reversed.map((d) => d.kwh)).toEqual(inOrder.map((d) => d.kwh));
  });

  it('updates only the intervals a partial file covers and keeps the rest of the day, whatever order the events come in', async () => {
    const c = `${id}P`;
    expect((await app.upload(`customers/${id}-p.csv`, [MASTER, customerRow(c)].join('\n'))).status).toBe('accepted');
    const full = await stage(`readings/${id}-full.csv`, [LONG, ...meterRows(c, c, 2, 1)].join('\n'));
    await new Promise((r) => setTimeout(r, 1100));
    const tenHours = Array.from({ length: 10 }, (_, i) => i + 8);
    const part = await stage(`readings/${id}-part.csv`, [LONG, ...meterRows(c, c, 1, 2, tenHours)].join('\n'));
    expect(part).toBeDefined();
    const check = async () => {
      const [d0, d1] = await app.stores.usage.get([{ customerId: c, day: dayKey(0) }, { customerId: c, day: dayKey(1) }]).then((x) => x.sort((p, q) => (p.day < q.day ? -1 : 1)));
      expect(d0!.hourly).toEqual(Array.from({ length: 24 }, (_, h) => hourly(0, h, tenHours.includes(h) ? 2 : 1)));
      expect(d0!.intervals).toEqual({ actual: 24, estimated: 0, missing: 0 });
      expect(d0!.kwh).toBeCloseTo(Array.from({ length: 24 }, (_, h) => hourly(0, h, tenHours.includes(h) ? 2 : 1)).reduce((x, y) => x + y, 0), 6);
      expect(d1!.hourly).toEqual(Array.from({ length: 24 }, (_, h) => hourly(1, h, 1)));
    };
    await check();
    // The partial correction's event first, then the full original's: the ten corrected hours still win.
    await forget([full, part], [c]);
    await invoke(part);
    await invoke(full);
    await check();
  });

  it('applies only the object its event announced: a stale event reads nothing else and applies nothing', async () => {
    const c = `${id}V`;
    const q = `${id}W`;
    expect((await app.upload(`customers/${id}-v.csv`, [MASTER, customerRow(c), customerRow(q)].join('\n'))).status).toBe('accepted');
    const key = `readings/${id}-overwritten.csv`;
    const v1 = await stage(key, [LONG, ...meterRows(c, c, 1, 1)].join('\n'));
    // Overwritten by another customer's data before the first event is (re)delivered.
    const v2 = await stage(key, [LONG, ...meterRows(q, q, 1, 1)].join('\n'));
    expect(v2.etag).not.toBe(v1.etag);
    await expect(app.stores.objects.read({ bucket: app.names.bucket, key, etag: v1.etag })).rejects.toThrow(/changed|overwritten/);
    await forget([v1], [c, q]);
    await invoke(v1);
    // v1's content is gone (the local bucket keeps no versions); v2's content was not applied under v1's event.
    expect(await app.stores.usage.get([{ customerId: q, day: dayKey(0) }])).toEqual([]);
    expect((await app.stores.files.list()).filter((f) => f.key === key && f.etag === v1.etag)).toEqual([]);
  });

  it('stores a customer-day of 50 meters at 1-minute resolution (no item over 400 KB)', async () => {
    const c = `${id}F`;
    const meters = Array.from({ length: 50 }, (_, i) => `${c}m${String(i).padStart(2, '0')}`);
    expect((await app.upload(`customers/${id}-f.csv`, [MASTER, customerRow(c, meters)].join('\n'))).status).toBe('accepted');
    const rows = [LONG];
    let total = 0;
    const day = dayKey(0);
    for (const [i, m] of meters.entries()) {
      for (let minute = 0; minute < 1440; minute++) {
        const v = Math.round((1 + ((i * 7 + minute) % 17) / 10) * 1000) / 1000;
        total += v;
        rows.push(`${c},${m},${day}T${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00+08:00,1,${v},${(v / 4).toFixed(3)},A`);
      }
    }
    const res = await app.upload(`readings/${id}-minutes.csv`, rows.join('\n') + '\n');
    expect(res).toMatchObject({ status: 'accepted', rows: { accepted: 72_000, rejected: 0 }, days: 1 });
    const [stored] = await app.stores.usage.get([{ customerId: c, day }]);
    expect(Object.keys(stored!.meters)).toHaveLength(50);
    expect(stored!.kwh).toBeCloseTo(total, 3);
    expect(stored!.intervals).toEqual({ actual: 72_000, estimated: 0, missing: 0 });
    const items = JSON.parse(await app.snapshot([`CUST#${c}|DAY#`])) as unknown[];
    for (const item of items) expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(400_000);
    const range = await app.stores.usage.range(c, day, day);
    expect(range.map((d) => d.kwh)).toEqual([stored!.kwh]);
  });

  it('moves a day item of the earlier shape (meters inside it) into meter items on its next write, keeping its meters', async () => {
    const c = `${id}G`;
    expect((await app.upload(`customers/${id}-g.csv`, [MASTER, customerRow(c, [`${c}a`, `${c}b`])].join('\n'))).status).toBe('accepted');
    await app.upload(`readings/${id}-legacy-a.csv`, [LONG, ...meterRows(c, `${c}a`, 1, 1)].join('\n'));
    // Rewrite the stored day the way it was stored before meter items: the meters inside the day item, no revision.
    const [summary] = await app.stores.table.getAll([{ pk: `CUST#${c}`, sk: `DAY#${dayKey(0)}` }]);
    const [meter] = await app.stores.table.getAll([{ pk: `CUST#${c}`, sk: `DAY#${dayKey(0)}#M#${c}a` }]);
    const { meterIds: _m, rev: _r, ...legacy } = summary!;
    const { minutes, kwh, kvarh, actual, estimated, missing } = meter!;
    await app.stores.table.putAll([{ ...legacy, meters: { [`${c}a`]: { minutes, kwh, kvarh, actual, estimated, missing } } }]);
    await app.clients.doc.send(new DeleteCommand({ TableName: app.names.table, Key: { pk: meter!.pk, sk: meter!.sk } }));
    expect(await app.stores.usage.range(c, dayKey(0), dayKey(0))).toHaveLength(1);

    await app.upload(`readings/${id}-legacy-b.csv`, [LONG, ...meterRows(c, `${c}b`, 1, 2)].join('\n'));
    const [day] = await app.stores.usage.get([{ customerId: c, day: dayKey(0) }]);
    expect(Object.keys(day!.meters)).toEqual([`${c}a`, `${c}b`]);
    expect(day!.hourly).toEqual(Array.from({ length: 24 }, (_, h) => Math.round((hourly(0, h, 1) + hourly(0, h, 2)) * 1e6) / 1e6));
    const [after] = await app.stores.table.getAll([{ pk: `CUST#${c}`, sk: `DAY#${dayKey(0)}` }]);
    expect(after).toMatchObject({ meterIds: [`${c}a`, `${c}b`], rev: 1 });
    expect(after!.meters).toBeUndefined();
  });

  it('rejects a meter claimed by two customers, naming both, within one master file and against stored customers', async () => {
    const others = Array.from({ length: 40 }, (_, i) => customerRow(`${id}K${i}`));
    const [x, y, s] = [`${id}X`, `${id}Y`, `${id}S`];
    const inFile = await app.upload(`customers/${id}-twice.csv`, [MASTER, customerRow(x, [`${id}mx`, `${id}shared`]), ...others, customerRow(y, [`${id}shared`, `${id}my`])].join('\n'));
    expect(inFile).toMatchObject({ status: 'accepted', rows: { accepted: 40, rejected: 2 } });
    const report = await (await app.clients.s3.send(new GetObjectCommand({ Bucket: app.names.bucket, Key: inFile.rejectsKey! }))).Body!.transformToString();
    expect(report).toMatch(new RegExp(`,2,.*meter ${id}shared.*${x}.*${y}`));
    expect(report).toMatch(new RegExp(`,43,.*meter ${id}shared.*${x}.*${y}`));

    expect((await app.upload(`customers/${id}-s.csv`, [MASTER, customerRow(s, [`${id}ms`])].join('\n'))).status).toBe('accepted');
    const again = await app.upload(`customers/${id}-steal.csv`, [MASTER, ...others, customerRow(y, [`${id}ms`])].join('\n'));
    expect(again).toMatchObject({ status: 'accepted', rows: { accepted: 40, rejected: 1 } });
    const report2 = await (await app.clients.s3.send(new GetObjectCommand({ Bucket: app.names.bucket, Key: again.rejectsKey! }))).Body!.transformToString();
    expect(report2).toMatch(new RegExp(`,42,.*meter ${id}ms.*${s}.*${y}|,42,.*meter ${id}ms.*${y}.*${s}`));
    const stored = await app.stores.customers.all();
    expect(stored.find((cu) => cu.customerId === y)).toBeUndefined();
    expect(stored.find((cu) => cu.customerId === s)!.meterIds).toEqual([`${id}ms`]);
  });

  it('handles a 1,024-byte key with multibyte characters through the file ledger and the rejects report', async () => {
    const c = `${id}L`;
    expect((await app.upload(`customers/${id}-l.csv`, [MASTER, customerRow(c)].join('\n'))).status).toBe('accepted');
    // s3rver keeps objects as files: each path segment stays under 255 bytes.
    let key = `readings/${id}`;
    while (1024 - Buffer.byteLength(key) > 200) key += `/${'华东区日负荷数据'.repeat(6)}`;
    key += `/${'x'.repeat(1024 - Buffer.byteLength(key) - 5)}.csv`;
    expect(Buffer.byteLength(key)).toBe(1024);
    const rows = [LONG, ...meterRows(c, c, 2, 1)];
    rows.splice(5, 0, `${id}ZZ,${id}ZZ,${dayKey(0)}T00:00:00+08:00,60,1,,A`); // line 6
    const res = await app.upload(key, rows.join('\n'));
    expect(res).toMatchObject({ status: 'accepted', rows: { accepted: 48, rejected: 1 }, days: 2 });
    expect(res.rejectsKey!.startsWith('rejects/')).toBe(true);
    expect(Buffer.byteLength(res.rejectsKey!)).toBeLessThanOrEqual(1024);
    const report = await (await app.clients.s3.send(new GetObjectCommand({ Bucket: app.names.bucket, Key: res.rejectsKey! }))).Body!.transformToString();
    expect(report).toContain(`${key},6,unknown customer ${id}ZZ`);
    // Re-delivery of its event is recognised by the ledger.
    await app.redeliver(key, res.etag, Buffer.byteLength(rows.join('\n')));
    await app.idle();
    expect((await app.stores.files.list()).filter((f) => f.key === key)).toHaveLength(1);
  });
});
