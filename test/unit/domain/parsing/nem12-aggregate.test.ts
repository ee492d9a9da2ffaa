import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReadings } from '../../../../domain/parsing/read-readings.ts';
import { Nem12Parser } from '../../../../domain/parsing/nem12.ts';
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

describe('NEM12 300 records read from the bytes', () => {
  const v48 = (f: (i: number) => string) => Array.from({ length: 48 }, (_, i) => f(i)).join(',');
  const odd = [
    '100,NEM12,202601011200,ODDROWS,Ret1',
    '200,NMI0000001,E1Q1,1,E1,N1,M1,kWh,30,',
    `300,20260101,${v48((i) => `${i}.5`)},A,,,20260102000000,`,
    `300,20260102,${v48((i) => `+${i}.25`)},A,,,20260102000000`, // four trailing fields
    `300,20260103,${v48((i) => (i === 3 ? ' 7 ' : `${i}`))},A,,,20260102000000,`, // a spaced value
    `300,20260104,${v48((i) => (i === 3 ? '1e2' : `.${i}`))},A,,,20260102000000,`, // an exponent, leading points
    `300,20260105,${v48((i) => (i === 3 ? 'x' : `${i}.`))},A,,,20260102000000,`, // a bad value
    `300,20260106,${v48((i) => (i === 3 ? '' : `-0.${i}`))},A,,,20260102000000,`, // an empty value, negatives
    `300,20260107,${v48((i) => `"${i}"`)},A,,,20260102000000,`, // quoted values
    `300,20260108,${v48((i) => `${i}`)}, S14 ,32,"réason, quoted",20260102000000,`,
    `300,20260109,${v48((i) => `${i}`)},A,,,20260102000000,,,x`, // too many fields
    `300,20260110,${v48((i) => `${i}`)},Z,,,20260102000000,`, // bad quality
    `300,20260230,${v48((i) => `${i}`)},A,,,20260102000000,`, // no such day
    `300,2026011,${v48((i) => `${i}`)},A,,,20260102000000,`, // short date
    `300,20260111,${v48((i) => `${i}`)},V,,,20260102000000,`,
    '400,1,24,A,,',
    '400,25,48,E52,,',
    `300,20260112,${v48((i) => `${i}`)},A,,,20260102000000,\r`,
    `300,20260113,${v48(() => `1234567890123456`)},A,,,20260102000000,`, // 16 digits
    '200,NMI0000002,E1,1,E1,N1,M2,Wh,15,',
    `300,20260101,${v48((i) => `${i}`)},A,,,20260102000000,`, // 48 values for a 15-minute channel
    '900',
  ].join('\n');
  it('gives what the same lines as text give, for every odd 300 record and the sample files', async () => {
    const inputs = [Buffer.from(odd), ...samples.map((f) => readFileSync(join(dir, f)))];
    for (const input of inputs) {
      const run = (asBytes: boolean) => {
        const agg = new UsageAggregator({ zone: new Zone('Australia/Brisbane'), directory: ANY_METER, maxInterpolatedGap: 2, onMeterDay: (c, m, d, md) => void days.push([c, m, d, md]) });
        const days: unknown[] = [];
        const warnings: unknown[] = [];
        const parser = new Nem12Parser({ sink: agg, zone: new Zone('Australia/Brisbane'), listener: { warning: (l, m) => void warnings.push([l, m]) } });
        let from = 0;
        let n = 0;
        while (from < input.length) {
          let nl = input.indexOf(10, from);
          if (nl === -1) nl = input.length;
          const to = nl > from && input[nl - 1] === 13 ? nl - 1 : nl;
          if (asBytes) parser.bytes(input, from, to, ++n);
          else parser.line(input.toString('utf8', from, to), ++n);
          from = nl + 1;
        }
        parser.end();
        agg.finish();
        return { days, warnings, rejects: agg.rejects, readings: agg.readings };
      };
      const text = run(false);
      expect(run(true)).toEqual(text);
      if (input === inputs[0]) {
        expect(text.rejects.length).toBeGreaterThan(5);
        expect(text.rejects.length).toBeLessThan(14);
        expect(text.readings).toBeGreaterThan(48 * 5);
      }
    }
  });
});
