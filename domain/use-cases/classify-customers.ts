import type { DomainConfig } from '../config.ts';
import type { Customer } from '../customers/customer-master.ts';
import { classifyComputed, segmentChanged, type ComputedCustomer, type Segment } from '../classification/classify.ts';
import { computeFeatures, yearEarlier, type FeatureResult } from '../classification/features.ts';
import { stablePeerGroupNumbers } from '../classification/stable-groups.ts';
import { mapConcurrent } from '../util/concurrency.ts';
import { dayKeyOfEpochDay, epochDayOf } from '../time/zone.ts';
import type { CustomerRepository, UsageRepository } from './ports.ts';
import type { PeerGroupFigures } from './statement-ports.ts';

/** A customer's stored classification state. */
export interface SegmentState {
  customerId: string;
  segment?: Segment;
  featureResult?: FeatureResult;
}

export interface SegmentStore {
  all(): Promise<SegmentState[]>;
  /** Latest local day with usage for the customer, if any. */
  latestDay(customerId: string): Promise<string | undefined>;
  /** Stores current segments and appends history entries (`history` = customers whose entry is new). */
  save(updates: readonly { segment: Segment; featureResult: FeatureResult; history: boolean }[]): Promise<void>;
  /** The population's peer-group figures, for "compared with your peers" in statements. */
  savePeers(figures: PeerGroupFigures): Promise<void>;
}

export interface ClassifyPorts {
  customers: CustomerRepository;
  usage: UsageRepository;
  segments: SegmentStore;
}

export interface ClassifyOutcome {
  asOf: string | undefined;
  classified: number;
  moved: string[];
  /** The whole population by tier and by load pattern, after this classification. */
  counts?: { tiers: Record<string, number>; patterns: Record<string, number> };
}

/**
 * Re-classifies after an ingest. Features are recomputed from stored days for the touched customers; the others
 * keep the features of their last classification, so tiers and peer groups stay population-wide without re-reading
 * every customer's days. The window ends on the latest day with data across the population.
 */
export function classifyCustomers(ports: ClassifyPorts, config: DomainConfig) {
  const cfg = config.classification;
  return async (touched: ReadonlySet<string>): Promise<ClassifyOutcome> => {
    const [customers, states] = await Promise.all([ports.customers.all(), ports.segments.all()]);
    const stateById = new Map(states.map((s) => [s.customerId, s]));
    const latest = await mapConcurrent([...touched], 16, (id) => ports.segments.latestDay(id));
    let asOf: string | undefined;
    for (const d of [...latest, ...states.map((s) => s.segment?.asOf)]) if (d && (!asOf || d > asOf)) asOf = d;
    if (!asOf) return { asOf, classified: 0, moved: [] };

    const w = cfg.windowDays;
    const from = dayKeyOfEpochDay(epochDayOf(asOf) - 2 * w + 1);
    const yoyTo = yearEarlier(asOf);
    const yoyFrom = dayKeyOfEpochDay(epochDayOf(yoyTo) - w + 1);
    const population: ComputedCustomer[] = [];
    const recomputed = new Set<string>();
    // Reading the touched customers' days is the slow part (two queries each): a few at a time.
    const computed = await mapConcurrent(customers, 16, async (c): Promise<ComputedCustomer | null> => {
      const facts = factsOf(c);
      const state = stateById.get(c.customerId);
      if (!touched.has(c.customerId) && state?.featureResult) return { facts, ...state.featureResult };
      const [recent, yearAgo] = await Promise.all([ports.usage.range(c.customerId, from, asOf), ports.usage.range(c.customerId, yoyFrom, yoyTo)]);
      if (recent.length === 0 && yearAgo.length === 0 && !state?.featureResult) return null; // no usage yet
      recomputed.add(c.customerId);
      return { facts, ...computeFeatures([...yearAgo, ...recent], asOf, cfg) };
    });
    for (const c of computed) if (c) population.push(c);
    if (population.length === 0) return { asOf, classified: 0, moved: [] };
    const raw = classifyComputed({ customers: population, asOf, cfg });
    // Keep peer-group numbers from one run to the next, so a renumbering is not taken for a segment move.
    const numbers = stablePeerGroupNumbers(
      raw.segments.map((s) => ({ customerId: s.customerId, group: s.peerGroup })),
      new Map(states.flatMap((st) => (st.segment ? [[st.customerId, st.segment.peerGroup] as const] : []))),
    );
    const renumber = (g: number) => numbers.get(g) ?? g;
    const result = {
      ...raw,
      segments: raw.segments.map((s) => ({
        ...s,
        peerGroup: renumber(s.peerGroup),
        reasons: s.reasons.map((r) => r.replace(/^peer group (\d+) of/, (_m, g: string) => `peer group ${renumber(Number(g))} of`)),
      })),
      peerGroups: { ...raw.peerGroups, groups: raw.peerGroups.groups.map((g) => ({ ...g, group: renumber(g.group) })) },
    };
    const featureById = new Map(population.map((c) => [c.facts.customerId, { features: c.features, profile: c.profile }]));
    const moved: string[] = [];
    const updates = result.segments.flatMap((segment) => {
      const prev = stateById.get(segment.customerId)?.segment;
      const changed = segmentChanged(prev, segment);
      if (changed) moved.push(segment.customerId);
      const recomputedNow = recomputed.has(segment.customerId);
      // Reasons cite population figures (peer group size and medians), so a stored segment is refreshed whenever
      // its content differs, even when the customer's own labels did not move; history records labels and features.
      if (!changed && !recomputedNow && stable(prev) === stable(segment)) return [];
      return [{ segment, featureResult: featureById.get(segment.customerId)!, history: changed || recomputedNow }];
    });
    await ports.segments.save(updates);
    const counts = { tiers: {} as Record<string, number>, patterns: {} as Record<string, number> };
    for (const seg of result.segments) {
      counts.tiers[seg.tier] = (counts.tiers[seg.tier] ?? 0) + 1;
      counts.patterns[seg.pattern] = (counts.patterns[seg.pattern] ?? 0) + 1;
    }
    await ports.segments.savePeers({
      asOf,
      groups: result.peerGroups.groups.map((g) => ({ group: g.group, size: g.size, median: g.median })),
    });
    return { asOf, classified: updates.length, moved, counts };
  };
}

function factsOf(c: Customer) {
  return {
    customerId: c.customerId,
    region: c.region,
    ...(c.contractKw !== null ? { contractKw: c.contractKw } : {}),
    ...(c.contractKva !== null ? { contractKva: c.contractKva } : {}),
  };
}

/** JSON with object keys sorted: stored items come back from the table with their keys in any order. */
function stable(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]]))
      : value,
  );
}
