import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { localDayOf } from '../domain/time/zone.ts';
import { logger, metrics } from './commons/powertools.ts';
import { queueWorker } from './commons/handler.ts';
import { now } from './commons/clock.ts';
import { deadLetters, mailer, stores } from './adapters/ports.ts';
import { sendNotice } from '../domain/use-cases/send-notice.ts';
import { DEFAULT_ARREARS_POLICY, STAGES } from '../domain/arrears/policy.ts';
import type { NoticeJob } from '../domain/use-cases/arrears-ports.ts';
import { z } from 'zod';

const NoticeJobSchema: z.ZodType<NoticeJob> = z.object({ customerId: z.string().min(1), statementKey: z.string().regex(/^\d{4}-\d{2}#v\d+$/), stage: z.enum(STAGES) });

const config = loadConfig();
const clients = makeClients();
const s = stores(clients, config.tableName);
const send = sendNotice(
  { customers: s.customers, payments: s.payments, arrears: s.arrears, mailer: mailer(clients, config), suppressions: s.suppressions, clock: now, today: () => localDayOf(now(), config.domain.timeZone) },
  DEFAULT_ARREARS_POLICY,
  60_000,
);

export const handler = queueWorker(
  {
    what: 'notice job',
    schema: NoticeJobSchema,
    retryOn: ['busy'],
    failureMetric: 'NoticesFailed',
    // The statement's id, as in SendStatement, so its logs follow the statement from issue to every notice.
    describe: (job) => ({ correlationId: `statement#${job.customerId}#${job.statementKey.split('#')[0]}`, keys: { notice: `${job.statementKey}#${job.stage}` } }),
    async handle(job) {
      const outcome = await send(job);
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
      return outcome;
    },
  },
  deadLetters(clients, config),
);
