import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Segment } from '../domain/classification/classify.ts';
import type { FeatureResult } from '../domain/classification/features.ts';
import { regionalMonthly, type RegionalMonth } from '../domain/classification/regional.ts';
import type { Customer } from '../domain/customers/customer-master.ts';
import type { Anomaly } from '../domain/anomalies/anomaly.ts';
import { isForecast } from '../domain/forecast/forecast.ts';
import { forecastFigures } from '../domain/statements/compose-statement.ts';
import type { CustomerInsights } from '../domain/insights/insights.ts';
import { dayKeyOfEpochDay, epochDayOf, nextDay } from '../domain/time/zone.ts';
import { insightLines } from './insights.ts';
import { fmtNumber, pct, printJson, table } from './output.ts';
import { type Target, type TargetOptions, withTarget } from './target.ts';

type Json = { json?: boolean };


export async function files(opts: TargetOptions & Json): Promise<number> {
  return withTarget(opts, async (t) => {
    const list = (await t.stores.files.list()).sort((a, b) => (a.processedAt < b.processedAt ? -1 : 1));
    // The metering team's list: data anomalies (stuck meters, zero reads, impossible spikes, estimated days) that began
    // within a year, newest first, down to 90 days before the newest one's last day (data arrives late and in batches).
    const all = await t.stores.insights.recent(nextDay(new Date().toISOString().slice(0, 10), -365), { data: true });
    const newest = all.reduce((m, a) => (a.to > m ? a.to : m), '');
    const since = newest ? nextDay(newest, -89) : '';
    const data = all.filter((a) => a.to >= since);
    if (opts.json) printJson({ files: list, dataAnomalies: data.map(anomalyJson) });
    else {
      console.log(
        table(list.map((f) => ({ processed: f.processedAt.slice(0, 19).replace('T', ' '), key: f.key, status: f.status, format: f.format ?? '', accepted: f.rows.accepted, rejected: f.rows.rejected, note: f.error ?? (f.rejectsKey ? `rejects: ${f.rejectsKey}` : '') }))),
      );
      console.log(`\nData anomalies for the metering team${since ? ` (reaching ${since} or later)` : ''}: ${data.length}`);
      if (data.length) {
        console.log(
          table(
            data.map((a) => ({ customer: a.customerId, kind: a.kind, meter: typeof a.figures.meterId === 'string' ? a.figures.meterId : '', from: a.from, to: a.to, ongoing: a.ongoing ? 'yes' : '', severity: a.severity, evidence: a.evidence })),
          ),
        );
      }
    }
    return 0;
  });
}

export interface CustomerRow {
  id: string;
  region: string;
  tier?: string;
  pattern?: string;
  trend?: string;
  peerGroup?: number;
  windowKwh?: number;
  change?: number | null;
}

export async function loadCustomers(t: Target): Promise<{ customer: Customer; segment?: Segment; featureResult?: FeatureResult; insights?: CustomerInsights }[]> {
  const items = await t.stores.customers.profiles();
  return items
    .map((i) => ({
      customer: i.customer as Customer,
      segment: i.segment as Segment | undefined,
      featureResult: i.featureResult as FeatureResult | undefined,
      insights: i.insights as CustomerInsights | undefined,
    }))
    .sort((a, b) => (a.customer.customerId < b.customer.customerId ? -1 : 1));
}

export async function customers(opts: TargetOptions & Json & { tier?: string; pattern?: string; region?: string }): Promise<number> {
  return withTarget(opts, async (t) => {
    const rows = (await loadCustomers(t)).filter(
      (c) =>
        (!opts.tier || c.segment?.tier === opts.tier.toUpperCase()) &&
        (!opts.pattern || c.segment?.pattern === opts.pattern) &&
        (!opts.region || c.customer.region === opts.region),
    );
    if (opts.json) {
      printJson({ customers: rows.map((c) => ({ id: c.customer.customerId, region: c.customer.region, ...(c.segment ? segmentJson(c.segment) : {}) })) });
      return 0;
    }
    console.log(
      table(
        rows.map((c) => ({
          customer: c.customer.customerId,
          region: c.customer.region,
          tier: c.segment?.tier ?? '—',
          pattern: c.segment?.pattern ?? '—',
          trend: c.segment?.trend ?? '—',
          peers: c.segment?.peerGroup ?? '—',
          'window kWh': c.segment ? Math.round(c.segment.features.windowKwh) : '—',
          change: pct(c.segment?.features.change),
        })),
      ),
    );
    console.log(`${rows.length} customer(s)`);
    return 0;
  });
}

export function segmentJson(s: Segment) {
  const f = s.features;
  return {
    asOf: s.asOf,
    tier: s.tier,
    pattern: s.pattern,
    trend: s.trend,
    peerGroup: s.peerGroup,
    features: {
      windowKwh: f.windowKwh,
      avgDailyKwh: f.avgDailyKwh,
      maxDemandKw: f.maxDemandKw,
      loadFactor: f.loadFactor,
      peakShare: f.peakShare,
      flatShare: f.flatShare,
      valleyShare: f.valleyShare,
      nightShare: f.nightShare,
      weekendRatio: f.weekendRatio,
      dailyCv: f.dailyCv,
      change: f.change,
      powerFactor: f.powerFactor,
    },
    reasons: s.reasons,
    actions: s.actions,
  };
}

export async function customer(id: string, opts: TargetOptions & Json & { days: number }): Promise<number> {
  return withTarget(opts, async (t) => {
    const profile = (await t.stores.customers.profiles()).find((i) => (i.customer as Customer).customerId === id);
    if (!profile) {
      console.error(`kam: no customer ${id}`);
      return 1;
    }
    const c = profile.customer as Customer;
    const segment = profile.segment as Segment | undefined;
    const history = await t.stores.segments.history(id);
    const last = await t.stores.segments.latestDay(id);
    const days = last ? await t.stores.usage.range(id, dayKeyOfEpochDay(epochDayOf(last) - opts.days + 1), last) : [];
    if (opts.json) {
      printJson({
        customer: c,
        segment: segment ? segmentJson(segment) : null,
        history: history.map((h) => ({ asOf: h.asOf, tier: h.tier, pattern: h.pattern, trend: h.trend, peerGroup: h.peerGroup })),
        days: days.map((d) => ({ day: d.day, kwh: d.kwh, maxDemandKw: d.maxDemandKw, kvarh: d.kvarh, bands: d.bands, intervals: d.intervals })),
        insights: (profile.insights as CustomerInsights | undefined) ?? null,
      });
      return 0;
    }
    console.log(`${c.customerId}  ${c.name}`);
    console.log(`  region ${c.region}, tariff ${c.tariffId}, contract ${c.contractKva ?? '—'} kVA / ${c.contractKw ?? '—'} kW, PF standard ${c.pfStandard ?? 'none'}, locale ${c.locale}`);
    console.log(`  meters ${c.meterIds.join(', ')}`);
    console.log(`  contact ${c.email}; account manager ${c.accountManagerEmail}`);
    if (segment) {
      const f = segment.features;
      console.log(`\nSegment as of ${segment.asOf}: tier ${segment.tier}, ${segment.pattern}, ${segment.trend}, peer group ${segment.peerGroup}`);
      console.log(`  window ${fmtNumber(Math.round(f.windowKwh))} kWh over ${f.days} days, ${fmtNumber(Math.round(f.avgDailyKwh))} kWh/day, max ${fmtNumber(Math.round(f.maxDemandKw))} kW, load factor ${f.loadFactor.toFixed(2)}, PF ${f.powerFactor?.toFixed(3) ?? '—'}`);
      console.log(`  peak ${pct(f.peakShare).slice(1)}, flat ${pct(f.flatShare).slice(1)}, valley ${pct(f.valleyShare).slice(1)}, night ${pct(f.nightShare).slice(1)}; change ${pct(f.change)}, year on year ${pct(f.changeYoY)}`);
      console.log('  why:');
      for (const r of segment.reasons) console.log(`    - ${r}`);
      console.log('  recommended actions:');
      for (const a of segment.actions) console.log(`    - ${a}`);
    } else console.log('\nNot classified yet (no usage).');
    for (const line of insightLines(profile.insights as CustomerInsights | undefined, c.contractKw)) console.log(line);
    if (history.length) {
      console.log('\nSegment history:');
      console.log(table(history.map((h) => ({ 'as of': h.asOf, tier: h.tier, pattern: h.pattern, trend: h.trend, peers: h.peerGroup }))).replace(/^/gm, '  '));
    }
    if (days.length) {
      console.log(`\nRecent days:`);
      console.log(
        table(days.map((d) => ({ day: d.day, kWh: d.kwh, 'max kW': d.maxDemandKw, kvarh: d.kvarh ?? '—', peak: d.bands.peak + d.bands.sharp, valley: d.bands.valley, 'actual/est/missing': `${d.intervals.actual}/${d.intervals.estimated}/${d.intervals.missing}` }))).replace(/^/gm, '  '),
      );
    }
    return 0;
  });
}

export async function loadRegions(t: Target): Promise<RegionalMonth[]> {
  const all = await loadCustomers(t);
  const regions = [...new Set(all.map((c) => c.customer.region))].sort();
  const rows = [];
  for (const region of regions) {
    for (const d of await t.stores.usage.regionDays(region, '0000-01-01', '9999-12-31')) rows.push({ region, day: d.day, kwh: d.kwh });
  }
  return regionalMonthly(rows);
}

export async function regions(opts: TargetOptions & Json): Promise<number> {
  return withTarget(opts, async (t) => {
    const months = await loadRegions(t);
    if (opts.json) printJson({ regions: months.map((m) => ({ ...m, kwh: Math.round(m.kwh * 1000) / 1000 })) });
    else console.log(table(months.map((m) => ({ region: m.region, month: m.month, kWh: Math.round(m.kwh), days: m.partial ? `${m.days} (partial)` : m.days, change: pct(m.change) }))));
    return 0;
  });
}

const PREFIXES = ['customers', 'readings', 'payments', 'tariffs'];

export async function upload(paths: string[], opts: TargetOptions & Json & { prefix: string }): Promise<number> {
  const prefix = opts.prefix.replace(/\/+$/, '');
  if (!PREFIXES.includes(prefix)) {
    console.error(`kam: --prefix must be one of ${PREFIXES.join(', ')}`);
    return 2;
  }
  for (const p of paths) {
    try {
      if (!statSync(p).isFile()) throw new Error('not a file');
    } catch {
      console.error(`kam: ${p}: no such file`);
      return 2;
    }
    // One PUT takes at most 5 GiB; larger exports go in through a multipart upload (aws s3 cp) or split.
    if (statSync(p).size > 5 * 1024 ** 3) {
      console.error(`kam: ${p}: ${(statSync(p).size / 1024 ** 3).toFixed(1)} GiB is above the 5 GiB of one S3 PUT; upload it with \`aws s3 cp\` (multipart) or split it`);
      return 2;
    }
  }
  return withTarget({ ...opts, pipeline: true }, async (t) => {
    const outcomes = await uploadFiles(t, paths, prefix, opts.json ? () => undefined : (line) => console.log(line), (line) => console.error(line));
    if (opts.json) printJson({ files: outcomes });
    else console.log(table(outcomes.map((f) => ({ key: f.key, status: f.status, accepted: f.rows.accepted, rejected: f.rows.rejected, note: f.error ?? '' }))));
    return outcomes.every((f) => f.status === 'accepted') ? 0 : 1;
  });
}

/**
 * `kam upload`'s work on an open target: each file streamed to `<prefix>/<name>`, then their outcomes once processed.
 * While it waits, every 15 s `progress` hears where each unfinished file stands (a fanned-out file by its chunks and
 * partitions), so a multi-GB upload does not sit silent for minutes.
 */
export async function uploadFiles(
  t: Target,
  paths: readonly string[],
  prefix: string,
  say: (line: string) => void = () => undefined,
  progress: (line: string) => void = () => undefined,
) {
  const keys: string[] = [];
  const etags = new Map<string, string>();
  for (const p of paths) {
    const key = `${prefix}/${basename(p)}`;
    // Streamed: a multi-GB export is never held in memory.
    const put = await t.clients.s3.send(new PutObjectCommand({ Bucket: t.names.bucket, Key: key, Body: createReadStream(p), ContentLength: statSync(p).size }));
    keys.push(key);
    etags.set(key, (put.ETag ?? '').replace(/"/g, ''));
    say(`uploaded s3://${t.names.bucket}/${key}`);
  }
  const started = performance.now();
  const report = async () => {
    for (const key of keys) {
      const [item] = await t.stores.table.getAll([{ pk: `FILE#${t.names.bucket}/${key}#${etags.get(key)}`, sk: 'META' }]);
      if (item?.state === 'done') continue;
      let where = item ? 'processing' : 'waiting for its event';
      const fanOut = typeof item?.fanOutId === 'string' ? await t.stores.fanOuts.get(item.fanOutId) : undefined;
      if (fanOut?.state === 'chunking') where = `fanned out: ${fanOut.doneChunks?.length ?? 0} of ${fanOut.chunks.length} chunks read`;
      else if (fanOut?.state === 'applying') where = `fanned out: ${fanOut.appliedPartitions?.length ?? 0} of ${fanOut.partitions} partitions applied`;
      else if (fanOut?.state === 'completing') where = 'fanned out: applied, recording the outcome';
      progress(`${key}: ${where} (${Math.round((performance.now() - started) / 1000)} s)`);
    }
  };
  const timer = setInterval(() => void report().catch(() => undefined), 15_000);
  try {
    return await t.waitForFiles(keys);
  } finally {
    clearInterval(timer);
  }
}

/** An anomaly as `kam local --json` and `kam files --json` print it (issue 11 §4). */
export function anomalyJson(a: Anomaly & { customerId?: string }) {
  return { ...(a.customerId ? { customer: a.customerId } : {}), kind: a.kind, from: a.from, to: a.to, severity: a.severity, evidence: a.evidence, ongoing: a.ongoing };
}

/** A customer's forecast and anomalies as `kam local --json` prints them (issue 11 §4). */
export function insightsJson(i: CustomerInsights) {
  const flat = ({ bill, ...figures }: ReturnType<typeof forecastFigures>) => ({ ...figures, ...(bill ? { bill: bill.total, currency: bill.currency } : {}) });
  return {
    forecast: isForecast(i.forecast) ? flat(forecastFigures(i.forecast)) : null,
    anomalies: i.anomalies.map(anomalyJson),
  };
}
