import { readFileSync } from 'node:fs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CustomerInsights } from '../../domain/insights/insights.ts';
import { isForecast } from '../../domain/forecast/forecast.ts';
import { freshId, localApp } from '../helpers/local-app.ts';

/**
 * Issue 11 on the local stack: ingest → features (classification) → forecast and anomalies stored on the customer →
 * a task opened once per anomaly episode, through the IngestReadings function with its role enforced, whatever the
 * order and multiplicity of the files' deliveries.
 */
const app = localApp();
const MASTER = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
const LONG = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';
const FIRST = Date.UTC(2026, 4, 1); // 2026-05-01
const day = (d: number) => new Date(FIRST + d * 86_400_000).toISOString().slice(0, 10);
const dayIndex = (key: string) => Math.round((Date.parse(`${key}T00:00:00Z`) - FIRST) / 86_400_000);

/** A day-shift plant (busy 08–18 on weekdays, lighter at weekends) with some texture. */
function plant(d: number, h: number): number {
  const weekend = new Date(FIRST + d * 86_400_000).getUTCDay() % 6 === 0;
  const busy = h >= 8 && h < 18;
  const v = (busy ? 100 + ((d * 7 + h) % 13) : 20 + (h % 3)) * (weekend ? 0.6 : 1);
  return Math.round(v * 1000) / 1000;
}

const DROP_FROM = '2026-09-08';
/** X: the plant, at half its load from DROP_FROM (business trouble). */
const x = (d: number, h: number) => (day(d) >= DROP_FROM ? Math.round(plant(d, h) * 500) / 1000 : plant(d, h));
const FLAT_DAY = '2026-09-15';
/** Y: the plant, except that its meter repeats one reading all of FLAT_DAY (a stuck register). */
const y = (d: number, h: number) => (day(d) === FLAT_DAY ? 55.5 : plant(d, h));

function readings(rows: readonly { id: string; load: (d: number, h: number) => number }[], from: string, to: string): string {
  const out = [LONG];
  for (const { id, load } of rows) {
    for (let d = dayIndex(from); d <= dayIndex(to); d++) {
      for (let h = 0; h < 24; h++) out.push(`${id},${id}-M1,${day(d)}T${String(h).padStart(2, '0')}:00:00+08:00,60,${load(d, h)},,A`);
    }
  }
  return out.join('\n') + '\n';
}

describe('forecasts and anomalies on ingest (issue 11)', () => {
  const id = freshId();
  const [X, Y] = [`${id}X`, `${id}Y`] as const;
  const both = [
    { id: X, load: x },
    { id: Y, load: y },
  ];
  const insightsOf = async (c: string) => (await app.stores.customers.get(c))?.insights as CustomerInsights | undefined;
  const anomalyTasks = async (c: string) => (await app.stores.console.tasksOf(c)).filter((t) => t.source.kind === 'anomaly');

  beforeAll(async () => {
    await app.upload('tariffs/cn-large-industry-2026.json', readFileSync(new URL('../../samples/tariffs/cn-large-industry-2026.json', import.meta.url)));
    const master = [MASTER, ...[X, Y].map((c) => `${c},Test ${c},ops-${c.toLowerCase()}@example.com,en,itest,cn-large-industry-2026,1000,800,am-${id.toLowerCase()}@example.com,0.90,${c}-M1`)];
    expect((await app.upload(`customers/${id}.csv`, master.join('\n') + '\n')).status).toBe('accepted');
  });

  it('stores a forecast of next month after the first file, and no anomaly on a normal history', async () => {
    expect((await app.upload(`readings/${id}-1.csv`, readings(both, '2026-05-01', '2026-07-31'))).status).toBe('accepted');
    const ins = await insightsOf(X);
    expect(ins?.asOf).toBe('2026-07-31');
    expect(ins?.anomalies).toEqual([]);
    const f = ins!.forecast;
    if (!isForecast(f)) throw new Error(`no forecast: ${JSON.stringify(f)}`);
    expect(f.period).toBe('2026-08');
    // August 2026 has 21 weekdays and 10 weekend days; the plant's average day is about 1,500 kWh.
    let august = 0;
    for (let d = dayIndex('2026-08-01'); d <= dayIndex('2026-08-31'); d++) for (let h = 0; h < 24; h++) august += plant(d, h);
    expect(Math.abs(f.kwh - august) / august).toBeLessThan(0.05);
    expect(f.kwhLow).toBeLessThan(f.kwh);
    expect(f.kwhHigh).toBeGreaterThan(f.kwh);
    expect(f.maxDemandKw).toBeGreaterThan(100);
    expect(f.bill?.currency).toBe('CNY');
    expect(Number(f.bill?.total)).toBeGreaterThan(0);
    // The month's snapshot, for scoring it once the month is in.
    const snap = await app.clients.doc.send(new GetCommand({ TableName: app.names.table, Key: { pk: `CUST#${X}`, sk: 'FCST#2026-08' }, ConsistentRead: true }));
    expect(snap.Item?.forecast.kwh).toBe(f.kwh);
    expect(snap.Item?.actual).toBeUndefined();
  });

  it('scores a closed month against its forecast once, and forecasts the month after', async () => {
    expect((await app.upload(`readings/${id}-2.csv`, readings(both, '2026-08-01', '2026-08-31'))).status).toBe('accepted');
    const snap = await app.clients.doc.send(new GetCommand({ TableName: app.names.table, Key: { pk: `CUST#${X}`, sk: 'FCST#2026-08' }, ConsistentRead: true }));
    let august = 0;
    for (let d = dayIndex('2026-08-01'); d <= dayIndex('2026-08-31'); d++) for (let h = 0; h < 24; h++) august += plant(d, h);
    expect(snap.Item?.actual.kwh).toBeCloseTo(august, 3);
    const ins = await insightsOf(X);
    expect(ins?.forecast.period).toBe('2026-09');
    // The error reached the dashboard as a metric (EMF in the function's log).
    const log = (await app.functionLog('IngestReadings')).filter((l) => l.includes('"ForecastErrorPct"'));
    expect(log.length).toBeGreaterThan(0);
  });

  it('detects a level drop and a flat line, records each episode once and opens one task per episode', async () => {
    expect((await app.upload(`readings/${id}-3.csv`, readings(both, '2026-09-01', '2026-09-20'))).status).toBe('accepted');
    const x1 = await insightsOf(X);
    const drop = x1?.anomalies.find((a) => a.kind === 'level-drop');
    expect(drop, JSON.stringify(x1?.anomalies)).toBeDefined();
    expect(drop!.from >= DROP_FROM && drop!.from <= '2026-09-10').toBe(true);
    expect(drop!.evidence).toMatch(/%/);
    expect(x1!.anomalies.filter((a) => a.kind !== 'level-drop')).toEqual([]);
    const y1 = await insightsOf(Y);
    const flat = y1?.anomalies.find((a) => a.kind === 'flat-line');
    expect(flat, JSON.stringify(y1?.anomalies)).toMatchObject({ from: FLAT_DAY, to: FLAT_DAY });
    expect(y1!.anomalies.some((a) => a.kind.startsWith('level-'))).toBe(false);

    const tasks = await anomalyTasks(X);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ kind: 'phone-call', status: 'open', assignee: `am-${id.toLowerCase()}@example.com`, source: { kind: 'anomaly', anomaly: 'level-drop', episodeKey: drop!.episodeKey } });
    expect(await anomalyTasks(Y)).toMatchObject([{ source: { kind: 'anomaly', anomaly: 'flat-line' } }]);

    // The metering team's list: Y's flat line is a data anomaly, X's drop is not.
    const data = await app.stores.insights.recent('2026-09-01', { data: true });
    expect(data.filter((e) => e.customerId === Y).map((e) => e.kind)).toEqual(['flat-line']);
    expect(data.some((e) => e.customerId === X)).toBe(false);
  });

  it('keeps one episode and one task when the drop goes on in files delivered concurrently, out of order and twice', async () => {
    const dropKey = (await insightsOf(X))!.anomalies.find((a) => a.kind === 'level-drop')!.episodeKey;
    // The later days first, both at once; then the later file's event again.
    const late = readings(both, '2026-09-26', '2026-09-30');
    const [etagLate] = await Promise.all([app.put(`readings/${id}-5.csv`, late), app.put(`readings/${id}-4.csv`, readings(both, '2026-09-21', '2026-09-25'))]);
    await app.idle();
    await app.redeliver(`readings/${id}-5.csv`, etagLate, Buffer.byteLength(late));
    await app.idle();

    const ins = await insightsOf(X);
    expect(ins?.asOf).toBe('2026-09-30');
    const drops = ins!.anomalies.filter((a) => a.kind === 'level-drop');
    expect(drops.map((a) => a.episodeKey)).toEqual([dropKey]);
    expect(drops[0]).toMatchObject({ to: '2026-09-30', ongoing: true });
    const tasks = await anomalyTasks(X);
    expect(tasks.map((t) => t.source.kind === 'anomaly' && t.source.episodeKey)).toEqual([dropKey]);
    // The recorded episode was extended, not opened again.
    const episodes = await app.stores.insights.episodes(X, '2026-09-01');
    expect(episodes.filter((e) => e.kind === 'level-drop')).toMatchObject([{ episodeKey: dropKey, to: '2026-09-30' }]);
    expect(await anomalyTasks(Y)).toHaveLength(1);
  });
});
