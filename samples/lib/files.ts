/** Serializes customers and loads into every input format, with the deliberate faults documented in archetypes.json. */
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { DAYS, SEED, type Customer } from './customers.ts';
import { CALENDAR, round3, type Load, type MeterSeries } from './load.ts';
import { Rng } from './random.ts';

export interface OutputFile {
  /** Path under the samples directory, with forward slashes. */
  path: string;
  data: Buffer;
}

export interface BadRow {
  file: string;
  line: number;
  why: string;
}

export const FILES = {
  customers: 'customers/key-accounts.csv',
  customersGbk: 'customers/新增大客户.csv',
  long: 'readings/long-2026.csv.gz',
  wideGbk: 'readings/华东区日负荷-2026.csv',
  wideNorth: 'readings/wide-north-2026.csv.gz',
  nem12: 'readings/nem12-west-2026.csv',
  quarantine: 'readings/quarantine-me-2026-10.csv',
  correction: 'readings/zz-correction-2026-10-30.csv',
  payments: 'payments/payments-2026-10.csv',
  paymentsNov: 'payments/payments-2026-11.csv',
} as const;

const LONG_HEADER = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';
const gzip = (text: string) => gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
const fmt = (v: number) => v.toFixed(3);
const hh = (h: number) => String(h).padStart(2, '0');
const intervalStart = (day: string, h: number) => `${day}T${hh(h)}:00:00+08:00`;
const dayIndexOf = (key: string) => CALENDAR.findIndex((d) => d.key === key);

// ---------------------------------------------------------------------------------------------- customer master

const MASTER_HEADER =
  'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
const MASTER_HEADER_ZH = '户号,户名,邮箱,语言,区域,电价编号,合同容量kVA,合同需量kW,客户经理邮箱,功率因数标准,表号';

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function masterRow(c: Customer): string {
  return [
    c.id, c.name, c.email, c.locale, c.region, c.tariffId, String(c.contractKva), String(c.contractKw),
    c.accountManagerEmail, c.pfStandard, c.meterIds.join(';'),
  ].map(csvCell).join(',');
}

export function customerFiles(customers: Customer[]): OutputFile[] {
  const main = customers.filter((c) => c.master === 'main').map(masterRow);
  const added = customers.filter((c) => c.master === 'gbk').map(masterRow);
  return [
    { path: FILES.customers, data: Buffer.from(`\uFEFF${[MASTER_HEADER, ...main].join('\n')}\n`, 'utf8') },
    // A Windows export: GBK, CRLF, Chinese headers.
    { path: FILES.customersGbk, data: iconv.encode(`${[MASTER_HEADER_ZH, ...added].join('\r\n')}\r\n`, 'gbk') },
  ];
}

// ---------------------------------------------------------------------------------------------- faults plan

/** What happens to one interval (meter, day, hour) of the long CSV. */
interface Mutation {
  quality?: 'E';
  scale?: number;
  skip?: boolean;
  /** Replaces the kWh text; the row is then a bad row with this reason. */
  kwhText?: string;
  /** Replaces the kWh value with a valid one (a stuck register repeats it). */
  fixed?: number;
  why?: string;
  /** Rows inserted right after this one. */
  extra?: Extra[];
}

interface Extra {
  cells: (line: (key: string) => number) => string[];
  why: (line: (key: string) => number) => string;
}

export interface Gap {
  file: string;
  customerId: string;
  meterId: string;
  day: string;
  hours: number[];
  note: string;
}

export interface EstimatedRun {
  file: string;
  meterId: string;
  day: string;
  hours: number[];
}

/** A meter whose register stuck: the same reading for consecutive hours (the mean of those hours, so kWh stays). */
export interface StuckRun {
  file: string;
  customerId: string;
  meterId: string;
  day: string;
  hours: number[];
  kwh: number;
}

export interface Correction {
  file: string;
  customerId: string;
  day: string;
  /** The long CSV's version of the day: hours 09–14 estimated at 60% of the real load. */
  originalKwh: number;
  correctedKwh: number;
  estimatedHours: number[];
}

const key = (meterId: string, day: number, hour: number) => `${meterId}|${day}|${hour}`;
const c0 = (l: Load) => l.customer.startDay;

interface Slot {
  c: Customer;
  s: MeterSeries;
  day: number;
  hour: number;
}

/** Picks distinct (meter, day) slots with data, away from the first and last days. */
class SlotPicker {
  private readonly used = new Set<string>();
  private readonly rng: Rng;
  private readonly loads: Load[];

  constructor(name: string, loads: Load[]) {
    this.rng = new Rng(name, SEED);
    this.loads = loads;
  }

  reserve(meterId: string, day: number): void {
    this.used.add(`${meterId}|${day}`);
  }

  isFree(meterId: string, day: number): boolean {
    return !this.used.has(`${meterId}|${day}`);
  }

  pick(filter: (l: Load) => boolean = () => true, minHour = 1, maxHour = 22): Slot {
    const pool = this.loads.filter(filter);
    for (;;) {
      const load = this.rng.pick(pool);
      const s = this.rng.pick(load.meters);
      const day = this.rng.int(load.customer.startDay + 2, DAYS - 4);
      const hour = this.rng.int(minHour, maxHour);
      if (this.used.has(`${s.meterId}|${day}`)) continue;
      this.used.add(`${s.meterId}|${day}`);
      return { c: load.customer, s, day, hour };
    }
  }
}

// ---------------------------------------------------------------------------------------------- long CSV

export interface LongResult {
  file: OutputFile;
  badRows: BadRow[];
  gaps: Gap[];
  estimated: EstimatedRun[];
  stuck: StuckRun[];
  correction: Correction;
  correctionFile: OutputFile;
}

export function longFiles(loads: Load[], correctionDay: string): LongResult {
  const file = FILES.long;
  const picker = new SlotPicker('long-faults', loads);
  const plan = new Map<string, Mutation>();
  const gaps: Gap[] = [];
  const estimated: EstimatedRun[] = [];
  const kwhAt = (s: MeterSeries, d: number, h: number) => s.kwh[d * 24 + h]!;

  // The correction target: a single-meter customer with reactive data; its long-CSV day has a poor estimate.
  const cday = dayIndexOf(correctionDay);
  const target = loads.find((l) => l.customer.meterIds.length === 0 && l.customer.powerFactor !== null && l.customer.trend === 'stable')!;
  const estimatedHours = [9, 10, 11, 12, 13, 14];
  picker.reserve(target.meters[0]!.meterId, cday);
  for (const h of estimatedHours) plan.set(key(target.customer.id, cday, h), { quality: 'E', scale: 0.6 });
  estimated.push({ file, meterId: target.customer.id, day: correctionDay, hours: estimatedHours });

  // A few short runs of estimated readings.
  for (let i = 0; i < 12; i++) {
    const { s, day, hour } = picker.pick(() => true, 1, 20);
    const hours = Array.from({ length: 1 + (i % 3) }, (_, k) => hour + k);
    for (const h of hours) plan.set(key(s.meterId, day, h), { quality: 'E' });
    estimated.push({ file, meterId: s.meterId, day: CALENDAR[day]!.key, hours });
  }

  // Two gaps: one short enough to interpolate, one that stays missing.
  for (const [len, note] of [
    [2, 'short gap: filled by linear interpolation (estimated)'],
    [5, 'long gap: stays missing'],
  ] as const) {
    const { c, s, day, hour } = picker.pick(() => true, 2, 16);
    const hours = Array.from({ length: len }, (_, k) => hour + k);
    for (const h of hours) plan.set(key(s.meterId, day, h), { skip: true });
    gaps.push({ file, customerId: c.id, meterId: s.meterId, day: CALENDAR[day]!.key, hours, note });
  }

  // Bad rows. A bad value replaces the real reading (that interval becomes a one-interval gap);
  // unknown customers, bad dates and duplicates are extra rows.
  const replace = (kwhText: (v: number) => string, why: string) => {
    const { s, day, hour } = picker.pick();
    plan.set(key(s.meterId, day, hour), { kwhText: kwhText(kwhAt(s, day, hour)), why });
  };
  replace((v) => fmt(-v), 'negative kWh');
  replace((v) => fmt(-v), 'negative kWh');
  replace(() => '#VALUE!', 'unparsable kWh');
  replace((v) => fmt(v).replace('.', '.4.'), 'unparsable kWh');
  const addAfter = (slot: Slot, extra: Extra) => {
    const k = key(slot.s.meterId, slot.day, slot.hour);
    const m = plan.get(k) ?? {};
    (m.extra ??= []).push(extra);
    plan.set(k, m);
  };
  for (const unknownId of ['KA9999', 'KA0999']) {
    const slot = picker.pick();
    const v = kwhAt(slot.s, slot.day, slot.hour);
    addAfter(slot, {
      cells: () => [unknownId, unknownId, intervalStart(CALENDAR[slot.day]!.key, slot.hour), '60', fmt(v), '', 'A'],
      why: () => `unknown customer ${unknownId}`,
    });
  }
  for (const badStart of ['2026-06-31T10:00:00+08:00', '2026-09-15T25:00:00+08:00']) {
    const slot = picker.pick();
    addAfter(slot, {
      cells: () => [slot.c.id, slot.s.meterId, badStart, '60', fmt(kwhAt(slot.s, slot.day, slot.hour)), '', 'A'],
      why: () => `bad date ${badStart}`,
    });
  }
  {
    const slot = picker.pick(() => true, 1, 18);
    const origKey = key(slot.s.meterId, slot.day, slot.hour);
    const v = kwhAt(slot.s, slot.day, slot.hour);
    const kv = slot.s.kvarh ? fmt(slot.s.kvarh[slot.day * 24 + slot.hour]!) : '';
    const start = intervalStart(CALENDAR[slot.day]!.key, slot.hour);
    addAfter({ ...slot, hour: slot.hour + 3 }, {
      cells: () => [slot.c.id, slot.s.meterId, start, '60', fmt(round3(v * 1.15)), kv, 'A'],
      why: (line) => `duplicate interval ${start} with a different value (first on line ${line(origKey)}, kwh ${fmt(v)})`,
    });
  }

  // A stuck register in the last weeks (issue 11's flat-line, for the metering team): the first multi-meter customer
  // whose second meter is free 10 days before the end repeats one reading for hours 02–21.
  const stuck: StuckRun[] = [];
  {
    const sd = DAYS - 10;
    const load = loads.find((l) => l.meters.length >= 2 && c0(l) <= sd - 60 && picker.isFree(l.meters[1]!.meterId, sd))!;
    const s = load.meters[1]!;
    picker.reserve(s.meterId, sd);
    const hours = Array.from({ length: 20 }, (_, k) => 2 + k);
    const fixed = round3(hours.reduce((a, h) => a + kwhAt(s, sd, h), 0) / hours.length);
    for (const h of hours) plan.set(key(s.meterId, sd, h), { fixed });
    stuck.push({ file, customerId: load.customer.id, meterId: s.meterId, day: CALENDAR[sd]!.key, hours, kwh: fixed });
  }

  const lines: string[] = [LONG_HEADER];
  const badRows: BadRow[] = [];
  const lineByKey = new Map<string, number>();
  const lineOf = (k: string) => lineByKey.get(k)!;
  let originalKwh = 0;
  for (const load of loads) {
    const c = load.customer;
    for (const s of load.meters) {
      for (let d = c.startDay; d < DAYS; d++) {
        const day = CALENDAR[d]!.key;
        for (let h = 0; h < 24; h++) {
          const k = key(s.meterId, d, h);
          const m = plan.get(k);
          if (m?.skip) continue;
          const scale = m?.scale ?? 1;
          const kwh = m?.fixed ?? round3(s.kwh[d * 24 + h]! * scale);
          const kvarh = s.kvarh ? fmt(round3(s.kvarh[d * 24 + h]! * scale)) : '';
          if (c === target.customer && d === cday) originalKwh += kwh;
          lines.push([c.id, s.meterId, intervalStart(day, h), '60', m?.kwhText ?? fmt(kwh), kvarh, m?.quality ?? 'A'].join(','));
          lineByKey.set(k, lines.length);
          if (m?.why) badRows.push({ file, line: lines.length, why: m.why });
          for (const e of m?.extra ?? []) {
            lines.push(e.cells(lineOf).join(','));
            badRows.push({ file, line: lines.length, why: e.why(lineOf) });
          }
        }
      }
    }
  }

  const t = target.meters[0]!;
  const corrected = [LONG_HEADER];
  let correctedKwh = 0;
  for (let h = 0; h < 24; h++) {
    const v = t.kwh[cday * 24 + h]!;
    correctedKwh += v;
    corrected.push([target.customer.id, t.meterId, intervalStart(correctionDay, h), '60', fmt(v), fmt(t.kvarh![cday * 24 + h]!), 'A'].join(','));
  }
  return {
    file: { path: file, data: gzip(`${lines.join('\n')}\n`) },
    badRows,
    gaps,
    estimated,
    stuck,
    correction: {
      file: FILES.correction,
      customerId: target.customer.id,
      day: correctionDay,
      originalKwh: round3(originalKwh),
      correctedKwh: round3(correctedKwh),
      estimatedHours,
    },
    correctionFile: { path: FILES.correction, data: Buffer.from(`${corrected.join('\n')}\n`, 'utf8') },
  };
}

// ---------------------------------------------------------------------------------------------- wide CSVs

interface WideRow {
  customerId: string;
  meterId: string;
  day: string;
  quantity: 0 | 1;
  values: string[];
}

function wideRows(load: Load, s: MeterSeries, d: number): WideRow[] {
  const base = { customerId: load.customer.id, meterId: s.meterId, day: CALENDAR[d]!.key };
  const rows: WideRow[] = [{ ...base, quantity: 0, values: Array.from({ length: 24 }, (_, h) => fmt(s.kwh[d * 24 + h]!)) }];
  if (s.kvarh) rows.push({ ...base, quantity: 1, values: Array.from({ length: 24 }, (_, h) => fmt(s.kvarh![d * 24 + h]!)) });
  return rows;
}

/** East: the metering system's daily export, appended day by day: GBK, CRLF, Chinese headers, hour-ending columns. */
export function wideGbkFile(loads: Load[]): { file: OutputFile; badRows: BadRow[] } {
  const file = FILES.wideGbk;
  const rng = new Rng('wide-gbk-faults', SEED);
  const qty = ['正向有功', '无功'];
  const header = ['户号', '表号', '日期', '数据项', ...Array.from({ length: 24 }, (_, h) => `${hh(h + 1)}:00`)].join(',');
  const rows: WideRow[] = [];
  for (let d = 0; d < DAYS; d++) {
    for (const load of loads) {
      if (d < load.customer.startDay) continue;
      for (const s of load.meters) rows.push(...wideRows(load, s, d));
    }
  }
  // Faults: picked among kWh rows of the middle of the file.
  const kwhRows = rows.map((r, i) => ({ r, i })).filter(({ r, i }) => r.quantity === 0 && i > 200 && i < rows.length - 200);
  const picks = rng.shuffle([...kwhRows]).slice(0, 5).sort((a, b) => a.i - b.i);
  const why = new Map<WideRow, string>();
  const extraAfter = new Map<number, { row: WideRow; why: () => string }[]>();
  const [neg, unp, unknown, badDate, dup] = rng.shuffle([...picks]);
  {
    const col = rng.int(0, 23);
    neg!.r.values[col] = `-${neg!.r.values[col]}`;
    why.set(neg!.r, `negative kWh in column ${hh(col + 1)}:00`);
  }
  {
    const col = rng.int(0, 23);
    unp!.r.values[col] = `${unp!.r.values[col]!.slice(0, 2)}O${unp!.r.values[col]!.slice(3)}`;
    why.set(unp!.r, `unparsable kWh in column ${hh(col + 1)}:00`);
  }
  const after = (i: number, row: WideRow, reason: () => string) => extraAfter.set(i, [...(extraAfter.get(i) ?? []), { row, why: reason }]);
  after(unknown!.i, { ...unknown!.r, customerId: 'KA9998', meterId: 'KA9998' }, () => 'unknown customer KA9998 (24 readings)');
  after(badDate!.i, { ...badDate!.r, day: '2026-06-31' }, () => 'bad date 2026-06-31 (24 readings)');
  const dupRow = { ...dup!.r, values: dup!.r.values.map((v) => fmt(round3(Number(v) * 1.1))) };
  // The duplicate comes a few rows after the original, as a re-sent day would.
  const dupLine = { line: 0 };
  after(dup!.i + 3, dupRow, () => `duplicate meter-day ${dup!.r.meterId} ${dup!.r.day} with different values (first on line ${dupLine.line})`);

  const lines = [header];
  const badRows: BadRow[] = [];
  const text = (r: WideRow) => [r.customerId, r.meterId, r.day, qty[r.quantity], ...r.values].join(',');
  rows.forEach((r, i) => {
    lines.push(text(r));
    if (r === dup!.r) dupLine.line = lines.length;
    const w = why.get(r);
    if (w) badRows.push({ file, line: lines.length, why: w });
    for (const e of extraAfter.get(i) ?? []) {
      lines.push(text(e.row));
      badRows.push({ file, line: lines.length, why: e.why() });
    }
  });
  return { file: { path: file, data: iconv.encode(`${lines.join('\r\n')}\r\n`, 'gbk') }, badRows };
}

/** North: UTF-8, English headers, one meter-day per row, customer by customer. */
export function wideNorthFile(loads: Load[]): OutputFile {
  const header = ['customer_id', 'meter_id', 'date', 'quantity', ...Array.from({ length: 24 }, (_, h) => `H${hh(h + 1)}`)].join(',');
  const lines = [header];
  for (const load of loads) {
    for (const s of load.meters) {
      for (let d = load.customer.startDay; d < DAYS; d++) {
        for (const r of wideRows(load, s, d)) lines.push([r.customerId, r.meterId, r.day, r.quantity ? 'kvarh' : 'kwh', ...r.values].join(','));
      }
    }
  }
  return { path: FILES.wideNorth, data: gzip(`${lines.join('\n')}\n`) };
}

// ---------------------------------------------------------------------------------------------- NEM12

export interface Nem12Estimate {
  nmi: string;
  day: string;
  /** 1-based half-hour intervals flagged E in the 400 record. */
  intervals: [number, number];
}

/** West: AEMO NEM12, 30-minute intervals (each hour split in two), local wall-clock times, E1 and Q1 channels. */
export function nem12File(loads: Load[]): { file: OutputFile; estimates: Nem12Estimate[] } {
  const picker = new SlotPicker('nem12-faults', loads);
  const estimates = [picker.pick(() => true, 1, 21), picker.pick(() => true, 1, 21)].map(({ s, day, hour }) => ({
    nmi: s.meterId,
    day: CALENDAR[day]!.key,
    intervals: [hour * 2 + 1, hour * 2 + 4] as [number, number],
  }));
  const lines = ['100,NEM12,202611010300,KAMMDP,KAMRETAIL'];
  const updated = '20261101030000';
  for (const load of loads) {
    for (const [m, s] of load.meters.entries()) {
      const channels: [string, string, string, Float64Array][] = [['E1', 'N1', 'kWh', s.kwh]];
      if (s.kvarh) channels.push(['Q1', '', 'kVArh', s.kvarh]);
      const config = channels.map((c) => c[0]).join('');
      channels.forEach(([suffix, stream, unit, values], register) => {
        lines.push(`200,${s.meterId},${config},${register + 1},${suffix},${stream},MTR${load.customer.id.slice(2)}${m + 1},${unit},30,`);
        for (let d = load.customer.startDay; d < DAYS; d++) {
          const halves: string[] = [];
          for (let h = 0; h < 24; h++) {
            const v = values[d * 24 + h]!;
            const first = round3(v / 2);
            halves.push(fmt(first), fmt(round3(v - first)));
          }
          const day = CALENDAR[d]!.key;
          const est = suffix === 'E1' ? estimates.find((e) => e.nmi === s.meterId && e.day === day) : undefined;
          lines.push(`300,${day.replaceAll('-', '')},${halves.join(',')},${est ? 'V' : 'A'},,,${updated},`);
          if (est) {
            const [a, b] = est.intervals;
            lines.push(`400,1,${a - 1},A,,`, `400,${a},${b},E52,,`, `400,${b + 1},48,A,,`);
          }
        }
      });
    }
  }
  lines.push('900');
  return { file: { path: FILES.nem12, data: Buffer.from(`${lines.join('\n')}\n`, 'utf8') }, estimates };
}

// ---------------------------------------------------------------------------------------------- quarantine

export interface Quarantine {
  file: string;
  rows: number;
  bad: number;
  share: number;
  customers: string[];
  days: [string, string];
  note: string;
  badRows: { line: number; why: string }[];
}

/** A long CSV for real customers with about 20% garbage: the whole file must be quarantined. */
export function quarantineFile(loads: Load[], from: string, days: number): { file: OutputFile; quarantine: Quarantine } {
  const rng = new Rng('quarantine', SEED);
  const chosen = rng.shuffle(loads.filter((l) => l.customer.meterIds.length === 0 && l.customer.startDay === 0)).slice(0, 2);
  chosen.sort((a, b) => a.customer.id.localeCompare(b.customer.id));
  const first = dayIndexOf(from);
  const lines = [LONG_HEADER];
  const badRows: { line: number; why: string }[] = [];
  for (const load of chosen) {
    const s = load.meters[0]!;
    for (let d = first; d < first + days; d++) {
      for (let h = 0; h < 24; h++) {
        const kwh = fmt(round3(s.kwh[d * 24 + h]! * 3));
        const kvarh = s.kvarh ? fmt(round3(s.kvarh[d * 24 + h]! * 3)) : '';
        const cells = [load.customer.id, s.meterId, intervalStart(CALENDAR[d]!.key, h), '60', kwh, kvarh, 'A'];
        const u = rng.next();
        let why: string | undefined;
        if (u < 0.1) {
          cells[4] = rng.pick(['abc', 'NULL', '--', '1.2.3', '#N/A']);
          why = `unparsable kWh "${cells[4]}"`;
        } else if (u < 0.2) {
          cells[0] = `KX${String(rng.int(100, 999))}`;
          cells[1] = cells[0];
          why = `unknown customer ${cells[0]}`;
        }
        lines.push(cells.join(','));
        if (why) badRows.push({ line: lines.length, why });
      }
    }
  }
  const rows = lines.length - 1;
  return {
    file: { path: FILES.quarantine, data: Buffer.from(`${lines.join('\n')}\n`, 'utf8') },
    quarantine: {
      file: FILES.quarantine,
      rows,
      bad: badRows.length,
      share: round3(badRows.length / rows),
      customers: chosen.map((l) => l.customer.id),
      days: [from, CALENDAR[first + days - 1]!.key],
      note: 'good rows carry 3x the real values, so any row applied by mistake shows',
      badRows,
    },
  };
}

// ---------------------------------------------------------------------------------------------- payments

export interface Payment {
  customerId: string;
  paidAt: string;
  amount: string;
  reference: string;
}

/** A handful of October payments of roughly the September bill (energy at ~0.68 CNY/kWh plus the demand charge). */
export function paymentsFile(loads: Load[]): { file: OutputFile; payments: Payment[] } {
  const rng = new Rng('payments', SEED);
  const sept = CALENDAR.filter((d) => d.key.startsWith('2026-09'));
  const bill = (l: Load) => {
    let kwh = 0;
    for (const d of sept) for (let h = 0; h < 24; h++) kwh += l.total[d.index * 24 + h]!;
    return kwh * 0.68 + l.customer.contractKw * 40;
  };
  const picks = rng.shuffle(loads.filter((l) => l.customer.startDay === 0)).slice(0, 7);
  picks.sort((a, b) => a.customer.id.localeCompare(b.customer.id));
  const payments: Payment[] = [];
  const pay = (l: Load, amount: number, day: number) => {
    const time = `${hh(rng.int(8, 17))}:${hh(rng.int(0, 59))}:00`;
    payments.push({
      customerId: l.customer.id,
      paidAt: `2026-10-${hh(day)}T${time}+08:00`,
      amount: (Math.round(amount * 100) / 100).toFixed(2),
      reference: '',
    });
  };
  picks.forEach((l, i) => {
    const amount = bill(l);
    if (i === 1) {
      // Pays in two instalments.
      pay(l, Math.round(amount * 0.5), 9);
      pay(l, amount - Math.round(amount * 0.5), 23);
    } else if (i === 4) {
      pay(l, Math.round(amount * 0.6 / 1000) * 1000, 12); // partial, a round sum
    } else {
      pay(l, amount, rng.int(8, 20));
    }
  });
  payments.sort((a, b) => a.paidAt.localeCompare(b.paidAt) || a.customerId.localeCompare(b.customerId));
  payments.forEach((p, i) => (p.reference = `HX${p.paidAt.slice(0, 10).replaceAll('-', '')}${String(i + 1).padStart(4, '0')}`));
  const lines = ['customer_id,paid_at,amount,currency,reference', ...payments.map((p) => [p.customerId, p.paidAt, p.amount, 'CNY', p.reference].join(','))];
  return { file: { path: FILES.payments, data: Buffer.from(`${lines.join('\n')}\n`, 'utf8') }, payments };
}

/**
 * November payments against the October statements (issued 2 November, due 17 November), so the arrears simulation
 * shows every path. The bill is estimated from the load (kWh × 0.80 + contract kW × 48); customers in turn:
 * pay in full (estimate × 1.25, the excess stays as credit) before the due date; pay in full after the reminder;
 * pay half after the formal notice; do not pay.
 */
export function novemberPaymentsFile(loads: Load[]): OutputFile {
  const oct = CALENDAR.filter((d) => d.key.startsWith('2026-10'));
  const estimate = (l: Load) => {
    let kwh = 0;
    for (const d of oct) for (let h = 0; h < 24; h++) kwh += l.total[d.index * 24 + h]!;
    return kwh * 0.8 + l.customer.contractKw * 48;
  };
  const rows: string[] = [];
  [...loads]
    .sort((a, b) => a.customer.id.localeCompare(b.customer.id))
    .forEach((l, i) => {
      const e = estimate(l);
      const plan = i % 4;
      if (plan === 3) return;
      const [day, amount] = plan === 0 ? ['2026-11-15', e * 1.25] : plan === 1 ? ['2026-11-20', e * 1.25] : ['2026-11-26', e * 0.5];
      rows.push([l.customer.id, `${day}T10:${hh(i % 60)}:00+08:00`, (Math.round(amount * 100) / 100).toFixed(2), 'CNY', `HX${day.replaceAll('-', '')}${String(i + 1).padStart(4, '0')}`].join(','));
    });
  const lines = ['customer_id,paid_at,amount,currency,reference', ...rows];
  return { path: FILES.paymentsNov, data: Buffer.from(`${lines.join('\n')}\n`, 'utf8') };
}
