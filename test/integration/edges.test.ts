import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { freshId, localApp } from '../helpers/local-app.ts';

const app = localApp();

/** Takes from a queue the messages whose body contains `marker` (and deletes them), waiting up to a few seconds. */
async function takeFrom(queueUrl: string, marker: string) {
  const found = [];
  for (let i = 0; i < 20 && found.length === 0; i++) {
    const res = await app.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'], VisibilityTimeout: 1 }),
    );
    for (const m of res.Messages ?? []) {
      if (!m.Body?.includes(marker)) continue;
      found.push(m);
      await app.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
  return found;
}

describe('queue messages are checked where they enter', () => {
  it.each([
    ['NoticeQueue', 'noticeQueue', 'noticeDlq', (id: string) => ({ customerId: id, statementKey: 'October', stage: 'final' }), 'statementKey: invalid_format'],
    ['StatementQueue', 'statementQueue', 'statementDlq', (id: string) => ({ customerId: id, period: '2026-13', runId: 'r' }), 'period: invalid_format'],
    ['AlertQueue', 'alertQueue', 'alertDlq', (id: string) => ({ customerId: id, period: '2026-10', kind: 'bogus' }), 'kind: invalid_value'],
  ] as const)('a malformed message on %s goes to its dead-letter queue at once, with the reason and no personal data in the log', async (_queue, source, dlq, body, reason) => {
    const id = freshId();
    const marker = `${id}@customer.example`;
    const queues = app.names as Record<string, string | undefined>;
    await app.clients.sqs.send(new SendMessageCommand({ QueueUrl: queues[source]!, MessageBody: JSON.stringify({ ...body(id), note: marker }) }));
    await app.idle();
    const [dead, ...more] = await takeFrom(queues[dlq]!, marker);
    expect(more).toEqual([]);
    expect(dead!.MessageAttributes?.reason?.StringValue).toContain(reason);
    // Moved by the worker on its first receive, not redriven by SQS after maxReceiveCount.
    expect(dead!.MessageAttributes?.sourceMessageId?.StringValue).toBeTruthy();
    const logs = await app.functionLog(source === 'noticeQueue' ? 'SendNotice' : source === 'statementQueue' ? 'SendStatement' : 'SendAlert');
    const line = logs.find((l) => l.includes(dead!.MessageAttributes!.sourceMessageId!.StringValue!));
    expect(line).toContain('moved to the dead-letter queue without retries');
    expect(logs.join('\n')).not.toContain(marker);
  });
});
