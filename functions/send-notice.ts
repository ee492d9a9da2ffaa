import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { makeClients } from './commons/clients.ts';
import { loadConfig, localDay } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { sqsConsumer } from './commons/handler.ts';
import { now } from './commons/clock.ts';
import { mailer, stores } from './adapters/ports.ts';
import { sendNotice } from '../domain/use-cases/send-notice.ts';
import { DEFAULT_ARREARS_POLICY, STAGES } from '../domain/arrears/policy.ts';
import type { NoticeJob } from '../domain/use-cases/arrears-ports.ts';
import { z } from 'zod';

// Checked where the message enters: a malformed job fails here (and is dead-lettered), not halfway through a send.
const NoticeJobSchema = z.object({ customerId: z.string().min(1), statementKey: z.string().regex(/^\d{4}-\d{2}#v\d+$/), stage: z.enum(STAGES) });

const config = loadConfig();
const clients = makeClients();
const s = stores(clients, config.tableName);
const send = sendNotice(
  { customers: s.customers, payments: s.payments, arrears: s.arrears, mailer: mailer(clients, config), suppressions: s.suppressions, clock: now, today: () => localDay(now(), config.domain.timeZone) },
  DEFAULT_ARREARS_POLICY,
  60_000,
);

async function recordHandler(record: SQSRecord): Promise<void> {
  const job: NoticeJob = NoticeJobSchema.parse(JSON.parse(record.body));
  // The statement's id, as in SendStatement, so its logs follow the statement from issue to every notice.
  logger.setCorrelationId(`statement#${job.customerId}#${job.statementKey.split('#')[0]}`);
  logger.appendKeys({ notice: `${job.statementKey}#${job.stage}` });
  try {
    const outcome = await send(job);
    if (outcome === 'busy') throw new Error(`notice ${job.customerId} ${job.statementKey} ${job.stage} is being sent by another worker; retry later`);
    if (outcome === 'sent') {
      const m = metrics.singleMetric();
      m.addDimension('stage', job.stage);
      m.addMetric('NoticesSent', MetricUnit.Count, 1);
    }
    if (outcome === 'cancelled-paid') metrics.addMetric('NoticesCancelledPaid', MetricUnit.Count, 1);
    if (outcome === 'cancelled-superseded') metrics.addMetric('NoticesCancelledSuperseded', MetricUnit.Count, 1);
    // Not retried: SES may have sent it. The record waits for an operator (kam resolve notice).
    if (outcome === 'delivery-unknown') metrics.addMetric('EmailOutcomeUnknown', MetricUnit.Count, 1);
    logger.info('notice job done', { customerId: job.customerId, statementKey: job.statementKey, stage: job.stage, outcome });
  } catch (err) {
    metrics.addMetric('NoticesFailed', MetricUnit.Count, 1);
    logger.error('notice job failed; the message will be retried', { customerId: job.customerId, stage: job.stage, error: err as Error });
    throw err;
  }
}

export const handler = sqsConsumer(recordHandler);
