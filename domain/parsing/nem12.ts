import {
  FileFormatError,
  KVARH,
  KWH,
  type LineParser,
  type Quality,
  type Quantity,
  type ReadingFormat,
  type ReadingSink,
} from './reading-sink.ts';
import { decodeLine } from './decode.ts';
import { plainDecimal, POW10 } from './decimal.ts';
import { nextDay, type Zone } from '../time/zone.ts';

/**
 * AEMO Meter Data File Format (MDFF) reader: NEM12 interval data and NEM13 accumulation data.
 *
 * Records: 100 header, 200 NMI data details (one channel), 300 one day of interval values, 400 quality events
 * overriding intervals of the preceding 300, 500 B2B details, 900 end of data; NEM13: 250 accumulation read and
 * 550 B2B details. Times are local wall-clock times, read in the zone passed in.
 *
 * What reaches the sink: every channel whose NMI suffix starts with E (active import, kWh) or Q (reactive import,
 * kvarh), converted to kWh / kvarh from the 200 record's UOM. Channels of one kind (E1, E2, ...) of one NMI are
 * added per interval, because they are registers or meters of the same connection point (for example the old and
 * new meter around a meter exchange, or a controlled-load element) and the NMI is the meter id. Other channels
 * (B and K export, V, ...) and NEM13 accumulation reads only go to the listener.
 */

/** One channel (200 record). */
export interface NemChannel {
  nmi: string;
  nmiConfiguration: string;
  registerId: string;
  suffix: string;
  mdmDataStreamId: string;
  meterSerial: string;
  uom: string;
  intervalMinutes: number;
  /** The quantity this channel feeds in the sink, undefined when it is not loaded. */
  quantity: Quantity | undefined;
  line: number;
}

/** One interval value exactly as in the file (value in the channel's UOM), after 400 overrides. */
export interface NemReading {
  nmi: string;
  suffix: string;
  uom: string;
  meterSerial: string;
  intervalMinutes: number;
  /** Local date of the interval start, `yyyy-mm-dd`. */
  day: string;
  /** Naive local ISO times, e.g. `2004-02-01T00:00:00`; the last interval ends at the next day's `T00:00:00`. */
  startLocal: string;
  endLocal: string;
  /** null when the field is empty or not a number (that interval is also rejected). */
  value: number | null;
  /** Quality method after 400 overrides: `A`, `N`, `V` or flag + method such as `S14`, `E52`, `F51`. */
  quality: string;
  reasonCode: string;
  line: number;
}

/** One NEM13 accumulation (register) read, 250 record. */
export interface NemRegisterRead {
  nmi: string;
  suffix: string;
  registerId: string;
  meterSerial: string;
  /** `E` energy consumed (import), `I` energy exported, as in the file. */
  direction: string;
  uom: string;
  /** Naive local ISO time of the previous read, null when the file gives none. */
  startLocal: string | null;
  endLocal: string;
  previousRead: number | null;
  currentRead: number;
  /** Consumption between the two reads, as stated in the file (meter roll-over already handled by the sender). */
  quantity: number;
  previousQuality: string;
  quality: string;
  line: number;
}

export interface NemHeader {
  version: 'NEM12' | 'NEM13';
  /** Naive local ISO creation time, null when missing or unreadable. */
  created: string | null;
  from: string;
  to: string;
  /** True when the file had no 100 record and the version was inferred from the first data record. */
  assumed: boolean;
  line: number;
}

/** Everything the file says, for reports and tests; all callbacks optional. */
export interface NemListener {
  header?(header: NemHeader): void;
  channel?(channel: NemChannel): void;
  reading?(reading: NemReading): void;
  registerRead?(read: NemRegisterRead): void;
  /** Something odd that does not lose data (missing header, concatenated files, missing 900). */
  warning?(line: number, message: string): void;
}

export interface Nem12ParserOptions {
  sink: ReadingSink;
  zone: Zone;
  listener?: NemListener;
  fileName?: string;
}

/** Sniffs the first non-blank line of a file: a NEM 100 header, or a headerless file starting at a 200/250 record. */
export function detectNem(firstLine: string): boolean {
  const line = firstLine.replace(/^\uFEFF/, '').trim();
  return /^100,\s*NEM1[23]\s*(,|$)/i.test(line) || /^(200|250),[^,]+,/.test(line);
}

const MINUTES_PER_DAY = 1440;
const QUALITY_300 = /^[AEFNSV]\d{0,2}$/;
const QUALITY_400 = /^[AEFNS]\d{0,2}$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** UOM (lower case) → factor to kWh or kvarh, by the quantity it measures. */
const UNITS: Record<string, { quantity: Quantity; factor: number }> = {
  wh: { quantity: KWH, factor: 0.001 },
  kwh: { quantity: KWH, factor: 1 },
  mwh: { quantity: KWH, factor: 1000 },
  varh: { quantity: KVARH, factor: 0.001 },
  kvarh: { quantity: KVARH, factor: 1 },
  mvarh: { quantity: KVARH, factor: 1000 },
};

/** Records of the other format: a NEM12 file holds no 250/550 records, a NEM13 file no 200/300/400/500. */
const MISPLACED: Record<string, string> = {
  'NEM12:250': '250 record (NEM13 accumulation read) in a NEM12 file',
  'NEM12:550': '550 record (NEM13) in a NEM12 file',
  'NEM13:200': '200 record (NEM12 interval channel) in a NEM13 file',
  'NEM13:300': '300 record (NEM12 interval data) in a NEM13 file',
  'NEM13:400': '400 record (NEM12 interval event) in a NEM13 file',
  'NEM13:500': '500 record (NEM12) in a NEM13 file',
};

/** Sink quality codes, worst last: the quality of a sum is its worst part. */
const QUALITY_CODES: readonly Quality[] = ['A', 'S', 'E'];

interface Channel {
  info: NemChannel;
  /** Intervals per day. */
  n: number;
  /** Set when the channel is loaded into the sink. */
  quantity: Quantity | undefined;
  factor: number;
  /** Why an E/Q channel cannot be loaded (unit mismatch), reported on each of its 300 records. */
  unloadable: string | undefined;
}

interface Pending300 {
  channel: Channel;
  day: string;
  line: number;
  /** Interval values; NaN where the field is empty or not a number. */
  values: Float64Array;
  /** Indices of fields that are not numbers, with the text, for the reject reason. */
  bad: Array<[number, string]>;
  quality: string;
  reasonCode: string;
  /** Per-interval quality and reason from 400 records, when any. */
  eventQuality: string[] | undefined;
  eventReason: string[] | undefined;
}

/** One NMI, one quantity, one local day: the sum of its E (or Q) channels. */
interface DaySum {
  quantity: Quantity;
  day: string;
  minutes: number;
  values: Float64Array;
  /** Index into QUALITY_CODES, or -1 when any part of the interval is missing. */
  quality: Int8Array;
  /** Line of the first 300 record that contributed. */
  line: number;
  /** Suffix → line of its 300 record, to catch a channel given twice for a day. */
  parts: Map<string, number>;
}

export class Nem12Parser implements LineParser {
  private readonly sink: ReadingSink;
  private readonly zone: Zone;
  private readonly listener: NemListener | undefined;
  readonly fileName: string | undefined;

  private version: 'NEM12' | 'NEM13' = 'NEM12';
  private started = false;
  private lastLine = 0;
  private headerLine = 0;
  private dataRecords = 0;
  private registerReads = 0;
  private endLines: number[] = [];
  private afterEndWarned = false;

  private channel: Channel | undefined;
  /** Line of the last 200 record when it was rejected, so its 300s can say why they are rejected too. */
  private rejected200 = 0;
  private pending: Pending300 | undefined;
  /** Line of the last 300 record when it was rejected, so its 400s can say so; cleared by any other record. */
  private rejected300 = 0;
  /** A 250 record was seen, so 550 records have a read to belong to. */
  private inNem13Block = false;

  private sumNmi: string | undefined;
  private readonly sums = new Map<string, DaySum>();
  private readonly flushedNmis = new Set<string>();

  constructor(options: Nem12ParserOptions) {
    this.sink = options.sink;
    this.zone = options.zone;
    this.listener = options.listener;
    this.fileName = options.fileName;
  }

  get format(): ReadingFormat {
    return this.version === 'NEM13' ? 'nem13' : 'nem12';
  }

  /** A UTF-8 line: 300 records read straight from the bytes when they can be, everything else decoded for `line`. */
  bytes(buf: Uint8Array, from: number, to: number, lineNo: number): void {
    if (to - from > 4 && buf[from] === 51 && buf[from + 1] === 48 && buf[from + 2] === 48 && buf[from + 3] === 44 && this.fast300Bytes(buf, from, to, lineNo)) {
      this.lastLine = lineNo;
      return;
    }
    this.line(decodeLine(buf, from, to), lineNo);
  }

  line(text: string, lineNo: number): void {
    this.lastLine = lineNo;
    if (text.startsWith('300,') && this.fast300(text, lineNo)) return;
    if (!this.started) text = text.replace(/^\uFEFF/, '');
    if (text.trim() === '') return;
    const fields = splitFields(text);
    const record = fields[0]!.trim();

    if (!this.started) this.start(record, fields, lineNo);
    if (record !== '400') {
      this.flushPending();
      this.rejected300 = 0;
    }
    if (this.endLines.length > 0 && record !== '900' && !this.afterEndWarned) {
      this.afterEndWarned = true;
      this.warn(
        lineNo,
        `data after the end-of-data (900) record on line ${this.endLines.at(-1)}: ` +
          'the file looks like several NEM files joined together; reading on',
      );
    }

    const misplaced = MISPLACED[`${this.version}:${record}`];
    if (misplaced) {
      this.sink.reject(lineNo, misplaced, 0);
      if (record === '200' || record === '250') this.channel = undefined;
      return;
    }

    switch (record) {
      case '100':
        if (lineNo !== this.headerLine) this.warn(lineNo, 'another 100 header record inside the file; reading on');
        return;
      case '200':
        return this.record200(fields, lineNo);
      case '300':
        return this.record300(fields, lineNo);
      case '400':
        return this.record400(fields, lineNo);
      case '500':
        if (!this.channel) this.sink.reject(lineNo, this.orphan('500', 'a 200'), 0);
        return;
      case '250':
        return this.record250(fields, lineNo);
      case '550':
        if (!this.inNem13Block) this.sink.reject(lineNo, '550 record does not follow a 250 record', 0);
        return;
      case '900':
        this.endLines.push(lineNo);
        this.afterEndWarned = false;
        return;
      default:
        this.sink.reject(
          lineNo,
          `unknown record indicator '${clip(record)}' (expected 100, 200, 300, 400, 500, 900, 250 or 550); ` +
            'a record broken over several lines shows up like this',
        );
    }
  }

  end(): void {
    if (!this.started) throw new FileFormatError('empty file: no NEM12/NEM13 records', Math.max(1, this.lastLine));
    this.flushPending();
    this.flushSums();
    if (this.dataRecords === 0) {
      throw new FileFormatError(
        `${this.version} file has no data: no 200/300 or 250 records after the header`,
        this.headerLine || 1,
      );
    }
    if (this.endLines.length === 0) {
      this.warn(this.lastLine, 'missing end-of-data (900) record: the file may be truncated');
    }
    if (this.registerReads > 0) {
      this.warn(
        this.headerLine || 1,
        `${this.registerReads} NEM13 accumulation read(s) were read but not loaded: they are not interval data`,
      );
    }
  }

  // Field starts of a 300 record read in place: field i is text[fb[i], fb[i + 1] - 1).
  private readonly fb = new Int32Array(2048);
  private lastDate8 = '';
  private readonly qualities: Quality[] = [];
  private readonly arrays = new ArrayPool();
  private lastDay = '';

  /**
   * A well-formed 300 record of the current channel, read in place: what `line` does for it, without a string per
   * interval value. False, having done nothing, for any record it leaves to `line` (quotes, a bad value or field,
   * no channel, after a 900 ...), so every verdict and reason stays the general path's own.
   */
  private fast300(text: string, lineNo: number): boolean {
    const channel = this.channel;
    if (!channel || !this.started || this.version !== 'NEM12' || this.endLines.length > 0) return false;
    if (text.indexOf('"') !== -1) return false;
    let to = text.length;
    if (text.charCodeAt(to - 1) === 13) to--;
    const b = this.fb;
    let count = 1;
    b[0] = 0;
    for (let c = text.indexOf(','); c !== -1 && c < to; c = text.indexOf(',', c + 1)) {
      if (count >= b.length - 1) return false;
      b[count++] = c + 1;
    }
    b[count] = to + 1;
    const n = channel.n;
    if (count < n + 6 || count > n + 7) return false;
    const quality = text.slice(b[2 + n]!, b[3 + n]! - 1).trim();
    if (!QUALITY_300.test(quality)) return false;
    const date8 = text.slice(b[1]!, b[2]! - 1);
    let day = this.lastDay;
    if (date8 !== this.lastDate8) {
      const parsed = parseDate8(date8);
      if (!parsed) return false;
      this.lastDate8 = date8;
      this.lastDateKey = -1;
      this.lastDay = day = parsed;
    }
    const values = this.arrays.f64(n);
    for (let i = 0; i < n; i++) {
      const v = plainDecimal(text, b[2 + i]!, b[3 + i]! - 1);
      if (v !== v) {
        this.arrays.give(values);
        return false;
      }
      values[i] = v;
    }
    this.acceptFast300(channel, day, lineNo, values, quality, text.slice(b[3 + n]!, b[4 + n]! - 1).trim());
    return true;
  }

  /** A 300 record the fast paths read whole: it becomes the pending record (the one before is handed on). */
  private acceptFast300(channel: Channel, day: string, lineNo: number, values: Float64Array, quality: string, reasonCode: string): void {
    this.flushPending();
    this.rejected300 = 0;
    this.dataRecords++;
    this.pending = { channel, day, line: lineNo, values, bad: [], quality, reasonCode, eventQuality: undefined, eventReason: undefined };
  }

  private lastDateKey = -1;
  private readonly days = new Map<number, string>();

  /** fast300 on the bytes of the line: the same records, the same result; false, having done nothing, otherwise. */
  private fast300Bytes(buf: Uint8Array, from: number, to: number, lineNo: number): boolean {
    const channel = this.channel;
    if (!channel || !this.started || this.version !== 'NEM12' || this.endLines.length > 0) return false;
    if (buf[to - 1] === 13) to--;
    let p = from + 4;
    // IntervalDate: eight digits.
    let key = 0;
    for (let k = 0; k < 8; k++, p++) {
      const c = buf[p]! - 48;
      if (c < 0 || c > 9) return false;
      key = key * 10 + c;
    }
    if (buf[p++] !== 44) return false;
    let day = this.lastDay;
    if (key !== this.lastDateKey) {
      // Each 300 record is the next day: the days of the file repeat for every NMI.
      let parsed = this.days.get(key);
      if (parsed === undefined) {
        parsed = parseDate8(String(key).padStart(8, '0'));
        if (!parsed) return false;
        if (this.days.size > 100_000) this.days.clear();
        this.days.set(key, parsed);
      }
      this.lastDateKey = key;
      this.lastDate8 = '';
      this.lastDay = day = parsed;
    }
    // n plain decimals, each ended by a comma.
    const n = channel.n;
    const values = this.arrays.f64(n);
    for (let i = 0; i < n; i++) {
      let neg = false;
      let c = buf[p];
      if (c === 45) {
        neg = true;
        c = buf[++p];
      } else if (c === 43) c = buf[++p];
      let int = 0, digits = 0, frac = 0, fracDigits = 0;
      while (c !== undefined && c >= 48 && c <= 57) {
        int = int * 10 + (c - 48);
        digits++;
        c = buf[++p];
      }
      if (c === 46) {
        c = buf[++p];
        while (c !== undefined && c >= 48 && c <= 57) {
          frac = frac * 10 + (c - 48);
          fracDigits++;
          c = buf[++p];
        }
      }
      if (c !== 44 || p >= to || digits + fracDigits === 0 || digits + fracDigits > 15 || fracDigits > 9) {
        this.arrays.give(values);
        return false;
      }
      p++;
      const v = fracDigits ? (int * POW10[fracDigits]! + frac) / POW10[fracDigits]! : int;
      values[i] = neg ? -v : v;
    }
    // QualityMethod, ReasonCode, ReasonDescription, UpdateDateTime[, MSATSLoadDateTime]: plain ASCII, no quotes.
    const rest = p;
    let commas = 0;
    let qualityEnd = -1, reasonEnd = -1;
    for (; p < to; p++) {
      const c = buf[p]!;
      if (c === 44) {
        if (++commas === 1) qualityEnd = p;
        else if (commas === 2) reasonEnd = p;
      } else if (c === 34 || c >= 128) {
        this.arrays.give(values);
        return false;
      }
    }
    if (commas < 3 || commas > 4) {
      this.arrays.give(values);
      return false;
    }
    const quality = asciiString(buf, rest, qualityEnd).trim();
    if (!QUALITY_300.test(quality)) {
      this.arrays.give(values);
      return false;
    }
    this.acceptFast300(channel, day, lineNo, values, quality, asciiString(buf, qualityEnd + 1, reasonEnd).trim());
    return true;
  }

  // ---- records ----

  private start(record: string, fields: string[], lineNo: number): void {
    this.started = true;
    if (record === '100') {
      const version = (fields[1] ?? '').trim().toUpperCase();
      if (version !== 'NEM12' && version !== 'NEM13') {
        throw new FileFormatError(
          `unsupported NEM version '${clip(fields[1] ?? '')}' in the 100 header (expected NEM12 or NEM13)`,
          lineNo,
        );
      }
      this.version = version;
      this.headerLine = lineNo;
      if (fields.length < 5) this.warn(lineNo, `100 header has ${fields.length} fields, expected 5`);
      this.listener?.header?.({
        version,
        created: parseDateTime(fields[2] ?? ''),
        from: (fields[3] ?? '').trim(),
        to: (fields[4] ?? '').trim(),
        assumed: false,
        line: lineNo,
      });
      return;
    }
    if (record === '200' || record === '300' || record === '250') {
      this.version = record === '250' ? 'NEM13' : 'NEM12';
      this.warn(lineNo, `missing 100 header record: assuming ${this.version} from the first record (${record})`);
      this.listener?.header?.({ version: this.version, created: null, from: '', to: '', assumed: true, line: lineNo });
      return;
    }
    throw new FileFormatError(
      `not a NEM12/NEM13 file: the first record starts with '${clip(record)}', expected a 100 header`,
      lineNo,
    );
  }

  private record200(fields: string[], lineNo: number): void {
    this.dataRecords++;
    this.inNem13Block = false;
    const problem = checkFieldCount('200', fields, 9, 10);
    const nmi = (fields[1] ?? '').trim();
    const suffix = (fields[4] ?? '').trim();
    const lengthText = (fields[8] ?? '').trim();
    const minutes = /^\d+$/.test(lengthText) ? Number(lengthText) : NaN;
    let reason = problem;
    if (!reason && nmi === '') reason = '200 record has an empty NMI';
    else if (!reason && suffix === '') reason = '200 record has an empty NMISuffix (channel)';
    else if (!reason && !(minutes > 0 && MINUTES_PER_DAY % minutes === 0)) {
      reason = `200 record IntervalLength '${clip(lengthText)}' is not a number of minutes that divides a day`;
    }
    if (reason) {
      this.channel = undefined;
      this.rejected200 = lineNo;
      this.sink.reject(lineNo, reason, 0);
      return;
    }

    if (nmi !== this.sumNmi) {
      this.flushSums();
      if (this.flushedNmis.has(nmi)) {
        this.warn(
          lineNo,
          `NMI ${nmi} appears again after other NMIs; its E/Q channels are added only within each block of records`,
        );
      }
      this.sumNmi = nmi;
    }

    const uom = (fields[7] ?? '').trim();
    const kind = suffix[0]!.toUpperCase();
    const wanted = kind === 'E' ? KWH : kind === 'Q' ? KVARH : undefined;
    const unit = UNITS[uom.toLowerCase()];
    let unloadable: string | undefined;
    if (wanted !== undefined && (!unit || unit.quantity !== wanted)) {
      const expected = wanted === KWH ? 'Wh, kWh or MWh' : 'varh, kvarh or Mvarh';
      unloadable =
        `channel ${suffix} of NMI ${nmi} has UOM '${clip(uom)}' (200 record on line ${lineNo}); ` +
        `expected ${expected}`;
    }
    const info: NemChannel = {
      nmi,
      nmiConfiguration: (fields[2] ?? '').trim(),
      registerId: (fields[3] ?? '').trim(),
      suffix,
      mdmDataStreamId: (fields[5] ?? '').trim(),
      meterSerial: (fields[6] ?? '').trim(),
      uom,
      intervalMinutes: minutes,
      quantity: unloadable ? undefined : wanted,
      line: lineNo,
    };
    this.channel = {
      info,
      n: MINUTES_PER_DAY / minutes,
      quantity: wanted,
      factor: unit?.factor ?? 1,
      unloadable,
    };
    this.rejected200 = 0;
    this.listener?.channel?.(info);
  }

  private record300(fields: string[], lineNo: number): void {
    this.dataRecords++;
    const channel = this.channel;
    const reject = (reason: string, count: number): void => {
      this.rejected300 = lineNo;
      this.sink.reject(lineNo, reason, count);
    };
    if (!channel) {
      reject(this.orphan('300', 'a 200'), Math.max(1, countValues(fields)));
      return;
    }
    const { n } = channel;
    const lost = channel.quantity === undefined ? 0 : n;
    const what = `300 record for ${channel.info.nmi} ${channel.info.suffix}`;

    if (!QUALITY_300.test((fields[2 + n] ?? '').trim())) {
      const found = countValues(fields);
      reject(
        found < 0
          ? `${what} has no QualityMethod field after its interval values`
          : `${what} has ${found} interval values but the 200 record on line ${channel.info.line} gives ` +
              `${channel.info.intervalMinutes}-minute intervals (${n} values per day)`,
        lost,
      );
      return;
    }
    // 2 + n values + QualityMethod, ReasonCode, ReasonDescription, UpdateDateTime (+ optional MSATSLoadDateTime).
    const fieldProblem = checkFieldCount('300', fields, n + 6, n + 7);
    if (fieldProblem) {
      reject(`${fieldProblem} for ${n} interval values (${channel.info.suffix} of ${channel.info.nmi})`, lost);
      return;
    }
    const day = parseDate8(fields[1] ?? '');
    if (!day) {
      reject(`${what}: IntervalDate '${clip(fields[1] ?? '')}' is not a valid date (YYYYMMDD)`, lost);
      return;
    }

    const values = new Float64Array(n);
    const bad: Array<[number, string]> = [];
    for (let i = 0; i < n; i++) {
      const raw = fields[2 + i]!;
      // Plain decimals (nearly every value) without the regular expression; the rest as before.
      const plain = plainDecimal(raw, 0, raw.length);
      if (plain === plain) {
        values[i] = plain;
        continue;
      }
      const text = raw.trim();
      if (NUMBER.test(text)) values[i] = Number(text);
      else {
        values[i] = NaN;
        bad.push([i, text]);
      }
    }
    this.pending = {
      channel,
      day,
      line: lineNo,
      values,
      bad,
      quality: fields[2 + n]!.trim(),
      reasonCode: (fields[3 + n] ?? '').trim(),
      eventQuality: undefined,
      eventReason: undefined,
    };
  }

  private record400(fields: string[], lineNo: number): void {
    const pending = this.pending;
    if (!pending) {
      const reason = this.rejected300
        ? `400 record belongs to the rejected 300 record on line ${this.rejected300}`
        : '400 record does not follow a 300 record';
      this.sink.reject(lineNo, reason, 0);
      return;
    }
    const n = pending.channel.n;
    const start = (fields[1] ?? '').trim();
    const stop = (fields[2] ?? '').trim();
    const quality = (fields[3] ?? '').trim();
    const first = /^\d+$/.test(start) ? Number(start) : NaN;
    const last = /^\d+$/.test(stop) ? Number(stop) : NaN;
    let reason = checkFieldCount('400', fields, 6, 6);
    if (!reason && !(first >= 1 && first <= n)) {
      reason = `400 record StartInterval '${clip(start)}' is outside 1..${n} of the 300 record on line ${pending.line}`;
    } else if (!reason && !(last >= first && last <= n)) {
      reason =
        `400 record EndInterval '${clip(stop)}' is outside ${start}..${n} of the 300 record on line ${pending.line}`;
    } else if (!reason && !QUALITY_400.test(quality)) {
      reason = `400 record QualityMethod '${clip(quality)}' is not one of A, N, or E/F/S with a method number`;
    }
    if (reason) {
      // The 300's intervals keep their own quality; a V left uncovered is rejected when the 300 is flushed.
      this.sink.reject(lineNo, reason, 0);
      return;
    }
    pending.eventQuality ??= new Array<string>(n).fill('');
    pending.eventReason ??= new Array<string>(n).fill('');
    const reasonCode = (fields[4] ?? '').trim();
    for (let i = first - 1; i < last; i++) {
      pending.eventQuality[i] = quality;
      pending.eventReason[i] = reasonCode;
    }
  }

  private record250(fields: string[], lineNo: number): void {
    this.dataRecords++;
    this.channel = undefined;
    this.inNem13Block = false;
    const fieldProblem = checkFieldCount('250', fields, 22, 23);
    if (fieldProblem) {
      this.sink.reject(lineNo, fieldProblem, 0);
      return;
    }
    const f = (i: number): string => fields[i]!.trim();
    const previousRead = f(8) === '' ? null : parseNumber(f(8));
    const startLocal = f(9) === '' ? null : parseDateTime(f(9));
    const currentRead = parseNumber(f(13));
    const endLocal = parseDateTime(f(14));
    const quantity = parseNumber(f(18));
    let reason: string | undefined;
    if (f(1) === '') reason = '250 record has an empty NMI';
    else if (f(4) === '') reason = '250 record has an empty NMISuffix';
    else if (Number.isNaN(previousRead)) reason = `250 record PreviousRegisterRead '${clip(f(8))}' is not a number`;
    else if (startLocal === null && f(9) !== '') {
      reason = `250 record PreviousRegisterReadDateTime '${clip(f(9))}' is not a valid date-time`;
    } else if (Number.isNaN(currentRead)) reason = `250 record CurrentRegisterRead '${clip(f(13))}' is not a number`;
    else if (endLocal === null) {
      reason = `250 record CurrentRegisterReadDateTime '${clip(f(14))}' is not a valid date-time`;
    } else if (Number.isNaN(quantity)) reason = `250 record Quantity '${clip(f(18))}' is not a number`;
    if (reason) {
      this.sink.reject(lineNo, reason, 0);
      return;
    }
    this.inNem13Block = true;
    this.registerReads++;
    this.listener?.registerRead?.({
      nmi: f(1),
      registerId: f(3),
      suffix: f(4),
      meterSerial: f(6),
      direction: f(7),
      uom: f(19),
      startLocal,
      endLocal: endLocal!,
      previousRead,
      currentRead,
      quantity,
      previousQuality: f(10),
      quality: f(15),
      line: lineNo,
    });
  }

  // ---- emitting ----

  /** Resolves a buffered 300 record with its 400 overrides: reports it, rejects what cannot be used, sums the rest. */
  private flushPending(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    const { channel, day, values, line } = p;
    const { n, info } = channel;
    const minutes = info.intervalMinutes;
    const loaded = channel.quantity !== undefined && channel.unloadable === undefined;
    const sums = loaded ? this.arrays.f64(n) : undefined;
    const codes = loaded ? this.arrays.i8(n) : undefined;
    const uncovered: number[] = [];

    for (let i = 0; i < n; i++) {
      const quality = p.eventQuality?.[i] || p.quality;
      const value = values[i]!;
      this.listener?.reading?.({
        nmi: info.nmi,
        suffix: info.suffix,
        uom: info.uom,
        meterSerial: info.meterSerial,
        intervalMinutes: minutes,
        day,
        startLocal: localIso(day, i * minutes),
        endLocal: localIso(day, (i + 1) * minutes),
        value: Number.isNaN(value) ? null : value,
        quality,
        reasonCode: p.eventReason?.[i] || p.reasonCode,
        line,
      });
      if (quality === 'V') uncovered.push(i);
      if (!sums || !codes) continue;
      const flag = quality[0]!;
      if (Number.isNaN(value) || flag === 'V' || flag === 'N') {
        codes[i] = -1; // missing: null (N) quality, a bad value or a quality no 400 record gave
      } else {
        sums[i] = value * channel.factor;
        codes[i] = flag === 'A' ? 0 : flag === 'E' ? 2 : 1; // F (final substitute) and S are substitutions
      }
    }

    const what = `300 record for ${info.nmi} ${info.suffix} ${day}`;
    const lostEach = loaded ? 1 : 0;
    if (uncovered.length > 0) {
      this.sink.reject(
        line,
        `${what}: QualityMethod V but no 400 record gives the quality of interval(s) ${ranges(uncovered)} of ${n}`,
        uncovered.length * lostEach,
      );
    }
    if (p.bad.length > 0) {
      const texts = p.bad.slice(0, 3).map(([, t]) => `'${clip(t)}'`);
      this.sink.reject(
        line,
        `${what}: interval value(s) ${ranges(p.bad.map(([i]) => i))} not a number (${texts.join(', ')}` +
          `${p.bad.length > 3 ? ', ...' : ''})`,
        p.bad.length * lostEach,
      );
    }
    if (channel.quantity !== undefined && channel.unloadable) {
      this.sink.reject(line, `${what}: ${channel.unloadable}`, n);
    }
    if (sums && codes) this.addToSum(channel, day, sums, codes, line);
    this.arrays.give(values);
  }

  private addToSum(channel: Channel, day: string, values: Float64Array, codes: Int8Array, line: number): void {
    const { info } = channel;
    const quantity = channel.quantity!;
    const key = `${quantity}|${day}`;
    let sum = this.sums.get(key);
    if (!sum) {
      sum = {
        quantity,
        day,
        minutes: info.intervalMinutes,
        values,
        quality: codes,
        line,
        parts: new Map([[info.suffix, line]]),
      };
      this.sums.set(key, sum);
      return;
    }
    const kind = quantity === KWH ? 'E' : 'Q';
    const earlier = sum.parts.get(info.suffix);
    if (earlier !== undefined) {
      this.sink.reject(
        line,
        `300 record repeats channel ${info.suffix} of NMI ${info.nmi} for ${day} (already given on line ${earlier}); ` +
          'the repeat is not loaded',
        values.length,
      );
      return;
    }
    if (sum.minutes !== info.intervalMinutes) {
      this.sink.reject(
        line,
        `300 record for ${info.nmi} ${info.suffix} ${day} has ${info.intervalMinutes}-minute intervals but another ` +
          `${kind} channel of the NMI has ${sum.minutes}-minute intervals that day (line ${sum.line}); ` +
          'channels of different lengths cannot be added',
        values.length,
      );
      return;
    }
    sum.parts.set(info.suffix, line);
    for (let i = 0; i < values.length; i++) {
      if (sum.quality[i] === -1 || codes[i] === -1) sum.quality[i] = -1;
      else {
        sum.values[i]! += values[i]!;
        sum.quality[i] = Math.max(sum.quality[i]!, codes[i]!);
      }
    }
  }

  /** Sends the current NMI's summed intervals to the sink, in quantity and day order. */
  private flushSums(): void {
    if (this.sumNmi === undefined) return;
    const nmi = this.sumNmi;
    const days = [...this.sums.values()].sort((a, b) => a.quantity - b.quantity || a.day.localeCompare(b.day));
    for (const sum of days) {
      // A day whose UTC offset does not change (every day but a daylight-saving one) needs no zone lookup per interval.
      const midnight = this.zone.midnight(sum.day);
      const step = sum.minutes * 60_000;
      const steady = this.zone.offsetMinutes(midnight) === this.zone.offsetMinutes(midnight + (sum.values.length - 1) * step);
      if (steady && this.sink.intervalSeries) {
        const qualities = this.qualities;
        for (let i = 0; i < sum.values.length; i++) {
          const code = sum.quality[i]!;
          if (code < 0) sum.values[i] = NaN;
          else qualities[i] = QUALITY_CODES[code]!;
        }
        qualities.length = sum.values.length;
        this.sink.intervalSeries(nmi, undefined, midnight, sum.minutes, sum.quantity, sum.values, qualities, sum.line);
        continue;
      }
      for (let i = 0; i < sum.values.length; i++) {
        const code = sum.quality[i]!;
        if (code < 0) continue;
        const startMs = steady ? midnight + i * step : this.zone.localToUtc(sum.day, i * sum.minutes);
        const quality = QUALITY_CODES[code]!;
        this.sink.interval(nmi, undefined, startMs, sum.minutes, sum.quantity, sum.values[i]!, quality, sum.line);
      }
    }
    for (const sum of this.sums.values()) {
      this.arrays.give(sum.values);
      this.arrays.give(sum.quality);
    }
    this.sums.clear();
    this.flushedNmis.add(nmi);
    this.sumNmi = undefined;
  }

  private orphan(record: string, parent: string): string {
    return this.rejected200
      ? `${record} record belongs to the rejected 200 record on line ${this.rejected200}`
      : `${record} record comes before ${parent} record`;
  }

  private warn(line: number, message: string): void {
    this.listener?.warning?.(line, message);
  }
}

/**
 * Typed arrays of one day's intervals, recycled: three per 300 record (values, sums, quality codes) otherwise, whose
 * off-heap storage is only returned when the garbage collector gets to them, which costs time and peak memory.
 */
class ArrayPool {
  private readonly f64s = new Map<number, Float64Array[]>();
  private readonly i8s = new Map<number, Int8Array[]>();

  f64(n: number): Float64Array {
    const a = this.f64s.get(n)?.pop();
    return a ? a.fill(0) : new Float64Array(n);
  }

  i8(n: number): Int8Array {
    const a = this.i8s.get(n)?.pop();
    return a ? a.fill(0) : new Int8Array(n);
  }

  give(a: Float64Array | Int8Array): void {
    const pools: Map<number, (Float64Array | Int8Array)[]> = a instanceof Float64Array ? this.f64s : this.i8s;
    let pool = pools.get(a.length);
    if (!pool) pools.set(a.length, (pool = []));
    if (pool.length < 512) pool.push(a);
  }
}

/** ASCII bytes as a string; the common one-character and empty fields without a copy. */
function asciiString(buf: Uint8Array, from: number, to: number): string {
  if (to === from) return '';
  if (to - from === 1) return String.fromCharCode(buf[from]!);
  return String.fromCharCode.apply(null, buf.subarray(from, to) as unknown as number[]);
}

// ---- field helpers ----

function splitFields(text: string): string[] {
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (!text.includes('"')) return text.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** Field-count check tolerating empty padding after the last field (some senders pad every row to one width). */
function checkFieldCount(record: string, fields: string[], min: number, max: number): string | undefined {
  if (fields.length < min) {
    return `${record} record has ${fields.length} fields, expected ${min === max ? min : `${min} to ${max}`}`;
  }
  for (let i = max; i < fields.length; i++) {
    if (fields[i]!.trim() !== '') {
      const extra = clip(fields[i]!);
      return `${record} record has ${fields.length} fields, expected at most ${max} (field ${i + 1} is '${extra}')`;
    }
  }
  return undefined;
}

/** How many interval values a 300 record holds: fields between the date and the first quality method; -1 if none. */
function countValues(fields: string[]): number {
  for (let i = 2; i < fields.length; i++) {
    if (QUALITY_300.test(fields[i]!.trim())) return i - 2;
  }
  return -1;
}

function parseNumber(text: string): number {
  return NUMBER.test(text) ? Number(text) : NaN;
}

/** Date8 `YYYYMMDD` → `yyyy-mm-dd`, or undefined. */
function parseDate8(text: string): string | undefined {
  const t = text.trim();
  if (!/^\d{8}$/.test(t)) return undefined;
  const iso = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}`;
  return validDate(iso) ? iso : undefined;
}

/** DateTime12 `YYYYMMDDhhmm` or DateTime14 `YYYYMMDDhhmmss` → naive ISO, or null. */
function parseDateTime(text: string): string | null {
  const t = text.trim();
  if (!/^\d{12}(\d{2})?$/.test(t)) return null;
  const day = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}`;
  const hh = Number(t.slice(8, 10));
  const mm = Number(t.slice(10, 12));
  const ss = t.length === 14 ? Number(t.slice(12, 14)) : 0;
  if (!validDate(day) || hh > 23 || mm > 59 || ss > 59) return null;
  return `${day}T${pad2(hh)}:${pad2(mm)}:${pad2(ss)}`;
}

function validDate(iso: string): boolean {
  const y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7));
  const d = Number(iso.slice(8, 10));
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1900 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function localIso(day: string, minute: number): string {
  if (minute >= MINUTES_PER_DAY) return `${nextDay(day)}T00:00:00`;
  return `${day}T${pad2(Math.floor(minute / 60))}:${pad2(minute % 60)}:00`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** 1-based interval ranges for messages: [0,1,2,5] → "1-3, 6". */
function ranges(indices: number[]): string {
  const parts: string[] = [];
  for (let k = 0; k < indices.length; ) {
    let j = k;
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++;
    parts.push(j === k ? `${indices[k]! + 1}` : `${indices[k]! + 1}-${indices[j]! + 1}`);
    k = j + 1;
  }
  return parts.join(', ');
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
