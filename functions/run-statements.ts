import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { now } from './commons/clock.ts';
import type { Context } from 'aws-lambda';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { instrumented } from './commons/handler.ts';
import { jobQueue, stores } from './adapters/ports.ts';
import { runStatements, type StatementJob } from '../domain/use-cases/run-statements.ts';

const config = loadConfig();
const clients = makeClients();
const run = runStatements(
  { customers: stores(clients, config.tableName).customers, queue: jobQueue<StatementJob>(clients, config.statementQueueUrl, 'STATEMENT_QUEUE_URL'), clock: now },
  { timeZone: config.domain.timeZone },
);

/** Invoked by EventBridge Scheduler with {"period":"previous"} (or by an operator with a period and customers). */
export const handler = instrumented(async (event: { period?: string; customerIds?: string[]; issuedOn?: string }, context: Context) => {
  const runId = context.awsRequestId;
  logger.setCorrelationId(`statement-run#${runId}`);
  const result = await run({ period: event.period, customerIds: event.customerIds, runId, ...(event.issuedOn ? { issuedOn: event.issuedOn } : {}) });
  metrics.addMetric('StatementJobsQueued', MetricUnit.Count, result.queued);
  logger.info('statement run queued', { period: result.period, queued: result.queued });
  return { ...result, runId };
});
