import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Customer } from '../../domain/customers/customer-master.ts';
import type { Segment } from '../../domain/classification/classify.ts';
import type { FeatureResult } from '../../domain/classification/features.ts';
import type { SegmentState, SegmentStore } from '../../domain/use-cases/classify-customers.ts';
import type { PeerGroupFigures } from '../../domain/use-cases/statement-ports.ts';
import type { Table } from './dynamo-table.ts';
import { mapConcurrent } from '../../domain/util/concurrency.ts';
import { customerKey, type DynamoCustomers } from './dynamo-usage.ts';
import { TABLE } from '../../contracts/settings.ts';

const { bySegment } = TABLE.indexes;

/**
 * Features (written by ingest) and the current segment (written by the population job only) on the PROFILE item,
 * indexed by tier and pattern; history as SEG#<as-of> items. Each writer updates its own attributes, so neither
 * overwrites the other's, nor the master data.
 */
export class DynamoSegments implements SegmentStore {
  private readonly table: Table;
  private readonly customers: DynamoCustomers;
  constructor(table: Table, customers: DynamoCustomers) {
    this.table = table;
    this.customers = customers;
  }

  async all(): Promise<SegmentState[]> {
    return (await this.customers.profiles()).map((i) => ({
      customer: i.customer as Customer,
      segment: i.segment as Segment | undefined,
      featureResult: i.featureResult as FeatureResult | undefined,
    }));
  }

  async latestDay(customerId: string): Promise<string | undefined> {
    const res = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
        ExpressionAttributeValues: { ':pk': `CUST#${customerId}`, ':d': 'DAY#' },
        ScanIndexForward: false,
        Limit: 1,
        ProjectionExpression: '#d',
        ExpressionAttributeNames: { '#d': 'day' },
      }),
    );
    return res.Items?.[0]?.day as string | undefined;
  }

  async saveFeatures(updates: readonly { customerId: string; featureResult: FeatureResult }[]): Promise<void> {
    await mapConcurrent(updates, 8, async (u) => {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: customerKey(u.customerId),
          UpdateExpression: 'SET #f = :f',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#f': 'featureResult' },
          ExpressionAttributeValues: { ':f': u.featureResult },
        }),
      );
    });
  }

  async save(updates: readonly { segment: Segment; history: boolean }[]): Promise<void> {
    const history = updates
      .filter((u) => u.history)
      .map((u) => ({ pk: `CUST#${u.segment.customerId}`, sk: `SEG#${u.segment.asOf}`, type: 'segment', segment: u.segment }));
    await this.table.putAll(history);
    // A few updates in flight at a time: fast enough for 100,000 profiles, gentle on on-demand capacity.
    await mapConcurrent(updates, 8, async (u) => {
      const s = u.segment;
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: customerKey(s.customerId),
          UpdateExpression: `SET #s = :s, ${bySegment.sk} = :g`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#s': 'segment' },
          ExpressionAttributeValues: { ':s': s, ':g': `${s.tier}#${s.pattern}#${s.customerId}` },
        }),
      );
    });
  }

  async savePeers(figures: PeerGroupFigures): Promise<void> {
    await this.table.putAll([{ pk: 'PEERS', sk: 'LATEST', type: 'peers', figures }]);
  }

  async history(customerId: string): Promise<Segment[]> {
    const items = await this.table.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': `CUST#${customerId}`, ':s': 'SEG#' },
    });
    return items.map((i) => i.segment as Segment);
  }
}
