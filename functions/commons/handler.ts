import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { logger, metrics, tracer } from './powertools.ts';
import { PermanentError } from '../../domain/errors.ts';

/** The middy chain every function shares: X-Ray, the logger with the Lambda context, metrics flushed as EMF. */
export function instrumented<E, R>(fn: (event: E, context: Context) => Promise<R>) {
  return middy(fn)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

/** A message that can never succeed, found at the edge (malformed): dead-lettered at once, like any PermanentError. */
export class PermanentFailure extends PermanentError {
  override name = 'PermanentFailure';
}

/** Where permanent failures go without waiting for the queue's redrive: the worker's own dead-letter queue. */
export interface DeadLetters {
  put(record: SQSRecord, reason: string): Promise<void>;
}

/** What one queue message means to a worker, and which of its outcomes mean "not now, try again later". */
export interface QueueWork<T, O extends string> {
  /** what a message is, for logs: `statement job` */
  what: string;
  schema: z.ZodType<T>;
  /** outcomes that leave the message for a retry (another worker holds it) */
  retryOn?: readonly O[];
  /** counted when the work fails and the message is left for a retry, e.g. `StatementsFailed` */
  failureMetric?: string;
  /** sets the correlation id and keys for the message's logs; no personal data */
  describe?: (message: T) => { correlationId: string; keys?: Record<string, string> };
  handle(message: T, record: SQSRecord): Promise<O>;
}

/**
 * The reason a body fails its schema, as field paths and rule codes only: never the values, which may be personal
 * data.
 */
export function schemaReason(body: string, schema: z.ZodType): { ok: true; value: unknown } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.code}`);
  return { ok: false, reason: `does not match the message schema (${issues.join('; ')})` };
}

/**
 * The one place where a message's fate is decided, for every SQS worker:
 * - the body fails its schema, or the work throws a PermanentError (domain/errors.ts) → dead-letter at once (no retries), metric and
 *   log with the message id and reason only;
 * - an outcome in `retryOn` (busy), or any other error → reported as a batch item failure: SQS retries it after the
 *   visibility timeout, and its redrive policy dead-letters it after maxReceiveCount;
 * - any other outcome (done, duplicate, …) → acknowledged.
 * Records are handled one at a time, so each sets the logger's correlation id without overwriting another's.
 */
export function queueWorker<T, O extends string>(work: QueueWork<T, O>, deadLetters?: DeadLetters) {
  const processor = new BatchProcessor(EventType.SQS);
  const retryOn = new Set<string>(work.retryOn ?? []);
  const deadLetter = async (record: SQSRecord, reason: string) => {
    metrics.addMetric('MessagesDeadLettered', MetricUnit.Count, 1);
    if (!deadLetters) {
      logger.error(`${work.what} can never succeed; no dead-letter queue is configured, so SQS retries it until its redrive`, { messageId: record.messageId, reason });
      throw new PermanentFailure(reason);
    }
    await deadLetters.put(record, reason);
    logger.error(`${work.what} can never succeed; moved to the dead-letter queue without retries`, { messageId: record.messageId, reason });
  };
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const parsed = schemaReason(record.body, work.schema);
    if (!parsed.ok) return deadLetter(record, parsed.reason);
    const message = parsed.value as T;
    const described = work.describe?.(message);
    if (described) {
      logger.setCorrelationId(described.correlationId);
      if (described.keys) logger.appendKeys(described.keys);
    }
    let outcome: O;
    try {
      outcome = await work.handle(message, record);
    } catch (err) {
      if (err instanceof PermanentError) return deadLetter(record, err.message);
      if (work.failureMetric) metrics.addMetric(work.failureMetric, MetricUnit.Count, 1);
      logger.error(`${work.what} failed; the message will be retried`, { messageId: record.messageId, error: err as Error });
      throw err;
    } finally {
      if (described?.keys) logger.removeKeys(Object.keys(described.keys));
    }
    if (retryOn.has(outcome)) {
      logger.info(`${work.what} is held by another worker; retrying later`, { messageId: record.messageId, outcome });
      throw new Error(`${work.what}: ${outcome}; retry later`);
    }
  };
  return instrumented(
    (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
      processPartialResponse(event, recordHandler, processor, { context, processInParallel: false }),
  );
}
