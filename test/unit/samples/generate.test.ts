import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHETYPES, writeSamples } from '../../../samples/generate.ts';

const SAMPLES = fileURLToPath(new URL('../../../samples/', import.meta.url));
const DATA_DIRS = ['customers', 'readings', 'payments'];
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

interface Archetypes {
  counts: { patterns: Record<string, number>; trends: Record<string, number>; regions: Record<string, number> };
  customers: { id: string; pattern: string; trend: string; region: string }[];
  badRows: { file: string; line: number; why: string }[];
  quarantine: { file: string; rows: number; bad: number };
}

describe('samples/generate.ts', () => {
  let out: string;
  let written: { path: string; bytes: number }[];

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'kam-samples-'));
    written = writeSamples(out);
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('regenerates exactly the committed files', () => {
    const committed = [ARCHETYPES, ...DATA_DIRS.flatMap((d) => walk(join(SAMPLES, d)))]
      .map((p) => (p === ARCHETYPES ? p : relative(SAMPLES, p).split(sep).join('/')))
      .sort();
    expect(committed).toEqual(written.map((f) => f.path).sort());
    for (const { path } of written) {
      const fresh = readFileSync(join(out, path));
      const kept = readFileSync(join(SAMPLES, path));
      if (path.endsWith('.gz')) {
        // Deflate output belongs to the zlib build; the content and the fixed header (mtime 0) are what must match.
        expect(sha256(gunzipSync(fresh)), path).toBe(sha256(gunzipSync(kept)));
        expect(kept.subarray(0, 8).toString('hex'), path).toBe('1f8b080000000000');
      } else {
        expect(sha256(fresh), path).toBe(sha256(kept));
      }
    }
  });

  it('covers every load pattern and trend at least three times, 60+ customers in 4 regions', () => {
    const a = JSON.parse(readFileSync(join(SAMPLES, ARCHETYPES), 'utf8')) as Archetypes;
    expect(a.customers.length).toBeGreaterThanOrEqual(60);
    expect(new Set(a.customers.map((c) => c.region)).size).toBe(4);
    for (const p of ['continuous', 'day-shift', 'evening-peak', 'night-shift', 'weekday-only', 'irregular']) {
      expect(a.customers.filter((c) => c.pattern === p).length, p).toBeGreaterThanOrEqual(3);
    }
    for (const t of ['growing', 'declining', 'volatile', 'stable', 'unknown']) {
      expect(a.customers.filter((c) => c.trend === t).length, t).toBeGreaterThanOrEqual(3);
    }
  });

  it('keeps deliberate bad rows under the quarantine share, except in the file meant to be quarantined', () => {
    const a = JSON.parse(readFileSync(join(SAMPLES, ARCHETYPES), 'utf8')) as Archetypes;
    const files = new Set(a.badRows.map((b) => b.file));
    expect(files.size).toBe(2);
    for (const file of files) {
      const raw = readFileSync(join(SAMPLES, file));
      const rows = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('latin1').split('\n').length - 2;
      expect(a.badRows.filter((b) => b.file === file).length / rows, file).toBeLessThan(0.01);
    }
    expect(a.quarantine.bad / a.quarantine.rows).toBeGreaterThan(0.1);
  });

  it('stays under 10 MB in all', () => {
    const total = walk(SAMPLES).reduce((s, p) => s + statSync(p).size, 0);
    expect(total).toBeLessThan(10 * 1024 * 1024);
  });
});
