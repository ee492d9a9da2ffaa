/**
 * A local stand-in for Lambda's SQS event source mapping: long-polls a queue, hands batches to a handler as an
 * SQSEvent and deletes what succeeded (ReportBatchItemFailures semantics). Everything else — visibility timeout,
 * redelivery, ApproximateReceiveCount, dead-letter redrive — comes from the SQS emulator itself.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void | undefined> | SQSBatchResponse | void;

export interface BatchOutcome {
  records: SQSRecord[];
  /** messageIds deleted from the queue */
  succeeded: string[];
  /** messageIds left for redelivery */
  failed: string[];
  /** set when the handler threw (or returned an invalid batchItemFailures) */
  error?: unknown;
  durationMs: number;
}

export interface PollQueueOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** Lambda's BatchSize; at most 10 per ReceiveMessage (larger values are capped, as one receive is one batch here). */
  batchSize: number;
  handler: SqsHandler;
  /** Called after each batch, e.g. for logs or test assertions. */
  onBatch?: (outcome: BatchOutcome) => void;
  /** Stops polling; an in-flight batch finishes first. */
  signal: AbortSignal;
  /** ARN put into each record's eventSourceARN; looked up from the queue when omitted. */
  queueArn?: string;
  region?: string;
  /** Long-poll wait per receive, 0–20 s (default 20; shorter makes abort quicker with clients that ignore it). */
  waitTimeSeconds?: number;
  /** Honour ReportBatchItemFailures (default true). Without it, any failure fails the whole batch, as in Lambda. */
  reportBatchItemFailures?: boolean;
  /** Builds the Lambda context for an invocation; defaults to a minimal fake. */
  context?: (event: SQSEvent) => Context;
  /** Function name / timeout used by the default context. */
  functionName?: string;
  timeoutSeconds?: number;
  /** Called when receiving fails (the poller retries after a short pause). */
  onError?: (err: unknown) => void;
  /** Parallel receive → handle → delete loops, like Lambda's concurrent pollers (ScalingConfig.MaximumConcurrency).
   * Default 1, which keeps local runs deterministic. */
  concurrency?: number;
}

/** Turns the SDK's message attributes into the shape Lambda puts into SQS records. */
function lambdaMessageAttributes(attributes: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
    };
  }
  return out;
}

export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const a = message.Attributes ?? {};
  const attributes: SQSRecord['attributes'] = {
    ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
    SentTimestamp: a.SentTimestamp ?? String(Date.now()),
    SenderId: a.SenderId ?? 'AIDALOCALSQSSENDER',
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    ...(a.SequenceNumber ? { SequenceNumber: a.SequenceNumber } : {}),
    ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
    ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
    ...(a.DeadLetterQueueSourceArn ? { DeadLetterQueueSourceArn: a.DeadLetterQueueSourceArn } : {}),
  };
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes,
    messageAttributes: lambdaMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export function fakeLambdaContext(functionName: string, timeoutSeconds: number, region: string): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${randomUUID()}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Which messages Lambda deletes for a handler result; throws like Lambda treats an invalid response. */
function failedIds(result: unknown, records: SQSRecord[], reportBatchItemFailures: boolean): Set<string> {
  if (!reportBatchItemFailures || result === undefined || result === null) return new Set();
  const failures = (result as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) throw new Error('batchItemFailures is not a list: the whole batch fails');
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !ids.has(id)) {
      throw new Error(`invalid itemIdentifier ${JSON.stringify(id)}: the whole batch fails`);
    }
    failed.add(id);
  }
  return failed;
}

/**
 * Polls until `signal` aborts. Each receive is one batch: the handler gets it as an SQSEvent; messages not named in
 * `batchItemFailures` are deleted; if the handler throws, none are (they reappear after the visibility timeout and
 * reach the DLQ after maxReceiveCount receives, via the emulator's redrive).
 */
export async function pollQueue(options: PollQueueOptions): Promise<void> {
  const { sqs, queueUrl, handler, signal } = options;
  const batchSize = Math.max(1, Math.min(10, Math.floor(options.batchSize)));
  const region = options.region ?? (await sqs.config.region());
  const reportBatchItemFailures = options.reportBatchItemFailures ?? true;
  const queueArn =
    options.queueArn ??
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes
      ?.QueueArn ??
    queueUrl;
  const functionName = options.functionName ?? 'local-function';
  const makeContext =
    options.context ?? (() => fakeLambdaContext(functionName, options.timeoutSeconds ?? 300, region));

  const loop = async () => {
    while (!signal.aborted) {
      let messages: Message[];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: options.waitTimeSeconds ?? 20,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: signal },
        );
        messages = received.Messages ?? [];
      } catch (err) {
        if (signal.aborted) break;
        options.onError?.(err);
        await sleep(500, signal);
        continue;
      }
      if (messages.length === 0) continue;

      const records = messages.map((m) => toSqsRecord(m, queueArn, region));
      const event: SQSEvent = { Records: records };
      const started = Date.now();
      let failed: Set<string>;
      let error: unknown;
      try {
        const result = await handler(event, makeContext(event));
        failed = failedIds(result, records, reportBatchItemFailures);
      } catch (err) {
        error = err;
        failed = new Set(records.map((r) => r.messageId));
      }
      const succeeded = records.filter((r) => !failed.has(r.messageId));
      if (succeeded.length > 0) {
        try {
          const deleted = await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: succeeded.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
            }),
          );
          if (deleted.Failed && deleted.Failed.length > 0) {
            options.onError?.(new Error(`DeleteMessageBatch failed for ${deleted.Failed.length} message(s)`));
          }
        } catch (err) {
          options.onError?.(err);
        }
      }
      options.onBatch?.({
        records,
        succeeded: succeeded.map((r) => r.messageId),
        failed: [...failed],
        ...(error !== undefined ? { error } : {}),
        durationMs: Date.now() - started,
      });
    }
  };
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  await Promise.all(Array.from({ length: concurrency }, loop));
}

export interface DrainOptions {
  sqs: SQSClient;
  /** Source queues to wait for (not their DLQs: failed messages end there and stay). */
  queueUrls: string[];
  /** Work that may still add messages, e.g. `() => provisioned.notifications.settled()`. */
  settle?: () => Promise<void>;
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Resolves when every queue is empty and nothing is in flight or delayed (checked twice in a row, so a batch
 * between receive and delete is not missed); rejects after `timeoutMs` with the last counts.
 */
export async function drain(options: DrainOptions): Promise<void> {
  const { sqs, queueUrls } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let quietRounds = 0;
  const last: Record<string, string> = {};
  for (;;) {
    if (options.signal?.aborted) throw new Error('drain aborted');
    await options.settle?.();
    const counts = await Promise.all(
      queueUrls.map(async (url) => {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        const visible = Number(Attributes.ApproximateNumberOfMessages ?? 0);
        const inFlight = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
        const delayed = Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
        last[url] = `visible ${visible}, in flight ${inFlight}, delayed ${delayed}`;
        return visible + inFlight + delayed;
      }),
    );
    quietRounds = counts.every((c) => c === 0) ? quietRounds + 1 : 0;
    if (quietRounds >= 2) return;
    if (Date.now() > deadline) {
      throw new Error(`drain timed out after ${timeoutMs} ms: ${JSON.stringify(last)}`);
    }
    await sleep(intervalMs, options.signal);
  }
}
