import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DigestLedger } from '../../domain/use-cases/send-digest.ts';
import type { Table } from './dynamo-table.ts';

const key = (manager: string, weekEnd: string) => ({ pk: `DIGEST#${manager.toLowerCase()}`, sk: `WEEK#${weekEnd}` });

/**
 * DIGEST items: one per manager and week, claimed conditionally (with a lease, like the statement outbox) before the
 * email goes out. Items are put and updated, never deleted (the function may not delete).
 */
export class DynamoDigests implements DigestLedger {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async claim(manager: string, weekEnd: string, now: Date, leaseMs: number): Promise<'claimed' | 'sent' | 'busy' | 'unknown'> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...key(manager, weekEnd), type: 'digest', state: 'sending', leaseUntil: now.getTime() + leaseMs },
          // A 'sending' claim without a lease is from before leases: its worker is long gone.
          ConditionExpression: 'attribute_not_exists(pk) OR #s = :failed OR (#s = :sending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now))',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':failed': 'failed', ':sending': 'sending', ':now': now.getTime() },
        }),
      );
      return 'claimed';
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const cur = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key(manager, weekEnd), ConsistentRead: true }));
      const state = cur.Item?.state as string | undefined;
      return state === 'sent' || state === 'unknown' ? state : 'busy';
    }
  }

  async release(manager: string, weekEnd: string, lease: number, state: 'failed' | 'unknown', error: string): Promise<boolean> {
    return this.update(manager, weekEnd, 'SET #s = :to, #e = :err', { ':to': state, ':err': error }, lease);
  }

  async record(manager: string, weekEnd: string, messageId: string, lease: number): Promise<boolean> {
    // Sent is recorded over our claim, or over a claim taken over from us meanwhile (the message did go out).
    return this.update(manager, weekEnd, 'SET #s = :to, messageId = :m', { ':to': 'sent', ':m': messageId }, lease, true);
  }

  private async update(manager: string, weekEnd: string, expression: string, values: Record<string, unknown>, lease: number, anyClaim = false): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(manager, weekEnd),
          UpdateExpression: expression,
          ConditionExpression: anyClaim ? '#s IN (:sending, :failed, :unknown)' : '#s = :sending AND leaseUntil = :lease',
          ExpressionAttributeNames: { '#s': 'state', ...(expression.includes('#e') ? { '#e': 'error' } : {}) },
          ExpressionAttributeValues: { ...values, ':sending': 'sending', ...(anyClaim ? { ':failed': 'failed', ':unknown': 'unknown' } : { ':lease': lease }) },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
