import iconv from 'iconv-lite';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Segment } from '../../domain/classification/classify.ts';
import { freshId, localApp } from '../helpers/local-app.ts';

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

describe('ingest on the local AWS stack', () => {
  const id = freshId();
  const [a, b, c, g, l] = ['A', 'B', 'C', 'G', 'L'].map((s) => `${id}${s}`) as [string, string, string, string, string];

  beforeAll(async () => {
    const res = await app.upload(`customers/${id}.csv`, customers([a, b, c, g, l]));
    expect(res.status).toBe('accepted');
    expect(res.rows).toEqual({ accepted: 5, rejected: 0 });
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
    const [profileBefore] = await app.stores.table.getAll([{ pk: `CUST#${b}`, sk: 'PROFILE' }]);
    const segBefore = profileBefore!.segment as Segment;
    const last = dayKey(199);
    const [dayBefore] = await app.stores.usage.get([{ customerId: b, day: last }]);

    // The last 30 days restated at double the load.
    const rows = longFile(b, 200, 2).split('\n').filter((r) => r.startsWith(LONG) || r.slice(b.length * 2 + 2, b.length * 2 + 12) >= dayKey(170));
    const corr = await app.upload(`readings/${id}-b-correction.csv`, rows.join('\n'));
    expect(corr).toMatchObject({ status: 'accepted', rows: { accepted: 30 * 24, rejected: 0 }, days: 30 });

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
    const strip = ({ customerId: _c, meters, ...rest }: Awaited<ReturnType<typeof app.stores.usage.get>>[number]) => ({ ...rest, meters: Object.values(meters) });
    const wide = (await app.stores.usage.get(days.map((day) => ({ customerId: g, day })))).map(strip).sort((x, y) => (x.day < y.day ? -1 : 1));
    const long = (await app.stores.usage.get(days.map((day) => ({ customerId: l, day })))).map(strip).sort((x, y) => (x.day < y.day ? -1 : 1));
    expect(wide).toHaveLength(30);
    expect(wide).toEqual(long);
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
