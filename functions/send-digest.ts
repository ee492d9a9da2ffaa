import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { localDayOf } from '../domain/time/zone.ts';
import { logger, metrics } from './commons/powertools.ts';
import { instrumented } from './commons/handler.ts';
import { now } from './commons/clock.ts';
import { mailer, stores } from './adapters/ports.ts';
import { DynamoDigests } from './adapters/dynamo-digests.ts';
import { sendDigests } from '../domain/use-cases/send-digest.ts';
import { nextDay } from '../domain/time/zone.ts';

const config = loadConfig();
const clients = makeClients();
const s = stores(clients, config.tableName);
// The lease outlasts one send (SES timeouts and retries included) and runs out before the scheduler's second retry.
const send = sendDigests(
  { customers: s.customers, history: (id) => s.segments.history(id), arrears: s.arrears, ledger: new DynamoDigests(s.table), mailer: mailer(clients, config), clock: now },
  2 * 60_000,
);

/** Invoked weekly by EventBridge Scheduler with {"weekEnding":"today"}: the week ending yesterday. */
export const handler = instrumented(async (event: { weekEnding?: string }, context: Context) => {
  const weekEnd = !event.weekEnding || event.weekEnding === 'today' ? nextDay(localDayOf(now(), config.domain.timeZone), -1) : event.weekEnding;
  logger.setCorrelationId(`digest#${weekEnd}#${context.awsRequestId}`);
  const r = await send(weekEnd);
  metrics.addMetric('DigestsSent', MetricUnit.Count, r.sent);
  if (r.unknown) metrics.addMetric('EmailOutcomeUnknown', MetricUnit.Count, r.unknown);
  logger.info('weekly digests sent', { weekEnd, ...r });
  return { weekEnd, ...r };
});
