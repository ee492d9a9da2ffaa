import type { Customer } from '../../domain/customers/customer-master.ts';
import type { Segment } from '../../domain/classification/classify.ts';
import type { DailyUsage } from '../../domain/usage/daily-usage.ts';
import type { StoredDay } from '../../domain/usage/meter-day.ts';
import type { CustomerRepository, UsageRepository } from '../../domain/use-cases/ports.ts';
import { body, type Item, type Table } from './dynamo-table.ts';

export const customerKey = (id: string) => ({ pk: `CUST#${id}`, sk: 'PROFILE' });
const dayKey = (id: string, day: string) => ({ pk: `CUST#${id}`, sk: `DAY#${day}` });

/** DAY items; each also carries the regional-month index so regional sales are one query per region and month. */
export class DynamoUsage implements UsageRepository {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async get(keys: readonly { customerId: string; day: string }[]): Promise<StoredDay[]> {
    const items = await this.table.getAll(keys.map((k) => dayKey(k.customerId, k.day)));
    return items.map((i) => body<StoredDay>(i));
  }

  async put(days: readonly StoredDay[], regionOf: (customerId: string) => string): Promise<void> {
    await this.table.putAll(
      days.map((d) => ({
        ...dayKey(d.customerId, d.day),
        type: 'day',
        ...d,
        gsi3pk: `REGION#${regionOf(d.customerId)}`,
        gsi3sk: `${d.day}#${d.customerId}`,
      })),
    );
  }

  async range(customerId: string, from: string, to: string): Promise<DailyUsage[]> {
    const items = await this.table.query({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':pk': `CUST#${customerId}`, ':a': `DAY#${from}`, ':b': `DAY#${to}` },
    });
    return items.map((i) => {
      const { meters: _m, ...day } = body<StoredDay>(i);
      return day;
    });
  }

  /** kWh per day of a region between two days (inclusive), from the regional index. */
  async regionDays(region: string, from: string, to: string): Promise<{ day: string; kwh: number }[]> {
    const items = await this.table.query({
      IndexName: 'byRegionMonth',
      KeyConditionExpression: 'gsi3pk = :r AND gsi3sk BETWEEN :a AND :b',
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
      IndexName: 'bySegment',
      KeyConditionExpression: 'gsi1pk = :c',
      ExpressionAttributeValues: { ':c': 'CUSTOMER' },
      ProjectionExpression: '#c',
      ExpressionAttributeNames: { '#c': 'customer' },
    });
    return items.map((i) => i.customer as Customer);
  }

  /** One customer with its current segment, if classified. */
  async get(id: string): Promise<(Customer & { segment?: Segment }) | undefined> {
    const [item] = await this.table.getAll([customerKey(id)]);
    if (!item) return undefined;
    return { ...(item.customer as Customer), ...(item.segment ? { segment: item.segment as Segment } : {}) };
  }

  async profiles(): Promise<Item[]> {
    return this.table.query({
      IndexName: 'bySegment',
      KeyConditionExpression: 'gsi1pk = :c',
      ExpressionAttributeValues: { ':c': 'CUSTOMER' },
    });
  }

  async upsert(customers: readonly Customer[]): Promise<void> {
    // Master rows never delete a customer; the segment fields of an existing profile are kept.
    const existing = new Map(
      (await this.table.getAll(customers.map((c) => customerKey(c.customerId)))).map((i) => [i.pk, i]),
    );
    await this.table.putAll(
      customers.map((c) => {
        const k = customerKey(c.customerId);
        const prior = existing.get(k.pk) ?? {};
        return {
          ...prior,
          ...k,
          type: 'customer',
          customer: c,
          region: c.region,
          gsi1pk: 'CUSTOMER',
          gsi1sk: (prior as { gsi1sk?: string }).gsi1sk ?? `-#-#${c.customerId}`,
        };
      }),
    );
  }
}
