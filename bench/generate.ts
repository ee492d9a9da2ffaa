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

/**
 * A NEM12 file as a meter-data provider sends it: a 100 header, then per NMI a 200 record (E1, kWh) and one 300
 * record a day, 48 values (30-minute) for most NMIs and 288 (5-minute) for every tenth; now and then a day of
 * mixed quality (300 with V, then 400 records) and a 500 record; a 900 at the end. Returns the kWh readings.
 */
export async function writeNem12(path: string, nmis: number, days: number): Promise<number> {
  const out = createWriteStream(path);
  let readings = 0;
  let buf = '100,NEM12,202601011200,MDPBENCH,RETBENCH\n';
  const dates = Array.from({ length: days }, (_, d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10).replaceAll('-', ''));
  for (let n = 0; n < nmis; n++) {
    const nmi = `NMI${String(n).padStart(7, '0')}`;
    const minutes = n % 10 === 9 ? 5 : 30;
    const per = 1440 / minutes;
    buf += `200,${nmi},E1,1,E1,N1,MTR${n},kWh,${minutes},\n`;
    for (let d = 0; d < days; d++) {
      const values: string[] = [];
      for (let i = 0; i < per; i++) values.push((((n * 7 + d * 13 + i * 31) % 1000) / (minutes === 5 ? 60 : 10) + 0.01).toFixed(3));
      const mixed = (n + d) % 50 === 0;
      buf += `300,${dates[d]},${values.join(',')},${mixed ? 'V' : 'A'},,,${dates[d]}235959,\n`;
      if (mixed) buf += `400,1,${per / 2},A,,\n400,${per / 2 + 1},${per},S14,1,\n`;
      if ((n + d) % 97 === 0) buf += `500,O,SO${n},${dates[d]}120000,\n`;
      readings += per;
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await once(out, 'drain');
        buf = '';
      }
    }
  }
  out.end(buf + '900\n');
  await once(out, 'finish');
  return readings;
}
