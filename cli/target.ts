import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { STATEFUL_OUTPUTS } from '../contracts/settings.ts';
import { makeClients, type Clients } from '../functions/commons/clients.ts';
import { drain } from '../local/sqs-poller.ts';
import { stores } from '../functions/adapters/ports.ts';
import type { FileOutcome } from '../domain/use-cases/ports.ts';

export const STATE_DIR = resolve('.kam');
export const SESSION_FILE = join(STATE_DIR, 'session.json');
export const DATA_DIR = join(STATE_DIR, 'state');
export const LOG_DIR = join(STATE_DIR, 'logs');

export interface TargetOptions {
  stack?: string;
  /** Also run the functions (needed when the command makes work for them, e.g. upload). */
  pipeline?: boolean;
}

export interface Target {
  clients: Clients;
  stores: ReturnType<typeof stores>;
  names: { table: string; bucket: string; statementQueue?: string; alertQueue?: string; ingestQueue?: string; noticeQueue?: string };
  /** Waits until each key has been processed and returns its latest outcome. */
  waitForFiles(keys: readonly string[]): Promise<FileOutcome[]>;
  /** Waits until the work queues are empty and nothing is in flight. */
  waitForQueues(): Promise<void>;
  close(): Promise<void>;
}

export interface Session {
  pid: number;
  env: Record<string, string>;
  names: { table: string; bucket: string; ingestQueue: string; ingestDlq: string; statementQueue?: string; alertQueue?: string; noticeQueue?: string };
}

async function quiet(clients: Clients, names: Target['names'], timeoutMs: number): Promise<void> {
  const urls = [names.ingestQueue, names.statementQueue, names.alertQueue, names.noticeQueue].filter((u): u is string => Boolean(u));
  await drain({ sqs: clients.sqs, queueUrls: urls, timeoutMs, intervalMs: 1000 });
}

/** Whether a process (a `kam local --keep`, a `kam console`) is still running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function latest(s: ReturnType<typeof stores>, keys: readonly string[]): Promise<Map<string, FileOutcome>> {
  const out = new Map<string, FileOutcome & { processedAt: string }>();
  for (const f of await s.files.list()) {
    const prev = out.get(f.key);
    if (keys.includes(f.key) && (!prev || prev.processedAt < f.processedAt)) out.set(f.key, f);
  }
  return out;
}

async function poll(s: ReturnType<typeof stores>, keys: readonly string[], timeoutMs: number): Promise<FileOutcome[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await latest(s, keys);
    if (keys.every((k) => got.has(k))) return keys.map((k) => got.get(k)!);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${keys.filter((k) => !got.has(k)).join(', ')} to be processed`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Where a command works: a deployed stack (--stack, names from its outputs), the servers of a running
 * `kam local --keep`, or the local state under .kam/ (servers started for the command and stopped after).
 */
export async function openTarget(opts: TargetOptions): Promise<Target> {
  if (opts.stack) return deployedTarget(opts.stack);
  if (existsSync(SESSION_FILE)) {
    const session = JSON.parse(readFileSync(SESSION_FILE, 'utf8')) as Session;
    if (alive(session.pid)) {
      Object.assign(process.env, session.env);
      const clients = makeClients();
      const s = stores(clients, session.names.table);
      return {
        clients,
        stores: s,
        names: session.names,
        waitForFiles: (keys) => poll(s, keys, 3_600_000),
        waitForQueues: () => quiet(clients, session.names, 30 * 60_000),
        close: async () => undefined,
      };
    }
  }
  if (!existsSync(DATA_DIR)) throw new Error('no local state yet: run `kam local` first (or pass --stack NAME for a deployed stack)');
  const { startLocalApp } = await import('../local/app.ts');
  const app = await startLocalApp({ dataDir: DATA_DIR, pipeline: opts.pipeline, logDir: LOG_DIR });
  Object.assign(process.env, app.env());
  const clients = makeClients();
  const s = stores(clients, app.names.table);
  return {
    clients,
    stores: s,
    names: app.names,
    waitForFiles: async (keys) => {
      // A large file's fan-out runs for minutes on DynamoDB Local (about 75 customer-days a second).
      await app.idle(4 * 3_600_000);
      return poll(s, keys, 10_000);
    },
    waitForQueues: () => app.idle(),
    close: () => app.stop(),
  };
}

/** The stateful stack's outputs. Credentials, region and endpoint come from the usual AWS configuration; with
 * AWS_ENDPOINT_URL_CLOUDFORMATION (and the other AWS_ENDPOINT_URL_*) set, the local stack's emulators answer. */
async function stackOutputs(stackName: string): Promise<Record<string, string | undefined>> {
  const cfn = new CloudFormationClient({});
  try {
    const res = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return Object.fromEntries((res.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  } catch (err) {
    if ((err as Error).name === 'ValidationError' && /does not exist/.test((err as Error).message)) {
      throw new Error(`no stack ${stackName} (--stack takes the prefix of the deployed stacks, e.g. Kam for KamStateful and KamStateless)`);
    }
    throw err;
  } finally {
    cfn.destroy();
  }
}

async function deployedTarget(prefix: string): Promise<Target> {
  const outputs = await stackOutputs(`${prefix}Stateful`);
  const table = outputs[STATEFUL_OUTPUTS.tableName], bucket = outputs[STATEFUL_OUTPUTS.bucketName];
  if (!table || !bucket) throw new Error(`stack ${prefix}Stateful has no ${STATEFUL_OUTPUTS.tableName}/${STATEFUL_OUTPUTS.bucketName} outputs`);
  const clients = makeClients();
  const s = stores(clients, table);
  const names = {
    table,
    bucket,
    ingestQueue: outputs[STATEFUL_OUTPUTS.ingestQueueUrl],
    statementQueue: outputs[STATEFUL_OUTPUTS.statementQueueUrl],
    alertQueue: outputs[STATEFUL_OUTPUTS.alertQueueUrl],
    noticeQueue: outputs[STATEFUL_OUTPUTS.noticeQueueUrl],
  };
  return {
    clients,
    stores: s,
    names,
    waitForFiles: (keys) => poll(s, keys, 3_600_000),
    waitForQueues: () => quiet(clients, names, 30 * 60_000),
    close: async () => undefined,
  };
}

/** Opens the target, runs the command on it, and always closes it (stopping servers started for the command). */
export async function withTarget<T>(opts: TargetOptions, fn: (t: Target) => Promise<T>): Promise<T> {
  const target = await openTarget(opts);
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}
