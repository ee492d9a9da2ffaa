import type { Quality, Quantity, ReadingSink } from '../parsing/reading-sink.ts';
import { KWH } from '../parsing/reading-sink.ts';
import { dayKeyOfEpochDay, type Zone } from '../time/zone.ts';
import type { MeterDay } from './meter-day.ts';
import { interpolateSlots } from './apply-readings.ts';

/** Which customer a meter belongs to (customer master: `meter_ids`, else meter id = customer id). */
export interface MeterDirectory {
  /** `rowCustomerId` is the customer the row names, when its format carries one. */
  customerOfMeter(meterId: string, rowCustomerId?: string): string | undefined;
  hasCustomer(customerId: string): boolean;
}

export interface Reject {
  line: number;
  reason: string;
}

// Per-slot quality: 0 = no kWh reading yet; 3 = interpolated at the end of the day.
const Q_ACTUAL = 1, Q_ESTIMATED = 2, Q_INTERPOLATED = 3;
const QUALITY_CHARS = ['-', 'A', 'E', 'I'] as const;
const MAX_KEPT_REJECTS = 1_000_000;
const COMPLETE_LAG = 64;

/**
 * Typed-array storage carved from large blocks. A meter-day's four small arrays each had their own off-heap
 * allocation, whose bookkeeping outweighed the data: a file in random order, which keeps every meter-day open at
 * once, peaked at 5 KB per meter-day for 2 KB of slots.
 */
class Slabs {
  private static readonly BLOCK = 1 << 15;
  private f64Block = new Float64Array(0);
  private f64At = 0;
  private u8Block = new Uint8Array(0);
  private u8At = 0;
  private i32Block = new Int32Array(0);
  private i32At = 0;

  f64(n: number): Float64Array {
    if (this.f64At + n > this.f64Block.length) {
      this.f64Block = new Float64Array(Math.max(n, Slabs.BLOCK));
      this.f64At = 0;
    }
    return this.f64Block.subarray(this.f64At, (this.f64At += n));
  }

  u8(n: number): Uint8Array {
    if (this.u8At + n > this.u8Block.length) {
      this.u8Block = new Uint8Array(Math.max(n, Slabs.BLOCK));
      this.u8At = 0;
    }
    return this.u8Block.subarray(this.u8At, (this.u8At += n));
  }

  i32(n: number): Int32Array {
    if (this.i32At + n > this.i32Block.length) {
      this.i32Block = new Int32Array(Math.max(n, Slabs.BLOCK));
      this.i32At = 0;
    }
    return this.i32Block.subarray(this.i32At, (this.i32At += n));
  }
}

/** Interval slots of one meter on one local day, while a file is being read. */
class MeterDayAccumulator {
  minutes: number;
  readonly kwh: Float64Array;
  /** kvarh slots, null until the day has a kvarh value. */
  kvarh: Float64Array | null = null;
  readonly quality: Uint8Array;
  readonly line: Int32Array;
  /** kWh slots filled so far; a full day is handed on soon after, which keeps memory flat for sorted files. */
  filled = 0;
  open: OpenDay | null = null;
  // kvarh storage kept across reuse (the slab has no free).
  private kvarhStore: Float64Array | null = null;
  private readonly slabs: Slabs;
  constructor(minutes: number, slots: number, slabs: Slabs) {
    this.minutes = minutes;
    this.slabs = slabs;
    this.kwh = slabs.f64(slots).fill(NaN);
    this.quality = slabs.u8(slots);
    this.line = slabs.i32(slots);
  }

  /** The kvarh slots, all empty, made on the day's first kvarh value. */
  startKvarh(): Float64Array {
    this.kvarhStore ??= this.slabs.f64(this.kwh.length);
    return (this.kvarh = this.kvarhStore.fill(NaN));
  }

  reset(minutes: number): void {
    this.minutes = minutes;
    this.kwh.fill(NaN);
    this.kvarh = null;
    this.quality.fill(0);
    this.filled = 0;
    this.open = null;
  }
}

class MeterState {
  readonly customerId: string;
  readonly days = new Map<number, MeterDayAccumulator>();
  /** The day this meter's last reading fell in, [dayStart, dayEnd): a time-major file switches meter every row. */
  day: MeterDayAccumulator | undefined = undefined;
  epochDay = 0;
  dayStart = 0;
  dayEnd = 0;
  constructor(customerId: string) {
    this.customerId = customerId;
  }
}

interface OpenDay {
  meterId: string;
  epochDay: number;
  state: MeterState;
  acc: MeterDayAccumulator;
}

/** Receives each meter-day after estimation. The same meter-day can come twice from an unsorted file; merge them. */
export type MeterDayListener = (customerId: string, meterId: string, day: string, meterDay: MeterDay) => void;
/** A lighter listener: only the kWh of each emitted meter-day (after estimation). */
export type DayTotalListener = (customerId: string, day: string, kwh: number) => void;

/**
 * Validation and daily aggregation of interval readings (DOMAIN.md "Usage aggregation and data quality").
 * At most `maxOpenDays` meter-days are held (about 1.7 KB each for 15-minute data); the least recently opened is
 * emitted when more are needed, so memory stays flat however large the file. Files sorted by meter or by time emit
 * each meter-day once; a meter-day that reappears after it was emitted is emitted again in parts (merge them), and
 * duplicates across such parts are not detected.
 */
export class UsageAggregator implements ReadingSink {
  private readonly zone: Zone;
  private readonly directory: MeterDirectory;
  private readonly maxGap: number;
  private readonly meters = new Map<string, MeterState | string>();
  readonly rejects: Reject[] = [];
  rejectedRows = 0;
  dataRows = 0;
  readings = 0;
  duplicatesIgnored = 0;
  private lastLine = -1;
  private lastRejectedLine = -1;
  private curMeter = '';
  private curState: MeterState | string = '';
  /** Start of the day of the accumulator prepare() returned last (its slot 0). */
  private curDayStart = 0;
  private readonly midnights = new Map<number, number>();
  private readonly open = new Set<OpenDay>();
  private readonly complete: OpenDay[] = [];
  private readonly maxOpen: number;
  private readonly onMeterDay: MeterDayListener | undefined;

  private readonly onDayTotal: DayTotalListener | undefined;

  constructor(opts: {
    zone: Zone;
    directory: MeterDirectory;
    maxInterpolatedGap: number;
    maxOpenDays?: number;
    onMeterDay?: MeterDayListener;
    onDayTotal?: DayTotalListener;
  }) {
    this.onDayTotal = opts.onDayTotal;
    this.zone = opts.zone;
    this.directory = opts.directory;
    this.maxGap = opts.maxInterpolatedGap;
    this.maxOpen = opts.maxOpenDays ?? 100_000;
    this.onMeterDay = opts.onMeterDay;
  }

  reject(line: number, reason: string): void {
    if (line !== this.lastLine) {
      this.lastLine = line;
      this.dataRows++;
    }
    if (line === this.lastRejectedLine) return;
    this.lastRejectedLine = line;
    this.rejectedRows++;
    if (this.rejects.length < MAX_KEPT_REJECTS) this.rejects.push({ line, reason });
  }

  /** Line bookkeeping, meter and customer checks, and the day's accumulator; undefined when the line was rejected. */
  private prepare(meterId: string, customerId: string | undefined, startMs: number, minutes: number, line: number): MeterDayAccumulator | undefined {
    if (line !== this.lastLine) {
      this.lastLine = line;
      this.dataRows++;
    } else if (line === this.lastRejectedLine) return undefined;
    let state: MeterState | string;
    if (meterId === this.curMeter) state = this.curState;
    else {
      state = this.meterState(meterId, customerId);
      this.curMeter = meterId;
      this.curState = state;
    }
    if (typeof state === 'string') {
      return void this.reject(
        line,
        customerId !== undefined && !this.directory.hasCustomer(customerId) ? `unknown customer ${customerId}` : state,
      );
    }
    if (customerId !== undefined && customerId !== state.customerId) {
      return void this.reject(
        line,
        this.directory.hasCustomer(customerId)
          ? `meter ${meterId} belongs to customer ${state.customerId}, not ${customerId}`
          : `unknown customer ${customerId}`,
      );
    }
    let acc = state.day;
    if (acc === undefined || startMs < state.dayStart || startMs >= state.dayEnd) {
      const epochDay = this.zone.localEpochDay(startMs);
      state.epochDay = epochDay;
      state.dayStart = this.midnight(epochDay);
      state.dayEnd = this.midnight(epochDay + 1);
      acc = state.days.get(epochDay);
      if (acc === undefined) {
        if (this.open.size >= this.maxOpen) this.evict(this.open.values().next().value!);
        acc = this.newAccumulator(minutes, Math.round((state.dayEnd - state.dayStart) / (minutes * 60_000)));
        state.days.set(epochDay, acc);
        const o: OpenDay = { meterId, epochDay, state, acc };
        acc.open = o;
        this.open.add(o);
        // Complete days are emitted a little later than they fill, so a trailing kvarh row still finds its day.
        while (this.complete.length > COMPLETE_LAG) {
          const done = this.complete.shift()!;
          if (this.open.has(done)) this.evict(done);
        }
      }
      state.day = acc;
    }
    if (acc.minutes !== minutes) {
      return void this.reject(
        line,
        `interval length ${minutes} min differs from ${acc.minutes} min already read for meter ${meterId} on ${dayKeyOfEpochDay(state.epochDay)}`,
      );
    }
    this.curDayStart = state.dayStart;
    return acc;
  }

  interval(
    meterId: string,
    customerId: string | undefined,
    startMs: number,
    minutes: number,
    quantity: Quantity,
    value: number,
    quality: Quality,
    line: number,
  ): void {
    const acc = this.prepare(meterId, customerId, startMs, minutes, line);
    if (acc === undefined) return;
    this.put(acc, (startMs - this.curDayStart) / (minutes * 60_000), minutes, quantity, value, quality, line);
  }

  intervalSeries(
    meterId: string,
    customerId: string | undefined,
    firstStartMs: number,
    minutes: number,
    quantity: Quantity,
    values: Float64Array,
    qualities: readonly Quality[],
    line: number,
  ): void {
    // prepare() once per local day the values span, put() per value: what prepare() would do again for the next
    // value of the same line, meter and day changes nothing. Once the line is rejected, the rest of it would be too.
    const step = minutes * 60_000;
    const n = values.length;
    let i = 0;
    while (i < n) {
      if (values[i] !== values[i]) {
        i++;
        continue;
      }
      const acc = this.prepare(meterId, customerId, firstStartMs + i * step, minutes, line);
      if (acc === undefined) return;
      const { dayStart, dayEnd } = this.curState as MeterState;
      for (; i < n; i++) {
        const v = values[i]!;
        if (v !== v) continue;
        const startMs = firstStartMs + i * step;
        if (startMs < dayStart || startMs >= dayEnd) break;
        if (this.put(acc, (startMs - dayStart) / step, minutes, quantity, v, qualities[i]!, line)) return;
      }
    }
  }

  row(
    meterId: string,
    customerId: string | undefined,
    midnightMs: number,
    minutes: number,
    quantity: Quantity,
    values: Float64Array,
    quality: Quality,
    line: number,
  ): void {
    const step = minutes * 60_000;
    const acc = this.prepare(meterId, customerId, midnightMs, minutes, line);
    if (acc === undefined) return;
    const first = (midnightMs - this.curDayStart) / step;
    // A row longer than its local day (a 23-hour DST day) spills into the next: take the general path.
    if (first !== 0 || values.length > acc.kwh.length) {
      for (let i = 0; i < values.length; i++) {
        if (values[i] === values[i]) this.interval(meterId, customerId, midnightMs + i * step, minutes, quantity, values[i]!, quality, line);
      }
      return;
    }
    // A duplicate with a different value rejects the whole row before any of it is stored.
    const target = quantity === KWH ? acc.kwh : acc.kvarh;
    if (target !== null && (quantity === KWH ? acc.filled > 0 : true)) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!, prev = target[i]!;
        if (v === v && prev === prev && prev !== v) {
          return this.reject(line, `duplicate interval with a different value (${v} here, ${prev} at line ${acc.line[i]})`);
        }
      }
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === v) this.put(acc, i, minutes, quantity, v, quality, line);
    }
  }

  /** Stores one value; true when it rejected the line. */
  private put(acc: MeterDayAccumulator, offset: number, minutes: number, quantity: Quantity, value: number, quality: Quality, line: number): boolean {
    const slot = offset | 0;
    if (slot !== offset) return this.rejectTrue(line, `interval start is not on a ${minutes}-minute boundary`);
    let arr = acc.kwh;
    if (quantity !== KWH) {
      arr = acc.kvarh ?? acc.startKvarh();
    }
    const prev = arr[slot]!;
    if (prev === prev) {
      if (prev === value) {
        this.duplicatesIgnored++;
        return false;
      }
      return this.rejectTrue(line, `duplicate interval with a different value (${value} here, ${prev} at line ${acc.line[slot]})`);
    }
    arr[slot] = value;
    if (quantity === KWH) {
      acc.quality[slot] = quality === 'A' ? Q_ACTUAL : Q_ESTIMATED;
      acc.line[slot] = line;
      this.readings++;
      if (++acc.filled === acc.kwh.length) this.complete.push(acc.open!);
    }
    return false;
  }

  private rejectTrue(line: number, reason: string): true {
    this.reject(line, reason);
    return true;
  }

  /** Share of data rows rejected. */
  rejectedShare(): number {
    return this.dataRows === 0 ? 0 : this.rejectedRows / this.dataRows;
  }

  /** Emits every meter-day still open; call once at the end of the file. */
  finish(): void {
    const open = [...this.open.values()].sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : a.epochDay - b.epochDay));
    for (const o of open) this.evict(o);
  }

  private evict(o: OpenDay): void {
    this.open.delete(o);
    o.state.days.delete(o.epochDay);
    if (o.state.day === o.acc) o.state.day = undefined;
    const acc = o.acc;
    const counts = this.estimate(acc);
    const day = this.dayKey(o.epochDay);
    this.onDayTotal?.(o.state.customerId, day, counts.kwh);
    if (this.onMeterDay) {
      const md: MeterDay = {
        minutes: acc.minutes,
        kwh: toNullable(acc.kwh),
        kvarh: acc.kvarh ? toNullable(acc.kvarh) : null,
        quality: qualityString(acc.quality),
        actual: counts.actual,
        estimated: counts.estimated,
        missing: counts.missing,
      };
      this.onMeterDay(o.state.customerId, o.meterId, day, md);
    }
    // Accumulators are recycled, one pool per day length (a file mixes 30- and 5-minute meters): allocating four
    // typed arrays per meter-day costs more than parsing it.
    let pool = this.pools.get(acc.kwh.length);
    if (pool === undefined) this.pools.set(acc.kwh.length, (pool = []));
    if (pool.length < 1024) pool.push(acc);
  }

  private readonly pools = new Map<number, MeterDayAccumulator[]>();
  private readonly slabs = new Slabs();
  private readonly dayKeys = new Map<number, string>();

  private newAccumulator(minutes: number, slots: number): MeterDayAccumulator {
    const acc = this.pools.get(slots)?.pop();
    if (acc === undefined) return new MeterDayAccumulator(minutes, slots, this.slabs);
    acc.reset(minutes);
    return acc;
  }

  private dayKey(epochDay: number): string {
    let k = this.dayKeys.get(epochDay);
    if (k === undefined) this.dayKeys.set(epochDay, (k = dayKeyOfEpochDay(epochDay)));
    return k;
  }

  /**
   * Estimation in place on the accumulator: gaps of at most `maxInterpolatedGap` intervals between two readings are
   * filled linearly and counted as estimated. Returns the interval counts and the day's kWh.
   */
  private estimate(acc: MeterDayAccumulator): { actual: number; estimated: number; missing: number; kwh: number } {
    const n = acc.kwh.length;
    const k = acc.kwh;
    const r = acc.kvarh;
    let actual = 0, estimated = 0, missing = 0, total = 0;
    for (let i = 0; i < n; i++) {
      const q = acc.quality[i];
      if (q === Q_ACTUAL) actual++;
      else if (q === Q_ESTIMATED) estimated++;
    }
    if (acc.filled < n) {
      let s = 0;
      while (s < n) {
        if (k[s] === k[s]) {
          s++;
          continue;
        }
        let e = s;
        while (e < n && k[e] !== k[e]) e++;
        const gap = e - s;
        if (s > 0 && e < n && gap <= this.maxGap) {
          interpolateSlots(k, s, e);
          if (r && r[s - 1] === r[s - 1] && r[e] === r[e]) interpolateSlots(r, s, e);
          acc.quality.fill(Q_INTERPOLATED, s, e);
          estimated += gap;
        } else missing += gap;
        s = e;
      }
    }
    for (let i = 0; i < n; i++) if (k[i] === k[i]) total += k[i]!;
    return { actual, estimated, missing, kwh: total };
  }

  private meterState(meterId: string, rowCustomerId: string | undefined): MeterState | string {
    let state = this.meters.get(meterId);
    if (state === undefined) {
      const customerId = this.directory.customerOfMeter(meterId, rowCustomerId);
      state = customerId === undefined ? `unknown meter ${meterId}` : new MeterState(customerId);
      this.meters.set(meterId, state);
    }
    return state;
  }

  private midnight(epochDay: number): number {
    let ms = this.midnights.get(epochDay);
    if (ms === undefined) {
      ms = this.zone.midnight(dayKeyOfEpochDay(epochDay));
      this.midnights.set(epochDay, ms);
    }
    return ms;
  }
}

function toNullable(values: Float64Array): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = v === v ? v : null;
  }
  return out;
}

function qualityString(quality: Uint8Array): string {
  let s = '';
  for (let i = 0; i < quality.length; i++) s += QUALITY_CHARS[quality[i]!];
  return s;
}

/** For checking a file without the customer master: every meter is accepted, as its row's customer or itself. */
export const ANY_METER: MeterDirectory = {
  customerOfMeter: (meterId, rowCustomerId) => rowCustomerId ?? meterId,
  hasCustomer: () => true,
};

