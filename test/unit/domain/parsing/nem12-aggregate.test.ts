import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReadings } from '../../../../domain/parsing/read-readings.ts';
import { ANY_METER, UsageAggregator } from '../../../../domain/usage/aggregate.ts';
import { Zone } from '../../../../domain/time/zone.ts';
import { writeNem12 } from '../../../../bench/generate.ts';
import { SHARED_DATA } from '../../../helpers/shared-data.ts';

// NEM12 hands the aggregator a whole day of one NMI at once (intervalSeries) when the day's UTC offset is steady;
// that must give exactly what one `interval` call per value gives, daylight-saving days and odd files included.

async function aggregate(bytes: Buffer, zone: string, series: boolean) {
  const days: unknown[] = [];
  const agg = new UsageAggregator({
    zone: new Zone(zone),
    directory: ANY_METER,
    maxInterpolatedGap: 2,
    onMeterDay: (c, m, d, md) => void days.push([c, m, d, md]),
  });
  const sink = series ? agg : Object.assign(agg, { intervalSeries: undefined });
  let error: string | undefined;
  try {
    await readReadings((async function* () { yield bytes; })(), { sink, zone: new Zone(zone) });
  } catch (e) {
    error = (e as Error).message;
  }
  agg.finish();
  return { days, rejects: agg.rejects, readings: agg.readings, duplicates: agg.duplicatesIgnored, error };
}

const dir = join(SHARED_DATA, 'nem12', 'unzipped');
const samples = readdirSync(dir).filter((f) => f.endsWith('.csv'));

describe('NEM12 into the aggregator, a day at a time', () => {
  it('has sample files to read', () => expect(samples.length).toBeGreaterThan(3));
  for (const zone of ['Australia/Brisbane', 'Australia/Sydney']) {
    it(`gives every sample file the same meter-days and rejects as per-value calls (${zone})`, async () => {
      for (const f of samples) {
        const bytes = readFileSync(join(dir, f));
        expect(await aggregate(bytes, zone, true), f).toEqual(await aggregate(bytes, zone, false));
      }
    });
  }
  it('does so across a daylight-saving change, with an NMI repeated later in the file', async () => {
    const path = join(process.env.TMPDIR ?? '/tmp', `nem12-dst-${process.pid}.csv`);
    await writeNem12(path, 12, 3);
    // Move the three days onto Sydney's 2026-04-05 change, and append the first NMI's block again.
    const text = readFileSync(path, 'utf8').replaceAll('20260101', '20260404').replaceAll('20260102', '20260405').replaceAll('20260103', '20260406');
    const lines = text.trimEnd().split('\n');
    const again = lines.slice(1, 5).map((l) => l.replace(/,(\d+\.\d{3}),/, ',9.999,'));
    const bytes = Buffer.from([...lines.slice(0, -1), ...again, '900'].join('\n'));
    const a = await aggregate(bytes, 'Australia/Sydney', true);
    expect(a.rejects.length).toBeGreaterThan(0);
    expect(a).toEqual(await aggregate(bytes, 'Australia/Sydney', false));
  });
});
