import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { sqsConsumer } from './commons/handler.ts';
import { mailer, stores } from './adapters/ports.ts';
import { DynamoAlerts } from './adapters/dynamo-alerts.ts';
import { sendAlert } from '../domain/use-cases/send-alert.ts';
import type { AlertJob } from '../domain/alerts/alert.ts';
import { z } from 'zod';

// Checked where the message enters: a malformed job fails here (and is dead-lettered), not halfway through a send.
const AlertJobSchema = z.object({ customerId: z.string().min(1), period: z.string().regex(/^\d{4}-\d{2}$/), kind: z.enum(['demand', 'bill']), correlationId: z.string().optional() });

const config = loadConfig();
const clients = makeClients();
const s = stores(clients, config.tableName);
const send = sendAlert({ customers: s.customers, alerts: new DynamoAlerts(s.table), mailer: mailer(clients, config), suppressions: s.suppressions, clock: () => new Date() }, 5 * 60_000);

async function recordHandler(record: SQSRecord): Promise<void> {
  const job: AlertJob = AlertJobSchema.parse(JSON.parse(record.body));
  // The file whose readings raised the alert, when known: one id from the ingest to the email.
  logger.setCorrelationId(job.correlationId ?? `alert#${job.customerId}#${job.period}#${job.kind}`);
  logger.appendKeys({ alert: `${job.customerId}#${job.period}#${job.kind}` });
  const outcome = await send(job);
  if (outcome === 'busy') throw new Error(`alert ${job.customerId} ${job.period} ${job.kind} is being sent by another worker; retry later`);
  if (outcome === 'sent') metrics.addMetric(job.kind === 'demand' ? 'DemandAlertsSent' : 'BillAlertsSent', MetricUnit.Count, 1);
  if (outcome === 'delivery-unknown') metrics.addMetric('EmailOutcomeUnknown', MetricUnit.Count, 1);
  logger.info('alert job done', { customerId: job.customerId, period: job.period, kind: job.kind, outcome });
}

export const handler = sqsConsumer(recordHandler);
