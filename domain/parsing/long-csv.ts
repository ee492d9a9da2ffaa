import type { LineParser, Quality, ReadingSink } from './reading-sink.ts';
import { FileFormatError, KVARH, KWH } from './reading-sink.ts';
import { normalizeHeader, splitCsvLine } from './csv-fields.ts';
import { type AliasMap, matchHeader, READING_ALIASES } from './header-aliases.ts';
import type { Zone } from '../time/zone.ts';

const REQUIRED = ['customer_id', 'meter_id', 'interval_start', 'interval_minutes', 'kwh'] as const;
export const VALID_INTERVALS = new Set([1, 5, 10, 15, 30, 60]);

/** Canonical long CSV: `customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality`, one reading a row. */
export class LongCsvParser implements LineParser {
  readonly format = 'long-csv' as const;
  private readonly sink: ReadingSink;
  private readonly zone: Zone;
  private readonly aliases: AliasMap;
  private cols: Record<string, number> | null = null;
  private width = 0;
  // Timestamp cache: rows of one day share the date part, so its epoch day is parsed once.
  private lastDate = '';
  private lastDateMs = 0;

  constructor(opts: { sink: ReadingSink; zone: Zone; aliases?: AliasMap }) {
    this.sink = opts.sink;
    this.zone = opts.zone;
    this.aliases = opts.aliases ?? READING_ALIASES;
  }

  static looksLike(headerCells: readonly string[], aliases: AliasMap = READING_ALIASES): boolean {
    const { index } = matchHeader(headerCells, aliases);
    return REQUIRED.every((c) => index[c] !== undefined);
  }

  line(text: string, lineNo: number): void {
    if (this.cols === null) return this.header(text, lineNo);
    if (text.length === 0 || text.trim() === '') return;
    const f = splitCsvLine(text);
    const sink = this.sink;
    if (f === null) return sink.reject(lineNo, 'unterminated quoted field');
    if (f.length < this.width) return sink.reject(lineNo, `expected ${this.width} fields, found ${f.length}`);
    const c = this.cols;
    const customerId = f[c.customer_id!]!.trim();
    const meterId = f[c.meter_id!]!.trim() || customerId;
    if (!customerId) return sink.reject(lineNo, 'customer_id is empty');
    const startText = f[c.interval_start!]!;
    const start = this.parseStart(startText);
    if (Number.isNaN(start)) return sink.reject(lineNo, `interval_start "${startText}" is not an ISO-8601 time`);
    const minutesText = f[c.interval_minutes!]!;
    const minutes = Number(minutesText);
    if (!VALID_INTERVALS.has(minutes)) {
      return sink.reject(lineNo, `interval_minutes "${minutesText}" is not one of 1, 5, 10, 15, 30, 60`);
    }
    const kwhText = f[c.kwh!]!;
    const kwh = kwhText === '' ? NaN : Number(kwhText);
    if (Number.isNaN(kwh)) return sink.reject(lineNo, `kwh "${kwhText}" is not a number`);
    if (kwh < 0) return sink.reject(lineNo, `kwh ${kwhText} is negative`);
    let quality: Quality = 'A';
    if (c.quality !== undefined) {
      const q = f[c.quality]!;
      if (q === 'A' || q === 'E' || q === 'S') quality = q;
      else if (q === '') quality = 'A';
      else return sink.reject(lineNo, `quality "${q}" is not A, E or S`);
    }
    let kvarh = NaN;
    if (c.kvarh !== undefined) {
      const t = f[c.kvarh]!;
      if (t !== '') {
        kvarh = Number(t);
        if (Number.isNaN(kvarh)) return sink.reject(lineNo, `kvarh "${t}" is not a number`);
      }
    }
    sink.interval(meterId, customerId, start, minutes, KWH, kwh, quality, lineNo);
    if (!Number.isNaN(kvarh)) sink.interval(meterId, customerId, start, minutes, KVARH, Math.abs(kvarh), quality, lineNo);
  }

  end(): void {
    if (this.cols === null) throw new FileFormatError('the file is empty: no header row', 1);
  }

  private header(text: string, lineNo: number): void {
    const cells = (splitCsvLine(text) ?? []).map(normalizeHeader);
    const { index } = matchHeader(cells, this.aliases);
    const missing = REQUIRED.filter((c) => index[c] === undefined);
    if (missing.length) throw new FileFormatError(`header is missing column(s) ${missing.join(', ')}`, lineNo);
    this.cols = index;
    this.width = Math.max(...Object.values(index)) + 1;
  }

  /** `yyyy-mm-ddTHH:MM[:SS[.fff]]` followed by `Z`, `±HH:MM` or `±HHMM`; without an offset, the utility's zone. */
  private parseStart(s: string): number {
    s = s.trim();
    if (s.length < 16 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
    const sep = s.charCodeAt(10);
    if (sep !== 84 && sep !== 32) return NaN; // 'T' or ' '
    const date = s.slice(0, 10);
    let dayMs: number;
    if (date === this.lastDate) dayMs = this.lastDateMs;
    else {
      const y = num(s, 0, 4), mo = num(s, 5, 2), d = num(s, 8, 2);
      if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
      dayMs = Date.UTC(y, mo - 1, d);
      if (new Date(dayMs).getUTCDate() !== d) return NaN;
      this.lastDate = date;
      this.lastDateMs = dayMs;
    }
    const hh = num(s, 11, 2), mi = num(s, 14, 2);
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || s.charCodeAt(13) !== 58) return NaN;
    let i = 16;
    let sec = 0;
    if (s.charCodeAt(i) === 58) {
      sec = num(s, 17, 2);
      if (sec < 0 || sec > 59) return NaN;
      i = 19;
      if (s.charCodeAt(i) === 46) {
        i++;
        while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      }
    }
    const wall = dayMs + hh * 3_600_000 + mi * 60_000 + sec * 1000;
    if (i === s.length) return this.zone.localToUtc(date, hh * 60 + mi) + sec * 1000;
    const z = s.charCodeAt(i);
    if (z === 90 && i + 1 === s.length) return wall;
    if (z !== 43 && z !== 45) return NaN;
    const oh = num(s, i + 1, 2);
    const om = s.charCodeAt(i + 3) === 58 ? num(s, i + 4, 2) : num(s, i + 3, 2);
    const expectedLen = s.charCodeAt(i + 3) === 58 ? i + 6 : i + 5;
    if (oh < 0 || om < 0 || s.length !== expectedLen) return NaN;
    const off = (oh * 60 + om) * 60_000;
    return z === 43 ? wall - off : wall + off;
  }
}

/** Parses `len` ASCII digits at `at`; -1 when any is not a digit. */
function num(s: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}
