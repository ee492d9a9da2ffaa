import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { makeClients } from './commons/clients.ts';
import { now } from './commons/clock.ts';
import { loadConfig } from './commons/config.ts';
import { metrics, logger } from './commons/powertools.ts';
import { queueWorker } from './commons/handler.ts';
import { deadLetters, mailer, stores } from './adapters/ports.ts';
import { DynamoAlerts } from './adapters/dynamo-alerts.ts';
import { sendAlert } from '../domain/use-cases/send-alert.ts';
import type { AlertJob } from '../domain/alerts/alert.ts';

const AlertJobSchema: z.ZodType<AlertJob> = z.object({
  customerId: z.string().min(1),
  period: z.string().regex(/^\d{4}-\d{2}$/),
  kind: z.enum(['demand', 'bill']),
  correlationId: z.string().optional(),
});

const config = loadConfig();
const clients = makeClients();
const s = stores(clients, config.tableName);
const send = sendAlert({ customers: s.customers, alerts: new DynamoAlerts(s.table), mailer: mailer(clients, config), suppressions: s.suppressions, clock: now }, 5 * 60_000);

export const handler = queueWorker(
  {
    what: 'alert job',
    schema: AlertJobSchema,
    retryOn: ['busy'],
    // The file whose readings raised the alert, when known: one id from the ingest to the email.
    describe: (job) => ({ correlationId: job.correlationId ?? `alert#${job.customerId}#${job.period}#${job.kind}`, keys: { alert: `${job.customerId}#${job.period}#${job.kind}` } }),
    async handle(job) {
      const outcome = await send(job);
      if (outcome === 'sent') metrics.addMetric(job.kind === 'demand' ? 'DemandAlertsSent' : 'BillAlertsSent', MetricUnit.Count, 1);
      if (outcome === 'delivery-unknown') metrics.addMetric('EmailOutcomeUnknown', MetricUnit.Count, 1);
      logger.info('alert job done', { customerId: job.customerId, period: job.period, kind: job.kind, outcome });
      return outcome;
    },
  },
  deadLetters(clients, config),
);
