import type { Features } from './features.ts';
import { fmt2, fmtHour, fmtPct } from './format.ts';

export type Pattern = 'continuous' | 'day-shift' | 'evening-peak' | 'night-shift' | 'weekday-only' | 'irregular';
export const PATTERNS: readonly Pattern[] = ['continuous', 'day-shift', 'evening-peak', 'night-shift', 'weekday-only', 'irregular'];

export interface PatternThresholds {
  /** irregular: mean shape deviation of days from their kind's average day at or above this. */
  irregularShapeDeviation: number;
  /** irregular: weekly-rhythm CV of daily kWh at or above this (on/off at random, no repeatable day). */
  irregularCv: number;
  /** weekday-only: weekend/weekday kWh ratio at or below this. */
  weekdayOnlyRatio: number;
  /** continuous: load factor at or above this … */
  continuousLoadFactor: number;
  /** … and profile flatness (smallest / largest hourly share of the average day) at or above this. */
  continuousFlatness: number;
  /** night-shift: valley-band share at or above this, or … */
  nightShiftValleyShare: number;
  /** … 00:00–06:00 share at or above this. */
  nightShiftNightShare: number;
  /** evening-peak: 17:00–23:00 share at or above this, with the profile's peak hour inside that block. */
  eveningShare: number;
  /** day-shift: 08:00–18:00 share at or above this. */
  dayShare: number;
}

export const DEFAULT_PATTERN_THRESHOLDS: PatternThresholds = {
  irregularShapeDeviation: 0.3,
  irregularCv: 0.75,
  weekdayOnlyRatio: 0.4,
  continuousLoadFactor: 0.7,
  continuousFlatness: 0.6,
  // A flat load has valley 33% (8 valley hours in the default schedule) and night 25%.
  nightShiftValleyShare: 0.5,
  nightShiftNightShare: 0.4,
  // A flat load has evening 25% and daytime 42%.
  eveningShare: 0.35,
  dayShare: 0.5,
};

/** Blocks of the local day, [from, to) hours. */
const DAY_BLOCK = [8, 18] as const;
const EVENING_BLOCK = [17, 23] as const;
const NIGHT_BLOCK = [0, 6] as const;

export interface ProfileShape {
  /** Smallest / largest hourly share of the average day (1 = perfectly flat). */
  flatness: number;
  dayShare: number;
  eveningShare: number;
  /** Hour whose 3-hour neighbourhood (circular) carries the most kWh; ties go to the earlier hour. */
  peakHour: number;
}

export function profileShape(profile: readonly number[]): ProfileShape {
  const max = Math.max(...profile);
  const min = Math.min(...profile);
  let peakHour = 0;
  let best = -1;
  for (let h = 0; h < 24; h++) {
    const v = profile[(h + 23) % 24]! + profile[h]! + profile[(h + 1) % 24]!;
    if (v > best + 1e-12) {
      best = v;
      peakHour = h;
    }
  }
  return {
    flatness: max > 0 ? min / max : 0,
    dayShare: blockShare(profile, DAY_BLOCK),
    eveningShare: blockShare(profile, EVENING_BLOCK),
    peakHour,
  };
}

export interface PatternResult {
  pattern: Pattern;
  /** The deciding values, in words. */
  reasons: string[];
}

/**
 * Exactly one pattern, first matching rule wins:
 * irregular (no repeatable day) → weekday-only (the weekly rhythm dominates whatever the daily shape) →
 * continuous → night-shift → evening-peak → day-shift → otherwise the block (day, evening, night) with the
 * highest kWh per hour.
 */
export function classifyPattern(
  f: Features,
  profile: readonly number[],
  t: PatternThresholds = DEFAULT_PATTERN_THRESHOLDS,
): PatternResult {
  if (f.days === 0 || f.windowKwh <= 0) return { pattern: 'irregular', reasons: ['no consumption in the window'] };
  const s = profileShape(profile);

  const irregular: string[] = [];
  if (f.shapeDeviation >= t.irregularShapeDeviation) {
    irregular.push(
      `shape deviation ${fmtPct(f.shapeDeviation)} (at least ${fmtPct(t.irregularShapeDeviation)}): days of the same kind do not repeat a daily shape`,
    );
  }
  if (f.dailyCv >= t.irregularCv) {
    irregular.push(`day-to-day CV ${fmt2(f.dailyCv)} against the weekly rhythm (at least ${fmt2(t.irregularCv)})`);
  }
  if (irregular.length > 0) return { pattern: 'irregular', reasons: irregular };

  if (f.weekendRatio !== null && f.weekendRatio <= t.weekdayOnlyRatio) {
    return {
      pattern: 'weekday-only',
      reasons: [`weekend/weekday ratio ${fmt2(f.weekendRatio)} (at most ${fmt2(t.weekdayOnlyRatio)})`],
    };
  }

  if (f.loadFactor >= t.continuousLoadFactor && s.flatness >= t.continuousFlatness) {
    return {
      pattern: 'continuous',
      reasons: [
        `load factor ${fmt2(f.loadFactor)} (at least ${fmt2(t.continuousLoadFactor)})`,
        `profile flatness ${fmt2(s.flatness)} (at least ${fmt2(t.continuousFlatness)}), night share ${fmtPct(f.nightShare)}`,
      ],
    };
  }

  if (f.valleyShare >= t.nightShiftValleyShare || f.nightShare >= t.nightShiftNightShare) {
    return {
      pattern: 'night-shift',
      reasons: [
        `valley share ${fmtPct(f.valleyShare)} (threshold ${fmtPct(t.nightShiftValleyShare)}), night share ${fmtPct(f.nightShare)} (threshold ${fmtPct(t.nightShiftNightShare)})`,
      ],
    };
  }

  const inEvening = s.peakHour >= EVENING_BLOCK[0] && s.peakHour < EVENING_BLOCK[1];
  if (s.eveningShare >= t.eveningShare && inEvening) {
    return {
      pattern: 'evening-peak',
      reasons: [
        `evening share (17–23h) ${fmtPct(s.eveningShare)} (at least ${fmtPct(t.eveningShare)}), peak hour ${fmtHour(s.peakHour)}`,
      ],
    };
  }

  if (s.dayShare >= t.dayShare) {
    return {
      pattern: 'day-shift',
      reasons: [
        `daytime share (08–18h) ${fmtPct(s.dayShare)} (at least ${fmtPct(t.dayShare)}), peak hour ${fmtHour(s.peakHour)}`,
      ],
    };
  }

  const blocks: { pattern: Pattern; name: string; share: number; hours: number }[] = [
    { pattern: 'day-shift', name: 'daytime (08–18h)', share: s.dayShare, hours: DAY_BLOCK[1] - DAY_BLOCK[0] },
    { pattern: 'evening-peak', name: 'evening (17–23h)', share: s.eveningShare, hours: EVENING_BLOCK[1] - EVENING_BLOCK[0] },
    { pattern: 'night-shift', name: 'night (00–06h)', share: f.nightShare, hours: NIGHT_BLOCK[1] - NIGHT_BLOCK[0] },
  ];
  let strongest = blocks[0]!;
  for (const b of blocks) if (b.share / b.hours > strongest.share / strongest.hours) strongest = b;
  return {
    pattern: strongest.pattern,
    reasons: [
      `no archetype threshold met; strongest block ${strongest.name} with ${fmtPct(strongest.share)} of kWh, load factor ${fmt2(f.loadFactor)}, peak hour ${fmtHour(s.peakHour)}`,
    ],
  };
}

function blockShare(profile: readonly number[], [from, to]: readonly [number, number]): number {
  let s = 0;
  for (let h = from; h < to; h++) s += profile[h]!;
  return s;
}
