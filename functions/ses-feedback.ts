import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { now } from './commons/clock.ts';
import type { Context, SNSEvent } from 'aws-lambda';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { instrumented, PermanentFailure, schemaReason } from './commons/handler.ts';
import { z } from 'zod';
import { mailer, stores } from './adapters/ports.ts';
import { handleSesFeedback, type SesFeedback } from '../domain/use-cases/handle-ses-feedback.ts';

const config = loadConfig();
const clients = makeClients();
const s = stores(clients, config.tableName);
const handle = handleSesFeedback({ customers: s.customers, suppressions: s.suppressions, mailer: mailer(clients, config), clock: now });

const SesFeedbackSchema: z.ZodType<SesFeedback> = z.object({
  eventType: z.string().optional(),
  notificationType: z.string().optional(),
  bounce: z.object({ bounceType: z.string().optional(), bouncedRecipients: z.array(z.object({ emailAddress: z.string().min(3), diagnosticCode: z.string().optional() })).optional() }).optional(),
  complaint: z.object({ complainedRecipients: z.array(z.object({ emailAddress: z.string().min(3) })).optional() }).optional(),
  mail: z.object({ tags: z.record(z.string(), z.array(z.string())).optional() }).optional(),
});

/**
 * SES bounce and complaint events, through SNS (asynchronous: a failure is retried twice, then kept in the function's
 * failure queue). Addresses are not logged; a malformed event fails with the schema's field paths only.
 */
export const handler = instrumented(async (event: SNSEvent, _context: Context) => {
  for (const record of event.Records) {
    const parsed = schemaReason(record.Sns.Message, SesFeedbackSchema);
    if (!parsed.ok) throw new PermanentFailure(`SES feedback event ${record.Sns.MessageId ?? ''} ${parsed.reason}`);
    const feedback = parsed.value as SesFeedback;
    const r = await handle(feedback);
    if (r.kind === 'bounce') metrics.addMetric('EmailBounces', MetricUnit.Count, 1);
    if (r.kind === 'complaint') metrics.addMetric('EmailComplaints', MetricUnit.Count, 1);
    if (r.suppressed) metrics.addMetric('AddressesSuppressed', MetricUnit.Count, r.suppressed);
    logger.info('SES feedback handled', { kind: r.kind, suppressed: r.suppressed, managersTold: r.managersTold });
  }
});
