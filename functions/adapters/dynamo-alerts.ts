import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Alert, AlertJob } from '../../domain/alerts/alert.ts';
import type { AlertStore } from '../../domain/use-cases/check-alerts.ts';
import { DynamoOutbox, emailOf } from './dynamo-outbox.ts';
import { body, type Table } from './dynamo-table.ts';

const key = (j: { customerId: string; period: string; kind: string }) => ({ pk: `CUST#${j.customerId}`, sk: `ALERT#${j.period}#${j.kind}` });

/** ALERT items: one per customer, period and kind (a conditional put), each with its email outbox. */
export class DynamoAlerts implements AlertStore {
  private readonly table: Table;
  private readonly outbox: DynamoOutbox;
  constructor(table: Table) {
    this.table = table;
    this.outbox = new DynamoOutbox(table);
  }

  async raise(alert: Alert): Promise<'created' | 'pending' | 'done'> {
    try {
      await this.table.doc.send(
        new PutCommand({ TableName: this.table.name, Item: { ...key(alert), type: 'alert', ...alert, email: { state: 'pending' } }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return 'created';
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const cur = await this.get(alert.customerId, alert.period, alert.kind);
      return cur?.email.state === 'pending' || cur?.email.state === 'failed' ? 'pending' : 'done';
    }
  }

  async get(customerId: string, period: string, kind: Alert['kind']) {
    const res = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key({ customerId, period, kind }), ConsistentRead: true }));
    return res.Item ? body<Alert & { email: { state: string } }>(res.Item as never) : undefined;
  }

  claimEmail(job: AlertJob, now: Date, leaseMs: number) {
    return this.outbox.claim(key(job), now, leaseMs);
  }

  markEmail(job: AlertJob, state: 'sent' | 'suppressed' | 'failed' | 'unknown', detail: { messageId?: string; at: Date; error?: string; lease: number }) {
    return this.outbox.mark(key(job), emailOf(state, detail), detail.lease);
  }
}
