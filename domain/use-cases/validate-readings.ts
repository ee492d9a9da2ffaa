import type { DomainConfig } from '../config.ts';
import { readReadings, type ReadStats } from '../parsing/read-readings.ts';
import { type AliasMap, mergeAliases, READING_ALIASES } from '../parsing/header-aliases.ts';
import { type Encoding, HostileFileError } from '../parsing/decode.ts';
import { FileFormatError } from '../parsing/reading-sink.ts';
import { type MeterDayListener, type MeterDirectory, type Reject, UsageAggregator } from '../usage/aggregate.ts';
import { mergeMeterDays } from '../usage/apply-readings.ts';
import type { MeterDay } from '../usage/meter-day.ts';
import { Zone } from '../time/zone.ts';

export interface CustomerTotal {
  customerId: string;
  days: number;
  kwh: number;
}

export interface ReadingsCheck {
  file: string;
  stats: ReadStats | null;
  status: 'accepted' | 'quarantined' | 'failed';
  rows: { accepted: number; rejected: number };
  readings: number;
  rejectedShare: number;
  rejects: Reject[];
  error?: string;
  customers: CustomerTotal[];
}

export interface CheckDeps {
  directory: MeterDirectory;
  config: DomainConfig;
  aliases?: AliasMap;
  onProgress?: (lines: number, bytes: number) => void;
  /** Receives each meter-day after VEE (applied or not: the caller decides after the verdict). */
  onMeterDay?: MeterDayListener;
  maxOpenDays?: number;
  /** The file's encoding when known (a byte range of a larger file); else detected. */
  encoding?: Encoding;
}

/**
 * Parse, validate and aggregate one reading file without applying anything: the shared core of the ingest Lambda
 * and of `kam validate`. A file whose rejected share exceeds the threshold is quarantined (nothing applies).
 */
export async function checkReadings(
  file: string,
  source: AsyncIterable<Uint8Array>,
  deps: CheckDeps,
): Promise<ReadingsCheck> {
  const zone = new Zone(deps.config.timeZone);
  const totals = new Map<string, { days: Set<string>; kwh: number }>();
  const onDayTotal = (customerId: string, day: string, kwh: number) => {
    let t = totals.get(customerId);
    if (!t) totals.set(customerId, (t = { days: new Set(), kwh: 0 }));
    t.days.add(day);
    t.kwh += kwh;
  };
  const agg = new UsageAggregator({
    zone,
    directory: deps.directory,
    maxInterpolatedGap: deps.config.maxInterpolatedGap,
    maxOpenDays: deps.maxOpenDays,
    onDayTotal,
    ...(deps.onMeterDay ? { onMeterDay: deps.onMeterDay } : {}),
  });
  let stats: ReadStats | null = null;
  try {
    const aliases = deps.aliases ?? (deps.config.aliases ? mergeAliases(READING_ALIASES, deps.config.aliases) : undefined);
    stats = await readReadings(source, { sink: agg, zone, aliases, fileName: file, onProgress: deps.onProgress, limits: deps.config.limits, applyMultiplier: deps.config.applyMultiplier, bands: deps.config.bands, ...(deps.config.frozenReadingAt ? { frozenReadingAt: deps.config.frozenReadingAt } : {}), ...(deps.encoding ? { encoding: deps.encoding } : {}) });
  } catch (err) {
    if (!(err instanceof FileFormatError)) throw err;
    return {
      file,
      stats,
      // A decompression bomb is quarantined (nothing applied, the reason kept); an unreadable file has failed.
      status: err instanceof HostileFileError ? 'quarantined' : 'failed',
      rows: { accepted: 0, rejected: 0 },
      readings: 0,
      rejectedShare: 1,
      rejects: [{ line: err.line, reason: err.message }],
      error: `${file}, line ${err.line}: ${err.message}`,
      customers: [],
    };
  }
  agg.finish();
  const share = agg.rejectedShare();
  const quarantined = share > deps.config.quarantineShare;
  const customers: CustomerTotal[] = [...totals.entries()]
    .map(([customerId, t]) => ({ customerId, days: t.days.size, kwh: Math.round(t.kwh * 1000) / 1000 }))
    .sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  return {
    file,
    stats,
    status: quarantined ? 'quarantined' : 'accepted',
    rows: { accepted: agg.dataRows - agg.rejectedRows, rejected: agg.rejectedRows },
    readings: agg.readings,
    rejectedShare: share,
    rejects: agg.rejects,
    ...(quarantined
      ? { error: `${file}: ${(share * 100).toFixed(1)}% of rows rejected, above the ${(deps.config.quarantineShare * 100).toFixed(1)}% quarantine threshold; nothing applied` }
      : {}),
    customers,
  };
}

/** The rejects report: one CSV row per rejected line. */
export function rejectsCsv(file: string, rejects: readonly Reject[]): string {
  const esc = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return ['file,line,reason', ...rejects.map((r) => `${esc(file)},${r.line},${esc(r.reason)}`)].join('\n') + '\n';
}

/** Collects meter-days by customer and day, merging the parts an unsorted file yields. For tests and small files. */
export function collectMeterDays(maxInterpolatedGap = 2): { listener: MeterDayListener; usage: Map<string, Map<string, Record<string, MeterDay>>> } {
  const usage = new Map<string, Map<string, Record<string, MeterDay>>>();
  return {
    usage,
    listener: (customerId, meterId, day, md) => {
      let days = usage.get(customerId);
      if (!days) usage.set(customerId, (days = new Map()));
      let meters = days.get(day);
      if (!meters) days.set(day, (meters = {}));
      const prev = meters[meterId];
      meters[meterId] = prev ? mergeMeterDays(prev, md, maxInterpolatedGap) : md;
    },
  };
}
