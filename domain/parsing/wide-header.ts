import { type ColumnReport, FileFormatError, KVARH, KWH, type Quantity } from './reading-sink.ts';
import { normalizeHeader } from './csv-fields.ts';
import { type AliasMap, QUANTITY_ALIASES } from './header-aliases.ts';
import type { Band } from '../usage/daily-usage.ts';

/**
 * Wide-header recognition by shape (issue 9 §1). Metering-system exports (用电信息采集系统, 营销系统) put identity, date,
 * perhaps a quantity, a multiplier and any number of descriptive columns (户名, 地址, 线路, 台区, 备注 …) beside a block
 * of interval columns, in any order. The block is found by its labels — clock times, point numbers or hours — and its
 * order is checked, so a gap or a swapped column is a header error naming the column rather than a silently shifted
 * day. Everything else that is not needed is ignored and listed. All of this runs once per file, never per row.
 */

export const WIDTHS = new Set([24, 48, 96]);

/**
 * What the labels say about the block. `ends`: the label is the end of its interval (00:15 … 24:00, 1时 … 24时);
 * `starts`: the start (00:00 … 23:45, 0时 … 23时, 00:00-00:15, points numbered from 0); `points`: a position (第1点 … 第96点, P1 … P96, 1 … 96),
 * point i being the i-th interval from midnight. Energy values map by position in all three; register readings
 * (instants) need the distinction, and take point numbers as interval ends.
 */
export type LabelKind = 'ends' | 'starts' | 'points';

/** The logical columns a wide file may use; every other header cell is ignored. */
const USED = ['customer_id', 'meter_id', 'date', 'quantity', 'quality', 'multiplier'] as const;
type Used = (typeof USED)[number];

export interface WideLayout {
  cols: Partial<Record<Used, number>>;
  /** Columns of the interval block, in day order. */
  valueCols: number[];
  minutes: number;
  labels: LabelKind;
  /** The header says 示值 (register readings): rows whose quantity does not say otherwise hold readings, not energy. */
  register: boolean;
  /** Fields a data row must have: the last column read + 1, so trailing empty spreadsheet columns may be absent. */
  width: number;
  /**
   * Daily frozen register readings (日冻结示值): no interval block, one reading a meter a day in these columns
   * (register slot → column index); read by DailyRegisterParser, not WideCsvParser.
   */
  daily?: DailyRegisterColumns;
  /** Header text of each column (trimmed), for messages. */
  headers: string[];
  report: ColumnReport;
}

type Label = { time: true; minute: number; range: boolean; end: number } | { time: false; n: number; hour: boolean };

const TIME = /^(\d{1,2})[:：](\d{2})(?:[:：]00)?$/;
const RANGE = /^(\d{1,2})[:：](\d{2})\s*[-~～—–至]\s*(\d{1,2})[:：](\d{2})$/;
const HOUR = /^(\d{1,2})\s*(?:时|点钟)$|^h(\d{1,2})$/;
const POINT = /^(?:第\s*)?(\d{1,3})\s*点?$|^p\s*(\d{1,3})$/;

/** An interval label (header cell already normalized: trimmed, lower case), or null. */
export function parseLabel(cell: string): Label | null {
  let m = TIME.exec(cell);
  if (m) {
    const minute = Number(m[1]) * 60 + Number(m[2]);
    return Number(m[2]) < 60 && minute <= 1440 ? { time: true, minute, range: false, end: minute } : null;
  }
  m = RANGE.exec(cell);
  if (m) {
    const minute = Number(m[1]) * 60 + Number(m[2]);
    const end = Number(m[3]) * 60 + Number(m[4]);
    return Number(m[2]) < 60 && Number(m[4]) < 60 && minute < 1440 && end <= 1440 ? { time: true, minute, range: true, end: end === 0 ? 1440 : end } : null;
  }
  m = HOUR.exec(cell);
  if (m) return { time: false, n: Number(m[1] ?? m[2]), hour: true };
  m = POINT.exec(cell);
  if (m) return { time: false, n: Number(m[1] ?? m[2]), hour: false };
  return null;
}

const hhmm = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/**
 * Reads a header row as a wide header. Returns null when the row is not one (no date, or neither a customer nor a
 * meter column: a title row, say); throws a FileFormatError naming the column when it is one but its interval block
 * is missing, out of order or incomplete.
 */
export function analyseWideHeader(
  rawCells: readonly string[],
  aliases: AliasMap,
  opts: { applyMultiplier?: boolean; register?: boolean },
  lineNo: number,
): WideLayout | null {
  const lookup = new Map<string, string>();
  for (const [column, names] of Object.entries(aliases)) for (const n of names) if (!lookup.has(n.toLowerCase())) lookup.set(n.toLowerCase(), column);
  const headers = rawCells.map((c) => c.replace(/^\uFEFF/, '').trim().replace(/^"|"$/g, '').trim());
  const cols: Partial<Record<Used, number>> = {};
  const labelCols: number[] = [];
  const labels: Label[] = [];
  const ignored: ColumnReport['ignored'] = [];
  rawCells.forEach((raw, i) => {
    const cell = normalizeHeader(raw);
    if (cell === '') return;
    const column = lookup.get(cell) as Used | undefined;
    if (column !== undefined && (USED as readonly string[]).includes(column)) {
      if (cols[column] === undefined) cols[column] = i;
      else ignored.push({ header: headers[i]!, index: i + 1, reason: `a second ${column} column (column ${cols[column]! + 1} is used)` });
      return;
    }
    const label = parseLabel(cell);
    if (label) {
      labelCols.push(i);
      labels.push(label);
      return;
    }
    ignored.push({ header: headers[i]!, index: i + 1 });
  });
  if (cols.date === undefined || (cols.meter_id === undefined && cols.customer_id === undefined)) return null;
  const registerHeader = ignored.some((c) => c.header.includes('示值'));
  if (labelCols.length === 0) {
    const daily = dailyRegisterColumns(ignored, Boolean(opts.register));
    if (daily) {
      if (cols.multiplier !== undefined && !opts.applyMultiplier) {
        daily.ignored.push({ header: headers[cols.multiplier]!, index: cols.multiplier + 1, reason: 'applyMultiplier is off: values are taken as they are' });
        daily.ignored.sort((a, b) => a.index - b.index);
        delete cols.multiplier;
      }
      const used = [
        ...USED.filter((c) => cols[c] !== undefined).map((c) => ({ column: c, header: headers[cols[c]!]!, index: cols[c]! + 1 })),
        ...Object.entries(daily.columns).map(([slot, i]) => ({ column: `register_${slot}`, header: headers[i]!, index: i + 1 })),
      ].sort((a, b) => a.index - b.index);
      const registerCols = Object.values(daily.columns);
      return {
        cols,
        valueCols: [],
        minutes: 60,
        labels: 'points',
        register: true,
        daily: daily.columns,
        width: Math.max(...registerCols, ...USED.map((c) => cols[c] ?? 0)) + 1,
        headers,
        report: {
          used,
          ignored: daily.ignored,
          intervals:
            'daily frozen register readings (日冻结示值): one reading a meter a day; each day\'s energy (the next day\'s reading minus this one) ' +
            'is profiled to 24 hourly intervals, estimated',
        },
      };
    }
    const frozen = ignored.find((c) => c.header.includes('示值'));
    if (frozen) {
      throw new FileFormatError(
        `daily frozen register readings: no usable register column (column ${frozen.index} "${frozen.header}" ${frozen.reason ?? 'is not active or reactive energy'}); ` +
          `expected forward active registers such as 正向有功总示值 and/or 正向有功尖/峰/平/谷示值`,
        lineNo,
      );
    }
    throw new FileFormatError(
      `wide header has no interval columns: expected 24, 48 or 96 labels such as 00:15…24:00, 00:00…23:45, 第1点…第96点, P1…P96, 1…96 or 1时…24时` +
        (ignored.length ? `; columns not recognised: ${ignored.slice(0, 8).map((c) => `${c.index} "${c.header}"`).join(', ')}${ignored.length > 8 ? ', …' : ''}` : '') +
        ' (headerAliases can name other id or date columns)',
      lineNo,
    );
  }
  const block = intervalBlock(labelCols, labels, headers, lineNo);
  if (cols.multiplier !== undefined && !opts.applyMultiplier) {
    ignored.push({ header: headers[cols.multiplier]!, index: cols.multiplier + 1, reason: 'applyMultiplier is off: values are taken as they are' });
    ignored.sort((a, b) => a.index - b.index);
    delete cols.multiplier;
  }
  const used = USED.filter((c) => cols[c] !== undefined)
    .map((c) => ({ column: c, header: headers[cols[c]!]!, index: cols[c]! + 1 }))
    .sort((a, b) => a.index - b.index);
  const register = Boolean(opts.register) || registerHeader;
  const width = Math.max(...labelCols, ...USED.map((c) => cols[c] ?? 0)) + 1;
  return {
    cols,
    valueCols: labelCols,
    minutes: block.minutes,
    labels: block.kind,
    register,
    width,
    headers,
    report: {
      used,
      ignored,
      intervals:
        `${block.text} (columns ${labelCols[0]! + 1}–${labelCols[labelCols.length - 1]! + 1})` +
        (register ? '; values are register readings (示值): interval energy = difference of consecutive readings' : ''),
    },
  };
}

/** Checks the interval block's order and completeness; the interval length and the label kind, in words. */
function intervalBlock(cols: number[], labels: Label[], headers: string[], lineNo: number): { minutes: number; kind: LabelKind; text: string } {
  const at = (j: number): string => `column ${cols[j]! + 1} "${headers[cols[j]!]}"`;
  const err = (msg: string): FileFormatError => new FileFormatError(`wide header: ${msg}`, lineNo);
  const first = labels[0]!;
  const last = headers[cols[cols.length - 1]!]!;
  if (first.time) {
    const starts = first.range || first.minute === 0;
    const step = first.range ? first.end - first.minute : starts ? (labels[1]?.time ? labels[1].minute : NaN) - first.minute : first.minute;
    if (![15, 30, 60].includes(step)) throw err(`${at(starts ? Math.min(1, labels.length - 1) : 0)}: interval labels must be 15, 30 or 60 minutes apart`);
    const n = 1440 / step;
    const word = starts ? 'starts' : 'ends';
    for (let j = 0; j < labels.length; j++) {
      const l = labels[j]!;
      if (!l.time) throw err(`${at(j)} is a point number among clock-time interval labels`);
      if (j >= n) throw err(`${at(j)}: more than ${n} interval columns (a day of ${step}-minute intervals has ${n})`);
      const expected = starts ? j * step : (j + 1) * step;
      const ok = l.minute === expected || (!starts && expected === 1440 && l.minute === 0);
      if (!ok || l.range !== first.range || (l.range && l.end !== expected + step)) {
        throw err(`${at(j)} is out of order: expected ${hhmm(expected)}${j ? ` after ${at(j - 1)}` : ''} (interval ${word} every ${step} min)`);
      }
    }
    if (labels.length < n) throw err(`only ${labels.length} interval columns, the last ${at(labels.length - 1)}; a day of ${step}-minute intervals has ${n} (up to ${starts ? hhmm(1440 - step) : '24:00'})`);
    return { minutes: step, kind: starts ? 'starts' : 'ends', text: `${n} intervals of ${step} min, labels are interval ${word} ${headers[cols[0]!]}…${last}` };
  }
  if (first.n !== 0 && first.n !== 1) throw err(`${at(0)}: numbered interval columns must start at 1 (or 0)`);
  for (let j = 0; j < labels.length; j++) {
    const l = labels[j]!;
    if (l.time) throw err(`${at(j)} is a clock time among numbered interval labels`);
    if (l.hour !== first.hour || l.n !== first.n + j) {
      throw err(`${at(j)} is out of order: expected ${first.n + j}${j ? ` after ${at(j - 1)}` : ''}`);
    }
  }
  const n = labels.length;
  if (first.hour ? n !== 24 : !WIDTHS.has(n)) throw err(`${n} interval columns (${at(0)} … ${at(n - 1)}); expected ${first.hour ? '24 hours' : '24, 48 or 96'}`);
  const minutes = 1440 / n;
  if (first.hour) {
    return first.n === 1
      ? { minutes, kind: 'ends', text: `24 intervals of 60 min, labels are hours ${headers[cols[0]!]}…${last} (hour h ends at h:00)` }
      : { minutes, kind: 'starts', text: `24 intervals of 60 min, labels are hours ${headers[cols[0]!]}…${last} (hour h starts at h:00)` };
  }
  // Numbered from 0, a point reads as the start of its interval (0点 = 00:00); from 1, as a position (ends for registers).
  return { minutes, kind: first.n === 0 ? 'starts' : 'points', text: `${n} intervals of ${minutes} min, labels are point numbers ${headers[cols[0]!]}…${last} (point ${first.n} is the first interval after 00:00)` };
}

/** What a quantity cell means for the row. */
export type QuantityRule = UsableQuantity | { kind: 'skip' | 'reject'; reason: string };
export type UsableQuantity = { kind: 'energy' | 'power' | 'register'; quantity: Quantity };

const NOT_ENERGY = ['功率因数', '电压', '电流', '需量', '视在', 'voltage', 'current', 'power factor', 'demand'];

/**
 * Classifies a quantity cell (lower case, trimmed). Exact texts from QUANTITY_ALIASES first; otherwise by what the
 * text contains: 反向 (export) is refused; 示值/register = register readings; 电压/电流/功率因数/需量 are other
 * measurements in the same export and skipped (with a warning, not a reject), and so are time-of-use band rows
 * (正向有功尖/峰/平/谷) beside the total; 功率/负荷/kw = a load curve in kW;
 * 无功 = kvarh; 有功/电量 = kWh. Anything else is rejected by row.
 */
export function classifyQuantity(text: string): QuantityRule {
  const t = text.replace(/[\s()（）]/g, '');
  if (QUANTITY_ALIASES.kwh.some((a) => a.toLowerCase().replace(/[\s()（）]/g, '') === t)) return { kind: 'energy', quantity: KWH };
  if (QUANTITY_ALIASES.kvarh.some((a) => a.toLowerCase().replace(/[\s()（）]/g, '') === t)) return { kind: 'energy', quantity: KVARH };
  const reactive = t.includes('无功') || t.startsWith('kvar') || t.includes('reactive');
  if (t.includes('反向') || t.includes('export')) return { kind: 'reject', reason: 'is reverse (exported) energy, not consumption' };
  // 正向有功峰 …: one time-of-use band of the meter's register beside the total; counting it too would double the energy.
  if (/[尖峰平谷]/.test(t) && !t.includes('总') && (t.includes('有功') || reactive)) return { kind: 'skip', reason: 'is one time-of-use band (尖/峰/平/谷); the total is used' };
  if (t.includes('示值') || t.includes('register')) return { kind: 'register', quantity: reactive ? KVARH : KWH };
  if (NOT_ENERGY.some((w) => t.includes(w))) return { kind: 'skip', reason: 'is not energy (voltage, current, power factor or demand)' };
  if (t.includes('功率') || t.includes('负荷') || t === 'kw' || t === 'kvar' || t === 'load') return { kind: 'power', quantity: reactive ? KVARH : KWH };
  if (reactive) return { kind: 'energy', quantity: KVARH };
  if (t.includes('有功') || t.includes('电量') || t.startsWith('kwh') || t.includes('active')) return { kind: 'energy', quantity: KWH };
  return { kind: 'reject', reason: 'is neither active (kWh) nor reactive (kvarh) energy, a kW load curve nor register readings (示值)' };
}

/** Register slots of a daily frozen export: the forward active total, its time-of-use bands, the reactive total. */
export type RegisterSlot = 'total' | Band | 'kvarh';
export type DailyRegisterColumns = Partial<Record<RegisterSlot, number>>;

/** Words that make a column a register reading (示值/示数/表码/止码/读数 …). */
const REGISTER_WORD = /示值|示数|表码|止码|读数|register|meter reading/;
/** 费率1 … 费率4 (rates T1 … T4) are 尖, 峰, 平, 谷 on Chinese multi-rate meters (DL/T 645). */
const RATE: Record<string, Band> = { '1': 'sharp', '2': 'peak', '3': 'flat', '4': 'valley' };

/**
 * What one header cell of a daily frozen export holds: a register slot, a reason it is not used, or null when it is
 * not a register column at all. `titleSaysRegister`: a title row said 示值, so 正向有功总 alone is a register.
 */
export function registerSlot(header: string, titleSaysRegister: boolean): { slot: RegisterSlot } | { reason: string } | null {
  const t = header.toLowerCase().replace(/[\s()（）]/g, '');
  if (!REGISTER_WORD.test(t) && !(titleSaysRegister && /有功|无功|kwh|kvarh/.test(t))) return null;
  if (t.includes('反向') || t.includes('export')) return { reason: 'is a reverse (exported) energy register, not consumption' };
  if (t.includes('需量') || t.includes('demand')) return { reason: 'is a demand register, not energy' };
  if (t.includes('无功') || t.includes('kvar') || t.includes('reactive')) {
    if (/[尖峰平谷]|费率/.test(t)) return { reason: 'is one time-of-use band of the reactive register; the reactive total is used' };
    if (t.includes('象限') || /组合无功2|容性/.test(t)) return { reason: 'is one reactive quadrant register; the forward reactive total (正向无功总) is used' };
    return { slot: 'kvarh' };
  }
  const rate = /费率([1-4])|\bt([1-4])\b/.exec(t);
  if (rate) return { slot: RATE[rate[1] ?? rate[2]!]! };
  if (t.includes('尖')) return { slot: 'sharp' };
  if (t.includes('峰')) return { slot: 'peak' };
  if (t.includes('平')) return { slot: 'flat' };
  if (t.includes('谷')) return { slot: 'valley' };
  return { slot: 'total' };
}

/**
 * The register columns of a header without an interval block, taken out of `ignored` (the rest keep their place,
 * with a reason where a register is not used); null when no column is a usable active-energy register.
 */
function dailyRegisterColumns(
  ignored: ColumnReport['ignored'],
  titleSaysRegister: boolean,
): { columns: DailyRegisterColumns; ignored: ColumnReport['ignored'] } | null {
  const columns: DailyRegisterColumns = {};
  const rest: ColumnReport['ignored'] = [];
  for (const c of ignored) {
    const r = registerSlot(c.header, titleSaysRegister);
    if (r === null) rest.push(c);
    else if ('reason' in r) rest.push({ ...c, reason: r.reason });
    else if (columns[r.slot] !== undefined) rest.push({ ...c, reason: `a second ${r.slot} register (column ${columns[r.slot]! + 1} is used)` });
    else columns[r.slot] = c.index - 1;
  }
  const active = (['total', 'sharp', 'peak', 'flat', 'valley'] as const).some((s) => columns[s] !== undefined);
  if (!active) {
    // A reactive register alone gives no kWh: report the columns as they were, with their reasons.
    for (const slot of ['kvarh'] as const) {
      const i = columns[slot];
      if (i !== undefined) rest.push({ header: ignored.find((c) => c.index === i + 1)!.header, index: i + 1, reason: 'is a reactive register without an active one' });
    }
    ignored.splice(0, ignored.length, ...rest.sort((a, b) => a.index - b.index));
    return null;
  }
  return { columns, ignored: rest };
}
