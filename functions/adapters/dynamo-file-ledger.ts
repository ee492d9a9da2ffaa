import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FileLedger, FileOutcome, FileRef } from '../../domain/use-cases/ports.ts';
import { boundedKey } from '../../domain/util/bounded-key.ts';
import { body, type Table } from './dynamo-table.ts';
import { TABLE } from '../../contracts/settings.ts';

const { bySegment } = TABLE.indexes;

const LEASE_MS = 15 * 60_000;
// A partition key holds 2,048 bytes: bucket (63) + key (1,024) + ETag fit whole.
const key = (f: FileRef) => ({ pk: `FILE#${f.bucket}/${f.key}#${f.etag}`, sk: 'META' });

/** FILE items: a conditional put claims a file; a finished item makes every later delivery a no-op. */
export class DynamoFileLedger implements FileLedger {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async claim(file: FileRef, now: Date): Promise<'claimed' | 'duplicate' | 'busy'> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...key(file), type: 'file', state: 'processing', leaseUntil: now.getTime() + LEASE_MS },
          ConditionExpression: 'attribute_not_exists(pk) OR (#s = :p AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':p': 'processing', ':now': now.getTime() },
        }),
      );
      return 'claimed';
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key(file), ConsistentRead: true }));
      return current.Item?.state === 'processing' ? 'busy' : 'duplicate';
    }
  }

  async finish(file: FileRef, outcome: FileOutcome, now: Date): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: key(file),
        UpdateExpression: `SET #s = :done, #o = :o, #at = :at, #b = :b, #e = :e, ${bySegment.pk} = :g, ${bySegment.sk} = :gs REMOVE leaseUntil`,
        ExpressionAttributeNames: { '#s': 'state', '#o': 'outcome', '#at': 'processedAt', '#b': 'bucket', '#e': 'etag' },
        ExpressionAttributeValues: {
          ':done': 'done',
          ':o': outcome,
          ':at': now.toISOString(),
          ':b': file.bucket,
          ':e': file.etag,
          ':g': 'FILE',
          // Index sort keys hold 1,024 bytes: a long key is shortened there (the item keeps it whole in `outcome`).
          ':gs': boundedKey(`${now.toISOString()}#`, file.key, ''),
        },
      }),
    );
  }

  async handOver(file: FileRef, fanOutId: string): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: key(file),
        UpdateExpression: 'SET #s = :f, fanOutId = :id REMOVE leaseUntil',
        ConditionExpression: '#s = :p',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: { ':f': 'fanned-out', ':id': fanOutId, ':p': 'processing' },
      }),
    ).catch((err) => {
      // Already handed over (a redelivered upload event that re-queued the same chunk jobs) or finished.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    });
  }

  async release(file: FileRef): Promise<void> {
    await this.table.doc.send(
      new DeleteCommand({
        TableName: this.table.name,
        Key: key(file),
        ConditionExpression: '#s = :p',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: { ':p': 'processing' },
      }),
    ).catch((err) => {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    });
  }

  async list() {
    const items = await this.table.query({
      IndexName: bySegment.name,
      KeyConditionExpression: `${bySegment.pk} = :g`,
      ExpressionAttributeValues: { ':g': 'FILE' },
    });
    return items.map((i) => {
      const b = body<{ outcome: FileOutcome; bucket: string; etag: string; processedAt: string }>(i);
      return { ...b.outcome, bucket: b.bucket, etag: b.etag, processedAt: b.processedAt };
    });
  }
}
