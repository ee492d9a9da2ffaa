import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Customer } from '../../domain/customers/customer-master.ts';
import type { Segment } from '../../domain/classification/classify.ts';
import type { DailyUsage } from '../../domain/usage/daily-usage.ts';
import type { CustomerInsights } from '../../domain/insights/insights.ts';
import type { DayWithMeters, StoredDay, StoredMeterDay } from '../../domain/usage/meter-day.ts';
import type { DayMerge } from '../../domain/usage/apply-readings.ts';
import type { CustomerRepository, UsageRepository } from '../../domain/use-cases/ports.ts';
import { dayKeyOfEpochDay, epochDayOf } from '../../domain/time/zone.ts';
import { mapConcurrent } from '../../domain/util/concurrency.ts';
import { backoff, type Item, type Table } from './dynamo-table.ts';
import { TABLE } from '../../contracts/settings.ts';

const { bySegment, byRegionMonth } = TABLE.indexes;

export const customerKey = (id: string) => ({ pk: `CUST#${id}`, sk: 'PROFILE' });
const dayKey = (id: string, day: string) => ({ pk: `CUST#${id}`, sk: `DAY#${day}` });
const meterKey = (id: string, day: string, meter: string) => ({ pk: `CUST#${id}`, sk: `DAY#${day}#M#${meter}` });

// TransactWriteItems takes 100 actions and 4 MB; the byte budget leaves room for DynamoDB's own accounting.
const MAX_ACTIONS = 100;
const MAX_BYTES = 3_000_000;
const MAX_ATTEMPTS = 8;
/** Longer ranges are read by a query instead of one key per day. */
const MAX_KEYED_RANGE = 1_500;

type Action = Record<string, unknown>;
/** A roll-up's revision; `legacy` for a day item from before meter items (meters inside it, no revision). */
type Revision = number | 'legacy';
interface Loaded {
  day: StoredDay;
  rev: Revision;
}
interface Plan {
  key: string;
  merge: DayMerge;
  /** The stored day's revision, or null when there is no stored day. */
  rev: Revision | null;
  actions: Action[];
  /** Serialized size of each action, and their sum: measured once, used to fill transactions. */
  sizes: number[];
  bytes: number;
}

function dailyUsageOf(i: Item): DailyUsage {
  return {
    customerId: i.customerId as string,
    day: i.day as string,
    kwh: i.kwh as number,
    hourly: i.hourly as number[],
    bands: i.bands as DailyUsage['bands'],
    maxDemandKw: i.maxDemandKw as number,
    kvarh: (i.kvarh ?? null) as number | null,
    intervals: i.intervals as DailyUsage['intervals'],
    intervalMinutes: i.intervalMinutes as number,
    ...(i.runs ? { runs: i.runs as DailyUsage['runs'] } : {}),
  };
}

function meterDayOf(i: Item): StoredMeterDay {
  return {
    minutes: i.minutes as number,
    kwh: i.kwh as (number | null)[],
    kvarh: (i.kvarh ?? null) as (number | null)[] | null,
    quality: i.quality as string,
    actual: i.actual as number,
    estimated: i.estimated as number,
    missing: i.missing as number,
    stamps: i.stamps as string[],
    src: i.src as string,
  };
}

type LegacyMeterDay = Omit<StoredMeterDay, 'quality' | 'stamps' | 'src'>;

/**
 * Meters kept inside a day item before meter items existed: no per-interval quality or source, so every reading counts
 * as actual for merging (the stored counts stay until the meter is merged) and as older than any file.
 */
function legacyMeters(meters: Record<string, LegacyMeterDay>): Record<string, StoredMeterDay> {
  const out: Record<string, StoredMeterDay> = {};
  for (const id of Object.keys(meters).sort()) {
    const m = meters[id]!;
    const quality = m.kwh.map((v) => (v === null ? '-' : 'A')).join('');
    out[id] = { ...m, kvarh: m.kvarh ?? null, quality, stamps: [''], src: quality.replace(/A/g, '0') };
  }
  return out;
}

/**
 * Daily usage, one item per meter-day (`DAY#<day>#M#<meter>`: intervals, quality and which file each reading came
 * from; about 20 KB at 1-minute resolution, so no customer-day comes near DynamoDB's 400 KB item limit however many
 * meters it has) and one roll-up per customer-day (`DAY#<day>`: the DailyUsage every reader uses, the list of its meter
 * items and a revision). Each roll-up also carries the regional-month index, so regional sales are one query per
 * region and month. Writers change a day only in a transaction conditioned on the revision they read.
 */
export class DynamoUsage implements UsageRepository {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async get(keys: readonly { customerId: string; day: string }[]): Promise<DayWithMeters[]> {
    const loaded = await this.load(keys, false);
    return keys.flatMap((k) => {
      const l = loaded.get(`${k.customerId}|${k.day}`);
      if (!l) return [];
      const meters = Object.fromEntries(Object.entries(l.day.meters).map(([m, { stamps: _s, src: _r, ...md }]) => [m, md]));
      return [{ ...l.day, meters }];
    });
  }

  /** Roll-ups and their meter items, by `customerId|day`. */
  private async load(keys: readonly { customerId: string; day: string }[], consistent: boolean): Promise<Map<string, Loaded>> {
    const summaries = await this.table.getAll(keys.map((k) => dayKey(k.customerId, k.day)), consistent);
    const meterKeys = summaries.flatMap((s) => ((s.meterIds ?? []) as string[]).map((m) => meterKey(s.customerId as string, s.day as string, m)));
    const meters = new Map<string, Record<string, StoredMeterDay>>();
    for (const i of await this.table.getAll(meterKeys, consistent)) {
      const k = `${i.customerId as string}|${i.day as string}`;
      let rec = meters.get(k);
      if (!rec) meters.set(k, (rec = {}));
      rec[i.meterId as string] = meterDayOf(i);
    }
    const out = new Map<string, Loaded>();
    for (const s of summaries) {
      const k = `${s.customerId as string}|${s.day as string}`;
      const own = meters.get(k) ?? {};
      const sorted: Record<string, StoredMeterDay> = {};
      for (const m of Object.keys(own).sort()) sorted[m] = own[m]!;
      if (s.meterIds === undefined && s.meters) {
        out.set(k, { day: { ...dailyUsageOf(s), meters: legacyMeters(s.meters as Record<string, LegacyMeterDay>) }, rev: 'legacy' });
      } else out.set(k, { day: { ...dailyUsageOf(s), meters: sorted }, rev: s.rev as number });
    }
    return out;
  }

  async merge<T extends { customerId: string; day: string }>(
    updates: readonly T[],
    merge: (stored: StoredDay | undefined, update: T) => DayMerge | undefined,
    regionOf: (customerId: string) => string,
  ): Promise<StoredDay[]> {
    const written: StoredDay[] = [];
    let pending = [...updates];
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt === MAX_ATTEMPTS) {
        throw new Error(`${pending.length} customer-day(s) kept changing under concurrent writers after ${MAX_ATTEMPTS} attempts; the file will be retried`);
      }
      if (attempt) await backoff(attempt);
      const loaded = await this.load(pending, true);
      const byKey = new Map(pending.map((u) => [`${u.customerId}|${u.day}`, u]));
      const plans: Plan[] = [];
      for (const [key, u] of byKey) {
        const stored = loaded.get(key);
        const m = merge(stored?.day, u);
        if (m) plans.push(this.plan(key, m, stored ? stored.rev : null, regionOf));
      }
      const failed = await this.commit(plans);
      for (const p of plans) if (!failed.has(p)) written.push(p.merge.day);
      pending = plans.filter((p) => failed.has(p)).map((p) => byKey.get(p.key)!);
    }
    return written;
  }

  private plan(key: string, m: DayMerge, rev: Revision | null, regionOf: (customerId: string) => string): Plan {
    const { meters, ...usage } = m.day;
    const { customerId, day } = usage;
    const actions: Action[] = [];
    // A legacy day moves all its meters into meter items on its first write.
    for (const id of rev === 'legacy' ? Object.keys(meters) : m.write) {
      actions.push({ Put: { TableName: this.table.name, Item: { ...meterKey(customerId, day, id), type: 'meterday', customerId, day, meterId: id, ...meters[id]! } } });
    }
    for (const id of m.remove) actions.push({ Delete: { TableName: this.table.name, Key: meterKey(customerId, day, id) } });
    actions.push({
      Put: {
        TableName: this.table.name,
        Item: {
          ...dayKey(customerId, day),
          type: 'day',
          ...usage,
          meterIds: Object.keys(meters).sort(),
          rev: typeof rev === 'number' ? rev + 1 : 1,
          [byRegionMonth.pk]: `REGION#${regionOf(customerId)}`,
          [byRegionMonth.sk]: `${day}#${customerId}`,
        },
        ...this.unchangedSince(rev),
      },
    });
    const sizes = actions.map((a) => JSON.stringify(a).length);
    return { key, merge: m, rev, actions, sizes, bytes: sizes.reduce((n, size) => n + size, 0) };
  }

  /** The condition that the roll-up is still at the revision the merge was computed from. */
  private unchangedSince(rev: Revision | null) {
    if (rev === null) return { ConditionExpression: 'attribute_not_exists(pk)' };
    if (rev === 'legacy') return { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#rev)', ExpressionAttributeNames: { '#rev': 'rev' } };
    return { ConditionExpression: '#rev = :rev', ExpressionAttributeNames: { '#rev': 'rev' }, ExpressionAttributeValues: { ':rev': rev } };
  }

  /** Writes the plans, several customer-days per transaction; returns those whose day changed under them. */
  private async commit(plans: readonly Plan[]): Promise<Set<Plan>> {
    const failed = new Set<Plan>();
    const groups: Plan[][] = [];
    const large: Plan[] = [];
    let group: Plan[] = [];
    let actions = 0, bytes = 0;
    for (const p of plans) {
      if (p.actions.length > MAX_ACTIONS || p.bytes > MAX_BYTES) {
        large.push(p);
        continue;
      }
      if (actions + p.actions.length > MAX_ACTIONS || bytes + p.bytes > MAX_BYTES) {
        groups.push(group);
        group = [];
        actions = bytes = 0;
      }
      group.push(p);
      actions += p.actions.length;
      bytes += p.bytes;
    }
    if (group.length) groups.push(group);
    await mapConcurrent(groups, 4, async (g) => {
      if (!(await this.transact(g.flatMap((p) => p.actions)))) for (const p of g) failed.add(p);
    });
    for (const p of large) if (!(await this.commitLarge(p))) failed.add(p);
    return failed;
  }

  /**
   * A customer-day with more meter items than one transaction holds: the meter items go first in transactions that
   * each check the roll-up is unchanged, and the roll-up last. Until then readers see the previous roll-up; a writer
   * that crashes in between leaves meter items the next write of the day reconciles.
   */
  private async commitLarge(p: Plan): Promise<boolean> {
    const { customerId, day } = p.merge.day;
    const check = { ConditionCheck: { TableName: this.table.name, Key: dayKey(customerId, day), ...this.unchangedSince(p.rev) } };
    const items = p.actions.slice(0, -1);
    const rollUp = p.actions.at(-1)!;
    let chunk: Action[] = [];
    let bytes = 0;
    for (const [i, a] of items.entries()) {
      const size = p.sizes[i]!;
      if (chunk.length + 2 > MAX_ACTIONS || bytes + size > MAX_BYTES) {
        if (!(await this.transact([...chunk, check]))) return false;
        chunk = [];
        bytes = 0;
      }
      chunk.push(a);
      bytes += size;
    }
    return this.transact([...chunk, rollUp]);
  }

  /** False when a condition failed or another transaction conflicted: the caller re-reads and merges again. */
  private async transact(actions: Action[]): Promise<boolean> {
    try {
      await this.table.doc.send(new TransactWriteCommand({ TransactItems: actions as never }));
      return true;
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const codes = (err.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
      if (codes.every((c) => c === 'None' || c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) return false;
      throw err;
    }
  }

  /** The roll-ups of the days from..to (inclusive), one key per day, never the meter items between them. */
  async range(customerId: string, from: string, to: string): Promise<DailyUsage[]> {
    const first = epochDayOf(from), last = epochDayOf(to);
    if (last < first) return [];
    if (last - first + 1 > MAX_KEYED_RANGE) {
      const items = await this.table.query({
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
        FilterExpression: '#t = :day',
        ExpressionAttributeNames: { '#t': 'type' },
        ExpressionAttributeValues: { ':pk': `CUST#${customerId}`, ':a': `DAY#${from}`, ':b': `DAY#${to}`, ':day': 'day' },
      });
      return items.map(dailyUsageOf);
    }
    const keys = Array.from({ length: last - first + 1 }, (_, i) => dayKey(customerId, dayKeyOfEpochDay(first + i)));
    const items = await this.table.getAll(keys);
    return items.map(dailyUsageOf).sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  }

  /** kWh per day of a region between two days (inclusive), from the regional index. */
  async regionDays(region: string, from: string, to: string): Promise<{ day: string; kwh: number }[]> {
    const items = await this.table.query({
      IndexName: byRegionMonth.name,
      KeyConditionExpression: `${byRegionMonth.pk} = :r AND ${byRegionMonth.sk} BETWEEN :a AND :b`,
      ExpressionAttributeValues: { ':r': `REGION#${region}`, ':a': `${from}#`, ':b': `${to}#\uffff` },
      ProjectionExpression: '#d, kwh',
      ExpressionAttributeNames: { '#d': 'day' },
    });
    return items.map((i) => ({ day: i.day as string, kwh: i.kwh as number }));
  }
}

/** PROFILE items hold the master data; the segment part is written by the segment store. */
export class DynamoCustomers implements CustomerRepository {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  /** The customer master only: the projection leaves the segments and features (most of each item) behind. */
  async all(): Promise<Customer[]> {
    const items = await this.table.query({
      IndexName: bySegment.name,
      KeyConditionExpression: `${bySegment.pk} = :c`,
      ExpressionAttributeValues: { ':c': 'CUSTOMER' },
      ProjectionExpression: '#c',
      ExpressionAttributeNames: { '#c': 'customer' },
    });
    return items.map((i) => i.customer as Customer);
  }

  /** One customer with its current segment (if classified) and its latest forecast and anomalies (if computed). */
  async get(id: string): Promise<(Customer & { segment?: Segment; insights?: CustomerInsights }) | undefined> {
    const [item] = await this.table.getAll([customerKey(id)]);
    if (!item) return undefined;
    return {
      ...(item.customer as Customer),
      ...(item.segment ? { segment: item.segment as Segment } : {}),
      ...(item.insights ? { insights: item.insights as CustomerInsights } : {}),
    };
  }

  async profiles(): Promise<Item[]> {
    return this.table.query({
      IndexName: bySegment.name,
      KeyConditionExpression: `${bySegment.pk} = :c`,
      ExpressionAttributeValues: { ':c': 'CUSTOMER' },
    });
  }

  async upsert(customers: readonly Customer[]): Promise<void> {
    // Master rows never delete a customer. Only the master attributes are set, in place: the features (ingest) and
    // the segment (the population job) on the same item are written concurrently by others and must not be undone.
    await mapConcurrent(customers, 8, async (c) => {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: customerKey(c.customerId),
          UpdateExpression: `SET #t = :t, #c = :c, #r = :r, ${bySegment.pk} = :p, ${bySegment.sk} = if_not_exists(${bySegment.sk}, :g)`,
          ExpressionAttributeNames: { '#t': 'type', '#c': 'customer', '#r': 'region' },
          ExpressionAttributeValues: { ':t': 'customer', ':c': c, ':r': c.region, ':p': 'CUSTOMER', ':g': `-#-#${c.customerId}` },
        }),
      );
    });
  }

}
