import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SuppressionList } from '../../domain/use-cases/mail-ports.ts';
import type { Table } from './dynamo-table.ts';
import { TABLE } from '../../contracts/settings.ts';

const { bySegment } = TABLE.indexes;

const key = (address: string) => ({ pk: `SUPPRESS#${address.trim().toLowerCase()}`, sk: 'EMAIL' });

/** SUPPRESS items: an address that bounced permanently or complained; the first report wins. */
export class DynamoSuppressions implements SuppressionList {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async isSuppressed(address: string): Promise<boolean> {
    const res = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key(address), ConsistentRead: true }));
    return res.Item !== undefined;
  }

  async suppress(address: string, reason: 'bounce' | 'complaint', at: Date, detail: { customerIds: string[] }): Promise<boolean> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...key(address), type: 'suppression', reason, at: at.toISOString(), customerIds: detail.customerIds, [bySegment.pk]: 'SUPPRESS', [bySegment.sk]: at.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
