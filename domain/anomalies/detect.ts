import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from '../config.ts';
import { coveredHours } from '../classification/features.ts';
import { Zone, epochDayOf, nextDay } from '../time/zone.ts';
import type { DailyUsage } from '../usage/daily-usage.ts';
import type { MeterDay } from '../usage/meter-day.ts';
import type { Anomaly, AnomalyKind, Severity } from './anomaly.ts';
import { projectDemand } from './demand-trend.ts';
import { findFlatLines, runsOf } from './flat-line.ts';
import { type ClosedRun, type Hit, RunTracker } from './runs.ts';

export interface DetectInput {
  /**
   * The customer's days over the window, any order. The flat-line check reads each day's `runs` (stored with the
   * roll-up), or its `meters` (DayWithMeters) when given; a day with neither is not checked for flat lines.
   */
  days: readonly (DailyUsage & { meters?: Record<string, MeterDay> })[];
  contractKva: number | null;
  contractKw: number | null;
  /** The segment's or peer group's median hourly profile (24 shares summing to 1), when known: quoted in evidence. */
  peerProfile?: readonly number[] | null;
  config?: AnomalyConfig;
  /**
   * Episodes already recorded (from earlier runs), when the window slides: a detection of the same kind (and meter)
   * that overlaps one or follows it within `mergeDays` continues it, keeping its key and first day, even where the
   * window no longer reaches back to that day.
   */
  known?: readonly Pick<Anomaly, 'kind' | 'episodeKey' | 'from' | 'to'>[];
}

/** A day's figures normalised to a whole day (kWh per covered hour × 24), so partial days compare with whole ones. */
interface DayFigures {
  epochDay: number;
  /** 0 Monday–Friday, 1 Saturday, 2 Sunday: a six-day plant's Saturday is not its Sunday. */
  kind: number;
  total: number;
  /** kWh per hour in the night window, and outside it. */
  nightPerHour: number;
  dayPerHour: number;
  dayPart: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (x: number): string => `${Math.round(x * 100)}%`;
const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Anomalies of one customer over a window of days (issue 11 §3). Every behaviour check compares a day with the same
 * kind of day (Monday–Friday, Saturday, Sunday) in the customer's own trailing baseline, hour window by hour window, so a plant
 * idle every weekend, a short holiday dip and a stable night shift raise nothing. Detection is causal: a day is
 * judged only by the days before it, which keeps episode keys stable as days are added (see `Anomaly.episodeKey`).
 * Days flagged by a behaviour check stay out of the baseline until the shift lasted `rebaseDays`; then the episode
 * ends and the new level is the customer's normal. Pure: no clock, no I/O.
 */
export function detectAnomalies(input: DetectInput): Anomaly[] {
  const cfg = input.config ?? DEFAULT_ANOMALY_CONFIG;
  const days = [...input.days].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  if (days.length === 0) return [];
  const epochs = days.map((d) => epochDayOf(d.day));
  const lastDay = days[days.length - 1]!.day;
  const out: Anomaly[] = [];
  const emit = (kind: AnomalyKind, from: string, to: string, severity: Severity, evidence: string, figures: Anomaly['figures'], ongoing: boolean, keyExtra = ''): void => {
    out.push({ kind, from, to, severity, evidence, figures, ongoing, episodeKey: `${kind}:${from}${keyExtra}` });
  };

  // Flat lines, from the days' stored run summaries (or their meters' intervals when given instead).
  const flat = findFlatLines(days.map((d, i) => ({ day: d.day, epochDay: epochs[i]!, runs: d.runs ?? (d.meters ? runsOf(d.meters) : undefined) })), cfg.flatLineIntervals);
  const flatDays = new Set<string>();
  for (const f of flat) {
    for (const d of f.days) flatDays.add(d);
    // Two stuck runs of one meter starting the same day are one episode (one key): the later one extends it.
    const same = out.find((a) => a.episodeKey === `flat-line:${f.fromDay}:${f.meterId}`);
    if (same) {
      same.to = f.toDay;
      same.ongoing = f.open && f.toDay === lastDay;
      continue;
    }
    const hours = (f.intervals * f.minutes) / 60;
    emit('flat-line', f.fromDay, f.toDay, hours >= 24 ? 'high' : 'medium',
      `Meter ${f.meterId} repeated the same reading of ${f.value} kWh for ${f.intervals} consecutive intervals (${r1(hours)} h) from ${f.fromDay}; a stuck register or a fill-in, not real usage.`,
      { meterId: f.meterId, intervals: f.intervals, value: f.value, hours: r1(hours) }, f.open && f.toDay === lastDay, `:${f.meterId}`);
  }

  const nightFrom = cfg.nightHours.from;
  const nightTo = cfg.nightHours.to;
  const nightH = nightTo - nightFrom;
  const figures = (d: DailyUsage, i: number): DayFigures => {
    const cover = Math.max(coveredHours(d), 1e-9) / 24;
    let night = 0;
    for (let h = nightFrom; h < nightTo; h++) night += d.hourly[h] ?? 0;
    const total = d.kwh / cover;
    const nightN = night / cover;
    const wd = Zone.weekday(d.day);
    return { epochDay: epochs[i]!, kind: wd <= 5 ? 0 : wd - 5, total, nightPerHour: nightN / nightH, dayPerHour: (total - nightN) / (24 - nightH), dayPart: total - nightN };
  };

  const accepted: DayFigures[] = [];
  /**
   * Median figures of the latest accepted days of one kind: as many as `baselineDays` holds of that kind, looked for
   * up to `rebaseDays` further back, so days left out (a holiday, a shift under way) are replaced by older normal ones.
   * Null with fewer than `minBaselineDays` of them.
   */
  const baseline = (kind: number, epochDay: number): DayFigures | null => {
    const want = Math.max(cfg.minBaselineDays, Math.round((cfg.baselineDays * (kind === 0 ? 5 : 1)) / 7));
    const xs: DayFigures[] = [];
    for (let j = accepted.length - 1; j >= 0 && xs.length < want; j--) {
      const a = accepted[j]!;
      if (a.epochDay < epochDay - cfg.baselineDays - cfg.rebaseDays) break;
      if (a.kind === kind && a.epochDay < epochDay) xs.push(a);
    }
    if (xs.length < cfg.minBaselineDays) return null;
    return {
      epochDay,
      kind,
      total: median(xs.map((x) => x.total)),
      nightPerHour: median(xs.map((x) => x.nightPerHour)),
      dayPerHour: median(xs.map((x) => x.dayPerHour)),
      dayPart: median(xs.map((x) => x.dayPart)),
    };
  };

  const contractKva = input.contractKva ?? input.contractKw;
  const contractKw = input.contractKw ?? input.contractKva;
  const gap = cfg.gapDays;
  const t = {
    zero: new RunTracker(0),
    spike: new RunTracker(0),
    est: new RunTracker(0),
    drop: new RunTracker(gap, cfg.mergeDays, cfg.levelMinDays),
    rise: new RunTracker(gap, cfg.mergeDays, cfg.levelMinDays),
    night: new RunTracker(gap),
    weekend: new RunTracker(gap + 2),
    demand: new RunTracker(gap + 2),
  };
  const behaviour = [t.drop, t.rise, t.night, t.weekend] as const;
  const figuresOf = new Map<number, DayFigures>();
  const demandPoints: { x: number; y: number }[] = [];
  /** Judged days of the level checks, in order: for the median of three and for dating a shift's start. */
  const levelDays: Hit[] = [];

  days.forEach((d, i) => {
    const e = epochs[i]!;
    const f = figures(d, i);
    figuresOf.set(i, f);
    const base = baseline(f.kind, e);
    // A weekend day is judged against weekdays for idleness: a plant closed on Sundays has idle Sundays.
    const weekdays = f.kind === 0 ? base : baseline(0, e);
    const idle = f.kind !== 0 && base !== null && weekdays !== null && base.total < cfg.idleShare * weekdays.total;
    const { actual, estimated, missing } = d.intervals;
    const slots = actual + estimated + missing;

    const spiky = contractKva !== null && contractKva > 0 && d.maxDemandKw > cfg.spikeFactor * contractKva;
    if (spiky) t.spike.hit({ index: i, epochDay: e, value: d.maxDemandKw, base: contractKva });
    else t.spike.miss();
    const estShare = slots > 0 ? estimated / slots : 0;
    if (estShare > cfg.estimatedShare) t.est.hit({ index: i, epochDay: e, value: estShare, base: cfg.estimatedShare });
    else t.est.miss();
    const zero = actual + estimated > 0 && d.kwh <= 0 && base !== null && !idle && base.total >= cfg.zeroBusyKwh;
    if (zero) t.zero.hit({ index: i, epochDay: e, value: 0, base: base.total });
    else t.zero.miss();

    // Days with a data problem say nothing about behaviour: they are neither judged nor part of the baseline.
    const dataIssue = spiky || zero || flatDays.has(d.day) || estShare > cfg.estimatedShare || (slots > 0 && (actual + estimated) / slots < 0.5);
    if (dataIssue) return;
    if (base === null) {
      accepted.push(f);
      return;
    }

    const hits: RunTracker[] = [];
    const judge = (tr: RunTracker, hit: boolean | null, value: number, b: number): void => {
      if (hit === null) return;
      if (hit) {
        tr.hit({ index: i, epochDay: e, value, base: b });
        hits.push(tr);
      } else tr.miss();
    };

    // New weekend load: a weekend that is normally idle against weekdays now runs.
    if (idle) judge(t.weekend, f.total >= cfg.appearShare * weekdays!.total, f.total, weekdays!.total);
    const nightIdle = !idle && base.nightPerHour < cfg.noneShare * base.dayPerHour;
    if (nightIdle) judge(t.night, f.nightPerHour >= cfg.appearShare * base.dayPerHour, f.nightPerHour, base.dayPerHour);
    if (!idle) {
      // A customer without night load is judged on its day hours, so new night load is not also a level rise.
      const v = nightIdle ? f.dayPart : f.total;
      const b = nightIdle ? base.dayPart : base.total;
      // Days below the threshold on their own stay out of the demand trend (a holiday's recovery is no trend).
      const low = b > 0 && v / b < 1 - cfg.levelChange;
      // A day is beyond the threshold when it and the median of it and the two judged days before it are: one noisy
      // day does not start a shift. A shift starts on the first of those days already beyond the threshold.
      if (b > 0) {
        levelDays.push({ index: i, epochDay: e, value: v, base: b });
        const recent = levelDays.slice(-3);
        const level = median(recent.map((h) => h.value / h.base));
        const r = v / b;
        const dropped = level < 1 - cfg.levelChange && r < 1 - cfg.levelChange;
        const level3 = (tr: RunTracker, hit: boolean, beyond: (r: number) => boolean): void => {
          if (hit && !tr.active) {
            let k = recent.length - 1;
            while (k > 0 && beyond(recent[k - 1]!.value / recent[k - 1]!.base)) k--;
            for (const h of recent.slice(k, -1)) tr.hit(h);
          }
          judge(tr, hit, v, b);
        };
        level3(t.drop, dropped, (x) => x < 1 - cfg.levelChange);
        level3(t.rise, level > 1 + cfg.levelChange && r > 1 + cfg.levelChange, (x) => x > 1 + cfg.levelChange);
      }
      // The demand trend is read on Monday–Friday, the days that set the month's maximum.
      if (f.kind === 0 && !low && contractKw !== null && contractKw > 0) {
        demandPoints.push({ x: e, y: d.maxDemandKw });
        const pts = demandPoints.filter((p) => p.x > e - cfg.trendDays);
        // Hysteresis: a trend under way goes on at 2 standard errors and 90% of the share, so a noisy day does not cut it.
        const on = t.demand.active;
        const proj = pts.length >= cfg.trendDays / 2 ? projectDemand(pts.map((p) => p.x), pts.map((p) => p.y), cfg.trendHorizonDays, on ? 2 : 3) : null;
        const share = on ? cfg.nearContractShare * 0.9 : cfg.nearContractShare;
        const hit = proj !== null && proj.projected >= share * contractKw && proj.risePerHorizon >= cfg.trendMinRise * contractKw;
        if (hit) t.demand.hit({ index: i, epochDay: e, value: proj.projected, base: proj.current });
        else t.demand.miss();
      }
    }
    if (hits.length === 0) accepted.push(f);
    // A shift that lasted rebaseDays is the new normal: its days join the baseline and the episode ends.
    for (const tr of behaviour) {
      if (tr.span() < cfg.rebaseDays) continue;
      for (const h of tr.close(true)) if (!accepted.includes(figuresOf.get(h.index)!)) accepted.push(figuresOf.get(h.index)!);
      accepted.sort((x, y) => x.epochDay - y.epochDay);
    }
  });

  const dayOf = (h: Hit): string => days[h.index]!.day;
  const runs = (tr: RunTracker, minHits: number, minSpan = 1): ClosedRun[] =>
    tr.finish().filter((r) => r.hits.length >= minHits && r.hits[r.hits.length - 1]!.epochDay - r.hits[0]!.epochDay + 1 >= minSpan);
  const ongoing = (r: ClosedRun): boolean => r.open && dayOf(r.hits[r.hits.length - 1]!) === lastDay;

  for (const r of runs(t.zero, 1)) {
    const from = dayOf(r.hits[0]!);
    const to = dayOf(r.hits[r.hits.length - 1]!);
    const base = r.hits[0]!.base;
    emit('zero-reads', from, to, r.hits.length >= 2 ? 'high' : 'medium',
      `The meters read zero on ${r.hits.length} day(s) from ${from} to ${to}, where the same kind of day normally uses ${Math.round(base)} kWh.`,
      { days: r.hits.length, baselineKwh: r1(base) }, ongoing(r));
  }
  for (const r of runs(t.spike, 1)) {
    const peak = Math.max(...r.hits.map((h) => h.value));
    const c = r.hits[0]!.base;
    emit('spike', dayOf(r.hits[0]!), dayOf(r.hits[r.hits.length - 1]!), peak > 2 * c ? 'high' : 'medium',
      `An interval demand of ${r1(peak)} kW is ${r1(peak / c)}× the contract of ${c} kVA, beyond what the connection can carry: a metering or scaling error.`,
      { maxDemandKw: r1(peak), contractKva: c, ratio: r3(peak / c) }, ongoing(r));
  }
  for (const r of runs(t.est, 1)) {
    const share = Math.max(...r.hits.map((h) => h.value));
    const from = dayOf(r.hits[0]!);
    emit('estimated-share', from, dayOf(r.hits[r.hits.length - 1]!), share > 0.5 ? 'high' : share > 2 * cfg.estimatedShare ? 'medium' : 'low',
      `Up to ${pct(share)} of the intervals on ${r.hits.length} day(s) from ${from} are estimated, above the ${pct(cfg.estimatedShare)} threshold.`,
      { days: r.hits.length, maxEstimatedShare: r3(share) }, ongoing(r));
  }
  for (const [tr, kind] of [[t.drop, 'level-drop'], [t.rise, 'level-rise']] as const) {
    for (const r of runs(tr, 1, cfg.levelMinDays)) {
      const change = median(r.hits.map((h) => h.value / h.base - 1));
      const from = dayOf(r.hits[0]!);
      const to = dayOf(r.hits[r.hits.length - 1]!);
      const base = median(r.hits.map((h) => h.base));
      const size = Math.abs(change);
      emit(kind, from, to, size >= 0.6 ? 'high' : size >= 0.45 ? 'medium' : 'low',
        `Usage was ${pct(size)} ${change < 0 ? 'below' : 'above'} the customer's own rhythm (median ${Math.round(base)} kWh for the same kind of day) on ${r.hits.length} days from ${from} to ${to}${r.rebased ? '; it has lasted long enough to be the new normal' : ''}.`,
        { days: r.hits.length, change: r3(change), baselineKwh: r1(base) }, ongoing(r));
    }
  }
  const peerNight = input.peerProfile ? input.peerProfile.slice(nightFrom, nightTo).reduce((a, b) => a + b, 0) : null;
  for (const r of runs(t.night, cfg.appearMinDays)) {
    const ratio = median(r.hits.map((h) => h.value / h.base));
    const from = dayOf(r.hits[0]!);
    emit('new-night-load', from, dayOf(r.hits[r.hits.length - 1]!), ratio >= 0.6 ? 'high' : 'medium',
      `Night load (${nightFrom}:00–${nightTo}:00) appeared on ${r.hits.length} nights from ${from} at ${pct(ratio)} of the usual day-hours load, where the customer had none` +
        (peerNight !== null ? `; its peer group puts ${pct(peerNight)} of its usage in those hours.` : '.'),
      { nights: r.hits.length, nightToDayRatio: r3(ratio), ...(peerNight !== null ? { peerNightShare: r3(peerNight) } : {}) }, ongoing(r));
  }
  for (const r of runs(t.weekend, cfg.appearMinDays)) {
    const ratio = median(r.hits.map((h) => h.value / h.base));
    const from = dayOf(r.hits[0]!);
    emit('new-weekend-load', from, dayOf(r.hits[r.hits.length - 1]!), ratio >= 0.6 ? 'high' : 'medium',
      `Weekend usage appeared on ${r.hits.length} weekend days from ${from} at ${pct(ratio)} of a usual weekday, where weekends were idle.`,
      { weekendDays: r.hits.length, weekendToWeekdayRatio: r3(ratio) }, ongoing(r));
  }
  for (const r of runs(t.demand, cfg.appearMinDays)) {
    const last = r.hits[r.hits.length - 1]!;
    const peak = Math.max(...r.hits.map((h) => h.value));
    const from = dayOf(r.hits[0]!);
    emit('demand-near-contract', from, dayOf(last), peak >= contractKw! ? 'high' : 'medium',
      `Maximum demand is rising (${r1(last.base)} kW now) on a trend that reaches ${r1(peak)} kW, ${pct(peak / contractKw!)} of the ${contractKw} kW contract, within ${cfg.trendHorizonDays} days.`,
      { currentKw: r1(last.base), projectedKw: r1(peak), contractKw: contractKw!, projectedShare: r3(peak / contractKw!) }, ongoing(r));
  }
  for (const a of out) {
    const k = (input.known ?? []).find(
      (k) => k.kind === a.kind && (a.kind !== 'flat-line' || k.episodeKey.endsWith(`:${a.figures.meterId}`)) && k.from <= a.to && nextDay(k.to, cfg.mergeDays + 1) >= a.from,
    );
    if (k) {
      a.episodeKey = k.episodeKey;
      if (k.from < a.from) a.from = k.from;
    }
  }
  return out.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}
