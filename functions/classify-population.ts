import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { instrumented } from './commons/handler.ts';
import { stores } from './adapters/ports.ts';
import { realTime } from './commons/clock.ts';
import { runPopulationJob } from '../domain/use-cases/classify-customers.ts';
import { createPlaybookTasks } from '../domain/console/tasks.ts';
import { localDayOf } from '../domain/time/zone.ts';
import { now } from './commons/clock.ts';

const config = loadConfig();
const clients = makeClients();
const s = stores(clients, config.tableName);
const job = runPopulationJob({ segments: s.segments, population: s.population, clock: realTime }, config.domain);
// A segment move turns its playbook actions into tasks for the account manager (console, issue 10).
const playbookTasks = createPlaybookTasks({ segments: s.segments, console: s.console, clock: now, dayOf: (at) => localDayOf(at, config.domain.timeZone) });

/**
 * A feature written by ingest is seen through the customers' GSI, which is eventually consistent (typically well
 * under a second): a change marked less than this long ago is waited for before the population is read.
 */
const SETTLE_MS = 3_000;

/**
 * The population job (domain/use-cases/classify-customers.ts): invoked every few minutes by EventBridge Scheduler with
 * {}, it classifies only when ingest marked the population changed since the last run; {"force":true} classifies
 * anyway. The single writer of segments, segment history, peer-group figures and the segment-move metric.
 */
export const handler = instrumented(async (event: { force?: boolean } | null, context: Context) => {
  logger.setCorrelationId(`classify#${context.awsRequestId}`);
  // The lease lasts as long as this invocation can: a run Lambda kills leaves a lease that runs out by itself.
  const leaseMs = context.getRemainingTimeInMillis() + 5_000;
  const r = await job({ owner: context.awsRequestId, leaseMs, settleMs: SETTLE_MS, force: event?.force === true });
  if (!r.ran) {
    logger.info(r.reason === 'busy' ? 'another classification run holds the lease; nothing done' : 'population unchanged since the last run; nothing done', { version: r.version });
    return r;
  }
  const tasks = r.moved.length ? await playbookTasks(new Set(r.moved)) : { created: 0, existing: 0 };
  metrics.addMetric('PlaybookTasksCreated', MetricUnit.Count, tasks.created);
  metrics.addMetric('CustomersClassified', MetricUnit.Count, r.classified);
  metrics.addMetric('SegmentMoves', MetricUnit.Count, r.moved.length);
  for (const [tier, n] of Object.entries(r.counts?.tiers ?? {})) {
    const m = metrics.singleMetric();
    m.addDimension('tier', tier);
    m.addMetric('CustomersByTier', MetricUnit.Count, n);
  }
  for (const [pattern, n] of Object.entries(r.counts?.patterns ?? {})) {
    const m = metrics.singleMetric();
    m.addDimension('pattern', pattern);
    m.addMetric('CustomersByPattern', MetricUnit.Count, n);
  }
  logger.info('customers classified', { version: r.version, asOf: r.asOf, classified: r.classified, moved: r.moved.length, playbookTasks: tasks.created });
  return { ran: true, version: r.version, asOf: r.asOf, classified: r.classified, moved: r.moved.length, counts: r.counts };
});
