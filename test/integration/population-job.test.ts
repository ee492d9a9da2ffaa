import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyComputed, type Segment } from '../../domain/classification/classify.ts';
import { computeFeatures, yearEarlier, type FeatureResult } from '../../domain/classification/features.ts';
import type { Customer } from '../../domain/customers/customer-master.ts';
import { DEFAULT_CONFIG } from '../../domain/config.ts';
import { dayKeyOfEpochDay, epochDayOf } from '../../domain/time/zone.ts';
import { freshId, localApp } from '../helpers/local-app.ts';

/**
 * Issue 9 §5 on the local stack: files ingested concurrently only store their customers' features and mark the
 * population changed; the ClassifyPopulation job (invoked as its schedule would) is the one writer of segments, and
 * what it writes is what one sequential classification of the same stored days gives.
 */
const app = localApp();
const cfg = DEFAULT_CONFIG.classification;
const MASTER = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
const LONG = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';
/**
 * 120 days ending 2026-12-17, the last day other tests upload (ingest-readings.test.ts): the population's window ends
 * there whichever test runs first, so this test moves no other test's classification window (the stack is shared).
 */
const DAYS = 120;
const FIRST = Date.UTC(2026, 11, 17) - (DAYS - 1) * 86_400_000;
const FILES = 6;
const PER_FILE = 2;

const day = (d: number) => new Date(FIRST + d * 86_400_000).toISOString().slice(0, 10);

/** Distinct load shapes and sizes, so tiers, patterns and peer groups differ across the customers. */
function kwh(c: number, d: number, h: number): number {
  const size = 1 + (c % 4) * 5;
  const on = c % 3 === 0 ? h >= 8 && h < 18 : c % 3 === 1 ? h >= 22 || h < 6 : true;
  const growth = c % 5 === 0 && d >= DAYS - 30 ? 1.6 : 1;
  return Math.round(size * growth * (on ? 90 + ((d * 7 + h + c) % 11) : 12 + (h % 3)) * 1000) / 1000;
}

function readings(ids: readonly string[], first: number): string {
  const rows = [LONG];
  ids.forEach((id, i) => {
    for (let d = 0; d < DAYS; d++) {
      for (let h = 0; h < 24; h++) rows.push(`${id},${id},${day(d)}T${String(h).padStart(2, '0')}:00:00+08:00,60,${kwh(first + i, d, h)},,A`);
    }
  });
  return rows.join('\n') + '\n';
}

interface Marker {
  version: number;
  classifiedVersion?: number;
  asOf?: string;
}

async function marker(): Promise<Marker> {
  const res = await app.clients.doc.send(new GetCommand({ TableName: app.names.table, Key: { pk: 'POPULATION', sk: 'MARKER' }, ConsistentRead: true }));
  return (res.Item ?? { version: 0 }) as Marker;
}

describe('population classification: concurrent ingests, one writer', () => {
  const id = freshId();
  const region = `pop-${id.toLowerCase()}`;
  const ids = Array.from({ length: FILES * PER_FILE }, (_, i) => `${id}P${String(i).padStart(2, '0')}`);
  let before: Marker;
  let ingested: Marker;

  beforeAll(async () => {
    const master = [MASTER, ...ids.map((c) => `${c},Pop ${c},${c.toLowerCase()}@example.com,en,${region},cn-large-industry-2026,1000,800,am@example.com,0.90,`)];
    expect((await app.upload(`customers/${id}.csv`, master.join('\n'))).status).toBe('accepted');
    // Whatever earlier tests left unclassified is classified first, so this test's run starts from a clean marker.
    await app.classify();
    before = await marker();

    // Every file in S3 at once: their events reach IngestReadings together, which runs them in several execution
    // environments at the same time. (Racing direct invocations against the poller for the same files would leave a
    // "busy" message invisible for the queue's 30-minute visibility timeout, as in AWS.)
    const files = Array.from({ length: FILES }, (_, f) => ({ key: `readings/${id}-part${f}.csv`, body: readings(ids.slice(f * PER_FILE, (f + 1) * PER_FILE), f * PER_FILE) }));
    await Promise.all(files.map((f) => app.put(f.key, f.body)));
    await app.idle();
    const outcomes = (await app.stores.files.list()).filter((o) => o.key.startsWith(`readings/${id}-part`));
    expect(outcomes.map((o) => o.status)).toEqual(Array(FILES).fill('accepted'));
    ingested = await marker();
  }, 300_000);

  it('ingest stores each touched customer’s features and marks one change per file, and writes no segment', async () => {
    expect(ingested.version - before.version).toBe(FILES);
    expect(day(DAYS - 1)).toBe('2026-12-17');
    expect(ingested.asOf! >= day(DAYS - 1)).toBe(true);
    const profiles = await app.stores.table.getAll(ids.map((c) => ({ pk: `CUST#${c}`, sk: 'PROFILE' })));
    expect(profiles).toHaveLength(ids.length);
    for (const p of profiles) {
      expect(p.featureResult, String(p.pk)).toBeDefined();
      expect(p.segment, `${String(p.pk)}: segments are the population job's`).toBeUndefined();
    }
  });

  it('the job classifies once for all the files, with exactly the segments of one sequential classification', async () => {
    // Two runs started together: the lease lets one classify, the other finds it busy and writes nothing.
    const runs = await Promise.all([app.invoke<{ ran: boolean; reason?: string }>('ClassifyPopulation', {}), app.invoke<{ ran: boolean; reason?: string }>('ClassifyPopulation', {})]);
    expect(runs.filter((r) => r.ran)).toHaveLength(1);
    expect(runs.filter((r) => !r.ran).map((r) => r.reason)).toEqual(['busy']);
    expect(await marker()).toMatchObject({ version: ingested.version, classifiedVersion: ingested.version });
    expect(await app.invoke<{ ran: boolean; reason?: string }>('ClassifyPopulation', {})).toMatchObject({ ran: false, reason: 'unchanged' });

    // The sequential reference, computed here from the stored days: each of these customers' features from its own
    // days for the population's window, everyone else's as stored, all classified together.
    const asOf = ingested.asOf!;
    const from = dayKeyOfEpochDay(epochDayOf(asOf) - 2 * cfg.windowDays + 1);
    const yoyTo = yearEarlier(asOf);
    const yoyFrom = dayKeyOfEpochDay(epochDayOf(yoyTo) - cfg.windowDays + 1);
    const mine = new Set(ids);
    const everyone = (await app.stores.customers.profiles()).filter((p) => p.featureResult);
    const population = await Promise.all(
      everyone.map(async (p) => {
        const c = p.customer as Customer;
        const facts = { customerId: c.customerId, region: c.region, ...(c.contractKw !== null ? { contractKw: c.contractKw } : {}), ...(c.contractKva !== null ? { contractKva: c.contractKva } : {}) };
        if (!mine.has(c.customerId)) return { facts, ...(p.featureResult as FeatureResult) };
        const days = [...(await app.stores.usage.range(c.customerId, yoyFrom, yoyTo)), ...(await app.stores.usage.range(c.customerId, from, asOf))];
        return { facts, ...computeFeatures(days, asOf, cfg) };
      }),
    );
    const expected = classifyComputed({ customers: population, asOf, cfg }).segments.filter((s) => mine.has(s.customerId));
    const stored = (await app.stores.table.getAll(ids.map((c) => ({ pk: `CUST#${c}`, sk: 'PROFILE' }))))
      .map((p) => p.segment as Segment)
      .sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
    const labels = (s: Segment) => [s.customerId, s.asOf, s.tier, s.pattern, s.trend];
    expect(stored.map(labels)).toEqual(expected.map(labels));
    expect(stored.map((s) => s.features)).toEqual(expected.map((s) => s.features));
    // Peer-group numbers are kept stable from run to run; the grouping itself must be the same.
    const pairs = (segs: Segment[]) => segs.flatMap((a, i) => segs.slice(i + 1).map((b) => a.peerGroup === b.peerGroup));
    expect(pairs(stored)).toEqual(pairs(expected));
    expect(new Set(stored.map((s) => s.tier)).size).toBeGreaterThan(1);
    // One history entry per customer: one run, not one per file.
    for (const c of ids.slice(0, 3)) expect(await app.stores.segments.history(c)).toHaveLength(1);
  });
});
