import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { now } from './commons/clock.ts';
import type { Context, SNSEvent } from 'aws-lambda';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { instrumented } from './commons/handler.ts';
import { mailer, stores } from './adapters/ports.ts';
import { handleSesFeedback, type SesFeedback } from '../domain/use-cases/handle-ses-feedback.ts';

const config = loadConfig();
const clients = makeClients();
const s = stores(clients, config.tableName);
const handle = handleSesFeedback({ customers: s.customers, suppressions: s.suppressions, mailer: mailer(clients, config), clock: now });

/** SES bounce and complaint events, through SNS. Addresses are not logged. */
export const handler = instrumented(async (event: SNSEvent, _context: Context) => {
  for (const record of event.Records) {
    const feedback = JSON.parse(record.Sns.Message) as SesFeedback;
    const r = await handle(feedback);
    if (r.kind === 'bounce') metrics.addMetric('EmailBounces', MetricUnit.Count, 1);
    if (r.kind === 'complaint') metrics.addMetric('EmailComplaints', MetricUnit.Count, 1);
    if (r.suppressed) metrics.addMetric('AddressesSuppressed', MetricUnit.Count, r.suppressed);
    logger.info('SES feedback handled', { kind: r.kind, suppressed: r.suppressed, managersTold: r.managersTold });
  }
});
