import { readFileSync } from 'node:fs';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type AppConfig, readAppConfig } from './config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface BuildAppProps {
  /** Cloud assembly directory; the CLI sets it through CDK_OUTDIR, tests pass a temporary one. */
  outdir?: string;
  /** Extra CDK context, on top of cdk.json's. */
  context?: Record<string, unknown>;
  /** Overrides of the deployment settings otherwise read from context. */
  config?: Partial<AppConfig>;
}

export interface KamApp {
  app: App;
  config: AppConfig;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

/** cdk.json's context (feature flags included), so an in-process synth matches `cdk synth` exactly. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export function buildApp(props: BuildAppProps = {}): KamApp {
  const app = new App({
    ...(props.outdir ? { outdir: props.outdir } : {}),
    context: { ...cdkJsonContext(), ...props.context },
  });
  const config = readAppConfig(app, props.config);

  const stateful = new StatefulStack(app, `${config.stackPrefix}Stateful`, {
    description: 'Key accounts: ingest bucket, single table, ingest, statement, alert and notice queues, console users (retained data)',
    console: config,
  });
  const stateless = new StatelessStack(app, `${config.stackPrefix}Stateless`, {
    description: 'Key accounts: functions, triggers, alarms and the console API',
    bucket: stateful.bucket,
    table: stateful.table,
    ingestQueue: stateful.ingestQueue,
    chunkQueue: stateful.chunkQueue,
    statementQueue: stateful.statementQueue,
    alertQueue: stateful.alertQueue,
    noticeQueue: stateful.noticeQueue,
    runStatementsDlq: stateful.runStatementsDlq,
    sesFeedbackDlq: stateful.sesFeedbackDlq,
    scanArrearsDlq: stateful.scanArrearsDlq,
    sendDigestDlq: stateful.sendDigestDlq,
    classifyDlq: stateful.classifyDlq,
    userPool: stateful.userPool,
    userPoolClient: stateful.userPoolClient,
    userPoolDomain: stateful.userPoolDomain,
    console: config,
    statements: config,
    arrears: config,
    digest: config,
    classify: config,
    timeZone: config.timeZone,
    quarantineShare: config.quarantineShare,
    ...(config.headerAliases ? { headerAliases: config.headerAliases } : {}),
    ...(config.anomalySettings ? { anomalySettings: config.anomalySettings } : {}),
    ...(config.forecastSettings ? { forecastSettings: config.forecastSettings } : {}),
    ...(config.applyMultiplier ? { applyMultiplier: true } : {}),
    ...(config.frozenReadingAt ? { frozenReadingAt: config.frozenReadingAt } : {}),
    ...(config.fileLimits ? { fileLimits: config.fileLimits } : {}),
    ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
  });

  Tags.of(app).add('Application', 'KeyAccounts');
  // A finding that is not acknowledged (with a reason) fails synthesis; report: <outdir>/validation-report.json.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, stateful, stateless };
}
