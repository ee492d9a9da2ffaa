import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { makeClients } from './commons/clients.ts';
import { loadConfig, localDay } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { instrumented } from './commons/handler.ts';
import { mailer, stores } from './adapters/ports.ts';
import { DynamoDigests } from './adapters/dynamo-digests.ts';
import { sendDigests } from '../domain/use-cases/send-digest.ts';

const config = loadConfig();
const clients = makeClients();
const s = stores(clients, config.tableName);
const send = sendDigests({ customers: s.customers, history: (id) => s.segments.history(id), arrears: s.arrears, ledger: new DynamoDigests(s.table), mailer: mailer(clients, config) });

/** Invoked weekly by EventBridge Scheduler with {"weekEnding":"today"}: the week ending yesterday. */
export const handler = instrumented(async (event: { weekEnding?: string }, context: Context) => {
  const today = localDay(new Date(), config.domain.timeZone);
  const weekEnd = !event.weekEnding || event.weekEnding === 'today' ? new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10) : event.weekEnding;
  logger.setCorrelationId(`digest#${weekEnd}#${context.awsRequestId}`);
  const r = await send(weekEnd);
  metrics.addMetric('DigestsSent', MetricUnit.Count, r.sent);
  logger.info('weekly digests sent', { weekEnd, ...r });
  return { weekEnd, ...r };
});
