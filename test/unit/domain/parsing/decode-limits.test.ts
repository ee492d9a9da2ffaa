import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { decodeLines, HostileFileError } from '../../../../domain/parsing/decode.ts';
import { FileFormatError } from '../../../../domain/parsing/reading-sink.ts';
import { zipEntries } from '../../../../domain/parsing/zip.ts';
import { checkReadings } from '../../../../domain/use-cases/validate-readings.ts';
import { meterDirectory } from '../../../../domain/customers/customer-master.ts';

/** A byte source of these chunks, counting how many were pulled (a refused file must stop being read). */
function source(chunks: Uint8Array[]) {
  const state = { pulled: 0 };
  const iterable = (async function* () {
    for (const c of chunks) {
      state.pulled++;
      yield c;
    }
  })();
  return { iterable, state };
}
const chunked = (buf: Buffer, size = 64 * 1024) => Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));

async function lines(input: string | Buffer, chunkSize?: number): Promise<string[]> {
  const out: string[] = [];
  const d = await decodeLines(source(chunked(Buffer.from(input), chunkSize)).iterable);
  await d.forEachLine((t) => out.push(t));
  return out;
}

describe('hostile and odd files end quickly with a clear error', () => {
  it('fails a gzip of one endless line at the first line past 1 MiB, without reading on', async () => {
    // 64 MiB of one line, gzipped to ~64 KiB: the whole would be 64× the limit.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 'a'));
    const { iterable, state } = source(chunked(bomb, 4096));
    const started = Date.now();
    const d = await decodeLines(iterable);
    const err = await d.forEachLine(() => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as FileFormatError).message).toBe('line 1 longer than 1,048,576 characters (the limit for one line); the file is refused');
    expect((err as FileFormatError).line).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(state.pulled).toBeGreaterThan(0);
    // Uncompressed, the reading stops right after the limit: 17 of 1,024 chunks of 64 KiB.
    const plain = source(chunked(Buffer.alloc(64 * 1024 * 1024, 'a')));
    await expect((await decodeLines(plain.iterable)).forEachLine(() => undefined)).rejects.toThrow('line 1 longer than');
    expect(plain.state.pulled).toBeLessThanOrEqual(18);
  });

  it('names the line that is too long, after good lines, also when it arrives whole in one chunk', async () => {
    const text = `a,b\n${'x'.repeat(2000)}\nc,d\n`;
    const d = await decodeLines(source([Buffer.from(text)]).iterable, { maxLineLength: 1024 });
    const seen: string[] = [];
    await expect(d.forEachLine((t) => seen.push(t))).rejects.toThrow('line 2 longer than 1,024 characters');
    expect(seen).toEqual(['a,b']);
  });

  it('reads CR-only line ends (old Mac exports) as well as LF and CRLF, also split across chunks', async () => {
    expect(await lines('a,b\rc,d\re,f')).toEqual(['a,b', 'c,d', 'e,f']);
    expect(await lines('a,b\rc,d\r')).toEqual(['a,b', 'c,d']);
    expect(await lines('a,b\r\nc,d\r\n')).toEqual(['a,b', 'c,d']);
    expect(await lines('a,b\nc,d')).toEqual(['a,b', 'c,d']);
    expect(await lines('a,b\r\nc,d\r\ne,f', 4)).toEqual(['a,b', 'c,d', 'e,f']);
    expect(await lines('a,b\rc,d\re,f', 4)).toEqual(['a,b', 'c,d', 'e,f']);
  });

  it('refuses a gzip bomb by its expansion ratio, and a file past the decompressed-size limit', async () => {
    const bomb = gzipSync(Buffer.from('0\n'.repeat(48 * 1024 * 1024)));
    const d = await decodeLines(source(chunked(bomb, 4096)).iterable);
    const err = await d.forEachLine(() => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostileFileError);
    expect((err as Error).message).toMatch(/^expands \d+× \([\d.]+ MiB from [\d.]+ MiB so far\), above the 200× limit; refused as a possible decompression bomb$/);

    const big = gzipSync(Buffer.from('customer_id,meter_id\n'.repeat(100_000)));
    const small = await decodeLines(source([big]).iterable, { maxDecompressedBytes: 1024 * 1024 });
    await expect(small.forEachLine(() => undefined)).rejects.toThrow('decompresses to more than 1 MiB (the limit for one file); refused as a possible decompression bomb');
  });

  it('quarantines a readings file that is a bomb (nothing applied, the reason kept) and fails one with an endless line', async () => {
    const header = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality\n';
    const bomb = gzipSync(Buffer.concat([Buffer.from(header), Buffer.from('\n'.repeat(100 * 1024 * 1024))]));
    const deps = { directory: meterDirectory([]), config: DEFAULT_CONFIG };
    const quarantined = await checkReadings('readings/bomb.csv.gz', source(chunked(bomb)).iterable, deps);
    expect(quarantined).toMatchObject({ status: 'quarantined', rows: { accepted: 0, rejected: 0 } });
    expect(quarantined.error).toMatch(/^readings\/bomb\.csv\.gz, line \d+: expands \d+×.*decompression bomb$/);
    const endless = await checkReadings('readings/endless.csv', source([Buffer.from(header + 'C1,'.repeat(400_000))]).iterable, deps);
    expect(endless).toMatchObject({ status: 'failed', error: 'readings/endless.csv, line 2: line 2 longer than 1,048,576 characters (the limit for one line); the file is refused' });
  });

  it('refuses a zip bomb from the sizes its entries declare, before inflating anything', () => {
    const bomb = zipSync({ 'readings/huge.csv': new Uint8Array(80 * 1024 * 1024) });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(() => [...zipEntries(bomb)]).toThrow(/^zip entry readings\/huge\.csv expands to 83,886,080 bytes from [\d,]+ \(\d+×; the archive 83,886,080 bytes so far\), beyond the limits; refused as a possible zip bomb$/);
    const fine = zipSync({ 'a.csv': new TextEncoder().encode('a,b\n1,2\n') });
    expect([...zipEntries(fine)].map((e) => e.name)).toEqual(['a.csv']);
  });
});
