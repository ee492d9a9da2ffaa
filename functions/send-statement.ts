import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { queueWorker } from './commons/handler.ts';
import { deadLetters, statementPorts } from './adapters/ports.ts';
import { sendStatement } from '../domain/use-cases/send-statement.ts';
import type { StatementJob } from '../domain/use-cases/run-statements.ts';

const StatementJobSchema: z.ZodType<StatementJob> = z.object({
  customerId: z.string().min(1),
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  runId: z.string(),
  issuedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
});

const config = loadConfig();
const clients = makeClients();
const send = sendStatement(statementPorts(clients, config), {
  config: config.domain,
  dueDays: config.dueDays,
  utilityName: config.utilityName,
  sendLeaseMs: 5 * 60_000,
});

export const handler = queueWorker(
  {
    what: 'statement job',
    schema: StatementJobSchema,
    retryOn: ['busy'],
    failureMetric: 'StatementsFailed',
    describe: (job) => ({ correlationId: `statement#${job.customerId}#${job.period}`, keys: { runId: job.runId } }),
    async handle(job) {
      const r = await send(job);
      if (r.outcome === 'sent') {
        metrics.addMetric('StatementsSent', MetricUnit.Count, 1);
        metrics.addMetric('AmountBilled', MetricUnit.NoUnit, Number(r.total));
        if (r.correction) metrics.addMetric('StatementsCorrected', MetricUnit.Count, 1);
      } else if (r.outcome === 'suppressed') metrics.addMetric('StatementsSuppressed', MetricUnit.Count, 1);
      else if (r.outcome === 'already-sent') metrics.addMetric('StatementsAlreadySent', MetricUnit.Count, 1);
      // Not retried: SES may have sent it. The statement waits for an operator (kam resolve statement).
      else if (r.outcome === 'delivery-unknown') metrics.addMetric('EmailOutcomeUnknown', MetricUnit.Count, 1);
      logger.info('statement job done', { customerId: job.customerId, period: job.period, outcome: r.outcome, ...('version' in r ? { version: r.version } : {}) });
      return r.outcome;
    },
  },
  deadLetters(clients, config),
);
