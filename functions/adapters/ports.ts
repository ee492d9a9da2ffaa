import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ConsolePorts } from '../../domain/console/ports.ts';
import { localDayOf } from '../../domain/time/zone.ts';
import { now, realTime } from '../commons/clock.ts';
import type { Clients } from '../commons/clients.ts';
import type { FunctionConfig } from '../commons/config.ts';
import type { IngestPorts } from '../../domain/use-cases/ingest-file.ts';
import { refreshFeatures } from '../../domain/use-cases/classify-customers.ts';
import { Table } from './dynamo-table.ts';
import { DynamoFileLedger } from './dynamo-file-ledger.ts';
import { DynamoCustomers, DynamoUsage } from './dynamo-usage.ts';
import { DynamoSegments } from './dynamo-segments.ts';
import { DynamoPopulation } from './dynamo-population.ts';
import { S3ObjectStore } from './s3-object-store.ts';
import { DynamoPeerGroups, DynamoStatements, DynamoTariffs } from './dynamo-statements.ts';
import { DynamoSuppressions } from './dynamo-suppressions.ts';
import { DynamoPayments } from './dynamo-payments.ts';
import { DynamoArrears } from './dynamo-arrears.ts';
import { DynamoConsole } from './dynamo-console.ts';
import { SesMailer } from './ses-mailer.ts';
import { SqsJobQueue } from './sqs-job-queue.ts';
import { SqsDeadLetters } from './sqs-dead-letters.ts';
import type { SendStatementPorts } from '../../domain/use-cases/send-statement.ts';
import { checkAlerts } from '../../domain/use-cases/check-alerts.ts';
import type { AlertJob } from '../../domain/alerts/alert.ts';
import { DynamoAlerts } from './dynamo-alerts.ts';
import { DynamoFanOuts } from './dynamo-fan-outs.ts';
import { DynamoInsights } from './dynamo-insights.ts';
import { refreshInsights, type InsightEvents } from '../../domain/use-cases/customer-insights.ts';
import { DATA_KINDS } from '../../domain/anomalies/anomaly.ts';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../commons/powertools.ts';
import type { ConsoleReadPorts } from '../../domain/console/read-models.ts';
import type { Customer } from '../../domain/customers/customer-master.ts';
import type { Segment } from '../../domain/classification/classify.ts';
import type { CustomerInsights } from '../../domain/insights/insights.ts';
import { fanOut, type FanOut, type FanOutJob, type FanOutPorts } from '../../domain/use-cases/fan-out.ts';

/** The AWS implementations of the domain's ports, wired once per process. */
export function stores(clients: Clients, tableName: string) {
  const table = new Table(clients.doc, tableName);
  const customers = new DynamoCustomers(table);
  return {
    table,
    files: new DynamoFileLedger(table),
    customers,
    usage: new DynamoUsage(table),
    segments: new DynamoSegments(table, customers),
    population: new DynamoPopulation(table),
    objects: new S3ObjectStore(clients.s3),
    statements: new DynamoStatements(table),
    tariffs: new DynamoTariffs(table),
    peers: new DynamoPeerGroups(table),
    suppressions: new DynamoSuppressions(table),
    payments: new DynamoPayments(table),
    arrears: new DynamoArrears(table),
    console: new DynamoConsole(table),
    fanOuts: new DynamoFanOuts(table),
    insights: new DynamoInsights(table),
  };
}

/**
 * Metrics and logs of the ingest's forecasts and anomalies: episodes opened by kind (data anomalies are logged for
 * the metering team with the meter, never a name or an email), and a closed month's forecast error per customer,
 * whose average over a month is the MAPE the dashboard shows.
 */
export function insightEvents(logger?: Logger): InsightEvents {
  return {
    opened: (customerId, a, task) => {
      const m = metrics.singleMetric();
      m.addDimension('kind', a.kind);
      m.addMetric('AnomaliesOpened', MetricUnit.Count, 1);
      logger?.info(DATA_KINDS.has(a.kind) ? 'data anomaly opened (metering team)' : 'anomaly opened', {
        customerId, kind: a.kind, from: a.from, to: a.to, severity: a.severity, episodeKey: a.episodeKey, task,
        ...(typeof a.figures.meterId === 'string' ? { meterId: a.figures.meterId } : {}),
      });
    },
    forecastError: (customerId, period, kwhPct, maxDemandPct, ahead) => {
      metrics.addMetric('ForecastErrorPct', MetricUnit.Percent, Math.round(kwhPct * 100) / 100);
      metrics.addMetric('ForecastDemandErrorPct', MetricUnit.Percent, Math.round(maxDemandPct * 100) / 100);
      logger?.info('forecast of a closed month scored', { customerId, period, kwhPct: Math.round(kwhPct * 10) / 10, maxDemandPct: Math.round(maxDemandPct * 10) / 10, made: ahead ? 'ahead' : 'after (retrospective)' });
    },
  };
}

/** What the console's read models read (domain/console/read-models.ts). */
export function consoleReadPorts(s: ReturnType<typeof stores>): ConsoleReadPorts {
  return {
    customers: {
      list: async () =>
        (await s.customers.profiles()).map((i) => ({
          ...(i.customer as Customer),
          ...(i.segment ? { segment: i.segment as Segment } : {}),
          ...(i.insights ? { insights: i.insights as CustomerInsights } : {}),
        })),
      get: (id) => s.customers.get(id),
    },
    segments: s.segments,
    usage: s.usage,
    tariffs: s.tariffs,
    statements: s.statements,
    peers: s.peers,
    alerts: new DynamoAlerts(s.table),
    arrears: s.arrears,
    tasks: s.console,
    payments: s.payments,
  };
}

/** The console workflows' ports (domain/console/): the stores, the clock and the business day of an instant. */
export function consolePorts(s: ReturnType<typeof stores>, timeZone: string, clock: () => Date = now): ConsolePorts {
  return {
    customers: s.customers,
    console: s.console,
    arrears: s.arrears,
    payments: s.payments,
    statements: s.statements,
    clock,
    dayOf: (at) => localDayOf(at, timeZone),
    newId: () => randomUUID(),
  };
}

export function mailer(clients: Clients, config: FunctionConfig): SesMailer {
  return new SesMailer({ ses: clients.ses, from: config.fromAddress, configurationSet: config.sesConfigurationSet, maxPerSecond: config.maxSendRate });
}

export function statementPorts(clients: Clients, config: FunctionConfig): SendStatementPorts {
  const s = stores(clients, config.tableName);
  return {
    customers: s.customers,
    usage: s.usage,
    tariffs: s.tariffs,
    statements: s.statements,
    peers: s.peers,
    suppressions: s.suppressions,
    mailer: mailer(clients, config),
    clock: now,
  };
}

/** The worker's own dead-letter queue, when it has one (DEAD_LETTER_QUEUE_URL). */
export function deadLetters(clients: Clients, config: FunctionConfig, functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'unknown'): SqsDeadLetters | undefined {
  return config.deadLetterQueueUrl ? new SqsDeadLetters(clients.sqs, config.deadLetterQueueUrl, functionName) : undefined;
}

export function jobQueue<T>(clients: Clients, url: string | undefined, name: string): SqsJobQueue<T> {
  if (!url) throw new Error(`${name} is not configured`);
  return new SqsJobQueue<T>(clients.sqs, url);
}

/** The ingest's ports; with a chunk queue, also the fan-out of large files (its `run` is IngestChunks' handler). */
export function ingestPorts(clients: Clients, config: FunctionConfig, logger?: Logger): IngestPorts & { fanOut?: FanOut } {
  const s = stores(clients, config.tableName);
  const refresh = refreshFeatures({ usage: s.usage, segments: s.segments, population: s.population, clock: realTime }, config.domain);
  const insights = refreshInsights(
    {
      customers: s.customers,
      tariffs: s.tariffs,
      peers: s.peers,
      insights: s.insights,
      tasks: s.console,
      clock: now,
      dayOf: (at) => localDayOf(at, config.domain.timeZone),
    },
    config.domain,
    insightEvents(logger),
  );
  const alerts = config.alertQueueUrl
    ? checkAlerts(
        {
          customers: s.customers,
          usage: s.usage,
          tariffs: s.tariffs,
          statements: s.statements,
          alerts: new DynamoAlerts(s.table),
          queue: jobQueue<AlertJob>(clients, config.alertQueueUrl, 'ALERT_QUEUE_URL'),
          latestDay: (id) => s.segments.latestDay(id),
          clock: now,
        },
        config.alerts,
      )
    : undefined;
  const ports: IngestPorts & { fanOut?: FanOut } = {
    files: s.files,
    objects: s.objects,
    customers: s.customers,
    usage: s.usage,
    tariffs: s.tariffs,
    payments: s.payments,
    // Only the touched customers' features; segments come from the population job (functions/classify-population.ts).
    masterChanged: () => s.population.changed(undefined, realTime()),
    classify: async (touched) => {
      // Forecasts and anomalies on the days the features read: one range per customer for both.
      const session = insights();
      const r = await refresh(touched, session);
      logger?.info('features refreshed; population marked changed', { asOf: r.asOf, refreshed: r.refreshed });
      const i = session.outcome;
      logger?.info('forecasts and anomalies refreshed', { customers: i.customers, forecasts: i.forecasts, anomalies: i.anomalies, opened: i.opened, tasks: i.tasks });
    },
    ...(alerts
      ? {
          alerts: async (touched: ReadonlySet<string>) => {
            const r = await alerts(touched, logger?.getCorrelationId() as string | undefined);
            if (r.raised) logger?.info('interim alerts raised', { raised: r.raised });
          },
        }
      : {}),
    clock: now,
  };
  // Without a chunk queue (a stack from before the fan-out) every file is read whole, as before. The fan-out works
  // with the ingest's own ports, plus its ledger and the chunk queue.
  if (!config.chunkQueueUrl) return ports;
  const fanOutPorts: FanOutPorts = {
    ...ports,
    fanOuts: s.fanOuts,
    jobs: jobQueue<FanOutJob>(clients, config.chunkQueueUrl, 'CHUNK_QUEUE_URL'),
    log: (message, data) => logger?.info(message, data ?? {}),
  };
  return { ...ports, fanOut: fanOut(fanOutPorts, config.domain) };
}

