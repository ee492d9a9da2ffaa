import type { Customer } from '../../../../domain/customers/customer-master.ts';
import type { Segment } from '../../../../domain/classification/classify.ts';
import type { FeatureResult } from '../../../../domain/classification/features.ts';
import type { PopulationMarker, PopulationStore, SegmentState, SegmentStore } from '../../../../domain/use-cases/classify-customers.ts';
import type { PeerGroupFigures } from '../../../../domain/use-cases/statement-ports.ts';
import type { DailyUsage } from '../../../../domain/usage/daily-usage.ts';
import type { UsageRepository } from '../../../../domain/use-cases/ports.ts';

export function customer(customerId: string, region = 'north'): Customer {
  return {
    customerId,
    name: customerId,
    email: `${customerId.toLowerCase()}@example.com`,
    locale: 'en',
    region,
    tariffId: 't',
    contractKva: null,
    contractKw: null,
    accountManagerEmail: 'am@example.com',
    pfStandard: 0.9,
    meterIds: [customerId],
    basicChargeMode: null,
  } as Customer;
}

/** Profiles, history and peers in memory, with every call counted (what a table would be asked). */
export class MemorySegments implements SegmentStore {
  readonly profiles = new Map<string, SegmentState>();
  readonly history: Segment[] = [];
  peers: PeerGroupFigures | undefined;
  readonly calls = { all: 0, latestDay: 0, saveFeatures: 0, save: 0, segmentsWritten: 0 };
  /** Called at the start of all(): tests mark changes "during" a run here. */
  onAll?: () => Promise<void>;
  readonly usage: MemoryUsage;

  constructor(usage: MemoryUsage) {
    this.usage = usage;
  }

  async all(): Promise<SegmentState[]> {
    this.calls.all++;
    await this.onAll?.();
    return [...this.profiles.values()].map((p) => structuredClone(p));
  }
  async latestDay(customerId: string): Promise<string | undefined> {
    this.calls.latestDay++;
    return this.usage.days.get(customerId)?.at(-1)?.day;
  }
  async saveFeatures(updates: readonly { customerId: string; featureResult: FeatureResult }[]): Promise<void> {
    this.calls.saveFeatures += updates.length;
    for (const u of updates) this.profiles.get(u.customerId)!.featureResult = structuredClone(u.featureResult);
  }
  async save(updates: readonly { segment: Segment; history: boolean }[]): Promise<void> {
    this.calls.save++;
    this.calls.segmentsWritten += updates.length;
    for (const u of updates) {
      this.profiles.get(u.segment.customerId)!.segment = structuredClone(u.segment);
      if (u.history) this.history.push(structuredClone(u.segment));
    }
  }
  async savePeers(figures: PeerGroupFigures): Promise<void> {
    this.peers = figures;
  }
}

export class MemoryUsage implements Pick<UsageRepository, 'range'> {
  /** Each customer's days, in day order. */
  readonly days = new Map<string, DailyUsage[]>();
  ranges = 0;
  async range(customerId: string, from: string, to: string): Promise<DailyUsage[]> {
    this.ranges++;
    return (this.days.get(customerId) ?? []).filter((d) => d.day >= from && d.day <= to);
  }
}

export class MemoryPopulation implements PopulationStore {
  marker: PopulationMarker & { leaseOwner?: string; leaseUntil?: number } = { version: 0, classifiedVersion: 0 };
  async read(): Promise<PopulationMarker> {
    const { leaseOwner: _o, leaseUntil: _u, ...m } = this.marker;
    return { ...m };
  }
  async changed(latestDay: string | undefined, at: Date): Promise<void> {
    this.marker.version++;
    this.marker.changedAt = at.toISOString();
    if (latestDay && (!this.marker.asOf || latestDay > this.marker.asOf)) this.marker.asOf = latestDay;
  }
  async acquire(owner: string, until: Date, now: Date): Promise<boolean> {
    if (this.marker.leaseUntil !== undefined && this.marker.leaseUntil >= now.getTime()) return false;
    this.marker.leaseOwner = owner;
    this.marker.leaseUntil = until.getTime();
    return true;
  }
  async release(owner: string, classifiedVersion?: number): Promise<void> {
    if (this.marker.leaseOwner !== owner) return;
    if (classifiedVersion !== undefined && classifiedVersion > this.marker.classifiedVersion) this.marker.classifiedVersion = classifiedVersion;
    delete this.marker.leaseOwner;
    delete this.marker.leaseUntil;
  }
}
