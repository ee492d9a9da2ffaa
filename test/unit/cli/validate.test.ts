import { afterEach, describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { validateFiles } from '../../../cli/validate.ts';

// `kam validate` on a metering-system export: the header as understood is printed, so a utility can check a new
// export at a glance (issue 9 §1).
const FIXTURE = fileURLToPath(new URL('../../fixtures/exports/multiplier.csv', import.meta.url));

function capture() {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('kam validate on a wide export', () => {
  it('prints the columns used and ignored and how the interval labels were read', async () => {
    const out = capture();
    expect(await validateFiles([FIXTURE], {})).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('columns used: customer_id ← "户号" (1), meter_id ← "表号" (2), date ← "日期" (4)');
    expect(text).toContain('intervals: 96 intervals of 15 min, labels are interval ends 00:15…24:00 (columns 5–100)');
    expect(text).toContain('columns ignored: "倍率" (3) — applyMultiplier is off: values are taken as they are');
  });

  it('has the same in --json, and multiplies by 倍率 with --apply-multiplier', async () => {
    const out = capture();
    await validateFiles([FIXTURE], { json: true, applyMultiplier: true });
    const doc = JSON.parse(out.join('')) as { files: { columns: { used: { column: string; index: number }[] }; customers: { kwh: number }[] }[] };
    expect(doc.files[0]!.columns.used.map((c) => `${c.column}:${c.index}`)).toEqual(['customer_id:1', 'meter_id:2', 'multiplier:3', 'date:4']);
    expect(doc.files[0]!.customers.map((c) => c.kwh)).toEqual([482, 766, 1050]);
  });

  it('reads a daily frozen register export (日冻结示值), dated by the day it closes with --frozen-reading-at day-end', async () => {
    const file = fileURLToPath(new URL('../../fixtures/exports/frozen-total-multiplier.csv', import.meta.url));
    const run = async (frozenReadingAt?: 'day-end'): Promise<{ files: { columns: { intervals: string }; customers: { kwh: number }[] }[] }> => {
      const out = capture();
      await validateFiles([file], { json: true, applyMultiplier: true, ...(frozenReadingAt ? { frozenReadingAt } : {}) });
      vi.restoreAllMocks();
      return JSON.parse(out.join('')) as { files: { columns: { intervals: string }; customers: { kwh: number }[] }[] };
    };
    const start = await run();
    expect(start.files[0]!.columns.intervals).toMatch(/^daily frozen register readings \(日冻结示值\)/);
    expect(start.files[0]!.customers.map((c) => c.kwh)).toEqual([482, 766, 1050]);
    const end = await run('day-end');
    expect(end.files[0]!.customers.map((c) => c.kwh)).toEqual([482, 766, 1050]);
    expect(JSON.stringify(start.files[0])).toContain('register at 00:00 starting D (frozenReadingAt day-start)');
    expect(JSON.stringify(end.files[0])).toContain('register at 24:00 ending D (frozenReadingAt day-end)');
  });
});
