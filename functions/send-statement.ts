import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { sqsConsumer } from './commons/handler.ts';
import { statementPorts } from './adapters/ports.ts';
import { sendStatement } from '../domain/use-cases/send-statement.ts';
import type { StatementJob } from '../domain/use-cases/run-statements.ts';
import { z } from 'zod';

// Checked where the message enters: a malformed job fails here (and is dead-lettered), not halfway through a send.
const StatementJobSchema = z.object({
  customerId: z.string().min(1),
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  runId: z.string(),
  issuedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
});

const config = loadConfig();
const send = sendStatement(statementPorts(makeClients(), config), {
  config: config.domain,
  dueDays: config.dueDays,
  utilityName: config.utilityName,
  sendLeaseMs: 5 * 60_000,
});

async function recordHandler(record: SQSRecord): Promise<void> {
  const job: StatementJob = StatementJobSchema.parse(JSON.parse(record.body));
  logger.setCorrelationId(`statement#${job.customerId}#${job.period}`);
  logger.appendKeys({ runId: job.runId });
  try {
    const r = await send(job);
    if (r.outcome === 'busy') throw new Error(`statement ${job.customerId} ${job.period} v${r.version} is being sent by another worker; retry later`);
    if (r.outcome === 'sent') {
      metrics.addMetric('StatementsSent', MetricUnit.Count, 1);
      metrics.addMetric('AmountBilled', MetricUnit.NoUnit, Number(r.total));
      if (r.correction) metrics.addMetric('StatementsCorrected', MetricUnit.Count, 1);
    } else if (r.outcome === 'suppressed') metrics.addMetric('StatementsSuppressed', MetricUnit.Count, 1);
    else if (r.outcome === 'already-sent') metrics.addMetric('StatementsAlreadySent', MetricUnit.Count, 1);
    // Not retried: SES may have sent it. The statement waits for an operator (kam resolve statement).
    else if (r.outcome === 'delivery-unknown') metrics.addMetric('EmailOutcomeUnknown', MetricUnit.Count, 1);
    logger.info('statement job done', { customerId: job.customerId, period: job.period, outcome: r.outcome, ...('version' in r ? { version: r.version } : {}) });
  } catch (err) {
    metrics.addMetric('StatementsFailed', MetricUnit.Count, 1);
    logger.error('statement job failed; the message will be retried', { customerId: job.customerId, period: job.period, error: err as Error });
    throw err;
  }
}

export const handler = sqsConsumer(recordHandler);
