import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DigestLedger } from '../../domain/use-cases/send-digest.ts';
import type { Table } from './dynamo-table.ts';

const key = (manager: string, weekEnd: string) => ({ pk: `DIGEST#${manager.toLowerCase()}`, sk: `WEEK#${weekEnd}` });

/** DIGEST items: one per manager and week, claimed conditionally before the email goes out. */
export class DynamoDigests implements DigestLedger {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }
  async claim(manager: string, weekEnd: string): Promise<boolean> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...key(manager, weekEnd), type: 'digest', state: 'sending' },
          ConditionExpression: 'attribute_not_exists(pk) OR #s = :f',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':f': 'failed' },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
  async release(manager: string, weekEnd: string): Promise<void> {
    // Marked failed rather than deleted: the function may put and update DIGEST items, never delete.
    await this.table.doc.send(
      new UpdateCommand({ TableName: this.table.name, Key: key(manager, weekEnd), UpdateExpression: 'SET #s = :f', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':f': 'failed' } }),
    );
  }

  async record(manager: string, weekEnd: string, messageId: string): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({ TableName: this.table.name, Key: key(manager, weekEnd), UpdateExpression: 'SET #s = :s, messageId = :m', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':s': 'sent', ':m': messageId } }),
    );
  }
}
