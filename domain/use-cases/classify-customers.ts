import type { DomainConfig } from '../config.ts';
import type { Customer } from '../customers/customer-master.ts';
import { classifyComputed, segmentChanged, type ComputedCustomer, type Segment } from '../classification/classify.ts';
import { computeFeatures, yearEarlier, type FeatureResult } from '../classification/features.ts';
import { stablePeerGroupNumbers } from '../classification/stable-groups.ts';
import { mapConcurrent } from '../util/concurrency.ts';
import { dayKeyOfEpochDay, epochDayOf } from '../time/zone.ts';
import type { DailyUsage } from '../usage/daily-usage.ts';
import type { UsageRepository } from './ports.ts';
import type { PeerGroupFigures } from './statement-ports.ts';

/*
 * Classification in two halves, so that the cost of one ingested file does not grow with the population:
 *
 * - `refreshFeatures` runs inside ingest for the customers the file touched only: their features are recomputed from
 *   their stored days and stored, and the population is marked changed. O(customers in the file) reads and writes.
 * - `runPopulationJob` is the single writer of segments, segment history, the peer-group figures and the
 *   segment-move count: tiers, k-means peer groups and medians are population-wide, so they run once over every
 *   customer's stored features, in one job that many ingests coalesce into (functions/classify-population.ts, run
 *   every few minutes by a schedule, and only when the marker says something changed). A lease on the marker makes
 *   it one writer even when a run is retried or outlives its schedule interval.
 */

/** A customer's stored classification state (the PROFILE item). */
export interface SegmentState {
  customer: Customer;
  segment?: Segment;
  /** Written by ingest (`refreshFeatures`); read by the population job. */
  featureResult?: FeatureResult;
}

export interface SegmentStore {
  /** Every customer with its stored features and current segment. */
  all(): Promise<SegmentState[]>;
  /** Latest local day with usage for the customer, if any. */
  latestDay(customerId: string): Promise<string | undefined>;
  /** Stores the features of customers (ingest's only write of classification state). */
  saveFeatures(updates: readonly { customerId: string; featureResult: FeatureResult }[]): Promise<void>;
  /** Stores current segments and appends history entries (`history` = customers whose entry is new). */
  save(updates: readonly { segment: Segment; history: boolean }[]): Promise<void>;
  /** The population's peer-group figures, for "compared with your peers" in statements. */
  savePeers(figures: PeerGroupFigures): Promise<void>;
}

/** The marker ingest sets and the population job clears (one item; see DynamoPopulation). */
export interface PopulationMarker {
  /** Incremented by every change; the job records the version it classified. */
  version: number;
  classifiedVersion: number;
  /** The latest day with usage seen by any ingest: the window end of the next classification. */
  asOf?: string;
  /** When the last change was marked (ISO). */
  changedAt?: string;
}

export interface PopulationStore {
  /** Strongly consistent read of the marker (all zeros before the first change). */
  read(): Promise<PopulationMarker>;
  /** Marks a change: version + 1, and `asOf` moved forward when `latestDay` is later. */
  changed(latestDay: string | undefined, at: Date): Promise<void>;
  /** Takes the job's lease unless another run holds a live one; false when it does. */
  acquire(owner: string, until: Date, now: Date): Promise<boolean>;
  /**
   * Gives the lease back (only if `owner` still holds it); with `classifiedVersion`, records that every change up to
   * that version is classified. A change marked during the run has a higher version, so the next run takes it.
   */
  release(owner: string, classifiedVersion?: number): Promise<void>;
}

export interface FeaturePorts {
  usage: Pick<UsageRepository, 'range'>;
  segments: SegmentStore;
  population: PopulationStore;
  clock: () => Date;
}

/**
 * Work on each refreshed customer's stored days, done with the same read (the ingest's forecasts and anomalies):
 * with it, one range per customer covers the feature windows and the last `historyDays` days.
 */
export interface AlongsideFeatures {
  historyDays: number;
  /** The customer's days up to the population's latest day, sorted. */
  run(customerId: string, days: readonly DailyUsage[]): Promise<void>;
}

export interface FeatureOutcome {
  asOf: string | undefined;
  /** Customers whose features were recomputed and stored. */
  refreshed: number;
}

/**
 * After an ingest: recomputes and stores the features of the touched customers only, for the window ending on the
 * population's latest day (the marker's, or a later day of these customers), then marks the population changed.
 * Segments are not written here: the population job does that, once for many ingests.
 */
export function refreshFeatures(ports: FeaturePorts, config: DomainConfig) {
  const cfg = config.classification;
  return async (touched: ReadonlySet<string>, alongside?: AlongsideFeatures): Promise<FeatureOutcome> => {
    if (touched.size === 0) return { asOf: undefined, refreshed: 0 };
    const [marker, latest] = await Promise.all([ports.population.read(), mapConcurrent([...touched], 16, (id) => ports.segments.latestDay(id))]);
    let asOf = marker.asOf;
    for (const d of latest) if (d && (!asOf || d > asOf)) asOf = d;
    const updates: { customerId: string; featureResult: FeatureResult }[] = [];
    if (asOf) {
      const w = cfg.windowDays;
      const from = dayKeyOfEpochDay(epochDayOf(asOf) - 2 * w + 1);
      const yoyTo = yearEarlier(asOf);
      const yoyFrom = dayKeyOfEpochDay(epochDayOf(yoyTo) - w + 1);
      // Two reads per customer (the windows and the same window a year earlier), or one covering them and the history
      // the alongside work needs; a few customers at a time.
      const first = alongside ? dayKeyOfEpochDay(Math.min(epochDayOf(yoyFrom), epochDayOf(asOf) - alongside.historyDays + 1)) : undefined;
      const computed = await mapConcurrent([...touched], 16, async (customerId) => {
        let recent: DailyUsage[], yearAgo: DailyUsage[];
        if (alongside && first) {
          const days = await ports.usage.range(customerId, first, asOf);
          recent = days.filter((d) => d.day >= from);
          yearAgo = days.filter((d) => d.day >= yoyFrom && d.day <= yoyTo);
          await alongside.run(customerId, days);
        } else [recent, yearAgo] = await Promise.all([ports.usage.range(customerId, from, asOf), ports.usage.range(customerId, yoyFrom, yoyTo)]);
        // Nothing in these windows (no usage yet, or a backfill of older days): the stored features stay.
        if (recent.length === 0 && yearAgo.length === 0) return null;
        return { customerId, featureResult: computeFeatures([...yearAgo, ...recent], asOf, cfg) };
      });
      for (const c of computed) if (c) updates.push(c);
      await ports.segments.saveFeatures(updates);
    }
    // Marked even when no features changed (the file's days lay outside the window): it is a change all the same. The
    // latest day is passed only when it moves the marker's forward (a conditional write that may then fail and retry).
    await ports.population.changed(asOf !== marker.asOf ? asOf : undefined, ports.clock());
    return { asOf, refreshed: updates.length };
  };
}

export interface ClassifyOutcome {
  asOf: string | undefined;
  /** Segments written (new, moved, or with reasons citing changed population figures). */
  classified: number;
  moved: string[];
  /** The whole population by tier and by load pattern, after this classification. */
  counts?: { tiers: Record<string, number>; patterns: Record<string, number> };
}

export interface PopulationPorts {
  segments: SegmentStore;
  population: PopulationStore;
  clock: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

export interface JobOptions {
  /** Identifies this run's lease (e.g. the Lambda request id). */
  owner: string;
  /** How long the lease holds: at least the function's timeout, so a killed run's lease runs out by itself. */
  leaseMs: number;
  /**
   * A change marked less than this long ago is waited for before reading the population: the customers are listed
   * through a GSI, which is eventually consistent, and a feature written just before the marker must be seen.
   */
  settleMs: number;
  /** Classify even when nothing was marked since the last run. */
  force?: boolean;
}

export type JobOutcome =
  | ({ ran: true; version: number } & ClassifyOutcome)
  | { ran: false; reason: 'unchanged' | 'busy'; version: number };

/**
 * The population job: when the marker shows changes since the last run, takes the lease, classifies the whole
 * population from stored features and records the version it read. Many ingests between two runs cost one run.
 */
export function runPopulationJob(ports: PopulationPorts, config: DomainConfig) {
  const classify = classifyPopulation(ports, config);
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return async (opts: JobOptions): Promise<JobOutcome> => {
    const marker = await ports.population.read();
    if (!opts.force && marker.version <= marker.classifiedVersion) return { ran: false, reason: 'unchanged', version: marker.version };
    const start = ports.clock();
    if (!(await ports.population.acquire(opts.owner, new Date(start.getTime() + opts.leaseMs), start))) return { ran: false, reason: 'busy', version: marker.version };
    try {
      const age = marker.changedAt ? start.getTime() - Date.parse(marker.changedAt) : Infinity;
      if (age < opts.settleMs) await sleep(Math.min(opts.settleMs, opts.settleMs - age));
      const outcome = await classify(marker.asOf);
      await ports.population.release(opts.owner, marker.version);
      return { ran: true, version: marker.version, ...outcome };
    } catch (err) {
      await ports.population.release(opts.owner).catch(() => undefined);
      throw err;
    }
  };
}

/**
 * Classifies every customer with stored features as of the population's latest day: tiers, peer groups and their
 * medians are population-wide. Peer-group numbers are kept from the stored segments; a segment is written when its
 * content changed, with a history entry when its labels or the customer's features changed.
 */
export function classifyPopulation(ports: Pick<PopulationPorts, 'segments'>, config: DomainConfig) {
  const cfg = config.classification;
  return async (latestDay: string | undefined): Promise<ClassifyOutcome> => {
    const states = await ports.segments.all();
    let asOf = latestDay;
    for (const s of states) if (s.segment && (!asOf || s.segment.asOf > asOf)) asOf = s.segment.asOf;
    const population: ComputedCustomer[] = states.flatMap((s) => (s.featureResult ? [{ facts: factsOf(s.customer), ...s.featureResult }] : []));
    if (!asOf || population.length === 0) return { asOf, classified: 0, moved: [] };
    const stateById = new Map(states.map((s) => [s.customer.customerId, s]));
    const raw = classifyComputed({ customers: population, asOf, cfg });
    // Keep peer-group numbers from one run to the next, so a renumbering is not taken for a segment move.
    const numbers = stablePeerGroupNumbers(
      raw.segments.map((s) => ({ customerId: s.customerId, group: s.peerGroup })),
      new Map(states.flatMap((st) => (st.segment ? [[st.customer.customerId, st.segment.peerGroup] as const] : []))),
    );
    const renumber = (g: number) => numbers.get(g) ?? g;
    const segments = raw.segments.map((s) => ({
      ...s,
      peerGroup: renumber(s.peerGroup),
      reasons: s.reasons.map((r) => r.replace(/^peer group (\d+) of/, (_m, g: string) => `peer group ${renumber(Number(g))} of`)),
    }));
    const moved: string[] = [];
    const updates = segments.flatMap((segment) => {
      const prev = stateById.get(segment.customerId)?.segment;
      const changed = segmentChanged(prev, segment);
      if (changed) moved.push(segment.customerId);
      // Features recomputed by an ingest since the last run: a new history entry, even when the labels stayed.
      const refreshed = !prev || stable(prev.features) !== stable(segment.features);
      // Reasons cite population figures (peer group size and medians), so a stored segment is refreshed whenever
      // its content differs, even when the customer's own labels did not move; history records labels and features.
      if (!changed && !refreshed && stable(prev) === stable(segment)) return [];
      return [{ segment, history: changed || refreshed }];
    });
    await ports.segments.save(updates);
    const counts = { tiers: {} as Record<string, number>, patterns: {} as Record<string, number> };
    for (const seg of segments) {
      counts.tiers[seg.tier] = (counts.tiers[seg.tier] ?? 0) + 1;
      counts.patterns[seg.pattern] = (counts.patterns[seg.pattern] ?? 0) + 1;
    }
    await ports.segments.savePeers({
      asOf,
      groups: raw.peerGroups.groups.map((g) => ({ group: renumber(g.group), size: g.size, median: g.median, medianProfile: g.medianProfile })),
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
