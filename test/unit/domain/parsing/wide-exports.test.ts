import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { checkReadings, collectMeterDays, type CustomerTotal } from '../../../../domain/use-cases/validate-readings.ts';
import { DEFAULT_CONFIG, type DomainConfig } from '../../../../domain/config.ts';
import { meterDirectory, type Customer } from '../../../../domain/customers/customer-master.ts';
import { analyseWideHeader, classifyQuantity } from '../../../../domain/parsing/wide-header.ts';
import { READING_ALIASES } from '../../../../domain/parsing/header-aliases.ts';
import { columnLines } from '../../../../cli/validate.ts';
import { CUSTOMERS, DAYS } from '../../../fixtures/exports/data.ts';

// Metering-system export layouts (issue 9 §1): each fixture holds the same readings as the canonical long CSV of
// test/fixtures/exports (written by its generate.ts) and must give the same per-customer kWh.
const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/exports');

const customer = (id: string, meterIds: string[]): Customer => ({
  customerId: id, name: 'x', email: 'a@example.com', locale: 'zh-CN', region: 'east', tariffId: 't',
  contractKva: null, contractKw: null, accountManagerEmail: 'm@example.com', pfStandard: 0.9, meterIds, basicChargeMode: null,
});
const directory = meterDirectory(CUSTOMERS.map((c) => customer(c.customer, [c.meter])));
const bytes = (b: Buffer | string) => (async function* () { yield typeof b === 'string' ? Buffer.from(b) : b; })();

async function check(file: string | { name: string; text: Buffer | string }, config: Partial<DomainConfig> = {}) {
  const { name, text } = typeof file === 'string' ? { name: file, text: readFileSync(join(FIXTURES, file)) } : file;
  const c = collectMeterDays();
  const r = await checkReadings(name, bytes(text), { directory, config: { ...DEFAULT_CONFIG, ...config }, onMeterDay: c.listener });
  // Per meter-day interval kWh and kvarh, to see that each value lands in the right interval, not only the totals.
  const kwh = new Map<string, (number | null)[]>();
  const kvarh = new Map<string, number>();
  for (const [cust, days] of c.usage) {
    for (const [day, meters] of days) {
      for (const [meter, md] of Object.entries(meters)) {
        kwh.set(`${cust}/${meter}/${day}`, md.kwh);
        if (md.kvarh) kvarh.set(cust, (kvarh.get(cust) ?? 0) + md.kvarh.reduce<number>((a, v) => a + (v ?? 0), 0));
      }
    }
  }
  return { ...r, kwh, kvarh };
}

/** Same customers, days and kWh (× factor per customer) as the expected totals. */
function expectSameTotals(actual: CustomerTotal[], expected: CustomerTotal[], factor: (id: string) => number = () => 1): void {
  expect(actual.map((c) => c.customerId)).toEqual(expected.map((c) => c.customerId));
  actual.forEach((c, i) => {
    expect(c.days).toBe(expected[i]!.days);
    expect(c.kwh).toBeCloseTo(expected[i]!.kwh * factor(c.customerId), 6);
  });
}

describe('metering-system export layouts give the canonical per-customer kWh', async () => {
  const canonical96 = await check('canonical-96.csv');
  const canonical24 = await check('canonical-24.csv');

  it('has canonical files with all three customers over three days', () => {
    expect(canonical96.status).toBe('accepted');
    expect(canonical96.customers.map((c) => [c.customerId, c.days])).toEqual(CUSTOMERS.map((c) => [c.customer, DAYS.length]));
    expect(canonical96.customers.map((c) => c.kwh)).toEqual([482, 766, 1050]);
    expect(canonical24.customers.map((c) => c.kwh)).toEqual([88.5, 159, 229.5]);
  });

  it.each([
    ['starts.csv', 'interval starts 00:00…23:45'],
    ['ranges.csv', 'interval starts 00:00-00:15…23:45-24:00'],
    ['points-96.csv', 'point numbers 第1点…第96点'],
    ['numbers-96.csv', 'point numbers 1…96'],
    ['p-96.csv', 'point numbers P1…P96'],
  ])('%s (labels are %s) puts every value in the same interval as the canonical file', async (file, labels) => {
    const r = await check(file);
    expect(r.status).toBe('accepted');
    expect(r.stats?.columns?.intervals).toContain(`96 intervals of 15 min, labels are ${labels}`);
    expect(r.kwh).toEqual(canonical96.kwh);
    expectSameTotals(r.customers, canonical96.customers);
  });

  it('reads a GBK 营销系统 export with descriptive columns, an asset-number meter header and reactive rows', async () => {
    const r = await check('descriptive-gbk.csv');
    expect(r.stats).toMatchObject({ format: 'wide-csv', encoding: 'gbk' });
    expect(r.rejects).toEqual([]);
    expect(r.kwh).toEqual(canonical96.kwh);
    expectSameTotals(r.customers, canonical96.customers);
    // 正向无功 rows are kvarh (half the kWh here), never kWh
    for (const c of canonical96.customers) expect(r.kvarh.get(c.customerId)).toBeCloseTo(c.kwh / 2, 6);
    const columns = r.stats!.columns!;
    expect(columns.used).toEqual([
      { column: 'customer_id', header: '户号', index: 1 },
      { column: 'meter_id', header: '电能表资产号', index: 4 },
      { column: 'date', header: '日期', index: 7 },
      { column: 'quantity', header: '数据项', index: 8 },
    ]);
    expect(columns.ignored.map((c) => c.header)).toEqual(['户名', '地址', '线路', '台区', '备注']);
    expect(columns.intervals).toBe('96 intervals of 15 min, labels are interval ends 00:15…24:00 (columns 9–104)');
    expect(columnLines(columns)).toEqual([
      'columns used: customer_id ← "户号" (1), meter_id ← "电能表资产号" (4), date ← "日期" (7), quantity ← "数据项" (8)',
      'intervals: 96 intervals of 15 min, labels are interval ends 00:15…24:00 (columns 9–104)',
      'columns ignored: "户名" (2), "地址" (3), "线路" (5), "台区" (6), "备注" (105)',
    ]);
  });

  it('skips two title rows and a totals row with warnings, and ignores trailing empty columns', async () => {
    const r = await check('titles-totals.csv');
    expect(r.status).toBe('accepted');
    expect(r.rejects).toEqual([]);
    expect(r.stats!.warnings).toEqual([
      { line: 1, message: 'skipped above the header (a title row)' },
      { line: 2, message: 'skipped above the header (a title row)' },
      { line: 13, message: 'totals row (合计) skipped' },
    ]);
    expect(r.stats!.columns!.intervals).toContain('labels are interval ends 0:15…24:00');
    expect(r.kwh).toEqual(canonical96.kwh);
    expectSameTotals(r.customers, canonical96.customers);
  });

  it('reads hour labels 1时…24时 as 24 hourly intervals', async () => {
    const r = await check('hours-24.csv');
    expect(r.stats!.columns!.intervals).toContain('24 intervals of 60 min, labels are hours 1时…24时');
    expect(r.kwh).toEqual(canonical24.kwh);
    expectSameTotals(r.customers, canonical24.customers);
  });

  it('converts a kW load curve to kWh by the interval length and says so', async () => {
    const r = await check('kw-curve.csv');
    expect(r.stats!.warnings).toEqual([{ line: 2, message: 'values of quantity "有功功率" are kW (load curve); converted to kWh × 0.25 h' }]);
    expect(r.kwh).toEqual(canonical96.kwh);
    expectSameTotals(r.customers, canonical96.customers);
  });

  it('multiplies by 倍率 only when applyMultiplier is on', async () => {
    const on = await check('multiplier.csv', { applyMultiplier: true });
    expectSameTotals(on.customers, canonical96.customers);
    expect(on.stats!.columns!.used.map((c) => c.column)).toContain('multiplier');
    const off = await check('multiplier.csv');
    const m = new Map(CUSTOMERS.map((c) => [c.customer, c.multiplier]));
    expectSameTotals(off.customers, canonical96.customers, (id) => 1 / m.get(id)!);
    expect(off.stats!.columns!.ignored).toEqual([{ header: '倍率', index: 3, reason: 'applyMultiplier is off: values are taken as they are' }]);
    expect(off.stats!.warnings[0]!.message).toMatch(/倍率 column holds 2, but applyMultiplier is off/);
  });

  it('rejects a row whose multiplier is not a positive number when applyMultiplier is on, and only then', async () => {
    const lines = readFileSync(join(FIXTURES, 'multiplier.csv'), 'utf8').split('\n');
    lines[4] = lines[4]!.replace(/^([^,]*,[^,]*),[^,]*,/, '$1,x,');
    const text = lines.join('\n');
    const on = await check({ name: 'm.csv', text }, { applyMultiplier: true, quarantineShare: 1 });
    expect(on.rejects).toEqual([{ line: 5, reason: 'multiplier (倍率) "x" is not a positive number' }]);
    const off = await check({ name: 'm.csv', text }, { quarantineShare: 1 });
    expect(off.rejects).toEqual([]);
  });

  it('turns register readings with interval-end labels into interval energy, carrying the previous day\'s 24:00 reading', async () => {
    const r = await check('register-ends.csv');
    expect(r.status).toBe('accepted');
    expect(r.rejects).toEqual([]);
    expect(r.kwh).toEqual(canonical96.kwh);
    expectSameTotals(r.customers, canonical96.customers);
    expect(r.stats!.warnings[0]!.message).toMatch(/"正向有功总示值" are register readings/);
  });

  it('reads a 96点示值 file by its title with interval-start labels; the next day\'s 00:00 reading closes the last interval', async () => {
    const r = await check('register-starts.csv');
    expect(r.status).toBe('accepted');
    expect(r.stats!.columns!.intervals).toMatch(/interval starts 00:00…23:45 .*register readings \(示值\)/);
    expect(r.kwh).toEqual(canonical96.kwh);
    expectSameTotals(r.customers, canonical96.customers);
  });

  it('rejects a register row whose reading falls (meter replaced), and carries on from the new meter the next day', async () => {
    const r = await check('register-rollover.csv', { quarantineShare: 1 });
    expect(r.rejects).toEqual([{ line: 6, reason: 'register reading falls from 25355.25 ("11:45") to 6.25 ("12:00"): meter replaced or register rolled over' }]);
    const second = CUSTOMERS[1]!.customer;
    const day2 = (canonical96.kwh.get(`${second}/${CUSTOMERS[1]!.meter}/${DAYS[1]}`) ?? []).reduce<number>((a, v) => a + (v ?? 0), 0);
    expect(r.kwh.has(`${second}/${CUSTOMERS[1]!.meter}/${DAYS[1]}`)).toBe(false);
    expect(r.kwh.get(`${second}/${CUSTOMERS[1]!.meter}/${DAYS[2]}`)).toEqual(canonical96.kwh.get(`${second}/${CUSTOMERS[1]!.meter}/${DAYS[2]}`));
    expectSameTotals(
      r.customers.map((c) => (c.customerId === second ? { ...c, days: c.days + 1, kwh: c.kwh + day2 } : c)),
      canonical96.customers,
    );
  });

  it('rejects a register row that falls below the previous day\'s last reading, and leaves the first interval missing without it', async () => {
    const labels = Array.from({ length: 24 }, (_, h) => `${h + 1}时`);
    const row = (day: string, from: number) => ['M1', day, '正向有功示值', ...labels.map((_, h) => from + h + 1)].join(',');
    const text = ['表号,日期,数据项,' + labels.join(','), row('2026-10-01', 100), row('2026-10-02', 50), row('2026-10-03', 74)].join('\n');
    const small = meterDirectory([customer('C1', ['M1'])]);
    const c = collectMeterDays();
    const r = await checkReadings('r.csv', bytes(text), { directory: small, config: { ...DEFAULT_CONFIG, quarantineShare: 1 }, onMeterDay: c.listener });
    expect(r.rejects).toEqual([{ line: 3, reason: 'register reading falls from 124 (line 2) to 51 ("1时"): meter replaced or register rolled over' }]);
    const day1 = c.usage.get('C1')!.get('2026-10-01')!['M1']!;
    expect(day1.kwh[0]).toBeNull(); // no reading before 01:00 on the first day
    expect(day1.kwh.slice(1)).toEqual(new Array(23).fill(1));
    expect(c.usage.get('C1')!.get('2026-10-03')!['M1']!.kwh).toEqual(new Array(24).fill(1)); // 75 − 74 from day 2's 24时
  });

  describe('daily frozen register readings (日冻结示值)', () => {
    /** kWh per customer-day and per band of the day (October under DEFAULT_BANDS), from each meter-day's intervals. */
    const byBand = (kwh: Map<string, (number | null)[]>) => {
      const out = new Map<string, Record<string, number>>();
      for (const [key, values] of kwh) {
        const r: Record<string, number> = { total: 0, sharp: 0, peak: 0, flat: 0, valley: 0 };
        const per = 24 / values.length;
        values.forEach((v, i) => {
          const h = Math.floor(i * per);
          const b = h >= 23 || h < 7 ? 'valley' : (h >= 8 && h < 11) || (h >= 18 && h < 23) ? 'peak' : 'flat';
          r.total! += v ?? 0;
          r[b]! += v ?? 0;
        });
        out.set(key, r);
      }
      return out;
    };

    it('reads a GBK export with band registers: each day the canonical kWh, every band its canonical kWh, reactive too', async () => {
      const r = await check('frozen-bands-gbk.csv');
      expect(r.status).toBe('accepted');
      expect(r.rejects).toEqual([]);
      expect(r.stats).toMatchObject({ format: 'wide-csv', encoding: 'gbk' });
      expectSameTotals(r.customers, canonical96.customers);
      expect(byBand(r.kwh)).toEqual(byBand(canonical96.kwh));
      for (const c of canonical96.customers) expect(r.kvarh.get(c.customerId)).toBeCloseTo(c.kwh / 2, 6);
      // Hourly intervals, all estimated: the profile is not a measured curve.
      expect([...r.kwh.values()].every((v) => v.length === 24)).toBe(true);
      expect(r.customers.every((c) => c.days === 3)).toBe(true);
      expect(columnLines(r.stats!.columns!)).toEqual([
        'columns used: customer_id ← "户号" (1), meter_id ← "电能表资产号" (3), date ← "冻结日期" (4), register_total ← "正向有功总示值" (5), ' +
          'register_sharp ← "正向有功尖示值" (6), register_peak ← "正向有功峰示值" (7), register_flat ← "正向有功平示值" (8), ' +
          'register_valley ← "正向有功谷示值" (9), register_kvarh ← "正向无功总示值" (10)',
        'intervals: daily frozen register readings (日冻结示值): one reading a meter a day; each day\'s energy (the next day\'s reading minus this one) is profiled to 24 hourly intervals, estimated',
        'columns ignored: "户名" (2), "反向有功总示值" (11) — is a reverse (exported) energy register, not consumption, "备注" (12)',
      ]);
      expect(r.stats!.warnings.map((w) => w.message)).toEqual([
        'skipped above the header (a title row)',
        expect.stringMatching(/^daily frozen register readings: 9 meter-days profiled to 24 hourly intervals, estimated \(quality E\); a reading dated D is the register at 00:00 starting D/),
      ]);
    });

    it('reads a total-only export said by its title, multiplying by 倍率 only when applyMultiplier is on', async () => {
      const on = await check('frozen-total-multiplier.csv', { applyMultiplier: true });
      expect(on.status).toBe('accepted');
      expectSameTotals(on.customers, canonical96.customers);
      // Without band registers the day is spread evenly over its 24 hours.
      const day = on.kwh.get(`${CUSTOMERS[0]!.customer}/${CUSTOMERS[0]!.meter}/${DAYS[1]}`)!;
      expect(new Set(day.map((v) => v!.toFixed(9))).size).toBe(1);
      const off = await check('frozen-total-multiplier.csv');
      const m = new Map(CUSTOMERS.map((c) => [c.customer, c.multiplier]));
      expectSameTotals(off.customers, canonical96.customers, (id) => 1 / m.get(id)!);
      expect(off.stats!.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/倍率 column holds 2, but applyMultiplier is off/));
    });

    it('dates a reading by the day it closes under frozenReadingAt day-end', async () => {
      const text = readFileSync(join(FIXTURES, 'frozen-total-multiplier.csv'), 'utf8').replace(/(\d{4})\/(\d{2})\/(\d{2})/g, (_, y, mo, d) => `${y}/${mo}/${String(Number(d) - 1).padStart(2, '0')}`).replace(/\/10\/00/g, '/09/30');
      const r = await check({ name: 'end.csv', text }, { applyMultiplier: true, frozenReadingAt: 'day-end' });
      expectSameTotals(r.customers, canonical96.customers);
      expect([...r.kwh.keys()].map((k) => k.slice(-10)).sort()[0]).toBe(DAYS[0]);
      const start = await check({ name: 'start.csv', text }, { applyMultiplier: true });
      expect([...start.kwh.keys()].map((k) => k.slice(-10)).sort()[0]).toBe('2026-09-30');
    });

    it('rejects a day whose register falls or whose bands disagree with the total, and a differing duplicate; a gap leaves a day without energy', async () => {
      const small = meterDirectory([customer('C1', ['M1']), customer('C2', ['M2'])]);
      const text = [
        '户号,表号,日期,正向有功总示值,正向有功峰示值,正向有功平示值,正向有功谷示值',
        'C1,M1,2026-10-01,100,40,30,30',
        'C1,M1,2026-10-02,124,48,38,38',
        'C1,M1,2026-10-03,5,1,2,2', // meter replaced
        'C1,M1,2026-10-04,29,9,10,10',
        'C1,M1,2026-10-06,53,17,18,18', // 10-05 absent: 10-04 has no closing reading
        'C1,M1,2026-10-07,77,25,26,26',
        'C2,M2,2026-10-01,10,0,,',
        'C2,M2,2026-10-02,34,20,,', // a band rises by 20 of the total's 24: the rest goes to the other hours
        'C2,M2,2026-10-02,34,21,,', // a second, different reading of the same day
        'C2,M2,2026-10-03,40,30,,', // the peak band rises by 10 but the total only by 6
        'C2,M2,2026-10-03,40,30,,', // identical duplicate: ignored
        'C2,M2,2026-10-04,-1,,,',
        '合计,,,,,,',
      ].join('\n');
      const c = collectMeterDays();
      const r = await checkReadings('f.csv', bytes(text), { directory: small, config: { ...DEFAULT_CONFIG, quarantineShare: 1 }, onMeterDay: c.listener });
      // Rows are rejected as they are read, days when the file has ended: sorted here by line.
      expect([...r.rejects].sort((a, b) => a.line - b.line)).toEqual([
        { line: 4, reason: 'total register of meter M1 falls from 124 (line 3) to 5: meter replaced or register rolled over; no energy for 2026-10-02' },
        { line: 10, reason: 'a second reading of meter M2 dated 2026-10-02 differs from line 9' },
        { line: 11, reason: 'band registers of meter M2 rise by 10 kWh on 2026-10-02 but the total register by 6 kWh' },
        { line: 13, reason: 'total register -1 (column 4 "正向有功总示值") is negative' },
      ]);
      const days = (id: string) => [...(c.usage.get(id)?.keys() ?? [])].sort();
      expect(days('C1')).toEqual(['2026-10-01', '2026-10-03', '2026-10-06']);
      const sum = (id: string, meter: string, day: string) => c.usage.get(id)!.get(day)![meter]!.kwh.reduce<number>((a, v) => a + (v ?? 0), 0);
      expect(sum('C1', 'M1', '2026-10-01')).toBeCloseTo(24, 9);
      expect(sum('C1', 'M1', '2026-10-03')).toBeCloseTo(24, 9);
      expect(c.usage.get('C1')!.get('2026-10-01')!['M1']!.quality).toBe('E'.repeat(24));
      // 10-01 of C2: peak rises by 20 over its 8 hours, the remaining 4 kWh over the 16 others
      const m2 = c.usage.get('C2')!.get('2026-10-01')!['M2']!.kwh;
      expect(m2[9]).toBeCloseTo(2.5, 9);
      expect(m2[0]).toBeCloseTo(0.25, 9);
      expect(r.stats!.warnings.map((w) => w.message)).toContainEqual('totals row (合计) skipped');
      expect(r.stats!.warnings.map((w) => w.message)).toContainEqual(
        '1 meter-days have no closing reading (the next day\'s row is absent; the first: meter M1, line 5): no energy for them',
      );
    });

    it('refuses a header whose only registers are not usable, naming the column', async () => {
      const r = await checkReadings('f.csv', bytes('户号,表号,日期,反向有功总示值\nC1,M1,2026-10-01,1'), { directory, config: DEFAULT_CONFIG });
      expect(r.status).toBe('failed');
      expect(r.error).toMatch(/line 1: daily frozen register readings: no usable register column \(column 4 "反向有功总示值" is a reverse \(exported\) energy register/);
    });
  });
});

describe('wide headers that are wrong fail clearly', () => {
  const hdr = (cells: string[]) => analyseWideHeader(cells, READING_ALIASES, {}, 3);
  const ends = Array.from({ length: 96 }, (_, i) => `${String(Math.floor(((i + 1) * 15) / 60)).padStart(2, '0')}:${String(((i + 1) * 15) % 60).padStart(2, '0')}`);

  it('names a file without recognisable interval labels', async () => {
    const text = ['户号,日期,' + Array.from({ length: 96 }, (_, i) => `值${i + 1}`).join(','), `C1,2026-10-01,${new Array(96).fill(1).join(',')}`].join('\n');
    const r = await checkReadings('x.csv', bytes(iconv.encode(text, 'gbk')), { directory, config: DEFAULT_CONFIG });
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/^x\.csv, line 1: wide header has no interval columns: expected 24, 48 or 96 labels such as 00:15…24:00.*columns not recognised: 3 "值1", 4 "值2"/);
  });

  it('names the column of a gap or an out-of-order label', () => {
    const gap = [...ends.slice(0, 4), ...ends.slice(5)];
    expect(() => hdr(['户号', '日期', ...gap])).toThrow('wide header: column 7 "01:30" is out of order: expected 01:15 after column 6 "01:00" (interval ends every 15 min)');
    const swapped = [...ends];
    [swapped[10], swapped[11]] = [swapped[11]!, swapped[10]!];
    expect(() => hdr(['户号', '日期', ...swapped])).toThrow(/column 13 "03:00" is out of order: expected 02:45/);
    expect(() => hdr(['表号', '日期', ...Array.from({ length: 96 }, (_, i) => `第${i === 50 ? 52 : i + 1}点`)])).toThrow(/column 53 "第52点" is out of order: expected 51/);
    expect(() => hdr(['表号', '日期', ...ends.slice(0, 90)])).toThrow(/only 90 interval columns, the last column 92 "22:30"; a day of 15-minute intervals has 96/);
    expect(() => hdr(['表号', '日期', ...Array.from({ length: 23 }, (_, h) => `${h + 1}时`)])).toThrow(/23 interval columns .* expected 24 hours/);
  });

  it('reads 48 half-hour labels, and tells starts from ends by the first label', () => {
    const half = Array.from({ length: 48 }, (_, i) => `${String(Math.floor(((i + 1) * 30) / 60)).padStart(2, '0')}:${String(((i + 1) * 30) % 60).padStart(2, '0')}`);
    expect(hdr(['表号', '日期', ...half])).toMatchObject({ minutes: 30, labels: 'ends' });
    expect(hdr(['表号', '日期', '00:00', ...half.slice(0, 47)])).toMatchObject({ minutes: 30, labels: 'starts' });
    // 24:00 written as 00:00 at the end of an interval-end block
    expect(hdr(['表号', '日期', ...half.slice(0, 47), '00:00'])).toMatchObject({ minutes: 30, labels: 'ends' });
    expect(hdr(['表号', '日期', ...Array.from({ length: 24 }, (_, h) => `${h}时`)])).toMatchObject({ minutes: 60, labels: 'starts' });
    expect(hdr(['表号', '日期', ...Array.from({ length: 96 }, (_, i) => `${i}`)])).toMatchObject({ minutes: 15, labels: 'starts' });
    expect(hdr(['表号', '日期', ...Array.from({ length: 48 }, (_, i) => `第${i + 1}点`)])).toMatchObject({ minutes: 30, labels: 'points' });
  });

  it('is not a wide header without a date or an id (a title row)', () => {
    expect(hdr(['某某供电公司96点电量数据导出'])).toBeNull();
    expect(hdr(['户名', ...ends])).toBeNull();
  });

  it('fails a file whose first ten lines hold no header, naming the first', async () => {
    const text = ['', ...Array.from({ length: 12 }, (_, i) => `标题${i}`)].join('\n');
    const r = await checkReadings('t.csv', bytes(text), { directory, config: DEFAULT_CONFIG });
    expect(r.error).toMatch(/^t\.csv, line 2: unrecognised reading file: no line among the first 10 non-empty ones/);
  });
});

describe('cells and dates as exports write them', () => {
  it('reads 2026年10月1日 and a midnight time after the date, and takes "--", "-" and "null" as missing values', async () => {
    const labels = Array.from({ length: 24 }, (_, h) => `${h + 1}时`);
    const values = (missing: string) => labels.map((_, h) => (h === 5 ? missing : 1)).join(',');
    const text = [
      '表号,数据时间,' + labels.join(','),
      `M1,2026年10月1日,${values('--')}`,
      `M1,2026-10-02 00:00:00,${values('null')}`,
      `M1,2026/10/3 0:00,${values('-')}`,
      `M1,2026-10-04 08:00:00,${values('1')}`,
      `M1,2026-10-05,${values('x')}`,
    ].join('\n');
    const c = collectMeterDays(0);
    const r = await checkReadings('d.csv', bytes(text), { directory: meterDirectory([customer('C1', ['M1'])]), config: { ...DEFAULT_CONFIG, quarantineShare: 1, maxInterpolatedGap: 0 }, onMeterDay: c.listener });
    expect(r.rejects).toEqual([
      { line: 5, reason: 'date "2026-10-04 08:00:00" is not a date (yyyy-mm-dd)' },
      { line: 6, reason: 'interval 6 value "x" is not a number' },
    ]);
    expect(r.customers).toEqual([{ customerId: 'C1', days: 3, kwh: 69 }]);
    expect(c.usage.get('C1')!.get('2026-10-01')!['M1']!.kwh[5]).toBeNull();
  });
});

describe('subtotal rows', () => {
  it('names the first five totals rows and counts the rest in one warning', async () => {
    const labels = Array.from({ length: 24 }, (_, h) => `${h + 1}时`);
    const rows = Array.from({ length: 8 }, (_, d) => [`M1,2026-10-0${d + 1},${labels.map(() => 1).join(',')}`, `小计,,${labels.map(() => 1).join(',')}`]).flat();
    const r = await checkReadings('s.csv', bytes(['表号,日期,' + labels.join(','), ...rows].join('\n')), { directory: meterDirectory([customer('C1', ['M1'])]), config: DEFAULT_CONFIG });
    expect(r.rejects).toEqual([]);
    expect(r.stats!.warnings.map((w) => w.message)).toEqual([...new Array(5).fill('totals row (小计) skipped'), '3 more totals rows skipped (the last at line 17)']);
    expect(r.customers).toEqual([{ customerId: 'C1', days: 8, kwh: 192 }]);
  });
});

describe('quantity texts', () => {
  it.each([
    ['正向有功(总)', 'energy', 0], ['正向有功总', 'energy', 0], ['有功电量', 'energy', 0], ['有功', 'energy', 0],
    ['正向无功', 'energy', 1], ['无功电量(总)', 'energy', 1], ['有功功率', 'power', 0], ['负荷', 'power', 0], ['kw', 'power', 0],
    ['无功功率', 'power', 1], ['正向有功总示值', 'register', 0], ['无功示值', 'register', 1], ['正向有功总电能', 'energy', 0],
  ])('%s is %s', (text, kind, quantity) => {
    expect(classifyQuantity(text.toLowerCase())).toEqual({ kind, quantity });
  });

  it.each(['正向有功峰', '正向有功(谷)', '正向有功尖示值', 'A相电压', '功率因数', '正向有功最大需量'])('%s is skipped', (text) => {
    expect(classifyQuantity(text.toLowerCase())).toMatchObject({ kind: 'skip' });
  });

  it('skips voltage and power-factor rows with one warning each, and rejects unknown and exported energy by row', async () => {
    const labels = Array.from({ length: 24 }, (_, h) => `${h + 1}时`);
    const row = (q: string) => ['M1', '2026-10-01', q, ...labels.map(() => 1)].join(',');
    const text = ['表号,日期,数据项,' + labels.join(','), row('正向有功'), row('A相电压'), row('功率因数'), row('A相电压'), row('温度'), row('反向有功')].join('\n');
    const r = await checkReadings('q.csv', bytes(text), { directory: meterDirectory([customer('C1', ['M1'])]), config: { ...DEFAULT_CONFIG, quarantineShare: 1 } });
    expect(r.stats!.warnings.map((w) => w.line)).toEqual([3, 4]);
    expect(r.stats!.warnings[0]!.message).toBe('rows of quantity "a相电压" skipped: not energy (voltage, current, power factor or demand)');
    expect(r.rejects.map((x) => [x.line, x.reason])).toEqual([
      [6, 'quantity "温度" is neither active (kWh) nor reactive (kvarh) energy, a kW load curve nor register readings (示值)'],
      [7, 'quantity "反向有功" is reverse (exported) energy, not consumption'],
    ]);
    expect(r.customers).toEqual([{ customerId: 'C1', days: 1, kwh: 24 }]);
  });
});
