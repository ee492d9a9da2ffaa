import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Deterministic benchmark inputs: 15-minute data for `meters` meters over `days` days. `order` is the row order:
 * `customer` (all of one meter, then the next: how per-meter exports come) or `time` (every meter at each timestamp:
 * how a head-end's interval dump comes, which keeps every meter's day open at once in the aggregator).
 */
export async function writeLongCsv(path: string, meters: number, days: number, order: 'customer' | 'time' = 'customer'): Promise<number> {
  const out = createWriteStream(path);
  let readings = 0;
  let buf = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality\n';
  const ids = Array.from({ length: meters }, (_, m) => `B${String(m).padStart(6, '0')}`);
  const dates = Array.from({ length: days }, (_, d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10));
  const row = (m: number, d: number, i: number): string => {
    const hh = String((i / 4) | 0).padStart(2, '0');
    const mm = String((i % 4) * 15).padStart(2, '0');
    const kwh = (((m * 7 + d * 13 + i * 31) % 1000) / 10 + 1).toFixed(3);
    const kvarh = (((m * 3 + i * 17) % 400) / 10).toFixed(3);
    return `${ids[m]},${ids[m]},${dates[d]}T${hh}:${mm}:00+08:00,15,${kwh},${kvarh},A\n`;
  };
  const flush = async () => {
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  };
  if (order === 'customer') {
    for (let m = 0; m < meters; m++) {
      for (let d = 0; d < days; d++) {
        for (let i = 0; i < 96; i++) buf += row(m, d, i);
        readings += 96;
        await flush();
      }
    }
  } else {
    for (let d = 0; d < days; d++) {
      for (let i = 0; i < 96; i++) {
        for (let m = 0; m < meters; m++) buf += row(m, d, i);
        readings += meters;
        await flush();
      }
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return readings;
}

export async function writeWideCsv(path: string, meters: number, days: number): Promise<number> {
  const out = createWriteStream(path);
  let readings = 0;
  const cols = Array.from({ length: 96 }, (_, i) => `P${i + 1}`);
  let buf = `customer_id,meter_id,date,${cols.join(',')}\n`;
  for (let m = 0; m < meters; m++) {
    const id = `B${String(m).padStart(6, '0')}`;
    for (let d = 0; d < days; d++) {
      const date = new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10);
      const values: string[] = [];
      for (let i = 0; i < 96; i++) values.push((((m * 7 + d * 13 + i * 31) % 1000) / 10 + 1).toFixed(3));
      buf += `${id},${id},${date},${values.join(',')}\n`;
      readings += 96;
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await once(out, 'drain');
        buf = '';
      }
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return readings;
}
