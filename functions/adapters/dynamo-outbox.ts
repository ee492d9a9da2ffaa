import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SENT_FROM, type OutboxClaim, type OutboxState } from '../../domain/use-cases/mail-ports.ts';
import type { Table } from './dynamo-table.ts';

type Key = { pk: string; sk: string };
/** The new `email` map of a record (any other fields are stored as given); `state` decides which states it may replace. */
export interface OutboxEmail {
  state: OutboxState;
}

/**
 * The email outbox kept on an item's `email` map (statements, alerts, notices): a conditional claim gives one worker
 * the right to send; a claim whose lease expired (its worker died) can be taken over; every later change is
 * conditional on the current state (see OutboxState), so a late or duplicate worker can never undo a final state.
 */
export class DynamoOutbox {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async claim(key: Key, now: Date, leaseMs: number): Promise<OutboxClaim> {
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
      const state = await this.state(key);
      return state === 'sent' || state === 'suppressed' || state === 'unknown' || state === 'cancelled' ? state : 'busy';
    }
  }

  /**
   * A worker's result: `sent` replaces any state that is not final; `failed`, `unknown` and `suppressed` only the
   * worker's own claim (`sending` with its lease). False when the condition failed (nothing written).
   */
  mark(key: Key, email: OutboxEmail, lease: number): Promise<boolean> {
    if (email.state === 'sent') return this.write(key, email, SENT_FROM);
    if (email.state === 'failed' || email.state === 'unknown' || email.state === 'suppressed') return this.write(key, email, ['sending'], lease);
    throw new Error(`a worker does not record ${email.state}`);
  }

  /** Called off before it was sent (a notice paid or superseded): only from `pending` or `failed`. */
  cancel(key: Key, email: { state: 'cancelled' }): Promise<boolean> {
    return this.write(key, email, ['pending', 'failed']);
  }

  /**
   * An operator's decision on an `unknown` send: it went out (`sent`) or it may be sent again (`failed`). The record's
   * other fields (recipients, amounts, dates the worker wrote) stay; `fields` are added.
   */
  resolve(key: Key, to: 'sent' | 'failed', fields: Record<string, unknown>): Promise<boolean> {
    return this.write(key, { state: to, ...fields }, ['unknown'], undefined, true);
  }

  async state(key: Key): Promise<OutboxState | undefined> {
    const cur = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key, ConsistentRead: true, ProjectionExpression: 'email.#s', ExpressionAttributeNames: { '#s': 'state' } }));
    return (cur.Item?.email as { state?: OutboxState } | undefined)?.state;
  }

  private async write(key: Key, email: OutboxEmail, from: readonly OutboxState[], lease?: number, merge = false): Promise<boolean> {
    const names = from.map((_, i) => `:f${i}`);
    const values: Record<string, unknown> = Object.fromEntries(from.map((s, i) => [`:f${i}`, s]));
    const attributes: Record<string, string> = { '#s': 'state' };
    let update = 'SET email = :e';
    if (merge) {
      const fields = Object.entries(email).filter(([, v]) => v !== undefined);
      update = `SET ${fields.map((_, i) => `email.#m${i} = :m${i}`).join(', ')}`;
      fields.forEach(([k, v], i) => {
        attributes[`#m${i}`] = k;
        values[`:m${i}`] = v;
      });
    } else values[':e'] = email;
    let condition = `email.#s IN (${names.join(', ')})`;
    if (lease !== undefined) {
      condition += ' AND email.leaseUntil = :lease';
      values[':lease'] = lease;
    }
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: attributes,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}

/** The `email` map of a worker's or operator's record: state, when, and the message id or error when there is one. */
export function emailOf(state: OutboxState, detail: { at: Date; messageId?: string; error?: string }): OutboxEmail & Record<string, string> {
  return { state, at: detail.at.toISOString(), ...(detail.messageId ? { messageId: detail.messageId } : {}), ...(detail.error ? { error: detail.error } : {}) };
}
