import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { ApprovalRecord, AuditEntry, ClosedOutcome, ConsoleStore, Decision, Recommendation, SuppressionRecord, Task } from '../../domain/console/ports.ts';
import { DUE_DAYS, taskId } from '../../domain/console/tasks.ts';
import type { Hold } from '../../domain/arrears/decide.ts';
import { nextDay } from '../../domain/time/zone.ts';
import { backoff, body, type Item, type Table } from './dynamo-table.ts';
import { TABLE } from '../../contracts/settings.ts';

const { bySegment } = TABLE.indexes;

const cust = (customerId: string) => `CUST#${customerId}`;
const auditItem = (e: AuditEntry) => ({ Put: { Item: { pk: cust(e.customerId), sk: `AUDIT#${e.at}#${e.id}`, type: 'audit', ...e }, ConditionExpression: 'attribute_not_exists(pk)' } });

/** A task item as the domain's Task; items written before tasks had ids, due dates and a status read as open formal-notice calls. */
export function taskOf(item: Item): Task {
  const customerId = item.pk.slice('CUST#'.length);
  const key = item.sk.slice('TASK#'.length);
  const b = body<Partial<Task> & { day: string; kind: Task['kind']; statementKey?: string; assignee: string; note: string }>(item);
  return {
    id: taskId(customerId, key),
    customerId,
    kind: b.kind,
    day: b.day,
    dueOn: b.dueOn ?? nextDay(b.day, DUE_DAYS[b.kind] ?? DUE_DAYS['phone-call']),
    assignee: b.assignee,
    source: b.source ?? { kind: 'notice', statementKey: b.statementKey ?? '', stage: 'formal' },
    note: b.note,
    status: b.status ?? (b.closed ? 'closed' : 'open'),
    ...(b.closed ? { closed: b.closed } : {}),
  };
}

/** An approval item; one written by `kam approve-disconnection` before the console ({by, at}) reads as an approval. */
function approvalOf(item: Item): ApprovalRecord {
  const b = body<{ statementKey: string; recommendation?: Recommendation; decision?: Decision; by?: string; at?: string }>(item);
  const legacy: Decision | undefined = b.by && b.at ? { verdict: 'approved', reason: 'recorded with kam approve-disconnection', by: { sub: b.by, email: b.by }, at: b.at } : undefined;
  const decision = b.decision ?? legacy;
  return {
    customerId: item.pk.slice('CUST#'.length),
    statementKey: b.statementKey,
    ...(b.recommendation ? { recommendation: b.recommendation } : {}),
    ...(decision ? { decision } : {}),
  };
}

/**
 * The console's items on the single table, in each customer's partition:
 * - `TASK#<day>#<reference>#<kind>`: phone-call and visit tasks (reference: a statement key, or `playbook:<action>`
 *   with the segment's as-of as the day), listed across customers through the general index (`TASKS`, `<day>#<id>`);
 * - `APPROVAL#<statement>`: the recommendation and decision on a disconnection request;
 * - `AUDIT#<iso instant>#<id>`: one per audited write, read newest first;
 * - `HOLD#<from>#<kind>#<task id>`: a hold created by a task outcome (the arrears scan reads every `HOLD#` item).
 * A write that changes something and its audit items are one transaction conditioned on the state read.
 */
export class DynamoConsole implements ConsoleStore {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  private prefix(customerId: string, prefix: string) {
    return this.table.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': cust(customerId), ':s': prefix },
      ConsistentRead: true,
    });
  }

  private async get(customerId: string, sk: string): Promise<Item | undefined> {
    const res = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: { pk: cust(customerId), sk }, ConsistentRead: true }));
    return res.Item as Item | undefined;
  }

  /**
   * Runs a transaction; 'failed' when a condition failed. A conflict with another transaction on the same items is
   * retried (a few times, with backoff), since it says nothing about who won.
   */
  private async transact(items: unknown[]): Promise<'done' | 'failed'> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.table.doc.send(new TransactWriteCommand({ TransactItems: items as never }));
        return 'done';
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
        const codes = (err.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
        if (codes.includes('ConditionalCheckFailed')) return 'failed';
        if (codes.every((c) => c === 'None' || c === 'TransactionConflict') && attempt < 5) {
          await backoff(attempt);
          continue;
        }
        throw err;
      }
    }
  }

  async task(customerId: string, key: string): Promise<Task | undefined> {
    const item = await this.get(customerId, `TASK#${key}`);
    return item ? taskOf(item) : undefined;
  }

  async tasksOf(customerId: string): Promise<Task[]> {
    return (await this.prefix(customerId, 'TASK#')).map(taskOf);
  }

  async allTasks(): Promise<Task[]> {
    const items = await this.table.query({ IndexName: bySegment.name, KeyConditionExpression: `${bySegment.pk} = :t`, ExpressionAttributeValues: { ':t': 'TASKS' } });
    return items.map(taskOf);
  }

  async createTask(task: Task): Promise<'created' | 'exists'> {
    const key = task.id.slice(task.customerId.length + 1).replaceAll('~', '#');
    const { id: _id, ...rest } = task;
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { pk: cust(task.customerId), sk: `TASK#${key}`, type: 'task', ...rest, [bySegment.pk]: 'TASKS', [bySegment.sk]: `${task.day}#${task.customerId}` },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'created';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'exists';
      throw err;
    }
  }

  async closeTask(task: Task, closed: ClosedOutcome, effects: { hold?: { key: string; hold: Hold }; audit: AuditEntry[] }): Promise<'closed' | 'already-closed'> {
    const key = task.id.slice(task.customerId.length + 1).replaceAll('~', '#');
    const items: unknown[] = [
      {
        Update: {
          TableName: this.table.name,
          Key: { pk: cust(task.customerId), sk: `TASK#${key}` },
          // Tasks from before the console have no status: they are open.
          UpdateExpression: 'SET #s = :closed, #c = :c',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#s) OR #s = :open)',
          ExpressionAttributeNames: { '#s': 'status', '#c': 'closed' },
          ExpressionAttributeValues: { ':closed': 'closed', ':open': 'open', ':c': closed },
        },
      },
      ...(effects.hold
        ? [{ Put: { TableName: this.table.name, Item: { pk: cust(task.customerId), sk: `HOLD#${effects.hold.key}`, type: 'hold', hold: effects.hold.hold }, ConditionExpression: 'attribute_not_exists(pk)' } }]
        : []),
      ...effects.audit.map((e) => ({ Put: { TableName: this.table.name, ...auditItem(e).Put } })),
    ];
    return (await this.transact(items)) === 'done' ? 'closed' : 'already-closed';
  }

  async approval(customerId: string, statementKey: string): Promise<ApprovalRecord | undefined> {
    const item = await this.get(customerId, `APPROVAL#${statementKey}`);
    return item ? approvalOf(item) : undefined;
  }

  async approvalsOf(customerId: string): Promise<ApprovalRecord[]> {
    return (await this.prefix(customerId, 'APPROVAL#')).map(approvalOf);
  }

  async recommend(customerId: string, statementKey: string, r: Recommendation, audit: AuditEntry): Promise<'recorded' | 'conflict'> {
    return this.approvalWrite(customerId, statementKey, 'recommendation', r, 'attribute_not_exists(#v) AND attribute_not_exists(#d) AND attribute_not_exists(#by)', audit);
  }

  async decide(customerId: string, statementKey: string, d: Decision, audit: AuditEntry): Promise<'recorded' | 'conflict'> {
    // Never on a recommendation of the decider's own, even one that landed after they read the request.
    return this.approvalWrite(customerId, statementKey, 'decision', d, 'attribute_not_exists(#v) AND attribute_not_exists(#by) AND (attribute_not_exists(#r) OR #r.#rb.#sub <> :sub)', audit, {
      names: { '#r': 'recommendation', '#rb': 'by', '#sub': 'sub' },
      values: { ':sub': d.by.sub },
    });
  }

  private async approvalWrite(
    customerId: string,
    statementKey: string,
    attribute: 'recommendation' | 'decision',
    value: Recommendation | Decision,
    condition: string,
    audit: AuditEntry,
    extra: { names: Record<string, string>; values: Record<string, unknown> } = { names: {}, values: {} },
  ): Promise<'recorded' | 'conflict'> {
    const names: Record<string, string> = { '#v': attribute, '#by': 'by', '#t': 'type', '#k': 'statementKey', ...extra.names };
    if (condition.includes('#d')) names['#d'] = 'decision';
    const update = {
      Update: {
        TableName: this.table.name,
        Key: { pk: cust(customerId), sk: `APPROVAL#${statementKey}` },
        UpdateExpression: 'SET #v = :v, #t = :t, #k = :k',
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':v': value, ':t': 'approval', ':k': statementKey, ...extra.values },
      },
    };
    return (await this.transact([update, { Put: { TableName: this.table.name, ...auditItem(audit).Put } }])) === 'done' ? 'recorded' : 'conflict';
  }

  async audit(customerId: string, limit = 100): Promise<AuditEntry[]> {
    const res = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':pk': cust(customerId), ':s': 'AUDIT#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return ((res.Items ?? []) as Item[]).map((i) => body<AuditEntry>(i));
  }

  async suppressions(from: string, to: string): Promise<SuppressionRecord[]> {
    // Stored by UTC instant; a day's margin either side covers any time zone, the caller filters by local day.
    const items = await this.table.query({
      IndexName: bySegment.name,
      KeyConditionExpression: `${bySegment.pk} = :p AND ${bySegment.sk} BETWEEN :a AND :b`,
      ExpressionAttributeValues: { ':p': 'SUPPRESS', ':a': nextDay(from, -1), ':b': nextDay(to, 2) },
    });
    return items.map((i) => ({
      address: i.pk.slice('SUPPRESS#'.length),
      reason: i.reason as 'bounce' | 'complaint',
      at: i.at as string,
      customerIds: (i.customerIds as string[] | undefined) ?? [],
    }));
  }
}
