import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../helpers/shared-data.ts';

// `kam validate` starts itself again with small semi-spaces (bin/kam.js): what it prints and its exit code must be
// the command's own, and the process that reads the file must run with the flag.
const root = join(import.meta.dirname, '..', '..', '..');
const kam = join(root, 'bin', 'kam.js');
const nem12 = join(SHARED_DATA, 'nem12', 'unzipped', 'Example_NEM12_actual_interval.csv');

function run(file: string, env: Record<string, string> = {}): { stdout: string; status: number; execArgvs: string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'kam-v8-'));
  const probe = join(dir, 'probe.mjs');
  // Preloaded into every node process of the command: each appends its own V8 flags on exit.
  writeFileSync(probe, `import { appendFileSync } from 'node:fs';\nprocess.on('exit', () => appendFileSync(${JSON.stringify(join(dir, 'argv.jsonl'))}, JSON.stringify(process.execArgv) + '\\n'));\n`);
  let stdout = '';
  let status = 0;
  try {
    stdout = execFileSync(process.execPath, ['--import', pathToFileURL(probe).href, kam, 'validate', file, '--json'], { encoding: 'utf8', env: { ...process.env, ...env } });
  } catch (e) {
    stdout = String((e as { stdout: string }).stdout);
    status = (e as { status: number }).status;
  }
  const execArgvs = readFileSync(join(dir, 'argv.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
  return { stdout, status, execArgvs };
}

describe('kam validate runs with its V8 flags', () => {
  it('reads the file in a process with --max-semi-space-size=8 and prints and exits as the command', () => {
    const good = run(nem12);
    expect(good.status).toBe(0);
    expect((JSON.parse(good.stdout) as { files: { status: string }[] }).files[0]!.status).toBe('accepted');
    expect(good.execArgvs).toHaveLength(2);
    expect(good.execArgvs.filter((a) => a.includes('--max-semi-space-size=8'))).toHaveLength(1);

    const bad = run(join(root, 'package.json'));
    expect(bad.status).toBe(1);
    expect((JSON.parse(bad.stdout) as { files: { status: string }[] }).files[0]!.status).toBe('failed');
  }, 60_000);

  it('runs in one process when KAM_CLI_V8=0', () => {
    const r = run(nem12, { KAM_CLI_V8: '0' });
    expect(r.status).toBe(0);
    expect(r.execArgvs).toHaveLength(1);
    expect(r.execArgvs[0]).not.toContain('--max-semi-space-size=8');
  }, 60_000);
});
