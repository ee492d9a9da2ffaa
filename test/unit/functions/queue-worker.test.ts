import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PermanentFailure, queueWorker, schemaReason, type DeadLetters } from '../../../functions/commons/handler.ts';

const Job = z.object({ customerId: z.string().min(1), period: z.string().regex(/^\d{4}-\d{2}$/) });
type Job = z.infer<typeof Job>;

const record = (messageId: string, body: string): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:JobQueue',
  awsRegion: 'us-east-1',
});
const context = { functionName: 'Worker', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

function worker(handle: (job: Job) => Promise<'done' | 'busy' | 'duplicate'>) {
  const dead: { id: string; reason: string }[] = [];
  const deadLetters: DeadLetters = { put: async (r, reason) => void dead.push({ id: r.messageId, reason }) };
  const fn = queueWorker({ what: 'test job', schema: Job, retryOn: ['busy'], handle }, deadLetters);
  const run = async (...records: SQSRecord[]) => fn({ Records: records } as SQSEvent, context);
  return { run, dead };
}

describe('the queue worker edge: one mapping from outcome to Lambda behaviour', () => {
  it('acknowledges done and duplicate, leaves busy for a retry', async () => {
    const w = worker(async (job) => (job.customerId === 'B' ? 'busy' : job.customerId === 'D' ? 'duplicate' : 'done'));
    const res = await w.run(record('1', '{"customerId":"A","period":"2026-10"}'), record('2', '{"customerId":"B","period":"2026-10"}'), record('3', '{"customerId":"D","period":"2026-10"}'));
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '2' }]);
    expect(w.dead).toEqual([]);
  });

  it('moves a malformed message to the dead-letter queue at once and acknowledges it; the reason names fields, never values', async () => {
    const w = worker(async () => 'done');
    const res = await w.run(record('1', 'not json zhang.san@example.com'), record('2', '{"customerId":"","period":"Oct 2026 zhang.san@example.com"}'), record('3', '{"customerId":"A","period":"2026-10"}'));
    expect(res.batchItemFailures).toEqual([]);
    expect(w.dead).toEqual([
      { id: '1', reason: 'body is not JSON' },
      { id: '2', reason: 'does not match the message schema (customerId: too_small; period: invalid_format)' },
    ]);
    expect(JSON.stringify(w.dead)).not.toContain('zhang');
  });

  it('dead-letters a PermanentFailure from the work, and retries any other error', async () => {
    const w = worker(async (job) => {
      if (job.customerId === 'P') throw new PermanentFailure('customer P no longer exists');
      throw new Error('DynamoDB throttled');
    });
    const res = await w.run(record('1', '{"customerId":"P","period":"2026-10"}'), record('2', '{"customerId":"T","period":"2026-10"}'));
    expect(w.dead).toEqual([{ id: '1', reason: 'customer P no longer exists' }]);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '2' }]);
  });

  it('without a dead-letter queue, a malformed message is failed so that the queue redrive still catches it', async () => {
    const fn = queueWorker({ what: 'test job', schema: Job, handle: async () => 'done' as const });
    // A batch whose every record failed is failed whole (Powertools' FullBatchFailureError): nothing is deleted.
    await expect(fn({ Records: [record('1', '[]')] } as SQSEvent, context)).rejects.toThrow(/All records failed/);
  });

  it('schemaReason passes valid bodies through, parsed', () => {
    expect(schemaReason('{"customerId":"A","period":"2026-10"}', Job)).toEqual({ ok: true, value: { customerId: 'A', period: '2026-10' } });
  });
});
