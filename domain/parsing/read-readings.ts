import { decodeLine, decodeLines, type DecodeLimits, type Encoding } from './decode.ts';
import { normalizeHeader, splitCsvLine } from './csv-fields.ts';
import { type AliasMap, READING_ALIASES } from './header-aliases.ts';
import { LongCsvParser } from './long-csv.ts';
import { WideCsvParser } from './wide-csv.ts';
import { analyseWideHeader } from './wide-header.ts';
import { DailyRegisterParser, type FrozenReadingAt } from './daily-register.ts';
import { DEFAULT_BANDS } from '../config.ts';
import type { BandSchedule } from '../usage/daily-usage.ts';
import { detectNem, Nem12Parser } from './nem12.ts';
import { GreenButtonParser } from './green-button.ts';
import { type ColumnReport, FileFormatError, type LineParser, type ReadingFormat, type ReadingSink } from './reading-sink.ts';
import type { Zone } from '../time/zone.ts';

export interface ReadStats {
  format: ReadingFormat;
  encoding: Encoding;
  compressed: boolean;
  lines: number;
  bytes: number;
  /** Oddities that lost no data (a NEM12 file without its 100 header, accumulation reads not loaded, …). */
  warnings: { line: number; message: string }[];
  /** Wide CSV: the columns read (logical name ← header text), those ignored, and how the interval labels were read. */
  columns?: ColumnReport;
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
  /** The file's encoding when known (a byte range of a larger file); else detected. */
  encoding?: Encoding;
  /** Wide CSV: multiply values by the file's 倍率 column (values before the multiplier). Off by default. */
  applyMultiplier?: boolean;
  /** Daily frozen register exports: the band schedule a day's band registers are spread over (default DEFAULT_BANDS). */
  bands?: BandSchedule;
  /** Daily frozen register exports: a reading dated D is read at 00:00 starting D (default) or at 24:00 ending it. */
  frozenReadingAt?: FrozenReadingAt;
}

/** How many non-empty lines may stand above the header (export titles such as "XX供电公司96点电量数据导出"). */
export const MAX_HEADER_SEARCH = 10;

type Warnings = { line: number; message: string }[];

/**
 * The parser for a header line, or null when the line is not a header (a title row). NEM12/13 is recognised on the
 * first non-empty line only; a long or wide CSV header may follow a few title rows. A line that is a wide header
 * but whose interval columns are wrong throws a FileFormatError naming the column.
 */
export function headerParser(
  line: string,
  lineNo: number,
  opts: ReadOptions,
  warnings: Warnings = [],
  ctx: { first?: boolean; register?: boolean } = { first: true },
): LineParser | null {
  if (ctx.first !== false && detectNem(line)) {
    return new Nem12Parser({ sink: opts.sink, zone: opts.zone, fileName: opts.fileName, listener: { warning: (l, message) => void warnings.push({ line: l, message }) } });
  }
  if (ctx.first !== false && GreenButtonParser.looksLike(line)) {
    return new GreenButtonParser({ sink: opts.sink, listener: { warning: (l, message) => void warnings.push({ line: l, message }) } });
  }
  const raw = splitCsvLine(line) ?? [];
  const aliases = opts.aliases ?? READING_ALIASES;
  if (LongCsvParser.looksLike(raw.map(normalizeHeader), aliases)) return new LongCsvParser({ sink: opts.sink, zone: opts.zone, aliases });
  const wide = analyseWideHeader(raw, aliases, { register: ctx.register }, lineNo);
  if (wide?.daily) {
    return new DailyRegisterParser({
      sink: opts.sink,
      zone: opts.zone,
      aliases,
      applyMultiplier: opts.applyMultiplier,
      register: ctx.register,
      bands: opts.bands ?? DEFAULT_BANDS,
      readingAt: opts.frozenReadingAt ?? 'day-start',
      warn: (l, message) => void warnings.push({ line: l, message }),
    });
  }
  if (wide) {
    return new WideCsvParser({
      sink: opts.sink,
      zone: opts.zone,
      aliases,
      applyMultiplier: opts.applyMultiplier,
      register: ctx.register,
      warn: (l, message) => void warnings.push({ line: l, message }),
    });
  }
  return null;
}

function unrecognised(lineNo: number): FileFormatError {
  return new FileFormatError(
    `unrecognised reading file: no line among the first ${MAX_HEADER_SEARCH} non-empty ones is a NEM12/NEM13 record, Green Button XML, a long CSV header ` +
      `(customer_id,meter_id,interval_start,interval_minutes,kwh,...) or a wide CSV header (customer or meter id, date, ` +
      `and 24, 48 or 96 labelled interval columns such as 00:15…24:00 or 第1点…第96点)`,
    lineNo,
  );
}

/** Picks the parser from a header line (see headerParser); throws when the line is not one. */
export function parserFor(firstLine: string, lineNo: number, opts: ReadOptions, warnings: Warnings = []): LineParser {
  const parser = headerParser(firstLine, lineNo, opts, warnings);
  if (parser === null) throw unrecognised(lineNo);
  return parser;
}

/** Streams a reading file (any supported format, UTF-8 or GBK, optionally gzip) into the sink. */
export async function readReadings(source: AsyncIterable<Uint8Array>, opts: ReadOptions): Promise<ReadStats> {
  const decoded = await decodeLines(source, opts.limits, opts.encoding);
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
  // Title rows above the header: skipped with a warning each; a title saying 示值 marks register readings.
  const titles: number[] = [];
  let register = false;
  /** The parser once a line is the header; null for a blank line or a title row above it. */
  const first = (text: string, lineNo: number): LineParser | null => {
    if (text.trim() === '' || text === '\uFEFF') return null;
    const p = headerParser(text, lineNo, opts, warnings, { first: titles.length === 0, register });
    if (p === null) {
      titles.push(lineNo);
      if (text.includes('示值')) register = true;
      if (titles.length >= MAX_HEADER_SEARCH) throw unrecognised(titles[0]!);
      return null;
    }
    for (const t of titles) warnings.push({ line: t, message: 'skipped above the header (a title row)' });
    return (parser = p);
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
  if (parser === null) throw titles.length ? unrecognised(titles[0]!) : new FileFormatError('the file is empty', 1);
  (parser as LineParser).end();
  return {
    format: (parser as LineParser).format,
    encoding: decoded.encoding,
    compressed: decoded.compressed,
    lines,
    bytes: decoded.bytesRead(),
    warnings: warnings.sort((a, b) => a.line - b.line),
    ...((parser as LineParser).columns ? { columns: (parser as LineParser).columns! } : {}),
  };
}
