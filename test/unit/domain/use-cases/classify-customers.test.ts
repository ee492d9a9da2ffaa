import { describe, expect, it } from 'vitest';
import { classifyAll } from '../../../../domain/classification/classify.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { refreshFeatures, runPopulationJob, type JobOptions } from '../../../../domain/use-cases/classify-customers.ts';
import { AS_OF, SHAPES, generate } from '../classification/synthetic.ts';
import { customer, MemoryPopulation, MemorySegments, MemoryUsage } from './memory-population.ts';

const shapes = Object.values(SHAPES);
const JOB: JobOptions = { owner: 'run-1', leaseMs: 60_000, settleMs: 0 };

/** `n` customers of the synthetic archetypes at different sizes, their days stored, features not yet computed. */
function world(n: number) {
  const usage = new MemoryUsage();
  const segments = new MemorySegments(usage);
  const population = new MemoryPopulation();
  let t = Date.parse('2026-01-01T00:00:00Z');
  const clock = () => new Date((t += 1000));
  for (let i = 0; i < n; i++) {
    const id = `C${String(i).padStart(3, '0')}`;
    segments.profiles.set(id, { customer: customer(id, i % 2 ? 'north' : 'south') });
    usage.days.set(id, generate({ customerId: id, shape: shapes[i % shapes.length]!, seed: i + 1, scale: () => 1 + (i % 7) * 3 }));
  }
  const refresh = refreshFeatures({ usage, segments, population, clock }, DEFAULT_CONFIG);
  const job = runPopulationJob({ segments, population, clock, sleep: async () => undefined }, DEFAULT_CONFIG);
  return { usage, segments, population, refresh, job, ids: [...segments.profiles.keys()] };
}

describe('refreshFeatures (ingest)', () => {
  it('reads and writes only the touched customers, and marks the population changed', async () => {
    const w = world(40);
    const r = await w.refresh(new Set(['C001', 'C002']));
    expect(r).toEqual({ asOf: AS_OF, refreshed: 2 });
    expect(w.usage.ranges).toBe(4); // the windows and the year-earlier window, per touched customer
    expect(w.segments.calls).toMatchObject({ all: 0, latestDay: 2, saveFeatures: 2, save: 0 });
    expect([...w.segments.profiles.values()].filter((p) => p.featureResult).map((p) => p.customer.customerId)).toEqual(['C001', 'C002']);
    expect([...w.segments.profiles.values()].some((p) => p.segment)).toBe(false);
    expect(w.population.marker).toMatchObject({ version: 1, classifiedVersion: 0, asOf: AS_OF });
  });

  it('with work alongside (the ingest\'s forecasts and anomalies), reads each touched customer once for both, and computes the same features', async () => {
    const alone = world(40);
    const w = world(40);
    const seen: { id: string; from: string; to: string; days: number }[] = [];
    const alongside = { historyDays: 431, run: async (id: string, days: readonly { day: string }[]) => void seen.push({ id, from: days[0]!.day, to: days.at(-1)!.day, days: days.length }) };
    await alone.refresh(new Set(['C001', 'C002']));
    expect(await w.refresh(new Set(['C001', 'C002']), alongside)).toEqual({ asOf: AS_OF, refreshed: 2 });
    expect(w.usage.ranges).toBe(2);
    expect(seen.map((x) => [x.id, x.to])).toEqual([['C001', AS_OF], ['C002', AS_OF]]);
    // The one range covers the history asked for (or all the stored days, when there are fewer).
    const stored = w.usage.days.get('C001')!.filter((d) => d.day <= AS_OF);
    expect(seen[0]!.days).toBe(Math.min(stored.length, stored.filter((d) => Date.parse(d.day) > Date.parse(AS_OF) - 453 * 86_400_000).length));
    expect(w.segments.profiles.get('C001')!.featureResult).toEqual(alone.segments.profiles.get('C001')!.featureResult);
  });

  it('costs the same per file whatever the population size', async () => {
    const small = world(20);
    const large = world(200);
    await small.refresh(new Set(['C001', 'C003', 'C005']));
    await large.refresh(new Set(['C001', 'C003', 'C005']));
    expect(large.usage.ranges).toBe(small.usage.ranges);
    expect(large.segments.calls).toEqual(small.segments.calls);
  });

  it('keeps the stored features of a customer with no days in the window (an old backfill), and still marks the change', async () => {
    const w = world(3);
    w.usage.days.set('C000', generate({ customerId: 'C000', shape: SHAPES.continuous, end: '2020-01-31', days: 10 }));
    const r = await w.refresh(new Set(['C000', 'C001']));
    expect(r.refreshed).toBe(1);
    expect(w.segments.profiles.get('C000')!.featureResult).toBeUndefined();
    expect(w.population.marker.version).toBe(1);
  });
});

describe('runPopulationJob (the single writer of segments)', () => {
  it('does nothing until a change is marked, then classifies the whole population once for many ingests', async () => {
    const w = world(30);
    expect(await w.job(JOB)).toEqual({ ran: false, reason: 'unchanged', version: 0 });
    for (let i = 0; i < 30; i += 5) await w.refresh(new Set(w.ids.slice(i, i + 5)));
    expect(w.population.marker.version).toBe(6);
    const r = await w.job(JOB);
    expect(r).toMatchObject({ ran: true, version: 6, asOf: AS_OF, classified: 30 });
    expect(w.segments.calls.all).toBe(1);
    expect(w.population.marker.classifiedVersion).toBe(6);
    expect(await w.job(JOB)).toEqual({ ran: false, reason: 'unchanged', version: 6 });
    expect(w.segments.calls.all).toBe(1);
  });

  it('gives the segments one classification of everyone gives', async () => {
    const w = world(30);
    await w.refresh(new Set(w.ids.slice(0, 17)));
    await w.refresh(new Set(w.ids.slice(17)));
    await w.job(JOB);
    const direct = classifyAll({
      customers: w.ids.map((id) => ({ facts: { customerId: id, region: w.segments.profiles.get(id)!.customer.region }, days: w.usage.days.get(id)! })),
      asOf: AS_OF,
      cfg: DEFAULT_CONFIG.classification,
    });
    const stored = w.ids.map((id) => w.segments.profiles.get(id)!.segment!);
    expect(stored.map((s) => [s.customerId, s.tier, s.pattern, s.trend])).toEqual(direct.segments.map((s) => [s.customerId, s.tier, s.pattern, s.trend]));
    expect(stored.map((s) => s.features)).toEqual(direct.segments.map((s) => s.features));
    expect(w.segments.peers?.groups.reduce((a, g) => a + g.size, 0)).toBe(30);
  });

  it('rewrites and records in history only the segments that changed', async () => {
    const w = world(30);
    await w.refresh(new Set(w.ids));
    await w.job(JOB);
    expect(w.segments.history).toHaveLength(30);
    // The same days again: features unchanged, so nothing to write and no history.
    await w.refresh(new Set(['C004']));
    const again = await w.job(JOB);
    expect(again).toMatchObject({ ran: true, classified: 0, moved: [] });
    expect(w.segments.history).toHaveLength(30);
    // One customer's last 30 days tripled: its features change; a history entry for it.
    w.usage.days.set('C004', generate({ customerId: 'C004', shape: shapes[4]!, seed: 5, scale: (i) => (i >= 170 ? 3 : 1) * (1 + 4 * 3) }));
    await w.refresh(new Set(['C004']));
    const moved = await w.job(JOB);
    expect(moved.ran && moved.classified).toBeGreaterThanOrEqual(1);
    expect(w.segments.history.slice(30).map((s) => s.customerId)).toContain('C004');
  });

  it('keeps a change marked during a run for the next run', async () => {
    const w = world(10);
    await w.refresh(new Set(w.ids));
    w.segments.onAll = async () => {
      w.segments.onAll = undefined;
      await w.refresh(new Set(['C001'])); // an ingest finishing while the job reads the population
    };
    expect(await w.job(JOB)).toMatchObject({ ran: true, version: 1 });
    expect(w.population.marker).toMatchObject({ version: 2, classifiedVersion: 1 });
    expect(await w.job(JOB)).toMatchObject({ ran: true, version: 2 });
    expect(await w.job(JOB)).toMatchObject({ ran: false, reason: 'unchanged' });
  });

  it('runs one at a time: a run while another holds the lease does nothing; a lease that ran out is taken over', async () => {
    const w = world(10);
    await w.refresh(new Set(w.ids));
    let second: unknown;
    w.segments.onAll = async () => {
      w.segments.onAll = undefined;
      second = await w.job({ ...JOB, owner: 'run-2' });
    };
    expect(await w.job(JOB)).toMatchObject({ ran: true });
    expect(second).toEqual({ ran: false, reason: 'busy', version: 1 });
    expect(w.segments.calls.save).toBe(1);
    // A killed run leaves its lease; once it runs out, the next run classifies.
    await w.population.acquire('killed', new Date(0), new Date(0));
    await w.refresh(new Set(['C001']));
    expect(await w.job({ ...JOB, owner: 'run-3' })).toMatchObject({ ran: true, version: 2 });
  });

  it('gives the lease back when classification fails, and classifies the same changes next time', async () => {
    const w = world(5);
    await w.refresh(new Set(w.ids));
    w.segments.onAll = async () => {
      w.segments.onAll = undefined;
      throw new Error('table unavailable');
    };
    await expect(w.job(JOB)).rejects.toThrow('table unavailable');
    expect(w.population.marker.leaseOwner).toBeUndefined();
    expect(w.population.marker.classifiedVersion).toBe(0);
    expect(await w.job(JOB)).toMatchObject({ ran: true, version: 1, classified: 5 });
  });

  it('waits for a change marked less than settleMs ago before reading the population', async () => {
    const w = world(3);
    const slept: number[] = [];
    const now = new Date('2026-01-01T00:00:10.000Z');
    const job = runPopulationJob({ segments: w.segments, population: w.population, clock: () => now, sleep: async (ms) => void slept.push(ms) }, DEFAULT_CONFIG);
    await w.population.changed(AS_OF, new Date('2026-01-01T00:00:09.000Z'));
    await job({ ...JOB, settleMs: 3000 });
    expect(slept).toEqual([2000]);
  });
});
