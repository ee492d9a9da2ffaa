import type { ClassificationConfig } from '../config.ts';
import { fmtInt, fmtPct } from './format.ts';

export type Tier = 'A' | 'B' | 'C';

export interface TierInput {
  customerId: string;
  windowKwh: number;
}

export interface TierAssignment {
  customerId: string;
  tier: Tier;
  /** 1-based position in the ranking (kWh descending, customerId ascending). */
  rank: number;
  windowKwh: number;
  /** Share of total kWh held by this customer and everyone ranked above it; 0 when the total is 0. */
  cumulativeShare: number;
}

type TierShares = ClassificationConfig['tierShares'];

/**
 * Pareto tiers, in ranking order. A is the shortest prefix whose cumulative kWh reaches at least `a` of the total,
 * B extends it until the cumulative reaches at least `b` (empty when A already does), C is the rest.
 * A total of 0 (even for a single customer) makes everyone C.
 */
export function assignTiers(items: readonly TierInput[], shares: TierShares): TierAssignment[] {
  const sorted = [...items].sort(
    (x, y) => y.windowKwh - x.windowKwh || (x.customerId < y.customerId ? -1 : x.customerId > y.customerId ? 1 : 0),
  );
  let total = 0;
  for (const i of sorted) total += Math.max(0, i.windowKwh);
  if (!(total > 0)) {
    return sorted.map((i, r) => ({ customerId: i.customerId, tier: 'C', rank: r + 1, windowKwh: i.windowKwh, cumulativeShare: 0 }));
  }
  // Relative tolerance so that an exact 70% is not lost to binary rounding of the running sum.
  const eps = total * 1e-12;
  let cumulative = 0;
  let phase: Tier = 'A';
  return sorted.map((i, r) => {
    cumulative += Math.max(0, i.windowKwh);
    const tier = phase;
    if (phase === 'A' && cumulative >= shares.a * total - eps) phase = cumulative >= shares.b * total - eps ? 'C' : 'B';
    else if (phase === 'B' && cumulative >= shares.b * total - eps) phase = 'C';
    return { customerId: i.customerId, tier, rank: r + 1, windowKwh: i.windowKwh, cumulativeShare: cumulative / total };
  });
}

/**
 * The tier in words. No rank or cumulative share: the reason is stored with the segment, and those would go stale
 * whenever another customer's usage changes while this customer's segment does not.
 */
export function tierReason(t: TierAssignment, _count: number, shares: TierShares): string {
  const head = `window kWh ${fmtInt(t.windowKwh)}`;
  if (t.cumulativeShare === 0 && t.tier === 'C' && t.windowKwh <= 0) {
    return `${head} — no share of key-account kWh`;
  }
  switch (t.tier) {
    case 'A':
      return `${head} — top ${fmtPct(shares.a)} of key-account kWh`;
    case 'B':
      return `${head} — next ${fmtPct(shares.b - shares.a)} of key-account kWh, cumulative ${fmtPct(shares.a)}–${fmtPct(shares.b)}`;
    case 'C':
      return `${head} — remaining ${fmtPct(1 - shares.b)} of key-account kWh`;
  }
}
