import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(REPO, 'node_modules/.bin/node');

/** A newcomer's data: two customers, one of whose tariff was never uploaded, and September's readings for both. */
function newcomerData(dir: string): void {
  for (const d of ['customers', 'tariffs', 'readings']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(
    join(dir, 'customers/master.csv'),
    [
      'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard',
      'NC0001,Newcomer Works,billing.nc0001@example.cn,en,east,cn-large-industry-2026,800,600,am@example.cn,0.90',
      'NC0002,Forgotten Tariff Ltd,billing.nc0002@example.cn,en,east,no-such-tariff,800,600,am@example.cn,0.90',
    ].join('\n'),
  );
  copyFileSync(join(REPO, 'samples/tariffs/cn-large-industry-2026.json'), join(dir, 'tariffs/cn-large-industry-2026.json'));
  const rows = ['customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality'];
  for (const id of ['NC0001', 'NC0002']) {
    for (let d = 1; d <= 30; d++) {
      for (let h = 0; h < 24; h++) rows.push(`${id},${id},2026-09-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00+08:00,60,${(200 + 50 * Math.sin(h / 4)).toFixed(3)},40.000,A`);
    }
  }
  writeFileSync(join(dir, 'readings/september.csv'), rows.join('\n'));
}

describe('kam local for a newcomer whose data is not complete', () => {
  let work: string;
  let result: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kam-newcomer-'));
    newcomerData(join(work, 'data'));
    result = await new Promise((resolve) => {
      execFile(NODE, [join(REPO, 'bin/kam.js'), 'local', '--data', join(work, 'data'), '--json'], { cwd: work, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('still prints its whole JSON document, lists the statement that could not be made with the reason, and exits 1', () => {
    expect(result.code, result.stderr).toBe(1);
    const doc = JSON.parse(result.stdout) as {
      files: { key: string; status: string }[];
      customers: { id: string; tier?: string; forecast?: unknown; anomalies?: unknown[] }[];
      statements: { customer: string; period: string; status: string; emailed?: boolean; reason?: string }[];
      deadLetters: number;
    };
    expect(doc.files.map((f) => [f.key, f.status])).toEqual([
      ['customers/master.csv', 'accepted'],
      ['tariffs/cn-large-industry-2026.json', 'accepted'],
      ['readings/september.csv', 'accepted'],
    ]);
    expect(doc.customers.map((c) => [c.id, Boolean(c.tier)])).toEqual([
      ['NC0001', true],
      ['NC0002', true],
    ]);
    // 30 days are too few for a forecast (42 needed): null, not a guess; a steady load raises no anomaly.
    expect(doc.customers.map((c) => [c.id, c.forecast, c.anomalies])).toEqual([
      ['NC0001', null, []],
      ['NC0002', null, []],
    ]);
    expect(doc.statements).toEqual([
      expect.objectContaining({ customer: 'NC0001', period: '2026-09', status: 'stored', emailed: true }),
      { customer: 'NC0002', period: '2026-09', status: 'failed', reason: 'customer NC0002: tariff no-such-tariff is not loaded (upload it under tariffs/)' },
    ]);
    expect(doc.deadLetters).toBe(0);
  });
});
