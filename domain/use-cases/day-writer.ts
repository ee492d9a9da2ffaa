import type { Customer } from '../customers/customer-master.ts';
import type { MeterDay, StoredMeterDay } from '../usage/meter-day.ts';
import { applyMeterDay, type MergeRules, mergeCustomerDay, stampMeterDay } from '../usage/apply-readings.ts';
import type { UsageRepository } from './ports.ts';

/**
 * Buffers a file's meter-days by customer-day and applies them in batches to the stored days: interval by interval,
 * the later upload winning (see mergeCustomerDay), atomically per customer-day. Parts of one meter-day that an
 * unsorted file yields separately are combined first.
 */
export class DayWriter {
  readonly touched = new Set<string>();
  readonly days = new Set<string>();
  readonly kwhByRegion: Record<string, number> = {};
  private pending = new Map<string, { customerId: string; day: string; meters: Record<string, StoredMeterDay> }>();
  private chain: Promise<void> = Promise.resolve();
  private readonly usage: UsageRepository;
  private readonly byId: Map<string, Customer>;
  private readonly stamp: string;
  private readonly rules: MergeRules;

  constructor(usage: UsageRepository, byId: Map<string, Customer>, stamp: string, rules: MergeRules) {
    this.usage = usage;
    this.byId = byId;
    this.stamp = stamp;
    this.rules = rules;
  }

  add(customerId: string, meterId: string, day: string, md: MeterDay): void {
    this.touched.add(customerId);
    const key = `${customerId}|${day}`;
    this.days.add(key);
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { customerId, day, meters: {} }));
    const prev = p.meters[meterId];
    p.meters[meterId] = prev ? (applyMeterDay(prev, md, this.stamp, this.rules.maxInterpolatedGap) ?? prev) : stampMeterDay(md, this.stamp);
    if (this.pending.size >= 500) this.chain = this.chain.then(() => this.write());
  }

  async flush(): Promise<void> {
    this.chain = this.chain.then(() => this.write());
    await this.chain;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    const regionOf = (id: string) => this.byId.get(id)?.region ?? 'unknown';
    const written = await this.usage.merge(
      batch,
      (stored, u) => mergeCustomerDay(stored, u.customerId, u.day, u.meters, this.stamp, this.rules),
      regionOf,
    );
    for (const d of written) {
      const region = regionOf(d.customerId);
      this.kwhByRegion[region] = (this.kwhByRegion[region] ?? 0) + d.kwh;
    }
  }
}
