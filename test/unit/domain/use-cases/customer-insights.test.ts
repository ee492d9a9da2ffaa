import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type DomainConfig } from '../../../../domain/config.ts';
import type { Task } from '../../../../domain/console/ports.ts';
import type { Customer } from '../../../../domain/customers/customer-master.ts';
import type { Forecast } from '../../../../domain/forecast/forecast.ts';
import type { AnomalyEpisode, CustomerInsights } from '../../../../domain/insights/insights.ts';
import { refreshInsights, TASK_RECENT_DAYS, type InsightEvents, type InsightPorts, type InsightStore } from '../../../../domain/use-cases/customer-insights.ts';
import type { DayWithMeters } from '../../../../domain/usage/meter-day.ts';
import { day, series, weekdayPlant } from '../anomalies/series.ts';

const customer: Customer = {
  customerId: 'C1', name: 'Works', email: 'billing@example.cn', locale: 'en', region: 'east', tariffId: 'none',
  contractKva: 1000, contractKw: 800, accountManagerEmail: 'am@example.cn', pfStandard: 0.9, meterIds: ['M1'],
} as Customer;

/** In-memory ports over a customer's days, with a store that behaves like the DynamoDB one (conditional writes). */
function world(days: DayWithMeters[], opts: { failRecordOnce?: boolean } = {}) {
  const profile: { insights?: CustomerInsights } = {};
  const episodes = new Map<string, AnomalyEpisode>();
  const forecasts = new Map<string, { forecast: Forecast; actual?: { kwh: number; maxDemandKw: number }; ahead?: boolean }>();
  const tasks = new Map<string, Task>();
  let failRecord = opts.failRecordOnce ?? false;
  const insights: InsightStore = {
    async save(_id, i) {
      if (profile.insights && profile.insights.asOf > i.asOf) return false;
      profile.insights = i;
      return true;
    },
    async episodes(_id, since) {
      return [...episodes.values()].filter((e) => e.to >= since);
    },
    async record(e) {
      if (failRecord) {
        failRecord = false;
        throw new Error('throttled');
      }
      const cur = episodes.get(e.episodeKey);
      if (!cur) return episodes.set(e.episodeKey, e), 'opened';
      if (cur.to < e.to || cur.ongoing !== e.ongoing || cur.severity !== e.severity) return episodes.set(e.episodeKey, { ...cur, to: e.to, ongoing: e.ongoing, severity: e.severity }), 'extended';
      return 'unchanged';
    },
    async saveForecast(_id, f) {
      const cur = forecasts.get(f.period);
      if (!cur || (!cur.actual && cur.forecast.basis.to <= f.basis.to)) forecasts.set(f.period, { forecast: f });
    },
    async closeForecast(_id, period, actual, retro) {
      const cur = forecasts.get(period);
      if (cur?.actual) return undefined;
      forecasts.set(period, { forecast: cur?.forecast ?? retro, actual, ahead: cur !== undefined });
      return { forecast: cur?.forecast ?? retro, ahead: cur !== undefined };
    },
  };
  let upTo = days.length;
  const ports: InsightPorts = {
    customers: { get: async (id) => (id === 'C1' ? customer : undefined) },
    tariffs: { get: async () => undefined },
    peers: { get: async () => undefined },
    insights,
    tasks: { createTask: async (t) => (tasks.has(t.id) ? 'exists' : (tasks.set(t.id, t), 'created')) },
    clock: () => new Date('2026-07-01T01:00:00Z'),
    dayOf: () => '2026-07-01',
  };
  /** What the ingest does: one session per file, run on each touched customer's days (those refreshFeatures read). */
  const refresh = (config: DomainConfig, events?: InsightEvents) => {
    const sessions = refreshInsights(ports, config, events);
    return async (touched: ReadonlySet<string>) => {
      const session = sessions();
      for (const id of touched) await session.run(id, id === 'C1' ? days.slice(Math.max(0, upTo - session.historyDays), upTo) : []);
      return session.outcome;
    };
  };
  return { ports, profile, episodes, forecasts, tasks, refresh, setUpTo: (n: number) => (upTo = n) };
}

// 120 days of a weekday plant from 2026-03-02; from day 100 it runs at 40% (a drop on day 100..119).
const dropping = series(weekdayPlant, { days: 120, edit: (i, _wd, _s, kw) => (i >= 100 ? kw * 0.4 : kw) });

describe('refreshInsights (issue 11): forecast and anomalies of the touched customers', () => {
  it('stores the forecast and the anomalies, and opens one task per episode however often it runs', async () => {
    const w = world(dropping);
    const opened: string[] = [];
    const run = w.refresh(DEFAULT_CONFIG, { opened: (_c, a) => opened.push(a.kind) });
    w.setUpTo(110);
    const first = await run(new Set(['C1', 'UNKNOWN']));
    expect(first).toMatchObject({ customers: 1, forecasts: 1, tasks: 1, opened: { 'level-drop': 1 } });
    expect(w.profile.insights?.asOf).toBe(day(109));
    expect(day(109)).toBe('2026-06-19');
    expect(w.profile.insights?.forecast.period).toBe('2026-07');
    const drop = w.profile.insights!.anomalies.find((a) => a.kind === 'level-drop')!;
    expect(drop.from).toBe(day(100));
    // Ten more days of the drop, then the same days again: the episode is extended, never opened again.
    w.setUpTo(120);
    expect(await run(new Set(['C1']))).toMatchObject({ tasks: 0, opened: {} });
    expect(await run(new Set(['C1']))).toMatchObject({ tasks: 0, opened: {} });
    expect([...w.tasks.values()].map((t) => t.source)).toEqual([expect.objectContaining({ kind: 'anomaly', anomaly: 'level-drop', episodeKey: drop.episodeKey })]);
    expect(w.episodes.get(drop.episodeKey)).toMatchObject({ to: day(119), ongoing: true, data: false });
    expect(opened).toEqual(['level-drop']);
  });

  it('opens the task even when recording the episode failed after it (the retry finds the task, records the episode)', async () => {
    const w = world(dropping, { failRecordOnce: true });
    const run = w.refresh(DEFAULT_CONFIG);
    await expect(run(new Set(['C1']))).rejects.toThrow('throttled');
    expect(w.tasks.size).toBe(1);
    expect(w.episodes.size).toBe(0);
    await run(new Set(['C1']));
    expect(w.tasks.size).toBe(1);
    expect([...w.episodes.values()].map((e) => e.kind)).toEqual(['level-drop']);
  });

  it(`records an episode that ended more than ${TASK_RECENT_DAYS} days before the latest day, without a task`, async () => {
    // The drop lasted days 60..79 only; the data goes on normally to day 119.
    const past = series(weekdayPlant, { days: 120, edit: (i, _wd, _s, kw) => (i >= 60 && i < 80 ? kw * 0.4 : kw) });
    const w = world(past);
    const r = await w.refresh(DEFAULT_CONFIG)(new Set(['C1']));
    expect(r.opened['level-drop']).toBe(1);
    expect(r.tasks).toBe(0);
    expect(w.profile.insights!.anomalies.map((a) => [a.kind, a.from])).toContainEqual(['level-drop', day(60)]);
  });

  it('scores a closed month once against the forecast made before it began', async () => {
    const steady = series(weekdayPlant, { days: 153 }); // 2026-03-02 .. 2026-08-01
    const w = world(steady);
    const errors: [string, number, boolean][] = [];
    const run = w.refresh(DEFAULT_CONFIG, { forecastError: (_c, p, pct, _d, ahead) => errors.push([p, pct, ahead]) });
    const june30 = steady.findIndex((d) => d.day === '2026-06-30');
    w.setUpTo(june30 + 1);
    await run(new Set(['C1']));
    expect(w.forecasts.get('2026-07')?.forecast.basis.to).toBe('2026-06-30');
    w.setUpTo(steady.length); // through 2026-08-01: July is closed
    await run(new Set(['C1']));
    await run(new Set(['C1']));
    // June (complete in the first run, with no forecast made ahead: retrospective), then July against the snapshot.
    expect(errors.map(([p, , ahead]) => [p, ahead])).toEqual([
      ['2026-06', false],
      ['2026-07', true],
    ]);
    expect(errors[1]![1]).toBeLessThan(10);
    expect(w.forecasts.get('2026-07')?.actual?.kwh).toBeGreaterThan(0);
    expect(w.profile.insights?.forecast.period).toBe('2026-09');
  });

  it('scores a month whose days came with the months before it by the retrospective forecast, once', async () => {
    const steady = series(weekdayPlant, { days: 153 });
    const w = world(steady);
    const errors: [string, boolean][] = [];
    const run = w.refresh(DEFAULT_CONFIG, { forecastError: (_c, p, _k, _d, ahead) => errors.push([p, ahead]) });
    await run(new Set(['C1']));
    await run(new Set(['C1']));
    expect(errors).toEqual([['2026-07', false]]);
    expect(w.forecasts.get('2026-07')?.forecast.basis.to).toBe('2026-06-30');
  });
});
