import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../helpers/shared-data.ts';

// `kam validate` runs from a bundle of the CLI's sources (bin/cli-bundle.js) when it can: it must print exactly what
// the TypeScript prints, and a bundle older than any of its sources must be rebuilt, never run.
const root = join(import.meta.dirname, '..', '..', '..');
const kam = join(root, 'bin', 'kam.js');
const manifest = join(root, '.cache', 'kam-cli.json');
const bundle = join(root, '.cache', 'kam-cli.mjs');
const validate = (file: string, env: Record<string, string> = {}) =>
  execFileSync(process.execPath, [kam, 'validate', file, '--json'], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('kam validate from the CLI bundle', () => {
  it('prints what the TypeScript CLI prints, for a good and a bad file', async () => {
    const { buildBundle } = await import('../../../bin/cli-bundle.js');
    await buildBundle();
    for (const file of [join(SHARED_DATA, 'nem12', 'unzipped', 'Example_NEM12_actual_interval.csv'), join(root, 'package.json')]) {
      let bundled: string, typescript: string;
      try {
        bundled = validate(file);
      } catch (e) {
        bundled = String((e as { stdout: string }).stdout);
      }
      try {
        typescript = validate(file, { KAM_CLI_BUNDLE: '0' });
      } catch (e) {
        typescript = String((e as { stdout: string }).stdout);
      }
      expect(bundled.length).toBeGreaterThan(50);
      expect(bundled).toBe(typescript);
    }
  }, 60_000);

  it('rebuilds the bundle when a source it was built from has changed', async () => {
    const { buildBundle, bundledMain } = await import('../../../bin/cli-bundle.js');
    await buildBundle();
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { inputs: Record<string, number> };
    expect(Object.keys(m.inputs)).toContain('domain/parsing/long-csv.ts');
    m.inputs['domain/parsing/long-csv.ts'] = 0; // as if the file had been edited since
    writeFileSync(manifest, JSON.stringify(m));
    const before = statSync(bundle).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    expect(typeof (await bundledMain())).toBe('function');
    expect(statSync(bundle).mtimeMs).toBeGreaterThan(before);
    const after = JSON.parse(readFileSync(manifest, 'utf8')) as { inputs: Record<string, number> };
    expect(after.inputs['domain/parsing/long-csv.ts']).toBe(statSync(join(root, 'domain/parsing/long-csv.ts')).mtimeMs);
  }, 60_000);
});
