import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FanOutLedger, FanOutRecord } from '../../domain/use-cases/fan-out.ts';
import type { FileOutcome } from '../../domain/use-cases/ports.ts';
import type { Table } from './dynamo-table.ts';

const key = (id: string) => ({ pk: `FANOUT#${id}`, sk: 'META' });
// Fan-out records are bookkeeping: kept 30 days after they start, then expired by the table's TTL.
const KEEP_SECONDS = 30 * 86_400;

type Stored = Omit<FanOutRecord, 'doneChunks' | 'appliedPartitions'> & { doneChunks?: Set<number>; appliedPartitions?: Set<number> };

/**
 * FANOUT#<id> items. The chunks staged and the partitions applied are number sets grown by conditional ADDs: a
 * repeated job fails the condition and counts nothing, and the size of the set says when all are in.
 */
export class DynamoFanOuts implements FanOutLedger {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async start(record: FanOutRecord, at: Date): Promise<FanOutRecord> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...key(record.id), type: 'fanout', ...record, ttl: Math.floor(at.getTime() / 1000) + KEEP_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return record;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return (await this.get(record.id))!;
    }
  }

  async get(id: string): Promise<FanOutRecord | undefined> {
    const res = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key(id), ConsistentRead: true }));
    if (!res.Item) return undefined;
    const { pk: _pk, sk: _sk, type: _t, ttl: _ttl, doneChunks, appliedPartitions, ...rest } = res.Item as Stored & Record<string, unknown>;
    return {
      ...(rest as unknown as FanOutRecord),
      doneChunks: [...(doneChunks ?? [])].sort((a, b) => a - b),
      appliedPartitions: [...(appliedPartitions ?? [])].sort((a, b) => a - b),
    };
  }

  chunkDone(id: string, index: number): Promise<{ first: boolean; done: number }> {
    return this.addToSet(id, 'doneChunks', index);
  }

  partitionApplied(id: string, partition: number): Promise<{ first: boolean; done: number }> {
    return this.addToSet(id, 'appliedPartitions', partition);
  }

  private async addToSet(id: string, attribute: 'doneChunks' | 'appliedPartitions', n: number): Promise<{ first: boolean; done: number }> {
    try {
      const res = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(id),
          UpdateExpression: 'ADD #set :n',
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(#set, :i)',
          ExpressionAttributeNames: { '#set': attribute },
          ExpressionAttributeValues: { ':n': new Set([n]), ':i': n },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { first: true, done: (res.Attributes?.[attribute] as Set<number> | undefined)?.size ?? 0 };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const record = await this.get(id);
      if (!record) throw new Error(`fan-out ${id} does not exist`);
      return { first: false, done: (record[attribute] ?? []).length };
    }
  }

  async appliesQueued(id: string): Promise<void> {
    await this.table.doc.send(new UpdateCommand({ TableName: this.table.name, Key: key(id), UpdateExpression: 'SET appliesQueued = :t', ExpressionAttributeValues: { ':t': true } }));
  }

  async advance(id: string, from: FanOutRecord['state'], to: FanOutRecord['state'], at: Date, outcome?: FileOutcome): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(id),
          UpdateExpression: `SET #s = :to, stateSince = :at${outcome ? ', outcome = :o' : ''}`,
          ConditionExpression: '#s = :from',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':to': to, ':from': from, ':at': at.toISOString(), ...(outcome ? { ':o': outcome } : {}) },
        }),
      );
      return true;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return false;
    }
  }
}
