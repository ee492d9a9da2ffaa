import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Table } from './dynamo-table.ts';

export type OutboxClaim = 'claimed' | 'sent' | 'suppressed' | 'busy';

/**
 * The email outbox kept on an item's `email` map (statements, alerts, notices): a conditional claim gives one worker
 * the right to send; a claim whose lease expired (its worker died) can be taken over; the result is recorded.
 */
export class DynamoOutbox {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async claim(key: { pk: string; sk: string }, now: Date, leaseMs: number): Promise<OutboxClaim> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: 'SET email.#s = :sending, email.leaseUntil = :until',
          ConditionExpression: 'email.#s = :pending OR email.#s = :failed OR (email.#s = :sending AND email.leaseUntil < :now)',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':sending': 'sending', ':pending': 'pending', ':failed': 'failed', ':until': now.getTime() + leaseMs, ':now': now.getTime() },
        }),
      );
      return 'claimed';
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const cur = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key, ConsistentRead: true }));
      const state = (cur.Item?.email as { state?: string } | undefined)?.state;
      return state === 'sent' ? 'sent' : state === 'suppressed' ? 'suppressed' : 'busy';
    }
  }

  async mark(key: { pk: string; sk: string }, state: 'sent' | 'suppressed' | 'failed', detail: { messageId?: string; at: Date; error?: string }): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: key,
        UpdateExpression: 'SET email = :e',
        ExpressionAttributeValues: {
          ':e': { state, ...(detail.messageId ? { messageId: detail.messageId } : {}), at: detail.at.toISOString(), ...(detail.error ? { error: detail.error } : {}) },
        },
      }),
    );
  }
}
