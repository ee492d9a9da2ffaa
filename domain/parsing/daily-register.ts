import type { ColumnReport, LineParser, ReadingSink } from './reading-sink.ts';
import { FileFormatError, KVARH, KWH } from './reading-sink.ts';
import { splitCsvLine } from './csv-fields.ts';
import { type AliasMap, READING_ALIASES } from './header-aliases.ts';
import { analyseWideHeader, type DailyRegisterColumns, type RegisterSlot, type WideLayout } from './wide-header.ts';
import { isTotalsCell, NO_VALUE, parseDay } from './wide-csv.ts';
import { BANDS, type Band, type BandSchedule } from '../usage/daily-usage.ts';
import { dayKeyOfEpochDay, epochDayOf, Zone } from '../time/zone.ts';

/** When the register reading dated D was read: at 00:00 starting D (default) or at 24:00 ending D. */
export type FrozenReadingAt = 'day-start' | 'day-end';

export interface DailyRegisterOptions {
  sink: ReadingSink;
  zone: Zone;
  aliases?: AliasMap;
  /** Multiply register differences by the file's 倍率 column. Off by default. */
  applyMultiplier?: boolean;
  /** A title row above the header said 示值. */
  register?: boolean;
  /** The schedule whose band hours a day's band registers are spread over (the utility's default band schedule). */
  bands: BandSchedule;
  readingAt?: FrozenReadingAt;
  warn?: (line: number, message: string) => void;
}

const SLOTS: readonly RegisterSlot[] = ['total', ...BANDS, 'kvarh'];
const NAME: Record<RegisterSlot, string> = { total: 'total', sharp: '尖 (sharp)', peak: '峰 (peak)', flat: '平 (flat)', valley: '谷 (valley)', kvarh: 'reactive' };
const HOUR_MS = 3_600_000;

/** One row: a meter's registers at one instant (NaN = the column is absent or empty). */
interface Reading {
  line: number;
  customerId: string | undefined;
  /** Register values by SLOTS index. */
  values: Float64Array;
  multiplier: number;
}

/**
 * Daily frozen register readings (日冻结示值): one row a meter a day with the register(s) frozen at midnight — the
 * forward active total, often its 尖/峰/平/谷 bands (or 费率1–4), perhaps the forward reactive total. Day D's energy is
 * the rise of each register from the reading at its start to the reading at its end (× 倍率 when applied); the day
 * before a meter's first reading, or a day whose closing reading is absent, has no energy (not a zero). A register
 * that falls (meter replaced, register rolled over) rejects the day with both readings and lines.
 *
 * The daily model stores hourly kWh, so each day's energy is profiled to hourly intervals, all estimated (quality E):
 * each band's rise is spread evenly over the hours the band schedule gives that band on that day, the total's rise
 * not covered by band registers evenly over the remaining hours (all hours when the file has no band registers), the
 * reactive rise evenly over all hours. Band totals therefore equal the meter's band registers wherever the
 * customer's tariff uses the same schedule; demand is the day's hourly average, not the interval peak.
 *
 * Rows may come in any order (meter-major or date-major), so readings are kept per meter until the end of the file:
 * a row is small (one a meter a day), and such a file is read whole, never cut into byte ranges.
 */
export class DailyRegisterParser implements LineParser {
  readonly format = 'wide-csv' as const;
  private readonly opts: DailyRegisterOptions;
  private readonly aliases: AliasMap;
  private layout: WideLayout | null = null;
  columns: ColumnReport | null = null;
  private slotCols: [number, number][] = [];
  /** meter id → epoch day of the reading's instant (local midnight) → reading. */
  private readonly meters = new Map<string, Map<number, Reading>>();
  private totalsSkipped = 0;
  private headerLine = 1;
  /** The 倍率 column when applyMultiplier is off, checked once: a value other than 1 deserves a warning. */
  private ignoredMultiplier: number | undefined;

  constructor(opts: DailyRegisterOptions) {
    this.opts = opts;
    this.aliases = opts.aliases ?? READING_ALIASES;
  }

  line(text: string, lineNo: number): void {
    if (this.layout === null) return this.header(text, lineNo);
    const L = this.layout;
    const sink = this.opts.sink;
    const f = splitCsvLine(text);
    if (f === null) return sink.reject(lineNo, 'unterminated quoted field', 1);
    if (f.every((c) => c.trim() === '')) return;
    if (f.slice(0, 3).some((c) => isTotalsCell(c))) {
      if (++this.totalsSkipped <= 5) this.warn(lineNo, `totals row (${f.slice(0, 3).find((c) => isTotalsCell(c))!.trim()}) skipped`);
      return;
    }
    if (f.length < L.width) return sink.reject(lineNo, `expected ${L.width} fields, found ${f.length}`, 1);
    const c = L.cols;
    const customerId = c.customer_id !== undefined ? f[c.customer_id]!.trim() || undefined : undefined;
    const meterId = (c.meter_id !== undefined ? f[c.meter_id]!.trim() : '') || customerId;
    if (!meterId) return sink.reject(lineNo, 'meter id and customer id are both empty', 1);
    const dateText = f[c.date!]!.trim();
    const day = parseDay(dateText);
    if (day === null) return sink.reject(lineNo, `date "${dateText}" is not a date (yyyy-mm-dd)`, 1);
    let multiplier = 1;
    if (this.ignoredMultiplier !== undefined) {
      const t = f[this.ignoredMultiplier]?.trim() ?? '';
      if (t !== '' && Number(t) !== 1) {
        this.ignoredMultiplier = undefined;
        this.warn(lineNo, `the 倍率 column holds ${t}, but applyMultiplier is off: register rises are taken as they are (turn it on if the export's readings are before the multiplier)`);
      }
    }
    if (c.multiplier !== undefined) {
      const t = f[c.multiplier]!.trim();
      multiplier = Number(t);
      if (t === '' || !(multiplier > 0) || !Number.isFinite(multiplier)) return sink.reject(lineNo, `multiplier (倍率) "${t}" is not a positive number`, 1);
    }
    const values = new Float64Array(SLOTS.length).fill(NaN);
    let any = false;
    for (const [k, col] of this.slotCols) {
      const t = f[col]!.trim();
      if (t === '' || NO_VALUE.has(t)) continue;
      const v = Number(t);
      if (!Number.isFinite(v)) return sink.reject(lineNo, `${NAME[SLOTS[k]!]} register "${t}" (column ${col + 1} "${L.headers[col]}") is not a number`, 1);
      if (v < 0) return sink.reject(lineNo, `${NAME[SLOTS[k]!]} register ${t} (column ${col + 1} "${L.headers[col]}") is negative`, 1);
      values[k] = v;
      any = true;
    }
    if (!any) return sink.reject(lineNo, 'no register reading in the row', 1);
    const at = epochDayOf(day) + (this.opts.readingAt === 'day-end' ? 1 : 0);
    let days = this.meters.get(meterId);
    if (days === undefined) this.meters.set(meterId, (days = new Map()));
    const before = days.get(at);
    if (before !== undefined) {
      const same = before.multiplier === multiplier && before.values.every((v, i) => (v === v ? v === values[i] : values[i] !== values[i]));
      if (!same) sink.reject(lineNo, `a second reading of meter ${meterId} dated ${day} differs from line ${before.line}`, 1);
      return;
    }
    days.set(at, { line: lineNo, customerId, values, multiplier });
  }

  end(): void {
    if (this.layout === null) throw new FileFormatError('the file is empty: no header row', 1);
    if (this.totalsSkipped > 5) this.warn(this.headerLine, `${this.totalsSkipped - 5} more totals rows skipped`);
    let profiled = 0;
    let open = 0;
    let firstOpen: { meter: string; line: number } | undefined;
    for (const [meterId, days] of this.meters) {
      const order = [...days.keys()].sort((a, b) => a - b);
      for (let i = 0; i < order.length; i++) {
        const next = days.get(order[i]! + 1);
        if (next === undefined) {
          // The last reading of a meter closes the day before it and opens none; a gap leaves a day without energy.
          if (i < order.length - 1) {
            open++;
            firstOpen ??= { meter: meterId, line: days.get(order[i]!)!.line };
          }
          continue;
        }
        if (this.day(meterId, order[i]!, days.get(order[i]!)!, next)) profiled++;
      }
    }
    const at = this.opts.readingAt === 'day-end' ? '24:00 ending' : '00:00 starting';
    this.warn(
      this.headerLine,
      `daily frozen register readings: ${profiled} meter-days profiled to 24 hourly intervals, estimated (quality E); a reading dated D is the ` +
        `register at ${at} D (frozenReadingAt ${this.opts.readingAt ?? 'day-start'}), a day's energy is the rise to the next reading; ` +
        `band registers are spread over the default band schedule's hours and demand is the hourly average`,
    );
    if (open > 0) {
      this.warn(firstOpen!.line, `${open} meter-days have no closing reading (the next day's row is absent; the first: meter ${firstOpen!.meter}, line ${firstOpen!.line}): no energy for them`);
    }
  }

  /** Profiles one meter-day from the readings at its two ends; false when the day is rejected. */
  private day(meterId: string, epochDay: number, a: Reading, b: Reading): boolean {
    const sink = this.opts.sink;
    const zone = this.opts.zone;
    const day = dayKeyOfEpochDay(epochDay);
    const hours = zone.hoursInDay(day);
    if (a.multiplier !== b.multiplier) {
      sink.reject(b.line, `倍率 of meter ${meterId} changes from ${a.multiplier} (line ${a.line}) to ${b.multiplier}: the day ${day} cannot be measured across a CT/PT change`, hours);
      return false;
    }
    const rise = new Float64Array(SLOTS.length);
    for (let k = 0; k < SLOTS.length; k++) {
      rise[k] = b.values[k]! - a.values[k]!;
      if (rise[k]! < 0) {
        sink.reject(
          b.line,
          `${NAME[SLOTS[k]!]} register of meter ${meterId} falls from ${a.values[k]} (line ${a.line}) to ${b.values[k]}: meter replaced or register rolled over; no energy for ${day}`,
          hours,
        );
        return false;
      }
    }
    const total = rise[0]!;
    let bandSum = 0;
    let bandsKnown = 0;
    for (let k = 1; k <= BANDS.length; k++) {
      if (rise[k] === rise[k]) {
        bandSum += rise[k]!;
        bandsKnown++;
      }
    }
    if (total !== total && bandsKnown === 0) return false;
    // Registers are shown with two decimals each: allow their rounding (and 0.1% for meters that round per rate).
    const tolerance = 0.005 * (bandsKnown + 1) + 0.001 * (total === total ? total : 0);
    if (total === total && bandsKnown > 0) {
      const short = bandsKnown === BANDS.length ? Math.abs(bandSum - total) : bandSum - total;
      if (short > tolerance) {
        sink.reject(b.line, `band registers of meter ${meterId} rise by ${round(bandSum)} kWh on ${day} but the total register by ${round(total)} kWh`, hours);
        return false;
      }
    }
    const midnight = zone.midnight(day);
    const band = this.bandOfHour(day, midnight, hours);
    const kwh = new Float64Array(hours);
    const covered = new Array<boolean>(hours).fill(false);
    let unplaced = total === total && bandsKnown > 0 && bandsKnown < BANDS.length ? Math.max(0, total - bandSum) : 0;
    if (bandsKnown === 0) unplaced = total;
    for (let k = 1; k <= BANDS.length; k++) {
      const e = rise[k]!;
      if (e !== e) continue;
      const b = BANDS[k - 1]!;
      const idx = band.flatMap((x, h) => (x === b ? [h] : []));
      for (const h of idx) covered[h] = true;
      if (idx.length === 0) unplaced += e;
      else for (const h of idx) kwh[h]! += e / idx.length;
    }
    if (unplaced > 0) {
      let rest = covered.flatMap((c, h) => (c ? [] : [h]));
      if (rest.length === 0) rest = band.map((_, h) => h);
      for (const h of rest) kwh[h]! += unplaced / rest.length;
    }
    const customerId = b.customerId ?? a.customerId;
    const m = a.multiplier;
    for (let h = 0; h < hours; h++) sink.interval(meterId, customerId, midnight + h * HOUR_MS, 60, KWH, kwh[h]! * m, 'E', b.line);
    const q = rise[SLOTS.length - 1]!;
    if (q === q) for (let h = 0; h < hours; h++) sink.interval(meterId, customerId, midnight + h * HOUR_MS, 60, KVARH, (q / hours) * m, 'E', b.line);
    return true;
  }

  /** The band of each hour of a local day under the schedule (by local clock hour, so DST days work). */
  private bandOfHour(day: string, midnight: number, hours: number): Band[] {
    const s = this.opts.bands;
    const grid = Zone.weekday(day) >= 6 ? s.weekend : s.weekday;
    const month = Number(day.slice(5, 7)) - 1;
    return Array.from({ length: hours }, (_, h) => grid[month]![Math.floor(this.opts.zone.localMinuteOfDay(midnight + h * HOUR_MS) / 60)]!);
  }

  private warn(line: number, message: string): void {
    this.opts.warn?.(line, message);
  }

  private header(text: string, lineNo: number): void {
    const L = analyseWideHeader(splitCsvLine(text) ?? [], this.aliases, { applyMultiplier: this.opts.applyMultiplier, register: this.opts.register }, lineNo);
    if (L === null || L.daily === undefined) throw new FileFormatError('daily register header needs a date column, a meter or customer id column and register columns', lineNo);
    this.layout = L;
    this.headerLine = lineNo;
    this.columns = L.report;
    const ignored = L.report.ignored.find((c) => c.reason?.startsWith('applyMultiplier'));
    if (ignored) this.ignoredMultiplier = ignored.index - 1;
    this.slotCols = Object.entries(L.daily as DailyRegisterColumns).map(([slot, col]) => [SLOTS.indexOf(slot as RegisterSlot), col]);
    if (this.opts.applyMultiplier && L.cols.multiplier === undefined) {
      this.warn(lineNo, 'applyMultiplier is on but the file has no multiplier (倍率) column: values are taken as they are');
    }
  }
}

const round = (v: number): number => Math.round(v * 1000) / 1000;
