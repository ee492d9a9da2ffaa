import type { LineParser, Quality, ReadingSink } from './reading-sink.ts';
import { FileFormatError, KVARH, KWH } from './reading-sink.ts';
import { normalizeHeader, splitCsvLine } from './csv-fields.ts';
import { type AliasMap, matchHeader, READING_ALIASES } from './header-aliases.ts';
import type { Zone } from '../time/zone.ts';
import { decodeLine } from './decode.ts';
import { parseDecimal, plainDecimalBytes } from './decimal.ts';

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

  /**
   * A UTF-8 row in place: canonical ASCII rows (unquoted, no spaces around ids, times or numbers, plain decimals)
   * are read from the bytes with no string made but the ids, which are interned; any other row, including every
   * row with something to reject, is decoded and read by `line`, so verdicts and reasons are `line`'s own.
   */
  bytes(buf: Uint8Array, from: number, to: number, lineNo: number): void {
    if (this.cols === null || !this.fastRow(buf, from, to, lineNo)) this.line(decodeLine(buf, from, to), lineNo);
  }

  line(text: string, lineNo: number): void {
    if (this.cols === null) return this.header(text, lineNo);
    if (text.length === 0) return;
    // Hot path: field boundaries by indexOf, numbers and times parsed in place; quoted lines take the slow path.
    if (text.indexOf('"') !== -1) return this.quotedLine(text, lineNo);
    const b = this.bounds;
    let n = 0;
    let from = 0;
    for (;;) {
      b[n++] = from;
      const c = text.indexOf(',', from);
      if (c === -1 || n > 63) {
        b[n] = text.length + 1;
        break;
      }
      from = c + 1;
    }
    if (n < this.width) {
      if (text.trim() === '') return;
      return this.sink.reject(lineNo, `expected ${this.width} fields, found ${n}`);
    }
    this.fields(text, lineNo, b);
  }

  private quotedLine(text: string, lineNo: number): void {
    const f = splitCsvLine(text);
    if (f === null) return this.sink.reject(lineNo, 'unterminated quoted field');
    if (f.length < this.width) return this.sink.reject(lineNo, `expected ${this.width} fields, found ${f.length}`);
    const joined = f.map((x) => x.replace(/,/g, ' ')).join(',');
    const b = this.bounds;
    let pos = 0;
    for (let i = 0; i < f.length && i < 64; i++) {
      b[i] = pos;
      pos += f[i]!.length + 1;
    }
    b[Math.min(f.length, 64)] = pos;
    this.fields(joined, lineNo, b);
  }

  private readonly bounds = new Int32Array(66);
  private lastCustomer = '';
  private lastMeter = '';

  /** Field i spans text[b[i], b[i+1] - 1). */
  private fields(text: string, lineNo: number, b: Int32Array): void {
    const c = this.cols!;
    const sink = this.sink;
    const customerId = this.idField(text, b, c.customer_id!, true);
    if (!customerId) return sink.reject(lineNo, 'customer_id is empty');
    const meterId = this.idField(text, b, c.meter_id!, false) || customerId;
    const ts = c.interval_start!;
    const start = this.parseStart(text, b[ts]!, b[ts + 1]! - 1);
    if (Number.isNaN(start)) return sink.reject(lineNo, `interval_start "${field(text, b, ts)}" is not an ISO-8601 time`);
    const mi = c.interval_minutes!;
    const minutes = parseDecimal(text, b[mi]!, b[mi + 1]! - 1);
    if (!VALID_INTERVALS.has(minutes)) {
      return sink.reject(lineNo, `interval_minutes "${field(text, b, mi)}" is not one of 1, 5, 10, 15, 30, 60`);
    }
    const k = c.kwh!;
    const kwh = parseDecimal(text, b[k]!, b[k + 1]! - 1);
    if (Number.isNaN(kwh)) return sink.reject(lineNo, `kwh "${field(text, b, k)}" is not a number`);
    if (kwh < 0) return sink.reject(lineNo, `kwh ${field(text, b, k)} is negative`);
    let quality: Quality = 'A';
    if (c.quality !== undefined) {
      const qs = b[c.quality]!, qe = b[c.quality + 1]! - 1;
      const q = qe - qs === 1 ? text.charCodeAt(qs) : qe === qs ? 65 : 0;
      if (q === 65) quality = 'A';
      else if (q === 69) quality = 'E';
      else if (q === 83) quality = 'S';
      else return sink.reject(lineNo, `quality "${field(text, b, c.quality)}" is not A, E or S`);
    }
    let kvarh = NaN;
    if (c.kvarh !== undefined) {
      const vs = b[c.kvarh]!, ve = b[c.kvarh + 1]! - 1;
      if (ve > vs) {
        kvarh = parseDecimal(text, vs, ve);
        if (Number.isNaN(kvarh)) return sink.reject(lineNo, `kvarh "${field(text, b, c.kvarh)}" is not a number`);
      }
    }
    sink.interval(meterId, customerId, start, minutes, KWH, kwh, quality, lineNo);
    if (!Number.isNaN(kvarh)) sink.interval(meterId, customerId, start, minutes, KVARH, Math.abs(kvarh), quality, lineNo);
  }

  /** An id field, reusing the previous row's string when equal (rows of one meter come together). */
  private idField(text: string, b: Int32Array, i: number, customer: boolean): string {
    const s = b[i]!, e = b[i + 1]! - 1;
    const prev = customer ? this.lastCustomer : this.lastMeter;
    if (prev.length === e - s && text.startsWith(prev, s)) return prev;
    const v = text.slice(s, e).trim();
    if (customer) this.lastCustomer = v;
    else this.lastMeter = v;
    return v;
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
    this.fc = [index.customer_id!, index.meter_id!, index.interval_start!, index.interval_minutes!, index.kwh!, index.kvarh ?? -1, index.quality ?? -1];
  }

  // Column indexes for fastRow: customer, meter, interval_start, interval_minutes, kwh, kvarh (-1: none), quality (-1).
  private fc: number[] = [];
  private fDateKey = -1;
  private fDateMs = 0;
  private fDate = '';
  private readonly ids = new IdInterner();

  /** The fast path of `bytes`: false (having done nothing) for any row it does not read itself. */
  private fastRow(buf: Uint8Array, from: number, to: number, lineNo: number): boolean {
    const b = this.bounds;
    let n = 1;
    b[0] = from;
    for (let i = from; i < to; i++) {
      const ch = buf[i]!;
      if (ch > 44) {
        if (ch >= 128) return false;
      } else if (ch === 44) {
        b[n++] = i + 1;
        if (n > 63) return false;
      } else if (ch === 34) return false;
    }
    b[n] = to + 1;
    if (n < this.width) return false;
    const c = this.fc;
    const ci = c[0]!, cs = b[ci]!, ce = b[ci + 1]! - 1;
    if (ce <= cs || buf[cs]! <= 32 || buf[ce - 1]! <= 32) return false;
    const customerId = this.ids.get(buf, cs, ce, 0);
    const mIdx = c[1]!, ms = b[mIdx]!, me = b[mIdx + 1]! - 1;
    let meterId = customerId;
    if (me > ms && !sameBytes(buf, cs, ce, ms, me)) {
      if (buf[ms]! <= 32 || buf[me - 1]! <= 32) return false;
      meterId = this.ids.get(buf, ms, me, 1);
    }
    const ti = c[2]!;
    const start = this.fastStart(buf, b[ti]!, b[ti + 1]! - 1);
    if (start !== start) return false;
    const ni = c[3]!;
    const minutes = plainDecimalBytes(buf, b[ni]!, b[ni + 1]! - 1);
    if (minutes !== 15 && minutes !== 5 && minutes !== 30 && minutes !== 60 && minutes !== 1 && minutes !== 10) return false;
    const ki = c[4]!;
    const kwh = plainDecimalBytes(buf, b[ki]!, b[ki + 1]! - 1);
    if (!(kwh >= 0)) return false;
    let quality: Quality = 'A';
    const qi = c[6]!;
    if (qi >= 0) {
      const qs = b[qi]!, qe = b[qi + 1]! - 1;
      if (qe - qs === 1) {
        const q = buf[qs]!;
        if (q === 69) quality = 'E';
        else if (q === 83) quality = 'S';
        else if (q !== 65) return false;
      } else if (qe !== qs) return false;
    }
    let kvarh = NaN;
    const vi = c[5]!;
    if (vi >= 0) {
      const vs = b[vi]!, ve = b[vi + 1]! - 1;
      if (ve > vs) {
        kvarh = plainDecimalBytes(buf, vs, ve);
        if (kvarh !== kvarh) return false;
      }
    }
    this.sink.interval(meterId, customerId, start, minutes, KWH, kwh, quality, lineNo);
    if (kvarh === kvarh) this.sink.interval(meterId, customerId, start, minutes, KVARH, Math.abs(kvarh), quality, lineNo);
    return true;
  }

  /** parseStart on bytes, for exactly `yyyy-mm-ddTHH:MM[:SS[.fff]]` then nothing, `Z`, `±HH:MM` or `±HHMM`; else NaN. */
  private fastStart(s: Uint8Array, from: number, to: number): number {
    if (to - from < 16 || s[from + 4] !== 45 || s[from + 7] !== 45 || s[from + 13] !== 58) return NaN;
    const sep = s[from + 10];
    if (sep !== 84 && sep !== 32) return NaN;
    const y = digits(s, from, 4), mo = digits(s, from + 5, 2), d = digits(s, from + 8, 2);
    const key = y * 10000 + mo * 100 + d;
    let dayMs: number;
    if (key === this.fDateKey && y >= 0 && mo >= 0 && d >= 0) dayMs = this.fDateMs;
    else {
      if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
      dayMs = Date.UTC(y, mo - 1, d);
      if (new Date(dayMs).getUTCDate() !== d) return NaN;
      this.fDateKey = key;
      this.fDateMs = dayMs;
      this.fDate = '';
    }
    const hh = digits(s, from + 11, 2), mi = digits(s, from + 14, 2);
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59) return NaN;
    let i = from + 16;
    let sec = 0;
    if (s[i] === 58) {
      sec = digits(s, i + 1, 2);
      if (sec < 0 || sec > 59) return NaN;
      i += 3;
      if (s[i] === 46) {
        i++;
        while (i < to && s[i]! >= 48 && s[i]! <= 57) i++;
      }
    }
    if (i === to) {
      if (this.fDate === '') this.fDate = String.fromCharCode(...s.subarray(from, from + 10));
      return this.zone.localToUtc(this.fDate, hh * 60 + mi) + sec * 1000;
    }
    const wall = dayMs + hh * 3_600_000 + mi * 60_000 + sec * 1000;
    const z = s[i];
    if (z === 90 && i + 1 === to) return wall;
    if (z !== 43 && z !== 45) return NaN;
    const colon = s[i + 3] === 58;
    const oh = digits(s, i + 1, 2);
    const om = colon ? digits(s, i + 4, 2) : digits(s, i + 3, 2);
    if (oh < 0 || om < 0 || to !== (colon ? i + 6 : i + 5)) return NaN;
    const off = (oh * 60 + om) * 60_000;
    return z === 43 ? wall - off : wall + off;
  }

  /** `yyyy-mm-ddTHH:MM[:SS[.fff]]` then `Z`, `±HH:MM` or `±HHMM`, in text[from, to); without an offset, the utility's zone. */
  private parseStart(s: string, from: number, to: number): number {
    while (from < to && s.charCodeAt(from) === 32) from++;
    while (to > from && s.charCodeAt(to - 1) === 32) to--;
    if (to - from < 16 || s.charCodeAt(from + 4) !== 45 || s.charCodeAt(from + 7) !== 45) return NaN;
    const sep = s.charCodeAt(from + 10);
    if (sep !== 84 && sep !== 32) return NaN; // 'T' or ' '
    let dayMs: number;
    if (this.lastDate.length === 10 && s.startsWith(this.lastDate, from)) dayMs = this.lastDateMs;
    else {
      const y = num(s, from, 4), mo = num(s, from + 5, 2), d = num(s, from + 8, 2);
      if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
      dayMs = Date.UTC(y, mo - 1, d);
      if (new Date(dayMs).getUTCDate() !== d) return NaN;
      this.lastDate = s.slice(from, from + 10);
      this.lastDateMs = dayMs;
    }
    const hh = num(s, from + 11, 2), mi = num(s, from + 14, 2);
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || s.charCodeAt(from + 13) !== 58) return NaN;
    let i = from + 16;
    let sec = 0;
    if (s.charCodeAt(i) === 58) {
      sec = num(s, i + 1, 2);
      if (sec < 0 || sec > 59) return NaN;
      i += 3;
      if (s.charCodeAt(i) === 46) {
        i++;
        while (i < to && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      }
    }
    const wall = dayMs + hh * 3_600_000 + mi * 60_000 + sec * 1000;
    if (i === to) return this.zone.localToUtc(this.lastDate, hh * 60 + mi) + sec * 1000;
    const z = s.charCodeAt(i);
    if (z === 90 && i + 1 === to) return wall;
    if (z !== 43 && z !== 45) return NaN;
    const colon = s.charCodeAt(i + 3) === 58;
    const oh = num(s, i + 1, 2);
    const om = colon ? num(s, i + 4, 2) : num(s, i + 3, 2);
    if (oh < 0 || om < 0 || to !== (colon ? i + 6 : i + 5)) return NaN;
    const off = (oh * 60 + om) * 60_000;
    return z === 43 ? wall - off : wall + off;
  }
}

function field(text: string, b: Int32Array, i: number): string {
  return text.slice(b[i]!, b[i + 1]! - 1);
}

function digits(s: Uint8Array, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const c = s[i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Id strings for ASCII byte spans, one string per distinct id: a time-major file names a different meter on every
 * row, and making (and hashing) a new string each time costs more than the rest of the row. Bounded: past
 * MAX_IDS distinct ids, new ones are decoded each time.
 */
class IdInterner {
  private static readonly MAX_IDS = 1 << 16;
  private static readonly MAX_LEN = 64;
  // Open addressing on an FNV-1a hash of the bytes (no Map, no allocation for an id seen before), kept at most
  // half full; it grows with the ids seen, so a file of few meters keeps a table that stays in cache. Each slot
  // keeps its id's bytes (in `keys`, at `keyAt`) to compare against without touching the string.
  private hashes = new Int32Array(1024);
  private keyAt = new Int32Array(1024);
  private strings: (string | undefined)[] = new Array<string | undefined>(1024).fill(undefined);
  private keys = new Uint8Array(1 << 16);
  private keysUsed = 0;
  private size = 0;
  // The previous id of each column (customer, meter), as bytes: the common case, one meter's rows together.
  private readonly prev = [new Uint8Array(IdInterner.MAX_LEN), new Uint8Array(IdInterner.MAX_LEN)];
  private readonly prevLen = [-1, -1];
  private readonly prevId = ['', ''];

  get(buf: Uint8Array, s: number, e: number, col: 0 | 1): string {
    const len = e - s;
    const prev = this.prev[col]!;
    // Ids of neighbouring meters differ at their end: look there first.
    if (len === this.prevLen[col] && prev[len - 1] === buf[e - 1]) {
      let i = 0;
      while (i < len && prev[i] === buf[s + i]) i++;
      if (i === len) return this.prevId[col]!;
    }
    if (len > IdInterner.MAX_LEN) {
      this.prevLen[col] = -1;
      return decodeLine(buf, s, e);
    }
    let h = 0x811c9dc5 | 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    const strings = this.strings;
    const mask = strings.length - 1;
    const keys = this.keys;
    let id: string | undefined;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const found = strings[k];
      if (found === undefined) {
        id = String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
        if (this.size < IdInterner.MAX_IDS) this.insert(k, h, id, buf, s, e);
        break;
      }
      if (this.hashes[k] === h && found.length === len) {
        const at = this.keyAt[k]!;
        let i = 0;
        while (i < len && keys[at + i] === buf[s + i]) i++;
        if (i === len) {
          id = found;
          break;
        }
      }
    }
    for (let i = 0; i < len; i++) prev[i] = buf[s + i]!;
    this.prevLen[col] = len;
    this.prevId[col] = id;
    return id;
  }

  private insert(k: number, h: number, id: string, buf: Uint8Array, s: number, e: number): void {
    if (this.keysUsed + (e - s) > this.keys.length) {
      const keys = new Uint8Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    this.keys.set(buf.subarray(s, e), this.keysUsed);
    this.hashes[k] = h;
    this.keyAt[k] = this.keysUsed;
    this.strings[k] = id;
    this.keysUsed += e - s;
    if (++this.size * 2 > this.strings.length) this.grow();
  }

  private grow(): void {
    const { hashes, keyAt, strings } = this;
    this.hashes = new Int32Array(hashes.length * 2);
    this.keyAt = new Int32Array(keyAt.length * 2);
    this.strings = new Array<string | undefined>(strings.length * 2).fill(undefined);
    const mask = this.strings.length - 1;
    for (let j = 0; j < strings.length; j++) {
      if (strings[j] === undefined) continue;
      let k = hashes[j]! & mask;
      while (this.strings[k] !== undefined) k = (k + 1) & mask;
      this.hashes[k] = hashes[j]!;
      this.keyAt[k] = keyAt[j]!;
      this.strings[k] = strings[j];
    }
  }
}

function sameBytes(buf: Uint8Array, as: number, ae: number, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (buf[as + i] !== buf[bs + i]) return false;
  return true;
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
