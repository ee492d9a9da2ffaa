/**
 * The operators' dashboard as data: the CloudWatch dashboard (infra) and `kam dashboard` (local HTML page) are both
 * drawn from this list, and a test checks it against the metric names the handlers emit.
 */

import { ANOMALY_KINDS } from '../domain/anomalies/anomaly.ts';

export const NAMESPACE = 'KeyAccounts';

/** A metric the handlers emit through Powertools (EMF), namespace KeyAccounts, dimension `service` always. */
export interface AppMetric {
  kind: 'app';
  name: string;
  /** An extra dimension whose values are drawn as separate lines (e.g. stage, tier). */
  splitBy?: { dimension: string; values: readonly string[] };
}

/** An AWS metric of one of the stacks' queues (by logical id). */
export interface QueueMetric {
  kind: 'queue';
  queue: 'IngestQueue' | 'IngestDlq' | 'ChunkQueue' | 'ChunkDlq' | 'StatementQueue' | 'StatementDlq' | 'AlertQueue' | 'AlertDlq' | 'NoticeQueue' | 'NoticeDlq';
  metric: 'ApproximateNumberOfMessagesVisible' | 'ApproximateAgeOfOldestMessage';
}

/** An AWS Lambda metric of every function. */
export interface LambdaMetric {
  kind: 'lambda';
  metric: 'Errors' | 'Duration' | 'Throttles' | 'ConcurrentExecutions';
}

export type MetricRef = AppMetric | QueueMetric | LambdaMetric;

export interface WidgetSpec {
  id: string;
  section: 'Pipeline health' | 'Business' | 'Delivery' | 'Lambdas';
  title: string;
  metrics: readonly MetricRef[];
  stat: 'Sum' | 'Maximum' | 'Average' | 'p95';
  /** 'gauge' values are levels (latest value matters), 'count' values add up over time. */
  kind: 'count' | 'gauge';
}

const STAGES = ['reminder', 'formal', 'final', 'disconnection-request'] as const;
const TIERS = ['A', 'B', 'C'] as const;
const PATTERNS = ['continuous', 'day-shift', 'evening-peak', 'night-shift', 'weekday-only', 'irregular'] as const;
const app = (name: string, splitBy?: AppMetric['splitBy']): AppMetric => ({ kind: 'app', name, ...(splitBy ? { splitBy } : {}) });

export const WIDGETS: readonly WidgetSpec[] = [
  { id: 'files', section: 'Pipeline health', title: 'Files received / accepted / quarantined / failed', stat: 'Sum', kind: 'count', metrics: ['FilesReceived', 'FilesAccepted', 'FilesQuarantined', 'FilesFailed', 'FilesDuplicate', 'FilesErrored', 'FilesFannedOut', 'ChunksStaged', 'PartitionsApplied', 'ChunkJobsErrored'].map((n) => app(n)) },
  { id: 'rows', section: 'Pipeline health', title: 'Rows accepted / rejected', stat: 'Sum', kind: 'count', metrics: [app('RowsAccepted'), app('RowsRejected')] },
  { id: 'dead-lettered', section: 'Pipeline health', title: 'Malformed messages dead-lettered without retries', stat: 'Sum', kind: 'count', metrics: [app('MessagesDeadLettered')] },
  {
    id: 'queue-depth',
    section: 'Pipeline health',
    title: 'Queue depth',
    stat: 'Maximum',
    kind: 'gauge',
    metrics: (['IngestQueue', 'ChunkQueue', 'StatementQueue', 'AlertQueue', 'NoticeQueue'] as const).map((queue) => ({ kind: 'queue', queue, metric: 'ApproximateNumberOfMessagesVisible' }) as QueueMetric),
  },
  {
    id: 'queue-age',
    section: 'Pipeline health',
    title: 'Age of oldest message (s)',
    stat: 'Maximum',
    kind: 'gauge',
    metrics: (['IngestQueue', 'ChunkQueue', 'StatementQueue', 'AlertQueue', 'NoticeQueue'] as const).map((queue) => ({ kind: 'queue', queue, metric: 'ApproximateAgeOfOldestMessage' }) as QueueMetric),
  },
  {
    id: 'dlq-depth',
    section: 'Pipeline health',
    title: 'Dead-letter queues',
    stat: 'Maximum',
    kind: 'gauge',
    metrics: (['IngestDlq', 'ChunkDlq', 'StatementDlq', 'AlertDlq', 'NoticeDlq'] as const).map((queue) => ({ kind: 'queue', queue, metric: 'ApproximateNumberOfMessagesVisible' }) as QueueMetric),
  },
  { id: 'tiers', section: 'Business', title: 'Customers by tier', stat: 'Maximum', kind: 'gauge', metrics: [app('CustomersByTier', { dimension: 'tier', values: TIERS })] },
  { id: 'patterns', section: 'Business', title: 'Customers by load pattern', stat: 'Maximum', kind: 'gauge', metrics: [app('CustomersByPattern', { dimension: 'pattern', values: PATTERNS })] },
  { id: 'moves', section: 'Business', title: 'Customers classified / segment moves / playbook tasks created', stat: 'Sum', kind: 'count', metrics: [app('CustomersClassified'), app('SegmentMoves'), app('PlaybookTasksCreated')] },
  {
    id: 'anomalies',
    section: 'Business',
    title: 'Anomaly episodes opened by kind (flat-line, zero-reads, spike and estimated-share go to the metering team)',
    stat: 'Sum',
    kind: 'count',
    metrics: [app('AnomaliesOpened', { dimension: 'kind', values: ANOMALY_KINDS })],
  },
  {
    id: 'forecast-error',
    section: 'Business',
    title: "Forecast error of the last closed month, % (mean over customers: kWh, maximum demand)",
    stat: 'Average',
    kind: 'gauge',
    metrics: [app('ForecastErrorPct'), app('ForecastDemandErrorPct')],
  },
  { id: 'kwh', section: 'Business', title: 'kWh ingested by region', stat: 'Sum', kind: 'count', metrics: [app('KwhIngested', { dimension: 'region', values: [] })] },
  { id: 'billed', section: 'Business', title: 'Amount billed', stat: 'Sum', kind: 'count', metrics: [app('AmountBilled')] },
  {
    id: 'outstanding',
    section: 'Business',
    title: 'Amount outstanding / overdue statements / overdue but not delivered',
    stat: 'Maximum',
    kind: 'gauge',
    metrics: [app('AmountOutstanding'), app('OverdueStatements'), app('StatementsUndelivered')],
  },
  { id: 'notices', section: 'Business', title: 'Notices sent by stage', stat: 'Sum', kind: 'count', metrics: [app('NoticesSent', { dimension: 'stage', values: STAGES })] },
  { id: 'notices-decided', section: 'Business', title: 'Notices due by stage (daily scan)', stat: 'Sum', kind: 'count', metrics: [app('NoticesDecided', { dimension: 'stage', values: STAGES })] },
  { id: 'statements', section: 'Delivery', title: 'Statements sent / corrected / failed', stat: 'Sum', kind: 'count', metrics: ['StatementJobsQueued', 'StatementsSent', 'StatementsCorrected', 'StatementsAlreadySent', 'StatementsSuppressed', 'StatementsFailed'].map((n) => app(n)) },
  {
    id: 'feedback',
    section: 'Delivery',
    title: 'Bounces / complaints / suppressed addresses / sends of unknown outcome',
    stat: 'Sum',
    kind: 'count',
    metrics: [app('EmailBounces'), app('EmailComplaints'), app('AddressesSuppressed'), app('EmailOutcomeUnknown')],
  },
  { id: 'alerts', section: 'Delivery', title: 'Interim alerts and notices', stat: 'Sum', kind: 'count', metrics: ['DemandAlertsSent', 'BillAlertsSent', 'NoticesQueued', 'NoticesCancelledPaid', 'NoticesCancelledSuperseded', 'NoticesFailed', 'DigestsSent'].map((n) => app(n)) },
  { id: 'lambda-errors', section: 'Lambdas', title: 'Errors', stat: 'Sum', kind: 'count', metrics: [{ kind: 'lambda', metric: 'Errors' }] },
  { id: 'lambda-duration', section: 'Lambdas', title: 'Duration p95 (ms)', stat: 'p95', kind: 'gauge', metrics: [{ kind: 'lambda', metric: 'Duration' }] },
  { id: 'lambda-throttles', section: 'Lambdas', title: 'Throttles', stat: 'Sum', kind: 'count', metrics: [{ kind: 'lambda', metric: 'Throttles' }] },
  { id: 'lambda-concurrency', section: 'Lambdas', title: 'Concurrent executions', stat: 'Maximum', kind: 'gauge', metrics: [{ kind: 'lambda', metric: 'ConcurrentExecutions' }] },
];

/** Alarms on application metrics (the DLQ alarms are per queue in the stacks). */
export interface AlarmSpec {
  id: string;
  metric: string;
  statistic: 'Sum' | 'Maximum';
  threshold: number;
  /** Compared with ≥. */
  periodMinutes: number;
  description: string;
}

export const APP_ALARMS: readonly AlarmSpec[] = [
  { id: 'QuarantinedFiles', metric: 'FilesQuarantined', statistic: 'Sum', threshold: 1, periodMinutes: 60, description: 'A meter-data file was quarantined (over the bad-row threshold); nothing from it was applied.' },
  { id: 'FailedStatements', metric: 'StatementsFailed', statistic: 'Sum', threshold: 5, periodMinutes: 60, description: 'Statement jobs are failing (they will be retried, then dead-lettered).' },
  {
    id: 'UnknownSends',
    metric: 'EmailOutcomeUnknown',
    statistic: 'Sum',
    threshold: 1,
    periodMinutes: 60,
    description: 'An email may or may not have reached SES (timeout or reset after the request left); it is not resent. Check the SES sending logs, then kam resolve ... --sent or --resend.',
  },
  {
    id: 'UndeliveredStatements',
    metric: 'StatementsUndelivered',
    statistic: 'Maximum',
    threshold: 1,
    periodMinutes: 1440,
    description: 'An overdue statement was never delivered by email, so no arrears notice follows it; see kam arrears ("statement not delivered").',
  },
  {
    id: 'DeadLetteredMessages',
    metric: 'MessagesDeadLettered',
    statistic: 'Sum',
    threshold: 1,
    periodMinutes: 60,
    description: 'A queue message could never be processed (malformed, or refused for good) and was moved to its dead-letter queue without retries; the worker log names the message id and the reason.',
  },
  { id: 'Bounces', metric: 'EmailBounces', statistic: 'Sum', threshold: 5, periodMinutes: 1440, description: 'More than a few statement emails bounced in a day: check the customer master addresses and the SES reputation.' },
];

/** Alarms on the ratio of two application metrics, in percent: 100 × numerator / denominator, 0 when nothing was counted. */
export interface RateAlarmSpec {
  id: string;
  numerator: string;
  denominator: string;
  /** Percent, compared with ≥. */
  thresholdPercent: number;
  periodMinutes: number;
  description: string;
}

export const RATE_ALARMS: readonly RateAlarmSpec[] = [
  {
    id: 'BounceRate',
    numerator: 'EmailBounces',
    denominator: 'StatementsSent',
    thresholdPercent: 5,
    periodMinutes: 1440,
    description: 'At least 5% of the statements sent in a day bounced: SES may pause sending for the account; check the customer master addresses.',
  },
];

/** Every application metric name the dashboard shows. */
export function dashboardAppMetrics(): Set<string> {
  const out = new Set<string>();
  for (const w of WIDGETS) for (const m of w.metrics) if (m.kind === 'app') out.add(m.name);
  return out;
}

/** Every application metric name an alarm (APP_ALARMS, RATE_ALARMS) refers to. */
export function alarmAppMetrics(): Set<string> {
  return new Set([...APP_ALARMS.map((a) => a.metric), ...RATE_ALARMS.flatMap((a) => [a.numerator, a.denominator])]);
}
