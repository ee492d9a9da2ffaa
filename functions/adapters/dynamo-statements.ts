import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoOutbox, emailOf } from './dynamo-outbox.ts';
import type { PeerGroupFigures, StatementStore, StoredStatement, TariffStore } from '../../domain/use-cases/statement-ports.ts';
import type { Tariff } from '../../domain/tariffs/tariff.ts';
import { body, type Table } from './dynamo-table.ts';
import { TABLE } from '../../contracts/settings.ts';

const { bySegment, byDueDate } = TABLE.indexes;

const pad = (v: number) => String(v).padStart(4, '0');
const key = (customerId: string, period: string, version: number) => ({ pk: `CUST#${customerId}`, sk: `STMT#${period}#v${pad(version)}` });

/**
 * STMT items (one per version). The period index (GSI1: `STMT#<period>`) lists a period's statements; the due-date
 * index (GSI2: `DUE`) holds only the current version of each statement, for arrears.
 */
export class DynamoStatements implements StatementStore {
  private readonly table: Table;
  private readonly outbox: DynamoOutbox;
  constructor(table: Table) {
    this.table = table;
    this.outbox = new DynamoOutbox(table);
  }

  async latest(customerId: string, period: string): Promise<StoredStatement | undefined> {
    const res = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':pk': `CUST#${customerId}`, ':s': `STMT#${period}#v` },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = res.Items?.[0];
    return item ? body<StoredStatement>(item as never) : undefined;
  }

  async create(s: StoredStatement): Promise<'created' | 'exists'> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...key(s.customerId, s.period, s.version),
            type: 'statement',
            ...s,
            [bySegment.pk]: `STMT#${s.period}`,
            [bySegment.sk]: `${s.customerId}#v${pad(s.version)}`,
            [byDueDate.pk]: 'DUE',
            [byDueDate.sk]: `${s.dueDate}#${s.customerId}#${s.period}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'exists';
      throw err;
    }
    if (s.version > 1) {
      // The earlier version is superseded: it leaves the due-date index.
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(s.customerId, s.period, s.version - 1),
          UpdateExpression: `REMOVE ${byDueDate.pk}, ${byDueDate.sk} SET supersededBy = :v`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':v': s.version },
        }),
      ).catch((err) => {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      });
    }
    return 'created';
  }

  claimEmail(customerId: string, period: string, version: number, now: Date, leaseMs: number) {
    return this.outbox.claim(key(customerId, period, version), now, leaseMs);
  }

  markEmail(customerId: string, period: string, version: number, state: 'sent' | 'suppressed' | 'failed' | 'unknown', detail: { messageId?: string; at: Date; error?: string; lease: number }) {
    return this.outbox.mark(key(customerId, period, version), emailOf(state, detail), detail.lease);
  }

  resolveEmail(customerId: string, period: string, version: number, to: 'sent' | 'failed', detail: { at: Date; messageId?: string; by: string }) {
    return this.outbox.resolve(key(customerId, period, version), to, { resolvedAt: detail.at.toISOString(), resolvedBy: detail.by, ...(detail.messageId ? { messageId: detail.messageId } : {}) });
  }

  async listPeriod(period: string): Promise<StoredStatement[]> {
    const items = await this.table.query({
      IndexName: bySegment.name,
      KeyConditionExpression: `${bySegment.pk} = :p`,
      ExpressionAttributeValues: { ':p': `STMT#${period}` },
    });
    return items.map((i) => body<StoredStatement>(i));
  }

  async history(customerId: string): Promise<StoredStatement[]> {
    const items = await this.table.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': `CUST#${customerId}`, ':s': 'STMT#' },
    });
    return items.map((i) => body<StoredStatement>(i));
  }
}

/** TARIFF items: the whole versioned definition, replaced when a new file for the same id arrives. */
export class DynamoTariffs implements TariffStore {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }
  async get(id: string): Promise<Tariff | undefined> {
    const [item] = await this.table.getAll([{ pk: `TARIFF#${id}`, sk: 'DEF' }]);
    return item ? (item.tariff as Tariff) : undefined;
  }
  async put(tariff: Tariff): Promise<void> {
    await this.table.putAll([{ pk: `TARIFF#${tariff.id}`, sk: 'DEF', type: 'tariff', tariff, [bySegment.pk]: 'TARIFF', [bySegment.sk]: tariff.id }]);
  }
  async all(): Promise<Tariff[]> {
    const items = await this.table.query({ IndexName: bySegment.name, KeyConditionExpression: `${bySegment.pk} = :t`, ExpressionAttributeValues: { ':t': 'TARIFF' } });
    return items.map((i) => i.tariff as Tariff);
  }
}

/** The latest classification's peer-group figures (one item, written by the segment store). */
export class DynamoPeerGroups {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }
  async get(): Promise<PeerGroupFigures | undefined> {
    const [item] = await this.table.getAll([{ pk: 'PEERS', sk: 'LATEST' }]);
    return item ? (item.figures as PeerGroupFigures) : undefined;
  }
}
