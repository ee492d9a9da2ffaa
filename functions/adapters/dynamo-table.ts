import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../../contracts/settings.ts';
import { mapConcurrent } from '../../domain/util/concurrency.ts';

/** An item of the single table; typed by the key names in contracts/, so a renamed key breaks every adapter's build. */
export type Item = Record<string, unknown> & Record<typeof TABLE.partitionKey | typeof TABLE.sortKey, string>;

/** Thin helpers over the single table: batched writes/reads with retry of unprocessed items, paged queries. */
export class Table {
  readonly doc: DynamoDBDocumentClient;
  readonly name: string;
  constructor(doc: DynamoDBDocumentClient, name: string) {
    this.doc = doc;
    this.name = name;
  }

  /** Batches of 25, a few batches in flight; unprocessed items are retried with backoff. */
  async putAll(items: readonly Item[]): Promise<void> {
    const batches: Item[][] = [];
    for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
    await mapConcurrent(batches, 8, async (batch) => {
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length; attempt++) {
        const res = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.name]: requests } }));
        requests = (res.UnprocessedItems?.[this.name] ?? []) as typeof requests;
        if (requests.length) await backoff(attempt);
      }
    });
  }

  /** Batches of 100, a few in flight; `consistent` for strongly consistent reads (read-modify-write). */
  async getAll(keys: readonly { pk: string; sk: string }[], consistent = false): Promise<Item[]> {
    const batches: { pk: string; sk: string }[][] = [];
    for (let i = 0; i < keys.length; i += 100) batches.push(keys.slice(i, i + 100));
    const found = await mapConcurrent(batches, 4, async (batch) => {
      const out: Item[] = [];
      let pending: Record<string, unknown>[] = batch.map((k) => ({ pk: k.pk, sk: k.sk }));
      for (let attempt = 0; pending.length; attempt++) {
        const res = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.name]: { Keys: pending, ...(consistent ? { ConsistentRead: true } : {}) } } }),
        );
        out.push(...((res.Responses?.[this.name] ?? []) as Item[]));
        pending = (res.UnprocessedKeys?.[this.name]?.Keys ?? []) as Record<string, unknown>[];
        if (pending.length) await backoff(attempt);
      }
      return out;
    });
    return found.flat();
  }

  async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const out: Item[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(new QueryCommand({ ...input, TableName: this.name, ExclusiveStartKey }));
      out.push(...((res.Items ?? []) as Item[]));
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }
}

export function backoff(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
}

const NOT_BODY = new Set<string>([TABLE.partitionKey, TABLE.sortKey, ...Object.values(TABLE.indexes).flatMap((i) => [i.pk, i.sk]), 'type']);

/** Strips the table's key and index attributes (and the item type) from an item. */
export function body<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !NOT_BODY.has(name))) as T;
}
