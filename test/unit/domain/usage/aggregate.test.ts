import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { gzipSync } from 'node:zlib';
import { checkReadings, collectMeterDays, type CheckDeps, rejectsCsv } from '../../../../domain/use-cases/validate-readings.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { meterDirectory, type Customer } from '../../../../domain/customers/customer-master.ts';
import { rollUpDay } from '../../../../domain/usage/meter-day.ts';
import { Zone } from '../../../../domain/time/zone.ts';

const customer = (id: string, meterIds = [id]): Customer => ({
  customerId: id, name: 'x', email: 'a@example.com', locale: 'en', region: 'east', tariffId: 't',
  contractKva: null, contractKw: null, accountManagerEmail: 'm@example.com', pfStandard: 0.9, meterIds, basicChargeMode: null,
});
const directory = meterDirectory([customer('C1'), customer('C2', ['M2a', 'M2b'])]);
const bytes = (s: string | Buffer) => (async function* () { yield typeof s === 'string' ? Buffer.from(s) : s; })();
async function run(file: string, src: AsyncIterable<Uint8Array>, deps: CheckDeps) {
  const c = collectMeterDays();
  const r = await checkReadings(file, src, { ...deps, onMeterDay: c.listener });
  return { ...r, usage: r.status === 'accepted' ? c.usage : new Map<string, never>() };
}
const HEADER = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';

function longRows(customerId: string, meterId: string, day: string, values: (number | null)[], minutes = 60): string[] {
  return values.flatMap((v, i) => {
    if (v === null) return [];
    const hh = String(Math.floor((i * minutes) / 60)).padStart(2, '0');
    const mm = String((i * minutes) % 60).padStart(2, '0');
    return [`${customerId},${meterId},${day}T${hh}:${mm}:00+08:00,${minutes},${v},${v / 2},A`];
  });
}

describe('checkReadings on long CSV', () => {
  it('aggregates a day per local hour, with max demand and kvarh', async () => {
    const values = Array.from({ length: 24 }, (_, h) => h + 1);
    const r = await run('a.csv', bytes([HEADER, ...longRows('C1', 'C1', '2026-03-02', values)].join('\n')), { directory, config: DEFAULT_CONFIG });
    expect(r.status).toBe('accepted');
    expect(r.rows).toEqual({ accepted: 24, rejected: 0 });
    const meters = r.usage.get('C1')!.get('2026-03-02')!;
    const day = rollUpDay('C1', '2026-03-02', meters, new Zone('Asia/Shanghai'), DEFAULT_CONFIG.bands);
    expect(day.kwh).toBe(300);
    expect(day.hourly[0]).toBe(1);
    expect(day.hourly[23]).toBe(24);
    expect(day.maxDemandKw).toBe(24);
    expect(day.kvarh).toBe(150);
    expect(day.intervals).toEqual({ actual: 24, estimated: 0, missing: 0 });
    // valley 23–07 = hours 0..6 and 23: 1..7 + 24 = 52
    expect(day.bands.valley).toBe(52);
    expect(day.bands.sharp + day.bands.peak + day.bands.flat + day.bands.valley).toBeCloseTo(300, 9);
  });

  it('rejects bad rows by line with a reason and keeps the good ones', async () => {
    const rows = longRows('C1', 'C1', '2026-03-02', Array(24).fill(1));
    rows[3] = 'C1,C1,2026-03-02T03:00:00+08:00,60,-1,,A'; // line 5
    rows[5] = 'C1,C1,2026-03-02T05:00:00+08:00,60,abc,,A'; // line 7
    rows.push('C9,C9,2026-03-02T05:00:00+08:00,60,1,,A'); // line 26
    rows.push('C1,C1,2026-03-02T06:00:00+08:00,60,2,,A'); // line 27 duplicate, different value
    rows.push('C1,C1,2026-03-02T07:00:00+08:00,60,1,0.5,A'); // line 28 duplicate, same value: ignored
    rows.push('C1,C1,2026-03-32T07:00:00+08:00,60,1,,A'); // line 29 bad date
    const r = await run('bad.csv', bytes([HEADER, ...rows].join('\n')), { directory, config: { ...DEFAULT_CONFIG, quarantineShare: 0.5 } });
    expect(r.status).toBe('accepted');
    expect(r.rejects.map((x) => x.line)).toEqual([5, 7, 26, 27, 29]);
    expect(r.rejects[0]!.reason).toMatch(/negative/);
    expect(r.rejects[1]!.reason).toMatch(/"abc" is not a number/);
    expect(r.rejects[2]!.reason).toBe('unknown customer C9');
    expect(r.rejects[3]!.reason).toMatch(/duplicate interval with a different value \(2 here, 1 at line 8\)/);
    expect(r.rejects[4]!.reason).toMatch(/not an ISO-8601 time/);
    // hours 3 and 5 were rejected: a 1-interval gap each, filled by interpolation and counted as estimated
    const m = r.usage.get('C1')!.get('2026-03-02')!['C1']!;
    expect(m.actual).toBe(22);
    expect(m.estimated).toBe(2);
    expect(m.kwh[3]).toBe(1);
    expect(rejectsCsv('bad.csv', r.rejects).split('\n')[1]).toBe('bad.csv,5,kwh -1 is negative');
  });

  it('interpolates gaps of at most 2 intervals and leaves longer ones missing', async () => {
    const values: (number | null)[] = Array.from({ length: 24 }, (_, h) => h * 10);
    values[2] = null; values[3] = null; // gap 2 → estimated 20, 30
    values[10] = null; values[11] = null; values[12] = null; // gap 3 → missing
    const r = await run('g.csv', bytes([HEADER, ...longRows('C1', 'C1', '2026-03-02', values)].join('\n')), { directory, config: DEFAULT_CONFIG });
    const m = r.usage.get('C1')!.get('2026-03-02')!['C1']!;
    expect(m.kwh.slice(1, 5)).toEqual([10, 20, 30, 40]);
    expect(m.kwh.slice(10, 13)).toEqual([null, null, null]);
    expect(m).toMatchObject({ actual: 19, estimated: 2, missing: 3 });
  });

  it('quarantines a file above the bad-row share and applies nothing', async () => {
    const rows = longRows('C1', 'C1', '2026-03-02', Array(24).fill(1));
    rows[0] = 'C1,C1,nope,60,1,,A';
    rows[1] = 'C1,C1,nope,60,1,,A';
    const r = await run('q.csv', bytes([HEADER, ...rows].join('\n')), { directory, config: DEFAULT_CONFIG });
    expect(r.rejectedShare).toBeCloseTo(2 / 24, 9);
    expect(r.status).toBe('quarantined');
    expect(r.usage.size).toBe(0);
    expect(r.error).toMatch(/8\.3% of rows rejected, above the 5\.0% quarantine threshold/);
  });

  it('sums several meters of one customer with coincident max demand', async () => {
    const a = longRows('C2', 'M2a', '2026-03-02', Array.from({ length: 24 }, (_, h) => (h === 10 ? 5 : 1)));
    const b = longRows('C2', 'M2b', '2026-03-02', Array.from({ length: 24 }, (_, h) => (h === 11 ? 5 : 1)));
    const r = await run('m.csv', bytes([HEADER, ...a, ...b, 'C1,M2a,2026-03-03T00:00:00+08:00,60,1,,A'].join('\n')), { directory, config: { ...DEFAULT_CONFIG, quarantineShare: 1 } });
    expect(r.rejects[0]!.reason).toBe('meter M2a belongs to customer C2, not C1');
    const day = rollUpDay('C2', '2026-03-02', r.usage.get('C2')!.get('2026-03-02')!, new Zone('Asia/Shanghai'), DEFAULT_CONFIG.bands);
    expect(day.kwh).toBe(56);
    expect(day.maxDemandKw).toBe(6); // 5 + 1 in hour 10, not 5 + 5
  });

  it('rejects a file with no recognisable header, naming the line', async () => {
    const r = await run('x.csv', bytes('\nfoo,bar\n1,2\n'), { directory, config: DEFAULT_CONFIG });
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/^x\.csv, line 2: unrecognised reading file/);
  });
});

describe('wide CSV and encodings', () => {
  const hours = Array.from({ length: 24 }, (_, h) => `${String(h + 1).padStart(2, '0')}:00`);
  const kwh = Array.from({ length: 24 }, (_, h) => (h % 5) + 0.125);
  const kvarh = kwh.map((v) => v / 4);

  it('gives a GBK wide file with Chinese headers the same aggregates as its UTF-8 long twin, gzip or not', async () => {
    const wide = [
      ['户号', '表号', '日期', '数据项', ...hours].join(','),
      ['C1', 'C1', '2026/3/2', '正向有功', ...kwh].join(','),
      ['C1', 'C1', '2026/3/2', '无功', ...kvarh].join(','),
    ].join('\r\n');
    const long = [HEADER, ...kwh.map((v, i) => `C1,C1,2026-03-02T${String(i).padStart(2, '0')}:00:00+08:00,60,${v},${kvarh[i]},A`)].join('\n');
    const w = await run('华东.csv', bytes(iconv.encode(wide, 'gbk')), { directory, config: DEFAULT_CONFIG });
    const l = await run('long.csv.gz', bytes(gzipSync(long)), { directory, config: DEFAULT_CONFIG });
    expect(w.stats).toMatchObject({ format: 'wide-csv', encoding: 'gbk', compressed: false });
    expect(l.stats).toMatchObject({ format: 'long-csv', encoding: 'utf-8', compressed: true });
    expect(w.usage).toEqual(l.usage);
    expect(w.customers).toEqual([{ customerId: 'C1', days: 1, kwh: kwh.reduce((a, b) => a + b, 0) }]);
  });

  it('reads 96-column rows as 15-minute intervals and rejects a row with a bad cell whole', async () => {
    const cols = Array.from({ length: 96 }, (_, i) => `P${i + 1}`);
    const good = Array(96).fill('0.25');
    const bad = [...good];
    bad[40] = 'x';
    const text = ['meter_id,date,' + cols.join(','), `C1,2026-03-02,${good.join(',')}`, `C1,2026-03-03,${bad.join(',')}`].join('\n');
    const r = await run('w.csv', bytes(text), { directory, config: { ...DEFAULT_CONFIG, quarantineShare: 1 } });
    expect(r.rejects).toEqual([{ line: 3, reason: 'interval 41 value "x" is not a number' }]);
    const m = r.usage.get('C1')!.get('2026-03-02')!['C1']!;
    expect(m.minutes).toBe(15);
    expect(m.actual).toBe(96);
    expect(r.usage.get('C1')!.has('2026-03-03')).toBe(false);
  });
});

describe('configurable header aliases', () => {
  it('reads a wide export whose headers are only known through configured aliases', async () => {
    const text = ['计量点号,采集日期,' + Array.from({ length: 24 }, (_, h) => `H${h + 1}`).join(','), `C1,2026-03-02,${Array(24).fill('1.5').join(',')}`].join('\n');
    const without = await run('x.csv', bytes(text), { directory, config: DEFAULT_CONFIG });
    expect(without.status).toBe('failed');
    const withAliases = await run('x.csv', bytes(text), { directory, config: { ...DEFAULT_CONFIG, aliases: { meter_id: ['计量点号'], date: ['采集日期'] } } });
    expect(withAliases.status).toBe('accepted');
    expect(withAliases.customers).toEqual([{ customerId: 'C1', days: 1, kwh: 36 }]);
  });
});

describe('bounded memory', () => {
  it('gives an unsorted file the same days when only one meter-day may be open at a time', async () => {
    const a = longRows('C1', 'C1', '2026-03-02', Array.from({ length: 24 }, (_, h) => h));
    const b = longRows('C1', 'C1', '2026-03-03', Array.from({ length: 24 }, (_, h) => 2 * h));
    const interleaved = a.flatMap((row, i) => [row, b[i]!]);
    const sorted = await run('s.csv', bytes([HEADER, ...a, ...b].join('\n')), { directory, config: DEFAULT_CONFIG });
    const tight = await run('u.csv', bytes([HEADER, ...interleaved].join('\n')), { directory, config: DEFAULT_CONFIG, maxOpenDays: 1 });
    expect(tight.usage).toEqual(sorted.usage);
    expect(tight.customers).toEqual([{ customerId: 'C1', days: 2, kwh: 276 * 3 }]);
  });
});

describe('daylight saving', () => {
  it('gives a 25-hour local day 25 hourly readings in New York on 2025-11-02', async () => {
    const zone = 'America/New_York';
    const start = Date.parse('2025-11-02T04:00:00Z'); // local midnight EDT
    const rows = Array.from({ length: 25 }, (_, i) => `C1,C1,${new Date(start + i * 3_600_000).toISOString()},60,1,,A`);
    const r = await run('dst.csv', bytes([HEADER, ...rows].join('\n')), { directory, config: { ...DEFAULT_CONFIG, timeZone: zone } });
    const m = r.usage.get('C1')!.get('2025-11-02')!['C1']!;
    expect(m.kwh.length).toBe(25);
    expect(m.actual).toBe(25);
    const day = rollUpDay('C1', '2025-11-02', r.usage.get('C1')!.get('2025-11-02')!, new Zone(zone), DEFAULT_CONFIG.bands);
    expect(day.kwh).toBe(25);
    expect(day.hourly[1]).toBe(2); // 01:00 happens twice
  });
});
