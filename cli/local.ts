import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startLocalApp } from '../local/app.ts';
import { makeClients } from '../functions/commons/clients.ts';
import { stores } from '../functions/adapters/ports.ts';
import type { FileOutcome } from '../domain/use-cases/ports.ts';
import { fmtNumber, pct, printJson, table } from './output.ts';
import { periodRange, shiftPeriod } from '../domain/statements/compose-statement.ts';
import { nextDay } from '../domain/time/zone.ts';
import { buildDashboard } from './dashboard.ts';
import { insightsJson, loadCustomers, loadRegions, segmentJson } from './state.ts';
import { DATA_DIR, LOG_DIR, SESSION_FILE, STATE_DIR, type Session, type Target } from './target.ts';

const CLOCK_FILE = join(STATE_DIR, 'clock');

export interface LocalOptions {
  data: string;
  json?: boolean;
  keep?: boolean;
}

const ORDER = ['customers', 'tariffs', 'readings', 'payments'] as const;
/** Prefixes this release processes; the others are listed as skipped, not uploaded to fail. */
const PROCESSED = new Set(['customers', 'tariffs', 'readings', 'payments']);

/** `kam local`: the whole pipeline on the embedded local AWS stack, on a fresh state. */
export async function runLocal(opts: LocalOptions): Promise<number> {
  const dataDir = resolve(opts.data);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    console.error(`kam: --data ${opts.data}: no such directory`);
    return 2;
  }
  const say = (msg: string) => {
    if (!opts.json) console.log(msg);
  };
  rmSync(STATE_DIR, { recursive: true, force: true });
  mkdirSync(STATE_DIR, { recursive: true });
  say('starting the local AWS stack (DynamoDB Local, S3, SES, SQS on 127.0.0.1) ...');
  const t0 = Date.now();
  const app = await startLocalApp({ dataDir: DATA_DIR, pipeline: true, logDir: LOG_DIR, functionEnv: { KAM_LOCAL_CLOCK_FILE: CLOCK_FILE } });
  const stopAll = async () => {
    rmSync(SESSION_FILE, { force: true });
    await app.stop();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    say(`  up in ${((Date.now() - t0) / 1000).toFixed(1)} s; resources created from the synthesized CDK templates; function logs in ${LOG_DIR}`);
    Object.assign(process.env, app.aws.env());
    const clients = makeClients();
    const s = stores(clients, app.names.table);
    const skipped: { key: string; reason: string }[] = [];
    // A failed invocation is reported, not fatal: what did work is still printed, and the exit code says it failed.
    const problems: string[] = [];
    const settle = async (what: string) => {
      try {
        await app.idle();
      } catch (err) {
        problems.push(`${what}: ${(err as Error).message}`);
        say(`  ${what}: ${(err as Error).message}`);
      }
    };
    // The population classification job, invoked as its 5-minute schedule would, after every file: the segments (and
    // their history) are then those of each file's arrival, without waiting for the schedule.
    const classifier = app.functions.find((f) => f.logicalId === 'ClassifyPopulation');
    const classify = async (after: string) => {
      if (!classifier) return;
      try {
        await classifier.invoke({});
      } catch (err) {
        problems.push(`classification after ${after}: ${(err as Error).message}`);
        say(`  classification after ${after}: ${(err as Error).message}`);
      }
    };
    for (const prefix of ORDER) {
      const dir = join(dataDir, prefix);
      if (!existsSync(dir)) continue;
      const names = readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile() && !n.startsWith('.')).sort();
      for (const name of names) {
        const key = `${prefix}/${name}`;
        if (!PROCESSED.has(prefix)) {
          skipped.push({ key, reason: `${prefix}/ files are processed from a later release on; not uploaded` });
          continue;
        }
        const t = Date.now();
        await clients.s3.send(new PutObjectCommand({ Bucket: app.names.bucket, Key: key, Body: readFileSync(join(dir, name)) }));
        // One file at a time, in name order, so a correction file is applied after the data it corrects.
        await settle(key);
        await classify(key);
        const outcome = (await s.files.list()).find((f) => f.key === key);
        say(`  ${key}: ${outcome ? `${outcome.status}, ${fmtNumber(outcome.rows.accepted)} rows accepted, ${fmtNumber(outcome.rows.rejected)} rejected` : 'NOT PROCESSED'} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      }
    }
    const target: Target = { clients, stores: s, names: app.names, waitForFiles: async () => [], waitForQueues: () => app.idle(), close: async () => undefined };
    // The statement run for the last complete month of the data, as the monthly schedule would start it.
    let period: string | undefined;
    const failedStatements: FailedStatement[] = [];
    const runner = app.functions.find((f) => f.logicalId === 'RunStatements');
    const latest = (await s.segments.all()).reduce<string | undefined>((m, x) => (x.segment && (!m || x.segment.asOf > m) ? x.segment.asOf : m), undefined);
    if (runner && latest) {
      const month = latest.slice(0, 7);
      period = latest === periodRange(month).to ? month : shiftPeriod(month, -1);
      const t = Date.now();
      // Issued on the 2nd of the next month, the day the monthly schedule runs, so due dates do not depend on today.
      const r = (await runner.invoke({ period, issuedOn: `${shiftPeriod(period, 1)}-02` })) as { queued: number };
      await settle(`statement run ${period}`);
      const list = await s.statements.listPeriod(period);
      failedStatements.push(...(await deadLettered(clients, app.names.statementDlq)).filter((f) => f.period === period));
      const failedNote = failedStatements.length ? `, ${failedStatements.length} failed (see statements)` : '';
      say(`  statement run ${period}: ${r.queued} job(s), ${list.length} statement(s), ${list.filter((x) => x.email.state === 'sent').length} emailed${failedNote} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    }
    // Arrears: the daily scan over a simulated month after the statements fall due (payments as uploaded).
    const scanner = app.functions.find((f) => f.logicalId === 'ScanArrears');
    if (scanner && period) {
      const due = (await s.statements.listPeriod(period)).map((x) => x.dueDate).sort()[0];
      if (due) {
        const t = Date.now();
        let day = nextDay(due);
        const last = nextDay(due, 30);
        const byStage: Record<string, number> = {};
        for (; day <= last; day = nextDay(day)) {
          // The functions read the simulated day from the clock file: notices meet payments in real-life order.
          writeFileSync(CLOCK_FILE, `${day}T09:00:00+08:00`);
          const r = (await scanner.invoke({ asOf: day })) as { byStage: Record<string, number> };
          for (const [k, v] of Object.entries(r.byStage)) byStage[k] = (byStage[k] ?? 0) + v;
          await settle(`arrears scan ${day}`);
        }
        rmSync(CLOCK_FILE, { force: true });
        say(`  arrears scans ${nextDay(due)}..${last}: ${Object.entries(byStage).map(([k, v]) => `${k} ${v}`).join(', ') || 'no notices'} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      }
    }
    const summary = await buildSummary(target, period, failedStatements);
    const dlq = await dlqDepth(clients, app.names.ingestDlq);
    // The operators' dashboard from the metrics the functions just emitted.
    const board = buildDashboard({ logDir: LOG_DIR, out: join(STATE_DIR, 'dashboard.html'), periodSeconds: 10 });
    if (opts.json) printJson({ ...summary, skipped, deadLetters: dlq, problems, dashboard: board.path });
    else {
      printSummary(summary, skipped, Date.now() - t0, dlq);
      const drawn = board.summary.filter((w) => w.status === 'drawn').length;
      console.log(`\nDashboard: ${board.path} (${board.widgets} widgets, ${drawn} drawn from the functions' metrics, the rest not recorded locally or without data; rebuild with kam dashboard)`);
      if (!opts.keep) console.log('\nConsole (account managers\' web UI) on this state: npm run console, then open http://127.0.0.1:8787/ (it prints the local users and their password)');
    }
    if (opts.keep) {
      // The console on the same servers: UI and API on 127.0.0.1:8787, users from the customer master.
      const { startLocalConsole } = await import('../local/console-server.ts');
      const { printConsole, writeConsoleSession } = await import('./console.ts');
      const consoleServer = await startLocalConsole(app, await s.customers.all(), { port: 8787 });
      writeConsoleSession(consoleServer);
      if (!opts.json) printConsole(consoleServer.url, { password: consoleServer.password, users: consoleServer.users });
      const session: Session = { pid: process.pid, env: app.env(), names: app.names };
      writeFileSync(SESSION_FILE, JSON.stringify(session, null, 2));
      const e = app.aws.endpoints;
      console.error(
        `\nservers are up until Ctrl-C (other kam commands in another terminal use them):\n` +
          `  DynamoDB ${e.dynamodb}\n  S3       ${e.s3}   bucket ${app.names.bucket}\n  SQS      ${e.sqs}\n  SES      ${e.ses} (sent mail: ${e.ses}/store)\n  Cognito  ${e.cognito} (issuer ${e.cognitoIssuer}/<pool id>)\n` +
          `  CloudFormation ${app.cloudformation.url} (DescribeStacks of ${app.cloudformation.stacks.map((st) => st.stackName).join(', ')}, for --stack)\n` +
          `  table ${app.names.table}; credentials S3RVER/S3RVER, region ${app.aws.region}`,
      );
      await new Promise(() => undefined);
    }
    const failed = summary.files.some((f) => f.status === 'failed') || failedStatements.length > 0 || problems.length > 0;
    if (failed && !opts.json) console.error('\nkam local: something failed (see above); exit code 1');
    return failed ? 1 : 0;
  } finally {
    if (!opts.keep) await stopAll();
  }
}

export interface LocalSummary {
  notices: { customer: string; statement: string; stage: string; sentAt: string | null; disconnectionDate?: string }[];
  statements: (
    | { customer: string; period: string; status: 'stored'; version: number; total: string; currency: string; emailed: boolean; emailState: string; messageId: string | null }
    | { customer: string; period: string; status: 'failed'; reason: string }
  )[];
  files: { key: string; status: FileOutcome['status']; rows: { accepted: number; rejected: number }; error?: string }[];
  customers: ({ id: string } & Partial<ReturnType<typeof segmentJson>> & Partial<ReturnType<typeof insightsJson>>)[];
  regions: { region: string; month: string; kwh: number; change: number | null; days: number; partial: boolean }[];
}

/** A statement job the worker gave up on for good (its dead-letter message says why). */
export interface FailedStatement {
  customer: string;
  period: string;
  reason: string;
}

export async function buildSummary(t: Target, period?: string, failed: readonly FailedStatement[] = []): Promise<LocalSummary> {
  const files = (await t.stores.files.list())
    .sort((a, b) => (a.processedAt < b.processedAt ? -1 : a.processedAt > b.processedAt ? 1 : 0))
    .map((f) => ({ key: f.key, status: f.status, rows: f.rows, ...(f.error ? { error: f.error } : {}) }));
  const customers = (await loadCustomers(t)).map((c) => ({
    id: c.customer.customerId,
    ...(c.segment ? segmentJson(c.segment) : {}),
    ...(c.insights ? insightsJson(c.insights) : {}),
  }));
  const regions = (await loadRegions(t)).map((r) => ({ region: r.region, month: r.month, kwh: Math.round(r.kwh * 1000) / 1000, change: r.change, days: r.days, partial: r.partial }));
  const statements: LocalSummary['statements'] = period
    ? (await t.stores.statements.listPeriod(period))
        .sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : a.version - b.version))
        .map((x) => ({ customer: x.customerId, period: x.period, status: 'stored' as const, version: x.version, total: x.bill.total, currency: x.bill.currency, emailed: x.email.state === 'sent', emailState: x.email.state, messageId: x.email.messageId ?? null }))
    : [];
  statements.push(...failed.map((f) => ({ customer: f.customer, period: f.period, status: 'failed' as const, reason: f.reason })));
  statements.sort((a, b) => (a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0));
  const notices: LocalSummary['notices'] = [];
  for (const c of customers) {
    for (const n of await t.stores.arrears.notices(c.id)) {
      if (n.email.state === 'cancelled') continue;
      notices.push({ customer: n.customerId, statement: n.statementKey, stage: n.stage, sentAt: n.email.state === 'sent' ? (n.email.at ?? null) : null, ...((n.email.disconnectionDate ?? n.disconnectionDate) ? { disconnectionDate: n.email.disconnectionDate ?? n.disconnectionDate } : {}) });
    }
  }
  return { files, customers, regions, statements, notices };
}

/** The statement jobs in the statement dead-letter queue, left there (read with no visibility change). */
async function deadLettered(clients: ReturnType<typeof makeClients>, url: string | undefined): Promise<FailedStatement[]> {
  if (!url) return [];
  const out = new Map<string, FailedStatement>();
  for (let round = 0; round < 100; round++) {
    const res = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageAttributeNames: ['All'] }));
    const fresh = (res.Messages ?? []).filter((m) => !out.has(m.MessageId!));
    if (fresh.length === 0) break;
    for (const m of fresh) {
      let job: { customerId?: string; period?: string } = {};
      try {
        job = JSON.parse(m.Body ?? '{}') as typeof job;
      } catch {
        // a malformed job: listed under its message id
      }
      out.set(m.MessageId!, { customer: job.customerId ?? `message ${m.MessageId}`, period: job.period ?? '', reason: m.MessageAttributes?.reason?.StringValue ?? 'failed 5 times (see the SendStatement log)' });
    }
  }
  return [...out.values()];
}

async function dlqDepth(clients: ReturnType<typeof makeClients>, url: string): Promise<number> {
  const res = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(res.Attributes?.ApproximateNumberOfMessages ?? 0);
}

function printSummary(s: LocalSummary, skipped: { key: string; reason: string }[], ms: number, dlq: number): void {
  console.log(`\nFiles (${s.files.length} processed in ${(ms / 1000).toFixed(1)} s; ${dlq} message(s) in the dead-letter queue)`);
  console.log(table(s.files.map((f) => ({ key: f.key, status: f.status, accepted: f.rows.accepted, rejected: f.rows.rejected, note: f.error ?? '' }))).replace(/^/gm, '  '));
  for (const k of skipped) console.log(`  skipped ${k.key}: ${k.reason}`);
  const classified = s.customers.filter((c) => c.tier);
  const count = (key: 'tier' | 'pattern' | 'trend') =>
    Object.entries(classified.reduce<Record<string, number>>((m, c) => ((m[c[key]!] = (m[c[key]!] ?? 0) + 1), m), {}))
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  console.log(`\nCustomers: ${s.customers.length} in the master, ${classified.length} classified`);
  console.log(`  tiers: ${count('tier')}\n  patterns: ${count('pattern')}\n  trends: ${count('trend')}`);
  console.log(
    table(
      classified.map((c) => ({
        customer: c.id,
        tier: c.tier,
        pattern: c.pattern,
        trend: c.trend,
        peers: c.peerGroup,
        'kWh/day': Math.round(c.features!.avgDailyKwh),
        'load f.': c.features!.loadFactor.toFixed(2),
        change: pct(c.features!.change),
        'first action': c.actions?.[0] ?? '',
      })),
    ).replace(/^/gm, '  '),
  );
  printInsights(s.customers);
  console.log('\nRegional sales (kWh per month)');
  console.log(table(s.regions.map((r) => ({ region: r.region, month: r.month, kWh: Math.round(r.kwh), days: r.partial ? `${r.days} (partial)` : r.days, change: pct(r.change) }))).replace(/^/gm, '  '));
  const stored = s.statements.flatMap((x) => (x.status === 'stored' ? [x] : []));
  const failed = s.statements.flatMap((x) => (x.status === 'failed' ? [x] : []));
  if (stored.length) {
    const period = stored[0]!.period;
    const sum = stored.reduce((a, x) => a + Number(x.total), 0);
    console.log(`\nStatements ${period}: ${stored.length}, ${stored.filter((x) => x.emailed).length} emailed, total ${stored[0]!.currency} ${fmtNumber(Math.round(sum * 100) / 100)}`);
    console.log(table(stored.slice(0, 12).map((x) => ({ customer: x.customer, version: x.version, total: x.total, currency: x.currency, emailed: x.emailed ? 'yes' : 'no', messageId: x.messageId ?? '' }))).replace(/^/gm, '  '));
    if (stored.length > 12) console.log(`  … ${stored.length - 12} more (kam statements --period ${period})`);
  }
  if (failed.length) {
    console.log(`\nStatements that could not be made: ${failed.length}`);
    console.log(table(failed.map((x) => ({ customer: x.customer, period: x.period, reason: x.reason }))).replace(/^/gm, '  '));
  }
  if (s.notices.length) {
    const stages = ['reminder', 'formal', 'final', 'disconnection-request'];
    console.log(`\nNotices: ${stages.map((st) => `${st} ${s.notices.filter((n) => n.stage === st).length}`).join(', ')} (all sent: ${s.notices.every((n) => n.sentAt) ? 'yes' : 'no'})`);
    const requests = s.notices.filter((n) => n.stage === 'disconnection-request');
    if (requests.length) console.log(`  disconnection requests awaiting a person's approval: ${requests.map((r) => `${r.customer} (not before ${r.disconnectionDate})`).join(', ')}`);
  }
  console.log('\nMore: kam customer <id>, kam customers --tier A, kam statements --period <yyyy-mm>, kam statement <id> <yyyy-mm> --html FILE, kam advise <id>, kam arrears, kam notices <id>.');
}

/** Next month's forecasts (their total) and the anomalies of the last 90 days by kind, with the most severe ones. */
function printInsights(customers: LocalSummary['customers']): void {
  const forecasts = customers.flatMap((c) => (c.forecast ? [{ id: c.id, ...c.forecast }] : []));
  const anomalies = customers.flatMap((c) => (c.anomalies ?? []).map((a) => ({ customer: c.id, ...a })));
  if (!forecasts.length && !anomalies.length) return;
  const periods = [...new Set(forecasts.map((f) => f.period))].sort();
  const kwh = forecasts.reduce((a, f) => a + f.kwh, 0);
  const billed = forecasts.filter((f) => f.bill !== undefined);
  const bill = billed.reduce((a, f) => a + Number(f.bill), 0);
  console.log(
    `\nForecasts of next month (${periods.join(', ')}): ${forecasts.length} customer(s), ${fmtNumber(Math.round(kwh))} kWh` +
      (billed.length ? `, projected bills ${billed[0]!.currency ?? ''} ${fmtNumber(Math.round(bill * 100) / 100)} (${billed.length} customers)` : '') +
      `; ${customers.length - forecasts.length} without (too little history)`,
  );
  const byKind = anomalies.reduce<Record<string, number>>((m, a) => ((m[a.kind] = (m[a.kind] ?? 0) + 1), m), {});
  console.log(`Anomalies (last 90 days of each customer's data): ${anomalies.length}${anomalies.length ? ` — ${Object.entries(byKind).sort().map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}`);
  const rank = { high: 0, medium: 1, low: 2 } as const;
  const top = [...anomalies].sort((a, b) => rank[a.severity] - rank[b.severity] || (a.to > b.to ? -1 : 1)).slice(0, 8);
  if (top.length) console.log(table(top.map((a) => ({ customer: a.customer, kind: a.kind, from: a.from, to: a.to, severity: a.severity, evidence: a.evidence.length > 90 ? `${a.evidence.slice(0, 89)}…` : a.evidence }))).replace(/^/gm, '  '));
}
