import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Hold } from '../../domain/arrears/decide.ts';
import type { Receivable } from '../../domain/arrears/ledger.ts';
import { STAGES, type Stage } from '../../domain/arrears/policy.ts';
import type { ArrearsStore, NoticeEmail, NoticeJob, StoredNotice } from '../../domain/use-cases/arrears-ports.ts';
import type { StoredStatement } from '../../domain/use-cases/statement-ports.ts';
import { DynamoOutbox } from './dynamo-outbox.ts';
import { body, type Table } from './dynamo-table.ts';
import { TABLE } from '../../contracts/settings.ts';

const { bySegment } = TABLE.indexes;

const noticeKey = (j: NoticeJob) => ({ pk: `CUST#${j.customerId}`, sk: `NOTICE#${j.statementKey}#${STAGES.indexOf(j.stage) + 1}-${j.stage}` });

/**
 * Arrears on the single table: receivables are the current statement versions; NOTICE items (one per statement
 * and stage, created conditionally) are the decisions and, once sent, the proof of notice; HOLD and TASK items record
 * holds and phone-call tasks (the console's tasks, approvals and audit: dynamo-console.ts).
 */
export class DynamoArrears implements ArrearsStore {
  private readonly table: Table;
  private readonly outbox: DynamoOutbox;
  constructor(table: Table) {
    this.table = table;
    this.outbox = new DynamoOutbox(table);
  }

  private prefix(customerId: string, prefix: string) {
    return this.table.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': `CUST#${customerId}`, ':s': prefix },
      ConsistentRead: true,
    });
  }

  async receivables(customerId: string): Promise<Receivable[]> {
    const latest = new Map<string, StoredStatement>();
    for (const item of await this.prefix(customerId, 'STMT#')) {
      const s = body<StoredStatement>(item);
      const prev = latest.get(s.period);
      if (!prev || prev.version < s.version) latest.set(s.period, s);
    }
    return [...latest.values()].map((s) => ({
      key: `${s.period}#v${s.version}`,
      customerId,
      period: s.period,
      total: s.bill.total,
      dueDate: s.dueDate,
      currency: s.bill.currency,
      issuedOn: s.issuedOn,
      delivered: s.email.state === 'sent',
    }));
  }

  async notices(customerId: string): Promise<StoredNotice[]> {
    return (await this.prefix(customerId, 'NOTICE#')).map((i) => body<StoredNotice>(i));
  }

  async notice(job: NoticeJob): Promise<StoredNotice | undefined> {
    const res = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: noticeKey(job), ConsistentRead: true }));
    return res.Item ? body<StoredNotice>(res.Item as never) : undefined;
  }

  async createNotice(n: StoredNotice): Promise<'created' | 'exists'> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...noticeKey(n), type: 'notice', ...n, [bySegment.pk]: `NOTICES#${n.decidedOn}`, [bySegment.sk]: `${n.customerId}#${n.stage}` },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'created';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'exists';
      throw err;
    }
  }

  claimNotice(job: NoticeJob, now: Date, leaseMs: number) {
    return this.outbox.claim(noticeKey(job), now, leaseMs);
  }

  markNotice(job: NoticeJob, email: NoticeEmail & { state: 'sent' | 'failed' | 'unknown' }, lease: number): Promise<boolean> {
    return this.outbox.mark(noticeKey(job), email, lease);
  }

  cancelNotice(job: NoticeJob, email: NoticeEmail & { state: 'cancelled' }): Promise<boolean> {
    return this.outbox.cancel(noticeKey(job), email);
  }

  resolveNotice(job: NoticeJob, to: 'sent' | 'failed', detail: { at: Date; messageId?: string; sentOn?: string; by: string }): Promise<boolean> {
    const { at, by, ...rest } = detail;
    return this.outbox.resolve(noticeKey(job), to, { resolvedAt: at.toISOString(), resolvedBy: by, ...rest });
  }

  async holds(customerId: string): Promise<Hold[]> {
    return (await this.prefix(customerId, 'HOLD#')).map((i) => i.hold as Hold);
  }

  async putHold(customerId: string, hold: Hold): Promise<void> {
    await this.table.putAll([{ pk: `CUST#${customerId}`, sk: `HOLD#${hold.from}#${hold.kind}`, type: 'hold', hold }]);
  }

  async releaseHolds(customerId: string, on: string): Promise<number> {
    let n = 0;
    for (const item of await this.prefix(customerId, 'HOLD#')) {
      const hold = item.hold as Hold;
      if (hold.released) continue;
      await this.table.doc.send(
        new UpdateCommand({ TableName: this.table.name, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: 'SET #h.released = :r', ExpressionAttributeNames: { '#h': 'hold' }, ExpressionAttributeValues: { ':r': on } }),
      );
      n++;
    }
    return n;
  }

  async addTask(customerId: string, task: { day: string; kind: 'phone-call'; statementKey: string; stage: Stage; dueOn: string; assignee: string; note: string }): Promise<void> {
    const { stage, ...rest } = task;
    await this.table.doc
      .send(
        new PutCommand({
          TableName: this.table.name,
          // The console's task shape (dynamo-console.ts): the key and the fields the CLI shows stay as they were.
          Item: {
            pk: `CUST#${customerId}`,
            sk: `TASK#${task.day}#${task.statementKey}#${task.kind}`,
            type: 'task',
            ...rest,
            customerId,
            source: { kind: 'notice', statementKey: task.statementKey, stage },
            status: 'open',
            [bySegment.pk]: 'TASKS',
            [bySegment.sk]: `${task.day}#${customerId}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch((err) => {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      });
  }

  /** The tasks its notices created (playbook and anomaly tasks, which have no statement, are the console's). */
  async tasks(customerId: string) {
    return (await this.prefix(customerId, 'TASK#'))
      .filter((i) => typeof i.statementKey === 'string')
      .map((i) => body<{ day: string; kind: string; statementKey: string; assignee: string; note: string }>(i));
  }
}
