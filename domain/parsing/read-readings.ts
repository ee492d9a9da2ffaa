import { decodeLine, decodeLines, type DecodeLimits, type Encoding } from './decode.ts';
import { normalizeHeader, splitCsvLine } from './csv-fields.ts';
import { type AliasMap, READING_ALIASES } from './header-aliases.ts';
import { LongCsvParser } from './long-csv.ts';
import { WideCsvParser } from './wide-csv.ts';
import { detectNem, Nem12Parser } from './nem12.ts';
import { FileFormatError, type LineParser, type ReadingFormat, type ReadingSink } from './reading-sink.ts';
import type { Zone } from '../time/zone.ts';

export interface ReadStats {
  format: ReadingFormat;
  encoding: Encoding;
  compressed: boolean;
  lines: number;
  bytes: number;
  /** Oddities that lost no data (a NEM12 file without its 100 header, accumulation reads not loaded, …). */
  warnings: { line: number; message: string }[];
}

export interface ReadOptions {
  sink: ReadingSink;
  zone: Zone;
  aliases?: AliasMap;
  fileName?: string;
  /** Called every `progressEvery` lines (default 1,000,000) on long files. */
  onProgress?: (lines: number, bytes: number) => void;
  progressEvery?: number;
  /** Line length and decompression limits (defaults: DEFAULT_DECODE_LIMITS). */
  limits?: Partial<DecodeLimits>;
}

/** Picks the parser from the first non-empty line: NEM12/13 records, else a long or a wide CSV header. */
export function parserFor(firstLine: string, lineNo: number, opts: ReadOptions, warnings: { line: number; message: string }[] = []): LineParser {
  if (detectNem(firstLine)) {
    return new Nem12Parser({ sink: opts.sink, zone: opts.zone, fileName: opts.fileName, listener: { warning: (line, message) => void warnings.push({ line, message }) } });
  }
  const cells = (splitCsvLine(firstLine) ?? []).map(normalizeHeader);
  const aliases = opts.aliases ?? READING_ALIASES;
  if (LongCsvParser.looksLike(cells, aliases)) return new LongCsvParser({ sink: opts.sink, zone: opts.zone, aliases });
  if (WideCsvParser.looksLike(cells, aliases)) return new WideCsvParser({ sink: opts.sink, zone: opts.zone, aliases });
  throw new FileFormatError(
    `unrecognised reading file: the first line is neither a NEM12/NEM13 record nor a long CSV header ` +
      `(customer_id,meter_id,interval_start,interval_minutes,kwh,...) nor a wide CSV header (meter/date + 24, 48 or 96 interval columns)`,
    lineNo,
  );
}

/** Streams a reading file (any supported format, UTF-8 or GBK, optionally gzip) into the sink. */
export async function readReadings(source: AsyncIterable<Uint8Array>, opts: ReadOptions): Promise<ReadStats> {
  const decoded = await decodeLines(source, opts.limits);
  let parser: LineParser | null = null;
  const warnings: { line: number; message: string }[] = [];
  const every = opts.progressEvery ?? 1_000_000;
  let nextProgress = every;
  const progress = (lineNo: number) => {
    if (lineNo >= nextProgress && opts.onProgress) {
      nextProgress += every;
      opts.onProgress(lineNo, decoded.bytesRead());
    }
  };
  const first = (text: string, lineNo: number): LineParser | null => {
    if (text.trim() === '' || text === '\uFEFF') return null;
    return (parser = parserFor(text, lineNo, opts, warnings));
  };
  let lines: number;
  if (decoded.forEachByteSpan) {
    // UTF-8: parsers that can read rows in place get the bytes; the others get each line decoded.
    let onBytes: ((bytes: Uint8Array, from: number, to: number, lineNo: number) => void) | null = null;
    lines = await decoded.forEachByteSpan((bytes, from, to, lineNo) => {
      if (onBytes === null) {
        const p = first(decodeLine(bytes, from, to), lineNo);
        if (p === null) return;
        onBytes = p.bytes ? p.bytes.bind(p) : (b, f, t, n) => p.line(decodeLine(b, f, t), n);
      }
      onBytes(bytes, from, to, lineNo);
      progress(lineNo);
    });
  } else {
    lines = await decoded.forEachLine((text, lineNo) => {
      if (parser === null && first(text, lineNo) === null) return;
      parser!.line(text, lineNo);
      progress(lineNo);
    });
  }
  if (parser === null) throw new FileFormatError('the file is empty', 1);
  (parser as LineParser).end();
  return {
    format: (parser as LineParser).format,
    encoding: decoded.encoding,
    compressed: decoded.compressed,
    lines,
    bytes: decoded.bytesRead(),
    warnings,
  };
}
