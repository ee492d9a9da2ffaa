import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  Nem12Parser,
  detectNem,
  type NemChannel,
  type NemReading,
  type NemRegisterRead,
} from '../../../../domain/parsing/nem12.ts';
import {
  FileFormatError,
  KVARH,
  KWH,
  type Quality,
  type Quantity,
  type ReadingSink,
} from '../../../../domain/parsing/reading-sink.ts';
import { isZip, zipEntries } from '../../../../domain/parsing/zip.ts';
import { Zone } from '../../../../domain/time/zone.ts';
import { SHARED_DATA } from '../../../helpers/shared-data.ts';

const NEM_DIR = join(SHARED_DATA, 'nem12');
/** NEM12 times are market time, UTC+10 all year: Brisbane has no daylight saving. */
const MARKET_ZONE = new Zone('Australia/Brisbane');

// ---------------------------------------------------------------------------------------------------------------
// Harness

interface SinkInterval {
  meterId: string;
  customerId: string | undefined;
  startMs: number;
  minutes: number;
  quantity: Quantity;
  value: number;
  quality: Quality;
  line: number;
}

interface Reject {
  line: number;
  reason: string;
  count: number;
}

class RecordingSink implements ReadingSink {
  readonly intervals: SinkInterval[] = [];
  readonly rejects: Reject[] = [];
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
    this.intervals.push({ meterId, customerId, startMs, minutes, quantity, value, quality, line });
  }
  reject(line: number, reason: string, count = 1): void {
    this.rejects.push({ line, reason, count });
  }
}

interface Run {
  format: string;
  intervals: SinkInterval[];
  rejects: Reject[];
  warnings: Array<{ line: number; message: string }>;
  channels: NemChannel[];
  readings: NemReading[];
  registerReads: NemRegisterRead[];
  error: FileFormatError | undefined;
}

/** Parses decoded text the way the ingest path does: physical lines, 1-based. Only FileFormatError may escape. */
function parseText(text: string, zone: Zone = MARKET_ZONE): Run {
  const sink = new RecordingSink();
  const run: Run = {
    format: '',
    intervals: sink.intervals,
    rejects: sink.rejects,
    warnings: [],
    channels: [],
    readings: [],
    registerReads: [],
    error: undefined,
  };
  const parser = new Nem12Parser({
    sink,
    zone,
    listener: {
      channel: (c) => run.channels.push(c),
      reading: (r) => run.readings.push(r),
      registerRead: (r) => run.registerReads.push(r),
      warning: (line, message) => run.warnings.push({ line, message }),
    },
  });
  const lines = text.split(/\r?\n/);
  try {
    lines.forEach((line, i) => parser.line(line, i + 1));
    parser.end();
  } catch (e) {
    if (!(e instanceof FileFormatError)) throw e;
    run.error = e;
  }
  run.format = parser.format;
  return run;
}

/** A sample file: a plain CSV or a zip of one or more NEM files (each parsed on its own, results joined). */
function parseSample(rel: string): Run {
  const bytes = new Uint8Array(readFileSync(join(NEM_DIR, rel)));
  const texts = isZip(bytes)
    ? [...zipEntries(bytes)].map((e) => Buffer.from(e.bytes).toString('latin1'))
    : [Buffer.from(bytes).toString('latin1')];
  const runs = texts.map((t) => parseText(t));
  const first = runs[0]!;
  for (const r of runs.slice(1)) {
    first.intervals.push(...r.intervals);
    first.rejects.push(...r.rejects);
    first.warnings.push(...r.warnings);
    first.channels.push(...r.channels);
    first.readings.push(...r.readings);
    first.registerReads.push(...r.registerReads);
    first.error ??= r.error;
  }
  return first;
}

// ---------------------------------------------------------------------------------------------------------------
// The peer's summary (see ../shared/data/nem12/expected/README.md), rebuilt from our listener

interface RegisterReadSummary {
  t_start: string | null;
  t_end: string;
  val_start: number | null;
  val_end: number;
  read_value: number;
  quality_method: string;
}

interface ChannelSummary {
  uom: string;
  interval_minutes: number | null;
  interval_minutes_all?: number[];
  readings: number;
  null_values: number;
  total: number;
  first_start: string | null;
  last_end: string | null;
  quality_methods: Record<string, number>;
  meter_serial_numbers: string[];
  daily: Record<string, number>;
  register_reads?: RegisterReadSummary[];
}

type NmiSummary = Record<string, Record<string, ChannelSummary>>;

interface Expected {
  source: string;
  header: { version_header: string; assumed: boolean };
  nmis: NmiSummary;
  error: string | null;
  peer_log: string[];
}

function summarize(run: Run): NmiSummary {
  const out: NmiSummary = {};
  const lengths = new Map<ChannelSummary, Set<number>>();
  const entry = (nmi: string, suffix: string, uom: string): ChannelSummary => {
    const channels = (out[nmi] ??= {});
    return (channels[suffix] ??= {
      uom,
      interval_minutes: null,
      readings: 0,
      null_values: 0,
      total: 0,
      first_start: null,
      last_end: null,
      quality_methods: {},
      meter_serial_numbers: [],
      daily: {},
    });
  };
  const add = (s: ChannelSummary, start: string | null, end: string, value: number | null, quality: string,
    serial: string, day: string): void => {
    s.readings++;
    if (value === null) s.null_values++;
    else {
      s.total += value;
      s.daily[day] = (s.daily[day] ?? 0) + value;
    }
    if (start !== null && (s.first_start === null || start < s.first_start)) s.first_start = start;
    if (s.last_end === null || end > s.last_end) s.last_end = end;
    s.quality_methods[quality] = (s.quality_methods[quality] ?? 0) + 1;
    if (!s.meter_serial_numbers.includes(serial)) s.meter_serial_numbers.push(serial);
  };
  for (const r of run.readings) {
    const s = entry(r.nmi, r.suffix, r.uom);
    add(s, r.startLocal, r.endLocal, r.value, r.quality, r.meterSerial, r.day);
    if (!lengths.has(s)) lengths.set(s, new Set());
    lengths.get(s)!.add(r.intervalMinutes);
  }
  for (const r of run.registerReads) {
    const s = entry(r.nmi, r.suffix, r.uom);
    add(s, r.startLocal, r.endLocal, r.quantity, r.quality, r.meterSerial, (r.startLocal ?? r.endLocal).slice(0, 10));
    (s.register_reads ??= []).push({
      t_start: r.startLocal,
      t_end: r.endLocal,
      val_start: r.previousRead,
      val_end: r.currentRead,
      read_value: r.quantity,
      quality_method: r.quality,
    });
  }
  for (const [s, set] of lengths) {
    if (set.size === 1) s.interval_minutes = [...set][0]!;
    else s.interval_minutes_all = [...set].sort((a, b) => a - b);
  }
  for (const channels of Object.values(out)) {
    for (const s of Object.values(channels)) s.meter_serial_numbers.sort();
  }
  return out;
}

const close = (a: number | null | undefined, b: number | null | undefined): boolean =>
  a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-6 + 1e-12 * Math.abs(b));

/** Field-by-field comparison; returns readable mismatches (empty when equal). */
function compareSummaries(expected: NmiSummary, ours: NmiSummary): string[] {
  const out: string[] = [];
  const keys = (o: object): string => Object.keys(o).sort().join(',');
  if (keys(expected) !== keys(ours)) out.push(`NMIs: peer [${keys(expected)}], ours [${keys(ours)}]`);
  for (const [nmi, channels] of Object.entries(expected)) {
    const mine = ours[nmi];
    if (!mine) continue;
    if (keys(channels) !== keys(mine)) out.push(`${nmi} channels: peer [${keys(channels)}], ours [${keys(mine)}]`);
    for (const [suffix, e] of Object.entries(channels)) {
      const o = mine[suffix];
      if (!o) continue;
      const at = `${nmi} ${suffix}`;
      const same = (field: string, a: unknown, b: unknown): void => {
        const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
        if (x !== y) out.push(`${at} ${field}: peer ${x}, ours ${y}`);
      };
      same('uom', e.uom, o.uom);
      same('interval_minutes', e.interval_minutes, o.interval_minutes);
      same('interval_minutes_all', e.interval_minutes_all, o.interval_minutes_all);
      same('readings', e.readings, o.readings);
      same('null_values', e.null_values, o.null_values);
      if (!close(e.total, o.total)) out.push(`${at} total: peer ${e.total}, ours ${o.total}`);
      same('first_start', e.first_start, o.first_start);
      same('last_end', e.last_end, o.last_end);
      same('quality_methods', sortKeys(e.quality_methods), sortKeys(o.quality_methods));
      same('meter_serial_numbers', e.meter_serial_numbers, o.meter_serial_numbers);
      same('daily days', Object.keys(e.daily).sort(), Object.keys(o.daily).sort());
      for (const [day, v] of Object.entries(e.daily)) {
        if (!close(v, o.daily[day])) out.push(`${at} daily ${day}: peer ${v}, ours ${o.daily[day]}`);
      }
      same('register_reads count', e.register_reads?.length, o.register_reads?.length);
      e.register_reads?.forEach((r, i) => {
        const m = o.register_reads?.[i];
        if (!m) return;
        const text = (x: RegisterReadSummary): string[] => [x.t_start ?? '', x.t_end, x.quality_method];
        same(`register_reads[${i}] times/quality`, text(r), text(m));
        for (const k of ['val_start', 'val_end', 'read_value'] as const) {
          if (!close(r[k], m[k])) out.push(`${at} register_reads[${i}].${k}: peer ${r[k]}, ours ${m[k]}`);
        }
      });
    }
  }
  return out;
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

// ---------------------------------------------------------------------------------------------------------------
// What the sink must have received, recomputed independently from the listener's view of the file:
// E* channels → kWh, Q* channels → kvarh, the channels of one kind of an NMI added per interval; an interval is
// missing when any part is null, N (null data) or an unresolved V; a channel repeated for the same interval is
// ignored after its first occurrence (the parser rejects the repeated 300 record).

const FACTORS: Record<string, [Quantity, number]> = {
  wh: [KWH, 0.001], kwh: [KWH, 1], mwh: [KWH, 1000], varh: [KVARH, 0.001], kvarh: [KVARH, 1], mvarh: [KVARH, 1000],
};
const RANK: Record<string, number> = { A: 0, S: 1, F: 1, E: 2 };
const QUALITY_OF_RANK: Quality[] = ['A', 'S', 'E'];

function expectedSink(run: Run): Map<string, { value: number; quality: Quality }> {
  const groups = new Map<string, { parts: Map<string, NemReading> }>();
  for (const r of run.readings) {
    const kind = r.suffix[0]!.toUpperCase();
    const unit = FACTORS[r.uom.toLowerCase()];
    const quantity = kind === 'E' ? KWH : kind === 'Q' ? KVARH : undefined;
    if (quantity === undefined || !unit || unit[0] !== quantity) continue;
    const key = `${r.nmi}|${quantity}|${r.startLocal}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { parts: new Map() }));
    if (!g.parts.has(r.suffix)) g.parts.set(r.suffix, r);
  }
  const out = new Map<string, { value: number; quality: Quality }>();
  for (const [key, g] of groups) {
    let value = 0;
    let rank = 0;
    let missing = false;
    for (const r of g.parts.values()) {
      const flag = r.quality[0]!;
      if (r.value === null || !(flag in RANK)) missing = true;
      else {
        value += r.value * FACTORS[r.uom.toLowerCase()]![1];
        rank = Math.max(rank, RANK[flag]!);
      }
    }
    if (!missing) out.set(key, { value, quality: QUALITY_OF_RANK[rank]! });
  }
  return out;
}

function sinkMismatches(run: Run, zone: Zone = MARKET_ZONE): string[] {
  const expected = expectedSink(run);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const i of run.intervals) {
    const minute = zone.localMinuteOfDay(i.startMs);
    const hhmm = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
    const local = `${zone.dayKey(i.startMs)}T${hhmm}:00`;
    const key = `${i.meterId}|${i.quantity}|${local}`;
    const e = expected.get(key);
    if (seen.has(key)) out.push(`sink got ${key} twice`);
    seen.add(key);
    if (i.customerId !== undefined) out.push(`${key}: customerId ${i.customerId}`);
    if (!e) out.push(`sink got unexpected ${key} = ${i.value}`);
    else if (Math.abs(e.value - i.value) > 1e-9 * Math.max(1, Math.abs(e.value)) || e.quality !== i.quality) {
      out.push(`${key}: expected ${e.value} ${e.quality}, sink got ${i.value} ${i.quality}`);
    }
    if (out.length > 20) return out;
  }
  for (const key of expected.keys()) {
    if (!seen.has(key)) out.push(`sink missed ${key}`);
    if (out.length > 20) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Where we deliberately differ from the peer (nem-reader 0.9.2). Each entry patches the peer's expected summary
// into what we produce, and says why. Nothing else is loosened: every other field of every file must match.

interface PeerDifference {
  what: string;
  why: string;
  patch(nmis: NmiSummary): void;
}

const PEER_DIFFERENCES: Record<string, PeerDifference> = {
  'invalid/Example_NEM12_30min_200_15min_300.csv': {
    what: 'peer loads 48 readings for 123 E1; we load none',
    why:
      'the 200 record says 30-minute intervals (48 values) but the 300 record has 96 values. The peer takes the ' +
      'first 48 and reads value 49 ("480") as the QualityMethod. MDFF: a 300 record holds exactly ' +
      '1440/IntervalLength values followed by the QualityMethod, so the record is rejected, not truncated.',
    patch: (nmis) => {
      delete nmis['123'];
    },
  },
  'nem12/NEM12#Scenario10#ETSAMDP#NEMMCO.zip': {
    what: 'NEM1210191 B2 quality_methods: peer {A: 61, E52: 24, F55: 11}, ours {A: 85, F55: 11}',
    why:
      'the B2 300 record for 2005-01-13 is broken over lines 27-29 and rejected; the peer then applies the ' +
      'following 400 records (lines 30-31) to the previous 300 record (2005-01-12, quality A). MDFF: a 400 ' +
      'record qualifies the 300 record it directly follows, so those 400 records are rejected instead.',
    patch: (nmis) => {
      nmis['NEM1210191']!['B2']!.quality_methods = { A: 85, F55: 11 };
    },
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Files that must not parse cleanly: the FileFormatError, or each reject / warning (line and reason).
// Every file in invalid/ is listed. Files not listed must parse with no reject and no warning.

interface Outcome {
  error?: RegExp;
  rejects?: Array<[line: number, reason: RegExp, count: number]>;
  warnings?: Array<[line: number, message: RegExp]>;
}

const MISSING_HEADER: [number, RegExp] = [2, /missing 100 header record: assuming NEM12/];
const POWERCOR_WARNINGS: Array<[number, RegExp]> = [
  MISSING_HEADER,
  [8, /data after the end-of-data \(900\) record on line 6/],
];
const NOT_A_300: RegExp = /400 record belongs to the rejected 300 record on line 3/;

const OUTCOMES: Record<string, Outcome> = {
  'invalid/Example_NEM12_15min_200_30min_300.csv': {
    rejects: [
      [
        3,
        /300 record for 123 E1 has 48 interval values but the 200 record on line 2 gives 15-minute intervals \(96 values per day\)/,
        96,
      ],
      [4, NOT_A_300, 0],
      [5, NOT_A_300, 0],
    ],
  },
  'invalid/Example_NEM12_15min_200_30min_400.csv': {
    // The 400 records cover intervals 1-48 of 96: the other 48 have quality V with nothing saying what it is.
    rejects: [
      [3, /300 record for 123 E1 2023-02-25: QualityMethod V but no 400 record gives the quality of interval\(s\) 49-96 of 96/, 48],
    ],
  },
  'invalid/Example_NEM12_30min_200_15min_300.csv': {
    rejects: [
      [
        3,
        /300 record for 123 E1 has 96 interval values but the 200 record on line 2 gives 30-minute intervals \(48 values per day\)/,
        48,
      ],
      [4, NOT_A_300, 0],
      [5, NOT_A_300, 0],
    ],
  },
  'invalid/Example_NEM12_30min_200_15min_400.csv': {
    rejects: [
      [3, /300 record for 123 E1 has 96 interval values but the 200 record on line 2 gives 30-minute intervals/, 48],
      [4, NOT_A_300, 0],
      [5, NOT_A_300, 0],
    ],
  },
  'invalid/Example_NEM12_empty.csv': { error: /NEM12 file has no data: no 200\/300 or 250 records after the header/ },
  'invalid/Example_NEM12_incomplete_interval.csv': {
    rejects: [
      [3, /300 record for VABD000163 E1 has 0 interval values but the 200 record on line 2 gives 30-minute intervals \(48/, 48],
    ],
  },
  // A file without its 100 header is read as NEM12 (as the peer does), with a warning rather than a reject.
  'invalid/Example_NEM12_missing_header.csv': { warnings: [MISSING_HEADER] },
  // Two headerless files joined: the second repeats the first's channels for the same day with other values.
  'invalid/Example_NEM12_powercor.csv': {
    warnings: POWERCOR_WARNINGS,
    rejects: [
      [9, /300 record repeats channel E1 of NMI VABD000163 for 2004-02-01 \(already given on line 3\)/, 48],
      [11, /300 record repeats channel Q1 of NMI VABD000163 for 2004-02-01 \(already given on line 5\)/, 48],
    ],
  },
  'invalid/Example_NEM12_powercor.csv.zip': {
    warnings: POWERCOR_WARNINGS,
    rejects: [
      [9, /300 record repeats channel E1 of NMI VABD000163 for 2004-02-01/, 48],
      [11, /300 record repeats channel Q1 of NMI VABD000163 for 2004-02-01/, 48],
    ],
  },
  // 300 records end after the ReasonCode: ReasonDescription and UpdateDateTime are missing.
  'invalid/Example_NEM12_powercor_missing_fields.csv': {
    warnings: POWERCOR_WARNINGS,
    rejects: [3, 5, 9, 11].map((line): [number, RegExp, number] => [
      line,
      /^300 record has 52 fields, expected 54 to 55 for 48 interval values \([EQ]1 of VABD000163\)$/,
      48,
    ]),
  },
  'invalid/Example_empty_file.csv': { error: /^empty file: no NEM12\/NEM13 records$/ },
  // A 300 record broken over three lines, then 400 records that no longer follow a 300 record.
  'nem12/NEM12#Scenario10#ETSAMDP#NEMMCO.zip': {
    rejects: [
      [27, /300 record for NEM1210191 B2 has no QualityMethod field after its interval values/, 0],
      [28, /unknown record indicator '11'/, 1],
      [29, /unknown record indicator '37'/, 1],
      [30, /400 record does not follow a 300 record/, 0],
      [31, /400 record does not follow a 300 record/, 0],
    ],
  },
};

const NEM13_NOT_LOADED = /NEM13 accumulation read\(s\) were read but not loaded: they are not interval data/;

/** The peer's own log lines must each be matched by one of our rejects or warnings. */
function peerLogMismatches(expected: Expected, run: Run): string[] {
  const out: string[] = [];
  const offset = expected.header.assumed ? 0 : 1; // the peer counts rows after the 100 header
  const hasWarning = (re: RegExp): boolean => run.warnings.some((w) => re.test(w.message));
  for (const log of expected.peer_log) {
    let m: RegExpMatchArray | null;
    if ((m = /Skipping 300 record .* on row (\d+)\./.exec(log))) {
      const line = Number(m[1]) + offset;
      if (!run.rejects.some((r) => r.line === line && r.reason.startsWith('300 record'))) {
        out.push(`no reject at line ${line} for: ${log}`);
      }
    } else if ((m = /Record indicator (\d+) on line (\d+) not supported/.exec(log))) {
      const line = Number(m[2]) + offset;
      if (!run.rejects.some((r) => r.line === line && r.reason.includes(`unknown record indicator '${m![1]}'`))) {
        out.push(`no reject at line ${line} for: ${log}`);
      }
    } else if (/Missing header \(100\) row/.test(log)) {
      if (!run.error && !hasWarning(/missing 100 header/)) out.push(`no warning for: ${log}`);
    } else if (/multiple end of data \(900\) rows/.test(log)) {
      if (!hasWarning(/data after the end-of-data \(900\) record/)) out.push(`no warning for: ${log}`);
    } else if (/Missing end of data \(900\) row/.test(log)) {
      if (!run.error && !hasWarning(/missing end-of-data \(900\) record/)) out.push(`no warning for: ${log}`);
    } else out.push(`unhandled peer log: ${log}`);
  }
  return out;
}

function sampleFiles(): string[] {
  const files: string[] = [];
  for (const name of readdirSync(NEM_DIR).sort()) {
    if (/\.zip$/i.test(name)) files.push(name);
  }
  for (const dir of ['unzipped', 'invalid', 'nem12', 'nem13']) {
    for (const name of readdirSync(join(NEM_DIR, dir)).sort()) files.push(`${dir}/${name}`);
  }
  return files;
}

const SAMPLES = sampleFiles();

describe('NEM12/NEM13 sample files against the peer parser (nem-reader 0.9.2)', () => {
  it('has a peer summary for every sample file and a sample for every peer summary', () => {
    const summaries = (dir: string): string[] =>
      readdirSync(join(NEM_DIR, 'expected', dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -'.json'.length));
    expect(summaries('').sort()).toEqual([...SAMPLES].sort());
    expect(SAMPLES.length).toBeGreaterThan(150);
    for (const rel of SAMPLES.filter((f) => f.startsWith('invalid/'))) expect(OUTCOMES, rel).toHaveProperty([rel]);
  });

  it.each(SAMPLES)('%s', (rel) => {
    const expected = JSON.parse(readFileSync(join(NEM_DIR, 'expected', `${rel}.json`), 'utf8')) as Expected;
    const run = parseSample(rel);
    const outcome = OUTCOMES[rel] ?? {};
    // A file the peer could not parse must be explained in the table above.
    if (expected.error) expect(OUTCOMES, `peer failed with ${expected.error}`).toHaveProperty([rel]);

    if (outcome.error) {
      expect(run.error?.message).toMatch(outcome.error);
    } else {
      expect(run.error).toBeUndefined();
      expect(run.format).toBe(expected.header.version_header.toLowerCase());
    }
    const rejects = run.rejects.map((r) => [r.line, r.reason, r.count]);
    expect(rejects).toHaveLength(outcome.rejects?.length ?? 0);
    outcome.rejects?.forEach(([line, reason, count], i) => {
      expect(rejects[i]).toEqual([line, expect.stringMatching(reason), count]);
    });
    const warnings = run.warnings.filter((w) => !NEM13_NOT_LOADED.test(w.message)).map((w) => [w.line, w.message]);
    expect(warnings).toHaveLength(outcome.warnings?.length ?? 0);
    outcome.warnings?.forEach(([line, message], i) => {
      expect(warnings[i]).toEqual([line, expect.stringMatching(message)]);
    });
    expect(peerLogMismatches(expected, run)).toEqual([]);

    const peer = structuredClone(expected.nmis);
    PEER_DIFFERENCES[rel]?.patch(peer);
    expect(compareSummaries(peer, summarize(run))).toEqual([]);
    expect(sinkMismatches(run)).toEqual([]);

    if (run.format === 'nem13' && !run.error) {
      expect(run.intervals).toEqual([]);
      expect(run.warnings.filter((w) => NEM13_NOT_LOADED.test(w.message))).toHaveLength(1);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Focused behaviour

const HEADER = '100,NEM12,200405011135,MDA1,Ret1';

function row300(date: string, values: Array<number | string>, quality = 'A', reason = ''): string {
  return `300,${date},${values.join(',')},${quality},${reason},,20040202120025,20040202130000`;
}

const halfHours = (v: number | ((i: number) => number | string)): Array<number | string> =>
  Array.from({ length: 48 }, (_, i) => (typeof v === 'number' ? v : v(i)));

function nem(...records: string[]): string {
  return [HEADER, ...records, '900'].join('\r\n');
}

describe('Nem12Parser', () => {
  it('maps E channels to kWh and Q channels to kvarh at the local times of the given zone, skips B channels', () => {
    const run = parseText(
      nem(
        '200,NMI0000001,E1Q1B1,1,E1,N1,MTR1,kWh,30,',
        row300('20040201', halfHours((i) => i)),
        '200,NMI0000001,E1Q1B1,2,Q1,N1,MTR1,kvarh,30,',
        row300('20040201', halfHours(2)),
        '200,NMI0000001,E1Q1B1,3,B1,N1,MTR1,kWh,30,',
        row300('20040201', halfHours(9)),
      ),
      new Zone('Asia/Shanghai'),
    );
    expect(run.rejects).toEqual([]);
    expect(run.intervals).toHaveLength(96);
    const kwh = run.intervals.filter((i) => i.quantity === KWH);
    expect(kwh[0]).toEqual({
      meterId: 'NMI0000001',
      customerId: undefined,
      startMs: Date.parse('2004-01-31T16:00:00Z'),
      minutes: 30,
      quantity: KWH,
      value: 0,
      quality: 'A',
      line: 3,
    });
    expect(kwh[47]).toMatchObject({ startMs: Date.parse('2004-02-01T15:30:00Z'), value: 47 });
    const kvarh = run.intervals.filter((i) => i.quantity === KVARH);
    expect(kvarh).toHaveLength(48);
    expect(kvarh.every((i) => i.value === 2 && i.line === 5)).toBe(true);
    expect(run.channels.map((c) => [c.suffix, c.quantity])).toEqual([['E1', KWH], ['Q1', KVARH], ['B1', undefined]]);
    expect(run.readings.filter((r) => r.suffix === 'B1')).toHaveLength(48);
  });

  it('converts Wh, MWh and varh to kWh / kvarh, whatever the case of the UOM', () => {
    const run = parseText(
      nem(
        '200,NMI1,E1,1,E1,,M,WH,30,',
        row300('20040201', halfHours(1500)),
        '200,NMI2,E1,1,E1,,M,MWh,30,',
        row300('20040201', halfHours(0.002)),
        '200,NMI3,Q1,1,Q1,,M,VArh,30,',
        row300('20040201', halfHours(250)),
      ),
    );
    const first = (nmi: string): SinkInterval => run.intervals.find((i) => i.meterId === nmi)!;
    expect(first('NMI1').value).toBeCloseTo(1.5, 12);
    expect(first('NMI2').value).toBeCloseTo(2, 12);
    expect(first('NMI3')).toMatchObject({ quantity: KVARH });
    expect(first('NMI3').value).toBeCloseTo(0.25, 12);
    // The listener keeps the file's own numbers.
    expect(run.readings[0]).toMatchObject({ uom: 'WH', value: 1500 });
  });

  it('rejects an E channel whose UOM is not an energy unit, but still reports it', () => {
    const run = parseText(nem('200,NMI1,E1,1,E1,,M,kW,30,', row300('20040201', halfHours(1))));
    expect(run.intervals).toEqual([]);
    expect(run.rejects).toEqual([
      {
        line: 3,
        reason: expect.stringMatching(/channel E1 of NMI NMI1 has UOM 'kW' \(200 record on line 2\); expected Wh, kWh or MWh/),
        count: 48,
      },
    ]);
    expect(run.readings).toHaveLength(48);
  });

  it('applies 400 records to the 300 record they follow (last one wins on overlap)', () => {
    const run = parseText(
      nem(
        '200,NMI1,E1,1,E1,,M,kWh,30,',
        row300('20040417', halfHours(1), 'A'),
        '400,1,20,F14,76,',
        '400,21,24,E52,,',
        '400,24,24,S53,,',
        row300('20040418', halfHours(1), 'A'),
      ),
    );
    expect(run.rejects).toEqual([]);
    const day1 = run.readings.filter((r) => r.day === '2004-04-17');
    expect(day1.map((r) => r.quality).slice(18, 25)).toEqual(['F14', 'F14', 'E52', 'E52', 'E52', 'S53', 'A']);
    expect(day1[0]!.reasonCode).toBe('76');
    const sinkQualities = run.intervals.slice(0, 25).map((i) => i.quality);
    expect(sinkQualities.slice(18, 25)).toEqual(['S', 'S', 'E', 'E', 'E', 'S', 'A']);
    // The next day is not touched by the previous day's 400 records.
    expect(run.readings.filter((r) => r.day === '2004-04-18').every((r) => r.quality === 'A')).toBe(true);
  });

  it('takes the per-interval quality of a V record from its 400 records', () => {
    const run = parseText(
      nem('200,NMI1,E1,1,E1,,M,kWh,30,', row300('20040201', halfHours(1), 'V'), '400,1,10,A,,', '400,11,48,S14,1,'),
    );
    expect(run.rejects).toEqual([]);
    expect(run.readings.filter((r) => r.quality === 'A')).toHaveLength(10);
    expect(run.readings.filter((r) => r.quality === 'S14')).toHaveLength(38);
    expect(run.intervals.map((i) => i.quality)).toEqual([...Array(10).fill('A'), ...Array(38).fill('S')]);
  });

  it('rejects the intervals of a V record that no 400 record covers, and a V record with no 400 at all', () => {
    const run = parseText(
      nem(
        '200,NMI1,E1,1,E1,,M,kWh,30,',
        row300('20040201', halfHours(1), 'V'),
        '400,1,10,A,,',
        '400,20,20,E52,,',
        row300('20040202', halfHours(1), 'V'),
      ),
    );
    expect(run.rejects).toEqual([
      {
        line: 3,
        reason: expect.stringContaining('QualityMethod V but no 400 record gives the quality of interval(s) 11-19, 21-48 of 48'),
        count: 37,
      },
      { line: 6, reason: expect.stringContaining('interval(s) 1-48 of 48'), count: 48 },
    ]);
    expect(run.intervals).toHaveLength(11);
  });

  it('treats N (null) quality as missing: not sent to the sink, not rejected', () => {
    const run = parseText(
      nem('200,NMI1,E1,1,E1,,M,kWh,30,', row300('20040201', halfHours(0), 'V'), '400,1,46,A,,', '400,47,48,N,,'),
    );
    expect(run.rejects).toEqual([]);
    expect(run.intervals).toHaveLength(46);
    expect(run.readings.slice(46).map((r) => r.quality)).toEqual(['N', 'N']);
  });

  it('rejects a bad row or value with its line and keeps the good ones', () => {
    const run = parseText(
      nem(
        '200,NMI1,E1,1,E1,,M,kWh,30,',
        row300('20040201', halfHours(1)),
        row300('20040202', halfHours(1).slice(0, 47)),
        row300('20040231', halfHours(1)),
        row300('20040203', halfHours((i) => (i === 4 ? 'x1' : i === 5 ? '' : 1))),
        '400,1,49,A,,',
        row300('20040204', halfHours(1)),
      ),
    );
    expect(run.rejects).toEqual([
      {
        line: 4,
        reason: expect.stringContaining(
          '300 record for NMI1 E1 has 47 interval values but the 200 record on line 2 gives 30-minute intervals ' +
            '(48 values per day)',
        ),
        count: 48,
      },
      { line: 5, reason: "300 record for NMI1 E1: IntervalDate '20040231' is not a valid date (YYYYMMDD)", count: 48 },
      {
        line: 7,
        reason: expect.stringContaining("400 record EndInterval '49' is outside 1..48 of the 300 record on line 6"),
        count: 0,
      },
      { line: 6, reason: expect.stringContaining("interval value(s) 5-6 not a number ('x1', '')"), count: 2 },
    ]);
    const days = new Map<string, number>();
    for (const i of run.intervals) {
      const d = MARKET_ZONE.dayKey(i.startMs);
      days.set(d, (days.get(d) ?? 0) + 1);
    }
    expect([...days]).toEqual([['2004-02-01', 48], ['2004-02-03', 46], ['2004-02-04', 48]]);
    expect(run.readings.filter((r) => r.value === null)).toHaveLength(2);
  });

  it('rejects records without their parent: 300 before any 200, 400 without a 300, 300 under a rejected 200', () => {
    const run = parseText(
      nem(
        row300('20040201', halfHours(1)),
        '200,NMI1,E1,1,E1,,M,kWh,30,',
        '400,1,48,A,,',
        '200,NMI1,E1,1,E1,,M,kWh,7,',
        row300('20040201', halfHours(1)),
        '500,O,S01,20040201120000,',
      ),
    );
    expect(run.rejects.map((r) => [r.line, r.reason])).toEqual([
      [2, '300 record comes before a 200 record'],
      [4, '400 record does not follow a 300 record'],
      [5, "200 record IntervalLength '7' is not a number of minutes that divides a day"],
      [6, '300 record belongs to the rejected 200 record on line 5'],
      [7, '500 record belongs to the rejected 200 record on line 5'],
    ]);
    expect(run.intervals).toEqual([]);
  });

  it('adds the E channels of one NMI per interval, with the worst quality of the parts', () => {
    const run = parseText(
      nem(
        '200,NMI1,E1E2,1,E1,,OLD,kWh,30,',
        row300('20050315', halfHours((i) => (i < 24 ? 2 : 0))),
        '200,NMI1,E1E2,2,E2,,NEW,Wh,30,',
        row300('20050315', halfHours((i) => (i < 24 ? 0 : 3000)), 'E52'),
        '200,NMI1,E1E2,2,E2,,NEW,Wh,30,',
        row300('20050316', halfHours(1000)),
        '200,NMI2,E1,1,E1,,X,kWh,30,',
        row300('20050315', halfHours(5)),
      ),
    );
    expect(run.rejects).toEqual([]);
    const nmi1 = run.intervals.filter((i) => i.meterId === 'NMI1');
    expect(nmi1).toHaveLength(96);
    expect(nmi1[0]).toMatchObject({ value: 2, quality: 'E', line: 3 });
    expect(nmi1[30]).toMatchObject({ value: 3, quality: 'E' });
    expect(nmi1[60]).toMatchObject({ value: 1, quality: 'A', line: 7 });
    expect(run.intervals.filter((i) => i.meterId === 'NMI2')).toHaveLength(48);
  });

  it('reads a NEM13 file: register reads go to the listener, nothing to the sink', () => {
    const run = parseText(
      [
        '100,NEM13,200401101030,MDA1,Ret1',
        '250,VABC005890,11,1,11,11,METSER123,E,006342.8,20031005093055,A,,,007654.9,20040107100333,A,,,1312.1,kWh,' +
          '20040407, 20040108100333,20040108091133',
        '550,N,,A,',
        '250,VABC005890,11,1,11,11,METSER123,E,006342.8,20031005093055,A,,,007654.9,2004010710,A,,,1312.1,kWh,' +
          '20040407,,',
        '900',
      ].join('\n'),
    );
    expect(run.format).toBe('nem13');
    expect(run.intervals).toEqual([]);
    expect(run.registerReads).toEqual([
      expect.objectContaining({
        nmi: 'VABC005890',
        suffix: '11',
        direction: 'E',
        startLocal: '2003-10-05T09:30:55',
        endLocal: '2004-01-07T10:03:33',
        previousRead: 6342.8,
        currentRead: 7654.9,
        quantity: 1312.1,
        quality: 'A',
        line: 2,
      }),
    ]);
    expect(run.rejects).toEqual([
      { line: 4, reason: "250 record CurrentRegisterReadDateTime '2004010710' is not a valid date-time", count: 0 },
    ]);
    expect(run.warnings).toEqual([{ line: 1, message: expect.stringMatching(NEM13_NOT_LOADED) }]);
  });

  it('rejects records of the other format (NEM13 records in a NEM12 file and the reverse)', () => {
    const run = parseText(
      nem(
        '200,NMI1,E1,1,E1,,M,kWh,30,',
        row300('20040201', halfHours(1)),
        '250,NMI1,11,1,11,11,M,E,1,20031005093055,A,,,2,20040107100333,A,,,1,kWh,20040407,20040108100333,',
      ),
    );
    expect(run.rejects).toEqual([{ line: 4, reason: '250 record (NEM13 accumulation read) in a NEM12 file', count: 0 }]);
    expect(run.intervals).toHaveLength(48);
    const nem13 = parseText(['100,NEM13,200401101030,MDA1,Ret1', '200,NMI1,E1,1,E1,,M,kWh,30,', '900'].join('\n'));
    expect(nem13.rejects).toEqual([{ line: 2, reason: '200 record (NEM12 interval channel) in a NEM13 file', count: 0 }]);
  });

  it('throws FileFormatError only for files that are not NEM files at all or are empty', () => {
    expect(parseText('customer_id,meter_id,interval_start\nC1,M1,2024-01-01T00:00:00+08:00').error).toMatchObject({
      message: "not a NEM12/NEM13 file: the first record starts with 'customer_id', expected a 100 header",
      line: 1,
    });
    expect(parseText('\n\n100,NEM14,200405011135,A,B\n900').error).toMatchObject({
      message: "unsupported NEM version 'NEM14' in the 100 header (expected NEM12 or NEM13)",
      line: 3,
    });
    expect(parseText('').error?.message).toBe('empty file: no NEM12/NEM13 records');
    expect(parseText(`${HEADER}\n900\n`).error?.message).toMatch(/no data/);
    const junk = parseText(nem('200,NMI1,E1,1,E1,,M,kWh,30,', 'junk,row', row300('20040201', halfHours(1))));
    expect(junk.rejects).toEqual([
      { line: 3, reason: expect.stringContaining("unknown record indicator 'junk'"), count: 1 },
    ]);
  });

  it('warns about a missing 900 record and tolerates a BOM, blank lines and padded rows', () => {
    const padded = (s: string): string => s + ','.repeat(60 - s.split(',').length);
    const run = parseText(
      `\uFEFF${padded(HEADER)}\n\n${padded('200,NMI1,E1,1,E1,,M,kWh,30')}\n${row300('20040201', halfHours(1))},,,,\n`,
    );
    expect(run.rejects).toEqual([]);
    expect(run.intervals).toHaveLength(48);
    expect(run.warnings).toEqual([{ line: 5, message: 'missing end-of-data (900) record: the file may be truncated' }]);
  });
});

describe('detectNem', () => {
  it('recognises NEM12/NEM13 headers and headerless NEM12/NEM13 data', () => {
    expect(detectNem('100,NEM12,200405011135,MDA1,Ret1')).toBe(true);
    expect(detectNem('\uFEFF100,NEM13,200401101030,MDA1,Ret1\r')).toBe(true);
    expect(detectNem('200,VABD000163,E1Q1,1,E1,N1,METSER123,kWh,30,')).toBe(true);
    expect(detectNem('100,NEM14,200405011135,MDA1,Ret1')).toBe(false);
    expect(detectNem('customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality')).toBe(false);
    expect(detectNem('户号,表号,日期')).toBe(false);
  });
});

describe('zipEntries', () => {
  it('yields every file entry of an archive with its bytes, skipping directories', () => {
    const zip = zipSync({ 'a.csv': strToU8('100,NEM12'), 'dir/': new Uint8Array(), 'dir/b.V01': strToU8('900') });
    expect(isZip(zip)).toBe(true);
    expect(isZip(strToU8('100,NEM12'))).toBe(false);
    const entries = [...zipEntries(zip)].map((e) => [e.name, Buffer.from(e.bytes).toString()]);
    expect(entries).toEqual([['a.csv', '100,NEM12'], ['dir/b.V01', '900']]);
  });
});
