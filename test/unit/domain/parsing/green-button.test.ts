import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GreenButtonParser } from '../../../../domain/parsing/green-button.ts';
import { parserFor, readReadings } from '../../../../domain/parsing/read-readings.ts';
import { KVARH, KWH, type Quality, type Quantity, type ReadingSink } from '../../../../domain/parsing/reading-sink.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { meterDirectory, type Customer } from '../../../../domain/customers/customer-master.ts';
import { checkReadings, collectMeterDays } from '../../../../domain/use-cases/validate-readings.ts';
import { Zone } from '../../../../domain/time/zone.ts';
import { SHARED_DATA } from '../../../helpers/shared-data.ts';

const GB_DIR = join(SHARED_DATA, 'greenbutton');
const INTERVALS = 'intervals_APUC000000_electric.xml';
/** The sample's readings carry `<timezone>-0500</timezone>`: Sault Ste. Marie, Ontario. */
const CONFIG = { ...DEFAULT_CONFIG, timeZone: 'America/Toronto' };

interface SinkInterval {
  meterId: string;
  customerId: string | undefined;
  startMs: number;
  minutes: number;
  quantity: Quantity;
  value: number;
  quality: Quality;
  line: number;
}

class RecordingSink implements ReadingSink {
  readonly intervals: SinkInterval[] = [];
  readonly rejects: { line: number; reason: string }[] = [];
  interval(meterId: string, customerId: string | undefined, startMs: number, minutes: number, quantity: Quantity, value: number, quality: Quality, line: number): void {
    this.intervals.push({ meterId, customerId, startMs, minutes, quantity, value, quality, line });
  }
  reject(line: number, reason: string): void {
    this.rejects.push({ line, reason });
  }
}

const bytes = (b: Uint8Array | string) => (async function* () { yield typeof b === 'string' ? Buffer.from(b) : b; })();

/** Reads text through the real entry point (decode → format detection → parser). */
async function read(text: string | Uint8Array) {
  const sink = new RecordingSink();
  const stats = await readReadings(bytes(text), { sink, zone: new Zone(CONFIG.timeZone) });
  return { sink, stats };
}

const customer = (id: string, meterIds: string[]): Customer => ({
  customerId: id, name: 'x', email: 'a@example.com', locale: 'en', region: 'east', tariffId: 't',
  contractKva: null, contractKw: null, accountManagerEmail: 'm@example.com', pfStandard: 0.9, meterIds, basicChargeMode: null,
});
/** The customer master maps the usage point id to the customer: Green Button files name no customer. */
const directory = meterDirectory([customer('GB-1', ['1402026'])]);

// A small feed builder for the cases the samples do not show.
const entry = (links: [rel: string, href: string][], content: string): string =>
  `  <entry>\n${links.map(([rel, href]) => `    <link rel="${rel}" href="${href}"/>\n`).join('')}    <content>\n${content}\n    </content>\n  </entry>`;
const readingType = (id: string, fields: string) =>
  entry([['self', `ReadingType/${id}`]], `      <ReadingType xmlns="http://naesb.org/espi">${fields}</ReadingType>`);
const meterReading = (up: string, mr: string, rt: string) =>
  entry([['self', `User/1/UsagePoint/${up}/MeterReading/${mr}`], ['related', `ReadingType/${rt}`]], '      <MeterReading xmlns="http://naesb.org/espi"/>');
const intervalReading = (start: number, value: number, duration = 900, quality?: number) =>
  `        <IntervalReading>\n          <timePeriod><duration>${duration}</duration><start>${start}</start></timePeriod>\n` +
  `${quality === undefined ? '' : `          <ReadingQuality><quality>${quality}</quality></ReadingQuality>\n`}          <value>${value}</value>\n        </IntervalReading>`;
const intervalBlock = (up: string, mr: string, readings: string[], linksAfterContent = false) => {
  const links: [string, string][] = [['self', `User/1/UsagePoint/${up}/MeterReading/${mr}/IntervalBlock/1`]];
  const content = `      <IntervalBlock xmlns="http://naesb.org/espi">\n${readings.join('\n')}\n      </IntervalBlock>`;
  if (!linksAfterContent) return entry(links, content);
  return `  <entry>\n    <content>\n${content}\n    </content>\n    <link rel="self" href="${links[0]![1]}"/>\n  </entry>`;
};
const feed = (...entries: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n${entries.join('\n')}\n</feed>\n`;
/** 2026-03-02 00:00 in Toronto (EST, UTC-5), epoch seconds. */
const T0 = Date.UTC(2026, 2, 2, 5) / 1000;

describe('Green Button ESPI XML', () => {
  it('reads every sample file in ../shared/data/greenbutton (counts per file)', async () => {
    const expected: Record<string, { readings: number; warnings: number }> = {
      'entryOnly.xml': { readings: 0, warnings: 0 }, // a single Authorization entry: no usage data
      'namespace.xml': { readings: 0, warnings: 0 }, // a UsagePoint with `espi:` prefixes and no MeterReading
      [INTERVALS]: { readings: 300, warnings: 0 }, // one IntervalBlock of 300 hourly readings, Wh, multiplier 0
    };
    const files = readdirSync(GB_DIR).filter((f) => f.endsWith('.xml')).sort();
    expect(files).toEqual(Object.keys(expected).sort());
    for (const f of files) {
      const { sink, stats } = await read(readFileSync(join(GB_DIR, f)));
      expect(stats.format, f).toBe('green-button');
      expect(sink.rejects, f).toEqual([]);
      expect(sink.intervals.length, f).toBe(expected[f]!.readings);
      expect(stats.warnings.length, f).toBe(expected[f]!.warnings);
    }
  });

  it('maps the usage point to the meter id and the ReadingType (uom 72 Wh, 10^0) to kWh', async () => {
    const { sink } = await read(readFileSync(join(GB_DIR, INTERVALS)));
    expect(new Set(sink.intervals.map((i) => i.meterId))).toEqual(new Set(['1402026']));
    expect(sink.intervals.every((i) => i.customerId === undefined && i.quantity === KWH && i.minutes === 60 && i.quality === 'A')).toBe(true);
    // The block lists its readings newest first; the first one in the file: start 1678165200, value 320 Wh.
    expect(sink.intervals[0]).toMatchObject({ startMs: 1678165200_000, value: 0.32, line: 60 });
    expect(readFileSync(join(GB_DIR, INTERVALS), 'utf8').split('\n')[59]!.trim()).toBe('<IntervalReading>');
  });

  it('gives the hand-summed kWh for one meter-day through the aggregator (2023-03-01, Toronto)', async () => {
    // The 24 values (Wh) of 2023-03-01 00:00–23:00 EST, read off the XML (start 1677646800 … 1677729600, one hour
    // apart); the file lists them newest first.
    const wh = [340, 330, 350, 260, 360, 910, 300, 1100, 1780, 360, 370, 800, 270, 270, 330, 300, 670, 1860, 430, 380, 560, 1000, 430, 230];
    const byHand = 13_990; // 340 + 330 + … + 230, added up by hand
    expect(wh.reduce((a, b) => a + b, 0)).toBe(byHand);

    const c = collectMeterDays();
    const r = await checkReadings(INTERVALS, bytes(readFileSync(join(GB_DIR, INTERVALS))), { directory, config: CONFIG, onMeterDay: c.listener });
    expect(r.status).toBe('accepted');
    expect(r.rows).toEqual({ accepted: 300, rejected: 0 });
    const day = c.usage.get('GB-1')!.get('2023-03-01')!['1402026']!;
    expect(day.minutes).toBe(60);
    expect(day.kwh).toEqual(wh.map((v) => v / 1000));
    expect(day.actual).toBe(24);
    expect(day.kwh.reduce((a, b) => a! + b!, 0)).toBeCloseTo(byHand / 1000, 9);
    // The whole file: 248,530 Wh over 14 local days (a partial first and last day).
    expect(r.customers).toEqual([{ customerId: 'GB-1', days: 14, kwh: 248.53 }]);
  });

  it('works gzip-compressed', async () => {
    const { sink, stats } = await read(gzipSync(readFileSync(join(GB_DIR, INTERVALS))));
    expect(stats).toMatchObject({ format: 'green-button', compressed: true });
    expect(sink.intervals.length).toBe(300);
    expect(sink.intervals.reduce((a, i) => a + i.value, 0)).toBeCloseTo(248.53, 9);
  });

  it('a broken XML fails the file with the line of the error', async () => {
    const lines = readFileSync(join(GB_DIR, INTERVALS), 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('<value>550</value>'));
    lines[at] = lines[at]!.replace('</value>', '</valeu>');
    const r = await checkReadings('broken.xml', bytes(lines.join('\n')), { directory, config: CONFIG });
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(new RegExp(`^broken\\.xml, line ${at + 1}: XML is not well-formed: unexpected close tag`));
    expect(r.rejects).toEqual([{ line: at + 1, reason: expect.stringContaining('not well-formed') }]);

    const truncated = lines.slice(0, 100).join('\n').replace('</valeu>', '</value>');
    const t = await checkReadings('truncated.xml', bytes(truncated), { directory, config: CONFIG });
    expect(t.status).toBe('failed');
    expect(t.error).toMatch(/line 100: XML is not well-formed: unclosed tag/);
  });

  it('rejects a gas (therm) ReadingType with the reason instead of loading it as kWh', async () => {
    // The sample's second ReadingType is uom 169 (therm) at 10^3: point the MeterReading at it.
    const gas = readFileSync(join(GB_DIR, INTERVALS), 'utf8').replace('<link rel="related" href="ReadingType/01" />', '<link rel="related" href="ReadingType/02" />');
    const r = await checkReadings('gas.xml', bytes(gas), { directory, config: CONFIG });
    expect(r.readings).toBe(0);
    expect(r.rows).toEqual({ accepted: 0, rejected: 300 });
    expect(r.status).toBe('quarantined');
    expect(r.rejects[0]!.reason).toBe(
      'ReadingType 02 (MeterReading 1402026/01): unit therm (uom 169) is not electrical energy; only Wh (72) and VArh (73) are loaded',
    );
  });

  it('holds readings that come before their ReadingType or MeterReading, and rejects what never resolves', async () => {
    const text = feed(
      // links after the content, and both the MeterReading and its ReadingType further down
      intervalBlock('UP7', '1', [intervalReading(T0, 1500), intervalReading(T0 + 900, 2500)], true),
      intervalBlock('UP8', '1', [intervalReading(T0, 99)]),
      meterReading('UP7', '1', 'kWh'),
      readingType('kWh', '<powerOfTenMultiplier>-3</powerOfTenMultiplier><uom>72</uom>'), // 1500 × 10^-3 Wh = 1.5 Wh = 0.0015 kWh
    );
    const { sink } = await read(text);
    expect(sink.intervals.map((i) => [i.meterId, i.startMs / 1000 - T0, i.value, i.quantity])).toEqual([
      ['UP7', 0, 0.0015, KWH],
      ['UP7', 900, 0.0025, KWH],
    ]);
    expect(sink.rejects).toEqual([{ line: expect.any(Number), reason: 'MeterReading UP8/1 is not in the file: its ReadingType (unit) is unknown' }]);
  });

  it('loads VArh as kvarh, maps ReadingQuality, and leaves reverse flow out with a warning', async () => {
    const text = feed(
      readingType('q', '<powerOfTenMultiplier>3</powerOfTenMultiplier><uom>73</uom><flowDirection>1</flowDirection>'),
      readingType('p', '<powerOfTenMultiplier>0</powerOfTenMultiplier><uom>72</uom><flowDirection>1</flowDirection>'),
      readingType('export', '<uom>72</uom><flowDirection>19</flowDirection>'),
      readingType('cum', '<uom>72</uom><accumulationBehaviour>3</accumulationBehaviour>'),
      meterReading('M1', 'p', 'p'),
      meterReading('M1', 'q', 'q'),
      meterReading('M1', 'x', 'export'),
      meterReading('M1', 'c', 'cum'),
      intervalBlock('M1', 'p', [intervalReading(T0, 250, 900, 0), intervalReading(T0 + 900, 260, 900, 8), intervalReading(T0 + 1800, 270, 900, 7)]),
      intervalBlock('M1', 'q', [intervalReading(T0, 2)]),
      intervalBlock('M1', 'x', [intervalReading(T0, 40)]),
      intervalBlock('M1', 'c', [intervalReading(T0, 123456)]),
      intervalBlock('M1', 'p', [intervalReading(T0 + 3600, 5, 1000)]),
      intervalBlock('M1', 'p', [intervalReading(T0 + 7200, Infinity)]),
      intervalBlock('M1', 'p', [intervalReading(T0 + 7200, 1).replace('<value>1</value>', `<value>${'1'.repeat(300)}</value>`)]),
    );
    const { sink, stats } = await read(text);
    expect(sink.intervals.map((i) => [i.quantity, i.value, i.quality, i.minutes])).toEqual([
      [KWH, 0.25, 'A', 15],
      [KWH, 0.26, 'E', 15],
      [KWH, 0.27, 'S', 15],
      [KVARH, 2, 'A', 15],
    ]);
    expect(stats.warnings).toEqual([
      { line: expect.any(Number), message: 'MeterReading M1/x: ReadingType export has flowDirection 19 (reverse, energy exported by the customer); not loaded' },
    ]);
    expect(sink.rejects.map((r) => r.reason)).toEqual([
      'ReadingType cum (MeterReading M1/c): accumulationBehaviour 3 (cumulative) values are register readings, not interval energy',
      'timePeriod duration "1000" is not a whole number of minutes dividing a day (900, 1800, 3600 …)',
      'IntervalReading value "Infinity" is not a number',
      'IntervalReading value "(text too long)" is not a number',
    ]);
  });

  it('is picked by the first line: the XML declaration or the Atom root', () => {
    const opts = { sink: new RecordingSink(), zone: new Zone('UTC') };
    expect(parserFor('<?xml version="1.0" encoding="utf-8"?>', 1, opts).format).toBe('green-button');
    expect(parserFor('<feed xmlns="http://www.w3.org/2005/Atom">', 1, opts).format).toBe('green-button');
    expect(parserFor('<atom:feed xmlns:atom="http://www.w3.org/2005/Atom">', 1, opts).format).toBe('green-button');
    expect(GreenButtonParser.looksLike('customer_id,meter_id,interval_start,interval_minutes,kwh')).toBe(false);
    expect(GreenButtonParser.looksLike('100,NEM12,200405011135,MDA1,Ret1')).toBe(false);
  });

  it('refuses an XML file that is not an Atom feed or entry', async () => {
    await expect(read('<?xml version="1.0"?>\n<html><body/></html>\n')).rejects.toThrow(
      'XML root element <html> is not an Atom <feed> or <entry>: not a Green Button file',
    );
  });
});
