import type { LineParser, Quality, Quantity, ReadingSink } from './reading-sink.ts';
import { FileFormatError, KVARH, KWH } from './reading-sink.ts';
import { normalizeHeader, splitCsvLine } from './csv-fields.ts';
import { type AliasMap, matchHeader, QUANTITY_ALIASES, READING_ALIASES } from './header-aliases.ts';
import { parseDecimal } from './long-csv.ts';
import type { Zone } from '../time/zone.ts';

const WIDTHS = new Set([24, 48, 96]);
const DATE = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$|^(\d{4})(\d{2})(\d{2})$/;

/**
 * Wide CSV: one meter-day a row with 24, 48 or 96 interval columns (the common export of Chinese metering systems).
 * Column i holds the interval starting i × (1440 / width) minutes after local midnight, whatever its label says.
 * An optional quantity column says whether a row is kWh or kvarh; an empty cell is a missing interval.
 */
export class WideCsvParser implements LineParser {
  readonly format = 'wide-csv' as const;
  private readonly sink: ReadingSink;
  private readonly zone: Zone;
  private readonly aliases: AliasMap;
  private cols: Record<string, number> | null = null;
  private valueCols: number[] = [];
  private minutes = 0;
  private width = 0;
  private readonly quantityByText = new Map<string, Quantity>();

  constructor(opts: { sink: ReadingSink; zone: Zone; aliases?: AliasMap }) {
    this.sink = opts.sink;
    this.zone = opts.zone;
    this.aliases = opts.aliases ?? READING_ALIASES;
    for (const t of QUANTITY_ALIASES.kwh) this.quantityByText.set(t.toLowerCase(), KWH);
    for (const t of QUANTITY_ALIASES.kvarh) this.quantityByText.set(t.toLowerCase(), KVARH);
  }

  static looksLike(headerCells: readonly string[], aliases: AliasMap = READING_ALIASES): boolean {
    const { index, unmatched } = matchHeader(headerCells, aliases);
    return (index.meter_id !== undefined || index.customer_id !== undefined) && index.date !== undefined && WIDTHS.has(unmatched.length);
  }

  private readonly bounds = new Int32Array(160);
  private lastDateText = '';
  private lastDay: string | null = null;
  private values = new Float64Array(96);

  line(text: string, lineNo: number): void {
    if (this.cols === null) return this.header(text, lineNo);
    const sink = this.sink;
    const n = this.valueCols.length;
    const b = this.bounds;
    let f: string[] | null = null;
    let count = 0;
    if (text.indexOf('"') === -1) {
      // Hot path: field boundaries by indexOf; values parsed in place without splitting the row.
      let from = 0;
      for (;;) {
        b[count++] = from;
        const c = text.indexOf(',', from);
        if (c === -1 || count >= 158) {
          b[count] = text.length + 1;
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
      if (text.trim() === '') return;
      return sink.reject(lineNo, `expected ${this.width} fields, found ${count}`, n);
    }
    const get = (i: number): string => (f ? f[i]! : text.slice(b[i]!, b[i + 1]! - 1));
    const c = this.cols;
    const customerId = c.customer_id !== undefined ? get(c.customer_id).trim() || undefined : undefined;
    const meterId = (c.meter_id !== undefined ? get(c.meter_id).trim() : '') || customerId;
    if (!meterId) return sink.reject(lineNo, 'meter id and customer id are both empty', n);
    const dateText = get(c.date!).trim();
    let day: string | null;
    if (dateText === this.lastDateText) day = this.lastDay;
    else {
      day = parseDay(dateText);
      this.lastDateText = dateText;
      this.lastDay = day;
    }
    if (day === null) return sink.reject(lineNo, `date "${dateText}" is not a date (yyyy-mm-dd)`, n);
    let quantity: Quantity = KWH;
    if (c.quantity !== undefined) {
      const q = this.quantityByText.get(get(c.quantity).trim().toLowerCase());
      if (q === undefined) return sink.reject(lineNo, `quantity "${get(c.quantity)}" is neither active (kWh) nor reactive (kvarh)`, n);
      quantity = q;
    }
    let quality: Quality = 'A';
    if (c.quality !== undefined) {
      const q = get(c.quality).trim();
      if (q === 'E' || q === 'S') quality = q;
      else if (q !== 'A' && q !== '') return sink.reject(lineNo, `quality "${q}" is not A, E or S`, n);
    }
    // Validate the whole row first so a bad cell rejects the row rather than half of it.
    const values = this.values;
    for (let i = 0; i < n; i++) {
      const col = this.valueCols[i]!;
      let v: number;
      if (f) {
        const t = f[col]!.trim();
        v = t === '' ? NaN : Number(t);
        if (t !== '' && Number.isNaN(v)) return sink.reject(lineNo, `interval ${i + 1} value "${t}" is not a number`, n);
      } else {
        const s = b[col]!, e = b[col + 1]! - 1;
        v = e === s ? NaN : parseDecimal(text, s, e);
        if (Number.isNaN(v) && text.slice(s, e).trim() !== '') {
          return sink.reject(lineNo, `interval ${i + 1} value "${text.slice(s, e)}" is not a number`, n);
        }
      }
      if (v < 0 && quantity === KWH) return sink.reject(lineNo, `interval ${i + 1} kWh ${v} is negative`, n);
      values[i] = quantity === KVARH ? Math.abs(v) : v;
    }
    let midnight: number;
    try {
      midnight = this.zone.midnight(day);
    } catch {
      return sink.reject(lineNo, `date "${dateText}" does not exist`, n);
    }
    if (sink.row) return sink.row(meterId, customerId, midnight, this.minutes, quantity, values, quality, lineNo);
    const step = this.minutes * 60_000;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!Number.isNaN(v)) sink.interval(meterId, customerId, midnight + i * step, this.minutes, quantity, v, quality, lineNo);
    }
  }

  end(): void {
    if (this.cols === null) throw new FileFormatError('the file is empty: no header row', 1);
  }

  private header(text: string, lineNo: number): void {
    const cells = (splitCsvLine(text) ?? []).map(normalizeHeader);
    const { index, unmatched } = matchHeader(cells, this.aliases);
    if (index.date === undefined) throw new FileFormatError('wide header has no date column (date/日期)', lineNo);
    if (index.meter_id === undefined && index.customer_id === undefined) {
      throw new FileFormatError('wide header has neither a meter id (meter_id/表号) nor a customer id (customer_id/户号) column', lineNo);
    }
    if (!WIDTHS.has(unmatched.length)) {
      throw new FileFormatError(`wide header has ${unmatched.length} interval columns; expected 24, 48 or 96`, lineNo);
    }
    this.cols = index;
    this.valueCols = unmatched;
    this.minutes = 1440 / unmatched.length;
    this.values = new Float64Array(unmatched.length);
    this.width = cells.length;
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

function parseDay(t: string): string | null {
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
