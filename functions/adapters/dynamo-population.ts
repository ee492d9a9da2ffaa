import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PopulationMarker, PopulationStore } from '../../domain/use-cases/classify-customers.ts';
import type { Table } from './dynamo-table.ts';

/** The partition key of the one marker item (an exact LeadingKeys grant, like PEERS). */
export const POPULATION_PK = 'POPULATION';
const KEY = { pk: POPULATION_PK, sk: 'MARKER' };

/**
 * "The population changed" as one item: `version` counts changes (ADD, so concurrent ingests never lose one),
 * `asOf` is the latest day any ingest saw, `classifiedVersion` the version the population job last classified, and
 * `leaseOwner`/`leaseUntil` the job's lease. Every write is one conditional UpdateItem.
 */
export class DynamoPopulation implements PopulationStore {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async read(): Promise<PopulationMarker> {
    const res = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: KEY, ConsistentRead: true }));
    const i = res.Item ?? {};
    return {
      version: (i.version as number | undefined) ?? 0,
      classifiedVersion: (i.classifiedVersion as number | undefined) ?? 0,
      ...(i.asOf ? { asOf: i.asOf as string } : {}),
      ...(i.changedAt ? { changedAt: i.changedAt as string } : {}),
    };
  }

  async changed(latestDay: string | undefined, at: Date): Promise<void> {
    const names = { '#v': 'version', '#c': 'changedAt', '#t': 'type' };
    const values = { ':one': 1, ':at': at.toISOString(), ':t': 'population' };
    if (latestDay) {
      try {
        // Moves asOf forward only: an ingest of older days must not pull the window back.
        await this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: KEY,
            UpdateExpression: 'ADD #v :one SET #c = :at, #t = :t, #a = :a',
            ConditionExpression: 'attribute_not_exists(#a) OR #a < :a',
            ExpressionAttributeNames: { ...names, '#a': 'asOf' },
            ExpressionAttributeValues: { ...values, ':a': latestDay },
          }),
        );
        return;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    await this.table.doc.send(
      new UpdateCommand({ TableName: this.table.name, Key: KEY, UpdateExpression: 'ADD #v :one SET #c = :at, #t = :t', ExpressionAttributeNames: names, ExpressionAttributeValues: values }),
    );
  }

  async acquire(owner: string, until: Date, now: Date): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: KEY,
          UpdateExpression: 'SET #o = :o, #u = :u',
          ConditionExpression: 'attribute_not_exists(#u) OR #u < :now',
          ExpressionAttributeNames: { '#o': 'leaseOwner', '#u': 'leaseUntil' },
          ExpressionAttributeValues: { ':o': owner, ':u': until.toISOString(), ':now': now.toISOString() },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async release(owner: string, classifiedVersion?: number): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: KEY,
          UpdateExpression: classifiedVersion === undefined ? 'REMOVE #o, #u' : 'SET #cv = :cv REMOVE #o, #u',
          // Only the lease holder gives it back; the classified version never goes backwards.
          ConditionExpression: classifiedVersion === undefined ? '#o = :o' : '#o = :o AND (attribute_not_exists(#cv) OR #cv < :cv)',
          ExpressionAttributeNames: { '#o': 'leaseOwner', '#u': 'leaseUntil', ...(classifiedVersion === undefined ? {} : { '#cv': 'classifiedVersion' }) },
          ExpressionAttributeValues: { ':o': owner, ...(classifiedVersion === undefined ? {} : { ':cv': classifiedVersion }) },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      // A forced run of an already classified version: give the lease back all the same. Otherwise the lease ran out
      // and was taken over (the run outlived leaseMs): nothing of it is ours to release.
      if (classifiedVersion !== undefined) await this.release(owner);
    }
  }
}
