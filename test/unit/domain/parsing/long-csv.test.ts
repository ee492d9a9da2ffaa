import { describe, expect, it } from 'vitest';
import { checkReadings, collectMeterDays } from '../../../../domain/use-cases/validate-readings.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { ANY_METER } from '../../../../domain/usage/aggregate.ts';

// The long CSV hot path parses rows in place inside each decoded chunk; these tests pin its behaviour on every odd
// row a real export has shown us, however the bytes are cut into chunks and whatever the row order.

const HEADER = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';
const ODD_ROWS = [
  'C1,C1,2026-03-02T00:00:00+08:00,15,1.5,0.5,A',
  'C1,C1,2026-03-02T00:15:00+0800,15,2,,E',
  'C1, C1 ,2026-03-02T00:30:00.250+08:00,15,2.25,-1.5,S', // spaces around an id, fractional seconds, negative kvarh
  'C1,,2026-03-02T00:45:00,15,1e1,,', // empty meter → the customer; no offset → the utility's zone; exponent; empty quality
  ' C1 ,C1, 2026-03-01T17:00:00Z ,15, 3 ,,A', // spaces around the time and the value
  '"C1","C1","2026-03-02T01:15:00+08:00",15,"4",,A', // quoted fields
  '"C,2",C2,2026-03-02T01:15:00+08:00,15,4,,A', // a comma inside a quoted id
  '"C3,C3,2026-03-02T01:15:00+08:00,15,4,,A', // unterminated quote
  ',C1,2026-03-02T01:30:00+08:00,15,1,,A', // empty customer
  'C1,C1,2026-03-02 01:30:00+08:00,15,1,,A', // space instead of T
  'C1,C1,2026-02-30T01:30:00+08:00,15,1,,A', // no such day
  'C1,C1,2026-03-02T24:00:00+08:00,15,1,,A', // hour 24
  'C1,C1,2026-03-02T01:30+08:00,15,1,,A', // no seconds
  'C1,C1,2026-03-02T01:30:00+08,15,1,,A', // short offset
  'C1,C1,2026-03-02T01:37:00+08:00,15,1,,A', // off the 15-minute grid
  'C1,C1,2026-03-02T01:45:00+08:00,20,1,,A', // bad interval length
  'C1,C1,2026-03-02T01:45:00+08:00,60,1,,A', // an interval length different from the day's
  'C1,C1,2026-03-02T01:45:00+08:00,15,-0.5,,A', // negative kWh
  'C1,C1,2026-03-02T01:45:00+08:00,15,abc,,A', // not a number
  'C1,C1,2026-03-02T01:45:00+08:00,15,,,A', // empty kWh
  'C1,C1,2026-03-02T01:45:00+08:00,15,1,x,A', // bad kvarh
  'C1,C1,2026-03-02T01:45:00+08:00,15,1,,a', // lowercase quality
  'C1,C1,2026-03-02T01:45:00+08:00,15,1,,AA', // long quality
  'C1,C1,2026-03-02T01:45:00+08:00,15,1.0000000000000001,,A', // long mantissa
  'C1,C1,2026-03-02T02:00:00+08:00,15,+7.125,1,A,extra,columns', // plus sign, extra columns
  'C1,C1,2026-03-02T02:00:00+08:00,15,7.125,1,A', // duplicate, same value: ignored
  'C1,C1,2026-03-02T02:00:00+08:00,15,7.5,1,A', // duplicate, different value
  'C1,C1,2026-03-02T02:15',
  '   ',
  '',
  'C2,M2,2026-03-02T00:00:00+08:00,15,0.001,,A',
  'C2,M2,2026-03-02T00:15:00+08:00,15,0.002,,A',
  'C9,M2,2026-03-02T00:30:00+08:00,15,0.003,,A', // a meter seen with another customer
  'C2,M2,2026-03-02T01:00:00+08:00,15,0.004,,A', // a two-slot gap: interpolated
  '电力,电力,2026-03-02T00:00:00+08:00,15,5,,A', // non-ASCII ids
  'C1,C1,2026-03-03T00:00:00+08:00,15,123456789.123456,,A',
  'C1,C1,2026-03-03T00:15:00-05:30,15,0,,A',
  'C1,C1,2026-03-03T00:15:00+08:00,15,1,,A\r', // a stray CR
];

const bytesOf = (text: string, chunk: number) => (async function* () {
  const b = Buffer.from(text);
  for (let i = 0; i < b.length; i += chunk) yield b.subarray(i, i + chunk);
})();

async function check(text: string, chunk = 1 << 20) {
  const c = collectMeterDays();
  const r = await checkReadings('t.csv', bytesOf(text, chunk), { directory: ANY_METER, config: { ...DEFAULT_CONFIG, quarantineShare: 1 }, onMeterDay: c.listener });
  const usage = [...c.usage].map(([customer, days]) => [customer, [...days].map(([day, meters]) => [day, Object.entries(meters).sort()])]);
  return { ...r, usage };
}

describe('long CSV rows', () => {
  it('gives each odd row the same verdict and reason, whatever the chunking and line ends', async () => {
    const text = [HEADER, ...ODD_ROWS].join('\n') + '\n';
    const whole = await check(text);
    expect(whole.rows).toEqual({ accepted: 19, rejected: 17 });
    expect(whole.rejects).toMatchSnapshot();
    expect(whole.customers).toMatchSnapshot();
    expect(whole.usage).toMatchSnapshot();
    for (const chunk of [1, 2, 3, 7, 64, 4096]) {
      expect(await check(text, chunk)).toEqual(whole);
    }
    const crlf = await check([HEADER, ...ODD_ROWS].join('\r\n'), 5);
    expect(crlf.rejects).toEqual(whole.rejects);
    expect(crlf.customers).toEqual(whole.customers);
  });

  it('aggregates time-major files (every meter at each timestamp) as their customer-major twin', async () => {
    const meters = Array.from({ length: 30 }, (_, m) => `M${m}`);
    const row = (m: number, d: number, i: number) => {
      const t = new Date(Date.UTC(2026, 2, 1 + d, 0, i * 15) - 8 * 3_600_000).toISOString().replace('.000Z', 'Z');
      return `C${m % 7},${meters[m]},${t},15,${((m * 7 + d * 13 + i * 31) % 100) / 10},${(m % 3) / 4},A`;
    };
    const byMeter: string[] = [], byTime: string[] = [];
    for (let m = 0; m < meters.length; m++) for (let d = 0; d < 3; d++) for (let i = 0; i < 96; i++) if ((m + i) % 11) byMeter.push(row(m, d, i));
    for (let d = 0; d < 3; d++) for (let i = 0; i < 96; i++) for (let m = 0; m < meters.length; m++) if ((m + i) % 11) byTime.push(row(m, d, i));
    const a = await check([HEADER, ...byMeter].join('\n'), 999);
    const b = await check([HEADER, ...byTime].join('\n'), 1000);
    expect(b.readings).toBe(a.readings);
    expect(b.rows).toEqual(a.rows);
    expect(b.customers).toEqual(a.customers);
    const sorted = (u: typeof a.usage) => JSON.stringify(u.map(([c, days]) => [c, [...(days as unknown[])].sort()]).sort());
    expect(sorted(b.usage)).toBe(sorted(a.usage));
  });
});

describe('UTF-8 lines as byte spans', () => {
  const inputs: [string, Buffer][] = [
    ['LF', Buffer.from('a,b\nc,d\n\ne\n')],
    ['CRLF, no final line end', Buffer.from('a,b\r\nc,d\r\n\r\ne')],
    ['CR alone', Buffer.from('a,b\rc,d\r\re\r')],
    ['a BOM, a stray CR and multi-byte text', Buffer.from('\uFEFF户号,电表\nC1,表\r1\n𝄞x,y\r\n')],
    ['a lone final CR', Buffer.from('a\nb\r')],
  ];
  for (const [name, input] of inputs) {
    it(`gives the same lines as forEachLine (${name}), however the bytes are cut`, async () => {
      const { decodeLines, decodeLine } = await import('../../../../domain/parsing/decode.ts');
      const chunks = (size: number) => (async function* () {
        for (let i = 0; i < input.length; i += size) yield input.subarray(i, i + size);
      })();
      const expected: string[] = [];
      await (await decodeLines(chunks(1 << 20))).forEachLine((t, n) => void expected.push(`${n}:${t}`));
      for (const size of [1, 2, 3, 5, 1 << 20]) {
        const got: string[] = [];
        const d = await decodeLines(chunks(size));
        await d.forEachByteSpan!((b, from, to, n) => void got.push(`${n}:${decodeLine(b, from, to)}`));
        expect(got).toEqual(expected);
      }
    });
  }
});

describe('meter ids read from the bytes', () => {
  it('keeps thousands of distinct ids apart, short and long, each row naming a different meter', async () => {
    const ids = Array.from({ length: 3000 }, (_, m) => (m % 100 === 7 ? `LONG-${'x'.repeat(70)}-${m}` : `M${m.toString(36)}`));
    const rows: string[] = [];
    for (let i = 0; i < 2; i++) for (let m = 0; m < ids.length; m++) rows.push(`${ids[m]},${ids[m]},2026-03-02T0${i}:00:00+08:00,60,${m % 10},,A`);
    const r = await check([HEADER, ...rows].join('\n'), 4096);
    expect(r.rows).toEqual({ accepted: 6000, rejected: 0 });
    expect(r.customers.map((c) => c.customerId).sort()).toEqual([...ids].sort());
    expect(r.customers.every((c) => c.kwh === 2 * (ids.indexOf(c.customerId) % 10))).toBe(true);
  });
});
