import { Duration } from 'aws-cdk-lib';
import { type CfnDashboard, Dashboard, GraphWidget, type IMetric, MathExpression, Metric, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type AppMetric, type LambdaMetric, NAMESPACE, type QueueMetric, type RateAlarmSpec, type WidgetSpec, WIDGETS } from '../dashboard-spec.ts';
import { type KamFunction, SERVICE_NAME } from './kam-function.ts';

/** The queues the dashboard draws, by the logical ids dashboard-spec.ts names them with. */
export type DashboardQueues = Record<QueueMetric['queue'], IQueue>;

export interface OperationsDashboardProps {
  queues: DashboardQueues;
  /** Every function of the stack: the Lambda widgets draw one line per function. */
  functions: readonly KamFunction[];
}

/** Business figures arrive a few times a day (classification, the daily scan); everything else continuously. */
const SECTION_PERIOD: Record<WidgetSpec['section'], Duration> = {
  'Pipeline health': Duration.minutes(5),
  Business: Duration.hours(1),
  Delivery: Duration.minutes(5),
  Lambdas: Duration.minutes(5),
};

export interface AppMetricOptions {
  statistic: string;
  period: Duration;
  /** Dimensions besides `service`, e.g. `{ stage: 'final' }`. */
  dimensions?: Record<string, string>;
  label?: string;
}

/** A metric the handlers emit through Powertools: namespace KeyAccounts, dimension `service` (plus any split). */
export function appMetric(name: string, options: AppMetricOptions): Metric {
  return new Metric({
    namespace: NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME, ...options.dimensions },
    statistic: options.statistic,
    period: options.period,
    ...(options.label ? { label: options.label } : {}),
  });
}

/** 100 × numerator / denominator over the spec's period; 0 (not a division by zero) when the denominator is 0. */
export function rateMetric(spec: RateAlarmSpec): MathExpression {
  const period = Duration.minutes(spec.periodMinutes);
  // Metric math ids must start lower-case: emailBounces, statementsSent.
  const [numerator, denominator] = [spec.numerator, spec.denominator].map((name) => name[0]!.toLowerCase() + name.slice(1));
  return new MathExpression({
    expression: `IF(${denominator} > 0, 100 * ${numerator} / ${denominator}, 0)`,
    usingMetrics: {
      [numerator!]: appMetric(spec.numerator, { statistic: 'Sum', period }),
      [denominator!]: appMetric(spec.denominator, { statistic: 'Sum', period }),
    },
    label: `${spec.numerator} / ${spec.denominator} (%)`,
    period,
  });
}

/** Percentage of the function's invocations that failed, per `period`; 0 when it was not invoked. */
export function errorRateMetric(fn: KamFunction, period: Duration): MathExpression {
  return new MathExpression({
    expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
    usingMetrics: {
      errors: fn.function.metricErrors({ statistic: 'Sum', period }),
      invocations: fn.function.metricInvocations({ statistic: 'Sum', period }),
    },
    label: `${fn.node.id} error rate (%)`,
    period,
  });
}

/**
 * The operators' CloudWatch dashboard, drawn from dashboard-spec.ts: one text header per section, then that section's
 * graphs (three a row, or four when they fill rows of four exactly).
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;
  private readonly props: OperationsDashboardProps;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    if (props.functions.length === 0) throw new Error('the dashboard needs the functions whose Lambda metrics it draws');
    this.props = props;

    // No dashboardName: CloudFormation derives one, so two copies of the app can share an account.
    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    (this.dashboard.node.defaultChild as CfnDashboard).overrideLogicalId(id);

    const sections = [...new Set(WIDGETS.map((widget) => widget.section))];
    for (const section of sections) {
      const specs = WIDGETS.filter((widget) => widget.section === section);
      const width = specs.length % 4 === 0 ? 6 : 8;
      this.dashboard.addWidgets(new TextWidget({ markdown: `## ${section}`, width: 24, height: 1 }));
      this.dashboard.addWidgets(
        ...specs.map((spec) => new GraphWidget({ title: spec.title, left: this.metrics(spec), width, height: 6, leftYAxis: { min: 0 } })),
      );
    }
  }

  private metrics(spec: WidgetSpec): IMetric[] {
    const period = SECTION_PERIOD[spec.section];
    return spec.metrics.flatMap((ref): IMetric[] => {
      switch (ref.kind) {
        case 'app':
          return this.appMetrics(ref, spec, period);
        case 'queue':
          return [this.props.queues[ref.queue].metric(ref.metric, { statistic: spec.stat, period, label: ref.queue })];
        case 'lambda':
          return this.lambdaMetrics(ref, spec, period);
      }
    });
  }

  /** One line, or one per listed dimension value, or (no values listed) whatever values the metric has. */
  private appMetrics(ref: AppMetric, spec: WidgetSpec, period: Duration): IMetric[] {
    const split = ref.splitBy;
    if (!split) return [appMetric(ref.name, { statistic: spec.stat, period, label: ref.name })];
    if (split.values.length === 0) {
      const schema = `{${NAMESPACE},service,${split.dimension}}`;
      return [
        new MathExpression({
          expression: `SEARCH('${schema} MetricName="${ref.name}" service="${SERVICE_NAME}"', '${spec.stat}', ${period.toSeconds()})`,
          label: `\${PROP('Dim.${split.dimension}')}`,
          period,
        }),
      ];
    }
    const prefix = spec.metrics.length > 1 ? `${ref.name} ` : '';
    return split.values.map((value) => appMetric(ref.name, { statistic: spec.stat, period, dimensions: { [split.dimension]: value }, label: `${prefix}${value}` }));
  }

  private lambdaMetrics(ref: LambdaMetric, spec: WidgetSpec, period: Duration): IMetric[] {
    return this.props.functions.map((fn) => fn.function.metric(ref.metric, { statistic: spec.stat, period, label: fn.node.id }));
  }
}
