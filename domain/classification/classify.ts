import type { ClassificationConfig } from '../config.ts';
import type { DailyUsage } from '../usage/daily-usage.ts';
import { computeFeatures, type FeatureResult, type Features } from './features.ts';
import { fmt2, fmtHour, fmtPct } from './format.ts';
import { classifyPattern, DEFAULT_PATTERN_THRESHOLDS, profileShape, type Pattern, type PatternThresholds } from './pattern.ts';
import { peerGroups, type PeerGroupSummary } from './peer-groups.ts';
import { playbook, type PlaybookAction, type PlaybookOptions } from './playbook.ts';
import { assignTiers, tierReason, type Tier } from './tier.ts';
import { classifyTrend, type Trend } from './trend.ts';

export interface CustomerFacts {
  customerId: string;
  region: string;
  contractKw?: number;
  contractKva?: number;
}

export interface CustomerUsage {
  facts: CustomerFacts;
  /** The window, the previous window and, when present, the same window a year earlier. */
  days: readonly DailyUsage[];
}

export interface Segment {
  customerId: string;
  asOf: string;
  tier: Tier;
  pattern: Pattern;
  trend: Trend;
  /** 1-based, see PeerGroupProfile. Numbers are re-derived on every run. */
  peerGroup: number;
  features: Features;
  /** Tier, pattern, trend and peer group, in that order; each names its deciding values. */
  reasons: string[];
  actions: string[];
  /** The same actions with codes and figures, for i18n and digests. */
  playbook: PlaybookAction[];
}

export interface PeerGroupProfile extends PeerGroupSummary {
  /** Peak hour of the centroid. */
  peakHour: number;
  /** Member medians, for "compared with your peers". */
  median: { avgDailyKwh: number; loadFactor: number; peakShare: number };
  /** Hour-by-hour median of the members' average-day profiles (24 shares), for a customer's "you against your peers" chart. */
  medianProfile: number[];
}

export interface Classification {
  asOf: string;
  /** One per customer, by customerId ascending. */
  segments: Segment[];
  peerGroups: { k: number; silhouette: number | null; groups: PeerGroupProfile[] };
}

export interface ClassifyInput {
  customers: readonly CustomerUsage[];
  asOf: string;
  cfg: ClassificationConfig;
  patterns?: Partial<PatternThresholds>;
  playbook?: Partial<PlaybookOptions>;
}

export interface ComputedCustomer extends FeatureResult {
  facts: CustomerFacts;
}

export interface ClassifyComputedInput extends Omit<ClassifyInput, 'customers'> {
  customers: readonly ComputedCustomer[];
}

/**
 * Segments every customer as of `asOf`. Tiers and peer groups are relative to the customers given, so pass the
 * whole key-account population. Customers are processed by customerId, so input order does not matter.
 */
export function classifyAll(input: ClassifyInput): Classification {
  return classifyComputed({
    ...input,
    customers: input.customers.map((c) => ({ facts: c.facts, ...computeFeatures(c.days, input.asOf, input.cfg) })),
  });
}

/**
 * The population step of classifyAll, for callers that stream customers: compute each customer's features with
 * computeFeatures as its days are read (then drop the days), and pass only features and profiles here.
 */
export function classifyComputed(input: ClassifyComputedInput): Classification {
  const { asOf, cfg } = input;
  const thresholds = { ...DEFAULT_PATTERN_THRESHOLDS, ...input.patterns };
  const computed = [...input.customers].sort((a, b) => compare(a.facts.customerId, b.facts.customerId));
  for (let i = 1; i < computed.length; i++) {
    if (computed[i]!.facts.customerId === computed[i - 1]!.facts.customerId) {
      throw new Error(`classification: customer ${computed[i]!.facts.customerId} given twice`);
    }
  }

  const tiers = new Map(
    assignTiers(
      computed.map((c) => ({ customerId: c.facts.customerId, windowKwh: c.features.windowKwh })),
      cfg.tierShares,
    ).map((t) => [t.customerId, t]),
  );
  const peers = peerGroups(
    computed.map((c) => c.profile),
    cfg.peerGroups,
  );
  const groups = groupProfiles(peers.groups, computed, peers.assignments);

  const segments = computed.map((c, i): Segment => {
    const tier = tiers.get(c.facts.customerId)!;
    const pattern = classifyPattern(c.features, c.profile, thresholds);
    const trend = classifyTrend(c.features, cfg);
    const group = groups[peers.assignments[i]! - 1]!;
    const actions = playbook(
      { tier: tier.tier, pattern: pattern.pattern, trend: trend.trend, features: c.features, contractKw: c.facts.contractKw },
      cfg,
      input.playbook,
    );
    return {
      customerId: c.facts.customerId,
      asOf,
      tier: tier.tier,
      pattern: pattern.pattern,
      trend: trend.trend,
      peerGroup: group.group,
      features: c.features,
      reasons: [
        `tier ${tier.tier}: ${tierReason(tier, computed.length, cfg.tierShares)}`,
        `pattern ${pattern.pattern}: ${pattern.reasons.join('; ')}`,
        `trend ${trend.trend}: ${trend.reasons.join('; ')}`,
        `peer group ${group.group} of ${groups.length}: ${group.size} customers with a similar daily profile ` +
          `(group peak hour ${fmtHour(group.peakHour)}, median load factor ${fmt2(group.median.loadFactor)}, ` +
          `median peak share ${fmtPct(group.median.peakShare)})`,
      ],
      actions: actions.map((a) => a.text),
      playbook: actions,
    };
  });
  return { asOf, segments, peerGroups: { k: peers.k, silhouette: peers.silhouette, groups } };
}

/** True when a customer moved: tier, pattern, trend or peer group differ, or there was no previous segment. */
export function segmentChanged(
  prev: Pick<Segment, 'tier' | 'pattern' | 'trend' | 'peerGroup'> | undefined,
  next: Pick<Segment, 'tier' | 'pattern' | 'trend' | 'peerGroup'>,
): boolean {
  if (prev === undefined) return true;
  return prev.tier !== next.tier || prev.pattern !== next.pattern || prev.trend !== next.trend || prev.peerGroup !== next.peerGroup;
}

function groupProfiles(
  groups: readonly PeerGroupSummary[],
  computed: readonly { features: Features; profile: readonly number[] }[],
  assignments: readonly number[],
): PeerGroupProfile[] {
  const members: Features[][] = groups.map(() => []);
  const profiles: (readonly number[])[][] = groups.map(() => []);
  assignments.forEach((g, i) => {
    members[g - 1]!.push(computed[i]!.features);
    profiles[g - 1]!.push(computed[i]!.profile);
  });
  return groups.map((g, i) => ({
    ...g,
    peakHour: profileShape(g.centroid).peakHour,
    median: {
      avgDailyKwh: median(members[i]!.map((f) => f.avgDailyKwh)),
      loadFactor: median(members[i]!.map((f) => f.loadFactor)),
      peakShare: median(members[i]!.map((f) => f.peakShare)),
    },
    medianProfile: Array.from({ length: 24 }, (_, h) => median(profiles[i]!.map((p) => p[h] ?? 0))),
  }));
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
