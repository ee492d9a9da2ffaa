import type { ColumnReport, LineParser, Quality, Quantity, ReadingSink } from './reading-sink.ts';
import { FileFormatError, KVARH, KWH } from './reading-sink.ts';
import { splitCsvLine } from './csv-fields.ts';
import { type AliasMap, READING_ALIASES } from './header-aliases.ts';
import { analyseWideHeader, classifyQuantity, type QuantityRule, type UsableQuantity, type WideLayout } from './wide-header.ts';
import { parseDecimal } from './decimal.ts';
import type { Zone } from '../time/zone.ts';

// 2026-10-01, 2026/10/1, 2026.10.01, 2026年10月1日, 20261001; a midnight time after it (数据时间 2026-10-01 00:00:00) is allowed.
const DATE = /^(\d{4})(?:[-/.]|年)(\d{1,2})(?:[-/.]|月)(\d{1,2})日?(?:[ T]0?0:00(?::00)?)?$|^(\d{4})(\d{2})(\d{2})$/;
/** Cell texts exports use for "no value": the interval is missing, the row is not rejected. */
export const NO_VALUE: ReadonlySet<string> = new Set(['-', '--', '—', '/', 'null', 'NULL', 'N/A', 'n/a']);
/** First cells of a totals row below the data (skipped with a warning, not rejected). */
const TOTALS = new Set(['合计', '总计', '小计', '合 计', '总 计', 'total', 'sum', 'totals']);
const BLANK = /^[\s,]*$/;

/** Whether a cell marks a totals row (合计, 总计, …). */
export function isTotalsCell(cell: string): boolean {
  return TOTALS.has(cell.trim().toLowerCase());
}

export interface WideOptions {
  sink: ReadingSink;
  zone: Zone;
  aliases?: AliasMap;
  /** Multiply values by the file's 倍率 column (the file's values are before the CT × PT ratio). Off by default. */
  applyMultiplier?: boolean;
  /** A title row above the header said 示值: the file holds register readings. */
  register?: boolean;
  /** Oddities that lose no data (a totals row skipped, a kW curve converted, …). */
  warn?: (line: number, message: string) => void;
}

const ENERGY_KWH: UsableQuantity = { kind: 'energy', quantity: KWH };
const REGISTER_KWH: UsableQuantity = { kind: 'register', quantity: KWH };

/**
 * Wide CSV: one meter-day a row with 24, 48 or 96 interval columns (the common export of Chinese metering systems).
 * The header is read by shape (wide-header.ts): identity, date, optional quantity, quality and multiplier columns and
 * a block of labelled interval columns; other columns are ignored wherever they stand. The block's i-th column holds
 * the interval starting i × (1440 / width) minutes after local midnight; an empty cell is a missing interval.
 * A quantity column says whether a row is kWh, kvarh, a kW load curve (converted by the interval length) or register
 * readings (示值, turned into interval energy by differences, carried across days per meter).
 */
export class WideCsvParser implements LineParser {
  readonly format = 'wide-csv' as const;
  private readonly sink: ReadingSink;
  private readonly zone: Zone;
  private readonly aliases: AliasMap;
  private readonly opts: WideOptions;
  private layout: WideLayout | null = null;
  columns: ColumnReport | null = null;
  private valueCols: number[] = [];
  private minutes = 0;
  private width = 0;
  private stop = 0;
  private defaultRule: UsableQuantity = ENERGY_KWH;
  private readonly rules = new Map<string, QuantityRule>();
  private readonly warned = new Set<string>();
  /** Last register reading per meter (and quantity): the instant it was read at, its value and line. */
  private readonly carry = new Map<string, { instant: number; reading: number; line: number }>();
  private multiplierChecked = false;
  private totalsSkipped = 0;
  private lastTotalsLine = 0;
  private ignoredMultiplier: number | undefined;

  constructor(opts: WideOptions) {
    this.sink = opts.sink;
    this.zone = opts.zone;
    this.aliases = opts.aliases ?? READING_ALIASES;
    this.opts = opts;
  }

  private bounds = new Int32Array(160);
  private lastDateText = '';
  private lastDay: string | null = null;
  private values = new Float64Array(96);
  private energy = new Float64Array(96);

  line(text: string, lineNo: number): void {
    const L = this.layout;
    if (L === null) return this.header(text, lineNo);
    const sink = this.sink;
    const n = this.valueCols.length;
    const b = this.bounds;
    let f: string[] | null = null;
    let count = 0;
    if (text.indexOf('"') === -1) {
      // Hot path: field boundaries by indexOf (up to the last column read); values parsed in place without splitting.
      const stop = this.stop;
      let from = 0;
      for (;;) {
        b[count++] = from;
        const c = text.indexOf(',', from);
        if (c === -1) {
          b[count] = text.length + 1;
          break;
        }
        if (count === stop) {
          b[count] = c + 1;
          break;
        }
        from = c + 1;
      }
    } else {
      f = splitCsvLine(text);
      if (f === null) return sink.reject(lineNo, 'unterminated quoted field', n);
      count = f.length;
    }
    if (count < this.width) {
      if (BLANK.test(text) || this.totalsRow(text, f, lineNo)) return;
      return sink.reject(lineNo, `expected ${this.width} fields, found ${count}`, n);
    }
    const get = (i: number): string => (f ? f[i]! : text.slice(b[i]!, b[i + 1]! - 1));
    const c = L.cols;
    const customerId = c.customer_id !== undefined ? get(c.customer_id).trim() || undefined : undefined;
    const meterId = (c.meter_id !== undefined ? get(c.meter_id).trim() : '') || customerId;
    if (!meterId) {
      if (BLANK.test(text) || this.totalsRow(text, f, lineNo)) return;
      return sink.reject(lineNo, 'meter id and customer id are both empty', n);
    }
    const dateText = get(c.date!).trim();
    let day: string | null;
    if (dateText === this.lastDateText) day = this.lastDay;
    else {
      day = parseDay(dateText);
      this.lastDateText = dateText;
      this.lastDay = day;
    }
    if (day === null) {
      if (this.totalsRow(text, f, lineNo)) return;
      return sink.reject(lineNo, `date "${dateText}" is not a date (yyyy-mm-dd)`, n);
    }
    let rule = this.defaultRule;
    if (c.quantity !== undefined) {
      const t = get(c.quantity).trim().toLowerCase();
      const r = t === '' ? rule : (this.rules.get(t) ?? this.classify(t, lineNo));
      if (!('quantity' in r)) return r.kind === 'reject' ? sink.reject(lineNo, `quantity "${get(c.quantity).trim()}" ${r.reason}`, n) : undefined;
      rule = r;
    }
    const quantity = rule.quantity;
    let quality: Quality = 'A';
    if (c.quality !== undefined) {
      const q = get(c.quality).trim();
      if (q === 'E' || q === 'S') quality = q;
      else if (q !== 'A' && q !== '') return sink.reject(lineNo, `quality "${q}" is not A, E or S`, n);
    }
    let scale = rule.kind === 'power' ? this.minutes / 60 : 1;
    if (c.multiplier !== undefined) {
      const t = get(c.multiplier).trim();
      const m = Number(t);
      if (t === '' || !(m > 0) || !Number.isFinite(m)) return sink.reject(lineNo, `multiplier (倍率) "${t}" is not a positive number`, n);
      scale *= m;
    } else if (this.ignoredMultiplier !== undefined && !this.multiplierChecked) this.checkIgnoredMultiplier(get(this.ignoredMultiplier).trim(), lineNo);
    const register = rule.kind === 'register';
    const energyKwh = quantity === KWH && !register;
    const energyKvarh = quantity === KVARH && !register;
    // Validate the whole row first so a bad cell rejects the row rather than half of it.
    const values = this.values;
    for (let i = 0; i < n; i++) {
      const col = this.valueCols[i]!;
      let v: number;
      if (f) {
        const t = f[col]!.trim();
        v = t === '' ? NaN : Number(t);
        if (t !== '' && Number.isNaN(v) && !NO_VALUE.has(t)) return sink.reject(lineNo, `interval ${i + 1} value "${t}" is not a number`, n);
      } else {
        const s = b[col]!, e = b[col + 1]! - 1;
        v = e === s ? NaN : parseDecimal(text, s, e);
        if (Number.isNaN(v) && text.slice(s, e).trim() !== '' && !NO_VALUE.has(text.slice(s, e).trim())) {
          return sink.reject(lineNo, `interval ${i + 1} value "${text.slice(s, e)}" is not a number`, n);
        }
      }
      if (v < 0 && energyKwh) return sink.reject(lineNo, `interval ${i + 1} kWh ${v} is negative`, n);
      values[i] = energyKvarh ? Math.abs(v) : v;
    }
    let midnight: number;
    try {
      midnight = this.zone.midnight(day);
    } catch {
      return sink.reject(lineNo, `date "${dateText}" does not exist`, n);
    }
    if (register) return this.registerRow(meterId, customerId, midnight, quantity, quality, scale, lineNo);
    if (scale !== 1) for (let i = 0; i < n; i++) values[i]! *= scale;
    this.emit(meterId, customerId, midnight, quantity, values, quality, lineNo);
  }

  private emit(meterId: string, customerId: string | undefined, midnight: number, quantity: Quantity, values: Float64Array, quality: Quality, lineNo: number): void {
    const sink = this.sink;
    const n = values.length;
    if (sink.row) return sink.row(meterId, customerId, midnight, this.minutes, quantity, values, quality, lineNo);
    const step = this.minutes * 60_000;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!Number.isNaN(v)) sink.interval(meterId, customerId, midnight + i * step, this.minutes, quantity, v, quality, lineNo);
    }
  }

  /**
   * Register readings (示值) → interval energy. A reading is the register at an instant: the end of its interval for
   * interval-end labels and point numbers, the start for interval-start labels. Interval energy is the difference of
   * the readings at its two ends × `scale` (the multiplier when applied). The reading that closes the day's edge
   * interval comes from the same meter's row for the adjacent day (its last reading, kept per meter): for end labels
   * the day's first interval uses the previous day's last reading; for start labels the previous day's last interval
   * is completed by this day's first reading. Without that row the edge interval is missing. A reading lower than the
   * one before (meter replaced, register rolled over) rejects the row with both readings. (No DST: a day is
   * width × interval long here, as for energy rows.)
   */
  private registerRow(meterId: string, customerId: string | undefined, midnight: number, quantity: Quantity, quality: Quality, scale: number, lineNo: number): void {
    const R = this.values;
    const E = this.energy;
    const n = R.length;
    const step = this.minutes * 60_000;
    const starts = this.layout!.labels === 'starts';
    const firstInstant = starts ? midnight : midnight + step;
    const key = quantity === KWH ? meterId : `${meterId}\u0000kvarh`;
    const prev = this.carry.get(key);
    const last = R[n - 1]!;
    if (last === last) this.carry.set(key, { instant: firstInstant + (n - 1) * step, reading: last, line: lineNo });
    else this.carry.delete(key);
    const linked = prev !== undefined && prev.instant === firstInstant - step;
    let edge = NaN;
    if (starts) {
      for (let i = 0; i < n - 1; i++) E[i] = R[i + 1]! - R[i]!;
      E[n - 1] = NaN;
      if (linked) edge = R[0]! - prev.reading;
    } else {
      E[0] = linked ? R[0]! - prev.reading : NaN;
      for (let i = 1; i < n; i++) E[i] = R[i]! - R[i - 1]!;
    }
    const headers = this.layout!.headers;
    const col = (i: number): string => headers[this.valueCols[i]!]!;
    const fall = (from: number, fromAt: string, to: number, toAt: string): void =>
      this.sink.reject(lineNo, `register reading falls from ${from} (${fromAt}) to ${to} (${toAt}): meter replaced or register rolled over`, n);
    if (edge < 0 || (!starts && E[0]! < 0)) return fall(prev!.reading, `line ${prev!.line}`, R[0]!, `"${col(0)}"`);
    for (let i = starts ? 0 : 1; i < n; i++) {
      if (E[i]! < 0) return starts ? fall(R[i]!, `"${col(i)}"`, R[i + 1]!, `"${col(i + 1)}"`) : fall(R[i - 1]!, `"${col(i - 1)}"`, R[i]!, `"${col(i)}"`);
    }
    if (edge === edge) this.sink.interval(meterId, customerId, midnight - step, this.minutes, quantity, edge * scale, quality, lineNo);
    let any = false;
    for (let i = 0; i < n; i++) {
      const e = E[i]!;
      if (e === e) {
        any = true;
        if (scale !== 1) E[i] = e * scale;
      }
    }
    if (any) this.emit(meterId, customerId, midnight, quantity, E, quality, lineNo);
  }

  private classify(text: string, lineNo: number): QuantityRule {
    let rule = classifyQuantity(text);
    if (this.layout!.register && rule.kind === 'energy') rule = { kind: 'register', quantity: rule.quantity };
    if (this.rules.size < 256) this.rules.set(text, rule);
    if (rule.kind === 'power') {
      const h = this.minutes / 60;
      this.warnOnce(`power:${text}`, lineNo, `values of quantity "${text}" are ${rule.quantity === KWH ? 'kW' : 'kvar'} (load curve); converted to ${rule.quantity === KWH ? 'kWh' : 'kvarh'} × ${h} h`);
    } else if (rule.kind === 'register' && !this.layout!.register) {
      this.warnOnce(`register:${text}`, lineNo, `rows of quantity "${text}" are register readings (示值): interval energy = difference of consecutive readings`);
    } else if (rule.kind === 'skip') {
      this.warnOnce(`skip:${text}`, lineNo, `rows of quantity "${text}" skipped: ${rule.reason.replace(/^is /, '')}`);
    }
    return rule;
  }

  private checkIgnoredMultiplier(t: string, lineNo: number): void {
    if (t === '' || Number(t) === 1) return;
    this.multiplierChecked = true;
    this.warnOnce('multiplier', lineNo, `the 倍率 column holds ${t}, but applyMultiplier is off: values are taken as they are (turn it on if the export's values are before the multiplier)`);
  }

  /** A totals row (合计/总计 in one of its first cells): skipped with a warning. */
  private totalsRow(text: string, f: string[] | null, lineNo: number): boolean {
    const cells = f ?? text.split(',', 3);
    for (let k = 0; k < 3 && k < cells.length; k++) {
      const cell = cells[k]!.trim();
      if (isTotalsCell(cell)) {
        // Subtotal rows may come once a customer: the first few are named, the rest counted at the end.
        if (++this.totalsSkipped <= 5) this.warn(lineNo, `totals row (${cell}) skipped`);
        this.lastTotalsLine = lineNo;
        return true;
      }
    }
    return false;
  }

  private warnOnce(key: string, line: number, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(line, message);
  }

  private warn(line: number, message: string): void {
    this.opts.warn?.(line, message);
  }

  end(): void {
    if (this.layout === null) throw new FileFormatError('the file is empty: no header row', 1);
    if (this.totalsSkipped > 5) this.warn(this.lastTotalsLine, `${this.totalsSkipped - 5} more totals rows skipped (the last at line ${this.lastTotalsLine})`);
  }

  private header(text: string, lineNo: number): void {
    const L = analyseWideHeader(splitCsvLine(text) ?? [], this.aliases, { applyMultiplier: this.opts.applyMultiplier, register: this.opts.register }, lineNo);
    if (L === null) throw new FileFormatError('wide header needs a date column and a meter id or customer id column', lineNo);
    this.layout = L;
    this.columns = L.report;
    this.valueCols = L.valueCols;
    this.minutes = L.minutes;
    this.values = new Float64Array(L.valueCols.length);
    this.energy = new Float64Array(L.valueCols.length);
    this.width = L.width;
    this.stop = L.width;
    this.bounds = new Int32Array(L.width + 2);
    this.defaultRule = L.register ? REGISTER_KWH : ENERGY_KWH;
    if (this.opts.applyMultiplier && L.cols.multiplier === undefined) {
      this.warn(lineNo, 'applyMultiplier is on but the file has no multiplier (倍率) column: values are taken as they are');
    }
    const ignored = L.report.ignored.find((c) => c.reason?.startsWith('applyMultiplier'));
    if (ignored) this.ignoredMultiplier = ignored.index - 1;
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(t: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** A date cell as `yyyy-mm-dd` (2026-10-01, 2026/10/1, 2026年10月1日, 20261001, a midnight time after it), or null. */
export function parseDay(t: string): string | null {
  // Fast path for the canonical yyyy-mm-dd; other spellings (2026/3/2, 20260302) go through the regex.
  if (t.length === 10 && t.charCodeAt(4) === 45 && t.charCodeAt(7) === 45) {
    const y = digits(t, 0, 4), m = digits(t, 5, 7), d = digits(t, 8, 10);
    if (y < 0 || m < 1 || m > 12 || d < 1) return null;
    const leap = m === 2 && (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 1 : 0;
    return d <= DAYS_IN_MONTH[m - 1]! + leap ? t : null;
  }
  const m = DATE.exec(t);
  if (!m) return null;
  const y = m[1] ?? m[4]!, mo = (m[2] ?? m[5]!).padStart(2, '0'), d = (m[3] ?? m[6]!).padStart(2, '0');
  const day = `${y}-${mo}-${d}`;
  const check = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== day ? null : day;
}
