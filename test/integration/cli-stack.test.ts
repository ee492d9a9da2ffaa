import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshId, localApp } from '../helpers/local-app.ts';

/**
 * The CLI's deployed-stack path, end to end: `kam … --stack Kam` reads the KamStateful outputs through
 * CloudFormation DescribeStacks (answered by the local stack's emulator, local/cloudformation.ts) and then works on
 * the resources they name. Each command is a real `kam` child process whose only configuration is the environment
 * a deployed stack would need: credentials, region and the AWS_ENDPOINT_URL_* of the local servers.
 */
const app = localApp();
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(REPO, 'node_modules', '.bin', 'node');
const KAM = join(REPO, 'bin', 'kam.js');
const MASTER = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
const LONG = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';
const PERIOD = '2026-09';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Not the repository: with --stack, nothing may come from local state under .kam/.
const cwd = mkdtempSync(join(tmpdir(), 'kam-cli-stack-'));

function kam(args: string[]): Promise<Run> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...inject('localApp').env };
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [KAM, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill(), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function json<T>(run: Run): T {
  expect(run.stderr, `kam failed (${run.code}): ${run.stderr}`).not.toMatch(/^kam:|^error:/m);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('kam --stack Kam against the local stack (CloudFormation outputs → local resources)', () => {
  const id = freshId();
  const region = `cli-${id.toLowerCase()}`;
  const [day, night] = [`${id}D`, `${id}N`];
  const address = (c: string) => `${c.toLowerCase()}@example.com`;
  const readingsKey = `readings/${id}-${PERIOD}.csv`;
  let uploaded: Run;

  beforeAll(async () => {
    await app.upload('tariffs/cn-large-industry-2026.json', readFileSync(new URL('../../samples/tariffs/cn-large-industry-2026.json', import.meta.url)));
    const master = [MASTER, ...[day, night].map((c) => `${c},CLI ${c},${address(c)},en,${region},cn-large-industry-2026,800,600,am-${id.toLowerCase()}@example.com,0.90,`)];
    expect((await app.upload(`customers/${id}.csv`, master.join('\n'))).rows.accepted).toBe(2);
    // The readings go up through the CLI itself: PutObject on the bucket named by the IngestBucketName output, then
    // waiting on the table named by UsageTableName until the file is processed.
    const rows = [LONG];
    for (let d = 1; d <= 30; d++) {
      for (let h = 0; h < 24; h++) {
        const at = `${PERIOD}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00+08:00`;
        rows.push(`${day},${day},${at},60,${h >= 8 && h < 18 ? '120.000' : '10.000'},5.000,A`);
        rows.push(`${night},${night},${at},60,${h >= 22 || h < 6 ? '90.000' : '15.000'},5.000,A`);
      }
    }
    const file = join(cwd, `${id}-${PERIOD}.csv`);
    writeFileSync(file, rows.join('\n') + '\n');
    uploaded = await kam(['upload', file, '--prefix', 'readings', '--stack', 'Kam', '--json']);
    // Segments come from the population job, which its schedule runs every few minutes; run it now.
    await app.classify();
  }, 300_000);

  it('the local CloudFormation describes KamStateful and KamStateless with outputs naming the local resources', async () => {
    // configured only through the environment, as the CLI's client is
    const cfn = new CloudFormationClient({});
    try {
      const { Stacks } = await cfn.send(new DescribeStacksCommand({}));
      expect(Stacks?.map((s) => [s.StackName, s.StackStatus])).toEqual([
        ['KamStateful', 'CREATE_COMPLETE'],
        ['KamStateless', 'CREATE_COMPLETE'],
      ]);
      const outputs = Object.fromEntries(Stacks![0]!.Outputs!.map((o) => [o.OutputKey, o.OutputValue]));
      expect(outputs).toMatchObject({
        UsageTableName: app.names.table,
        IngestBucketName: app.names.bucket,
        IngestQueueUrl: app.names.ingestQueue,
        IngestDlqUrl: app.names.ingestDlq,
        StatementQueueUrl: app.names.statementQueue,
        AlertQueueUrl: app.names.alertQueue,
        NoticeQueueUrl: app.names.noticeQueue,
      });
      expect(Stacks![0]!.Outputs!.find((o) => o.OutputKey === 'IngestBucketName')?.Description).toMatch(/Upload customers\//);
      expect(Stacks![1]!.Outputs!.map((o) => o.OutputKey)).toContain('IngestReadingsFunctionName');
    } finally {
      cfn.destroy();
    }
  });

  it('kam upload --stack Kam puts the file in the stack’s bucket and reports it processed', () => {
    const out = json<{ files: { key: string; status: string; rows: { accepted: number; rejected: number } }[] }>(uploaded);
    expect(out.files).toEqual([expect.objectContaining({ key: readingsKey, status: 'accepted', rows: { accepted: 2 * 30 * 24, rejected: 0 } })]);
  });

  it('kam --stack Kam files --json lists the files this test uploaded with their outcomes', async () => {
    const out = json<{ files: { key: string; status: string; rows: { accepted: number; rejected: number } }[] }>(await kam(['--stack', 'Kam', 'files', '--json']));
    const mine = out.files.filter((f) => f.key.includes(id));
    expect(mine.map((f) => [f.key, f.status, f.rows.accepted])).toEqual([
      [`customers/${id}.csv`, 'accepted', 2],
      [readingsKey, 'accepted', 2 * 30 * 24],
    ]);
  });

  it('kam customers --stack Kam --region … --json lists exactly this test’s customers, classified from its readings', async () => {
    const out = json<{ customers: { id: string; region: string; tier?: string; pattern?: string; asOf?: string }[] }>(
      await kam(['customers', '--stack', 'Kam', '--region', region, '--json']),
    );
    expect(out.customers.map((c) => [c.id, c.region])).toEqual([
      [day, region],
      [night, region],
    ]);
    // Classification runs over the whole population, so asOf is the latest day of any test's data, never before ours.
    for (const c of out.customers) {
      expect(c.tier).toMatch(/^[ABC]$/);
      expect(c.asOf! >= `${PERIOD}-30`).toBe(true);
    }
    expect(out.customers.find((c) => c.id === day)?.pattern).not.toBe(out.customers.find((c) => c.id === night)?.pattern);
  });

  it('kam --stack Kam run statements queues on the stack’s statement queue; kam statements --stack Kam lists what was emailed', async () => {
    const run = json<{ statements: { customer: string; period: string; version: number; emailed: boolean; messageId: string | null; total: string }[] }>(
      await kam(['--stack', 'Kam', 'run', 'statements', '--period', PERIOD, '--customer', day, '--json']),
    );
    const fromRun = run.statements.filter((s) => s.customer.startsWith(id));
    expect(fromRun).toEqual([expect.objectContaining({ customer: day, period: PERIOD, version: 1, emailed: true, messageId: expect.any(String) })]);

    const listed = json<{ statements: { customer: string; version: number; emailed: boolean; messageId: string | null; total: string }[] }>(
      await kam(['statements', '--period', PERIOD, '--stack', 'Kam', '--json']),
    );
    expect(listed.statements.filter((s) => s.customer.startsWith(id))).toEqual(fromRun);
    const stored = await app.stores.statements.latest(day, PERIOD);
    expect(stored).toMatchObject({ version: 1, bill: { total: fromRun[0]!.total }, email: { state: 'sent', messageId: fromRun[0]!.messageId } });
    const mail = await app.mail((a) => a === address(day));
    expect(mail).toHaveLength(1);
    expect(await app.mail((a) => a === address(night))).toHaveLength(0);
  });

  it('an unknown stack prefix fails with a clear message, and --stack is refused where it does not apply', async () => {
    const missing = await kam(['files', '--stack', `Nope${id}`, '--json']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain(`no stack Nope${id}Stateful (--stack takes the prefix`);
    const misplaced = await kam(['--stack', 'Kam', 'validate', join(cwd, `${id}-${PERIOD}.csv`)]);
    expect(misplaced.code).toBe(1);
    expect(misplaced.stderr).toContain('--stack does not apply to kam validate');
  });
});
