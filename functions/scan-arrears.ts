import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { localDayOf } from '../domain/time/zone.ts';
import { logger, metrics } from './commons/powertools.ts';
import { instrumented } from './commons/handler.ts';
import { now } from './commons/clock.ts';
import { jobQueue, stores } from './adapters/ports.ts';
import { scanArrears } from '../domain/use-cases/scan-arrears.ts';
import { DEFAULT_ARREARS_POLICY } from '../domain/arrears/policy.ts';
import type { NoticeJob } from '../domain/use-cases/arrears-ports.ts';

const config = loadConfig();
const clients = makeClients();
const s = stores(clients, config.tableName);
const scan = scanArrears(
  { customers: s.customers, payments: s.payments, arrears: s.arrears, queue: jobQueue<NoticeJob>(clients, config.noticeQueueUrl, 'NOTICE_QUEUE_URL'), clock: now },
  DEFAULT_ARREARS_POLICY,
);

/** Invoked daily by EventBridge Scheduler with {"asOf":"today"}; an operator may pass a day. */
export const handler = instrumented(async (event: { asOf?: string }, context: Context) => {
  const asOf = !event.asOf || event.asOf === 'today' ? localDayOf(now(), config.domain.timeZone) : event.asOf;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new Error(`asOf "${asOf}" is not yyyy-mm-dd or "today"`);
  logger.setCorrelationId(`arrears-scan#${asOf}#${context.awsRequestId}`);
  const r = await scan(asOf);
  metrics.addMetric('NoticesQueued', MetricUnit.Count, r.queued);
  metrics.addMetric('OverdueStatements', MetricUnit.Count, r.overdue);
  metrics.addMetric('StatementsUndelivered', MetricUnit.Count, r.undelivered);
  metrics.addMetric('AmountOutstanding', MetricUnit.NoUnit, Number(r.outstanding));
  for (const [stage, n] of Object.entries(r.byStage)) {
    const m = metrics.singleMetric();
    m.addDimension('stage', stage);
    m.addMetric('NoticesDecided', MetricUnit.Count, n);
  }
  logger.info('arrears scan done', { asOf, ...r });
  return { asOf, ...r };
});
