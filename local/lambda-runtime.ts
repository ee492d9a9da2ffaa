/**
 * The local Lambda service for one function: execution environments are child processes, each running one invocation
 * at a time, started on demand up to the function's concurrency. As in Lambda, an invocation past the function's
 * timeout is killed (its environment with it), a handler whose heap outgrows the function's memory size crashes the
 * invocation, and the environment is replaced for the next one.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';

export interface FunctionCode {
  /** the module the handler is exported from: the bundle's index.mjs, or a TypeScript source in development */
  file: string;
  /** the export name (`handler` of `index.handler`) */
  exportName: string;
}

export interface FunctionRuntimeOptions {
  name: string;
  code: FunctionCode;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memorySize: number;
  /** at most this many invocations at once (one environment each) */
  maxConcurrency: number;
  logFile?: WriteStream;
}

export interface InvocationRecord {
  requestId: string;
  pid: number;
  start: number;
  end?: number;
  outcome?: 'ok' | 'error' | 'timeout' | 'out-of-memory' | 'crash';
  /** Peak resident memory of its environment by the end of the invocation (Lambda's "Max Memory Used"). */
  maxMemoryMB?: number;
}

interface Environment {
  child: ChildProcess;
  busy: boolean;
  dead: boolean;
  stderrTail: string;
  current?: { id: number; resolve: (v: unknown) => void; reject: (e: Error) => void; record: InvocationRecord; timer: NodeJS.Timeout; timedOut: boolean };
}

const WORKER = fileURLToPath(new URL('./lambda-worker.ts', import.meta.url));

export class FunctionRuntime {
  readonly invocations: InvocationRecord[] = [];
  private readonly environments: Environment[] = [];
  private readonly waiting: (() => void)[] = [];
  private starting = 0;
  private next = 0;
  private stopped = false;

  private readonly options: FunctionRuntimeOptions;

  constructor(options: FunctionRuntimeOptions) {
    this.options = options;
  }

  /** The most invocations that ran at the same time so far. */
  get peakConcurrency(): number {
    const events = this.invocations.flatMap((i) => [
      [i.start, 1],
      [i.end ?? Number.MAX_SAFE_INTEGER, -1],
    ]) as [number, number][];
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let peak = 0;
    for (const [, d] of events) peak = Math.max(peak, (now += d));
    return peak;
  }

  /** Starts one environment now, so a handler that cannot load fails at start-up, not at its first event. */
  async warm(): Promise<void> {
    const env = await this.spawn();
    this.release(env);
  }

  async invoke(event: unknown): Promise<unknown> {
    if (this.stopped) throw new Error(`${this.options.name} is stopped`);
    const env = await this.acquire();
    const id = ++this.next;
    const { name, timeoutSeconds, memorySize } = this.options;
    const record: InvocationRecord = { requestId: `local-${process.pid}-${name}-${id}`, pid: env.child.pid ?? 0, start: Date.now() };
    this.invocations.push(record);
    const context: Partial<Context> & { deadline: number } = {
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      memoryLimitInMB: String(memorySize),
      awsRequestId: record.requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `local/${env.child.pid}`,
      callbackWaitsForEmptyEventLoop: false,
      deadline: record.start + timeoutSeconds * 1000,
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Lambda stops the invocation where it is; whatever it had not done stays undone.
        current.timedOut = true;
        this.log({ level: 'ERROR', message: `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`, requestId: record.requestId });
        env.child.kill('SIGKILL');
      }, timeoutSeconds * 1000);
      const current = { id, resolve, reject, record, timer, timedOut: false };
      env.current = current;
      env.child.send({ id, event, context });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const env of this.environments) env.child.kill('SIGKILL');
    for (const wake of this.waiting.splice(0)) wake();
  }

  private async acquire(): Promise<Environment> {
    for (;;) {
      if (this.stopped) throw new Error(`${this.options.name} is stopped`);
      const idle = this.environments.find((e) => !e.busy && !e.dead);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.environments.length + this.starting < this.options.maxConcurrency) return this.spawn();
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  private release(env: Environment): void {
    env.busy = false;
    this.waiting.shift()?.();
  }

  private log(line: Record<string, unknown>): void {
    this.options.logFile?.write(`${JSON.stringify({ ...line, function: this.options.name, timestamp: new Date().toISOString() })}\n`);
  }

  /** A new busy environment, ready for an invocation. */
  private async spawn(): Promise<Environment> {
    this.starting++;
    const { name, code, environment, memorySize, logFile } = this.options;
    try {
      const child = fork(WORKER, [], {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...environment,
          AWS_LAMBDA_FUNCTION_NAME: name,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
          AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
          KAM_LOCAL_ENTRY: code.file,
          KAM_LOCAL_HANDLER: code.exportName,
        },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        // The heap may not outgrow the function's memory size, as Lambda's limit stops a real function.
        execArgv: [`--max-old-space-size=${memorySize}`],
      });
      const env: Environment = { child, busy: true, dead: false, stderrTail: '' };
      if (logFile) child.stdout!.pipe(logFile, { end: false });
      else child.stdout!.resume();
      child.stderr!.on('data', (chunk: Buffer) => {
        env.stderrTail = (env.stderrTail + chunk.toString('utf8')).slice(-4096);
        logFile?.write(chunk);
      });
      await new Promise<void>((ready, fail) => {
        const onExit = (code: number | null) => fail(new Error(`${name} failed to start (exit ${code}): ${env.stderrTail.trim().split('\n').slice(-3).join(' | ')}`));
        child.once('exit', onExit);
        child.on('message', (m: { ready?: boolean; id?: number; result?: unknown; error?: string; maxRssKiB?: number }) => {
          if (m.ready) {
            child.off('exit', onExit);
            return ready();
          }
          const current = env.current;
          if (!current || current.id !== m.id) return;
          clearTimeout(current.timer);
          env.current = undefined;
          current.record.end = Date.now();
          current.record.outcome = m.error === undefined ? 'ok' : 'error';
          if (m.maxRssKiB !== undefined) current.record.maxMemoryMB = Math.round(m.maxRssKiB / 1024);
          // Lambda's own end-of-invocation line, so peak memory per worker can be read from the log.
          this.log({
            message: 'REPORT',
            requestId: current.record.requestId,
            durationMs: current.record.end - current.record.start,
            memorySizeMB: memorySize,
            ...(current.record.maxMemoryMB !== undefined ? { maxMemoryUsedMB: current.record.maxMemoryMB } : {}),
          });
          if (m.error !== undefined) current.reject(new Error(m.error));
          else current.resolve(m.result);
          this.release(env);
        });
      });
      child.on('exit', (exitCode, signal) => {
        env.dead = true;
        this.environments.splice(this.environments.indexOf(env), 1);
        const current = env.current;
        if (current) {
          clearTimeout(current.timer);
          current.record.end = Date.now();
          if (current.timedOut) {
            current.record.outcome = 'timeout';
            current.reject(new Error(`Task timed out after ${this.options.timeoutSeconds.toFixed(2)} seconds`));
          } else if (/heap out of memory|Reached heap limit/i.test(env.stderrTail)) {
            current.record.outcome = 'out-of-memory';
            const message = `Runtime.OutOfMemory: ${name} ran out of memory (its memory size is ${memorySize} MB); the invocation failed`;
            this.log({ level: 'ERROR', message, requestId: current.record.requestId });
            current.reject(new Error(message));
          } else if (!this.stopped) {
            current.record.outcome = 'crash';
            const message = `Runtime.ExitError: ${name} exited during an invocation (${signal ?? `exit ${exitCode}`})`;
            this.log({ level: 'ERROR', message, requestId: current.record.requestId });
            current.reject(new Error(message));
          } else {
            current.reject(new Error(`${name} stopped during an invocation`));
          }
        }
        this.waiting.shift()?.();
      });
      this.environments.push(env);
      return env;
    } finally {
      this.starting--;
    }
  }
}
