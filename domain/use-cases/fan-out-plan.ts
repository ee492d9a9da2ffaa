import iconv from 'iconv-lite';
import { detectEncoding, type Encoding } from '../parsing/decode.ts';
import { detectNem } from '../parsing/nem12.ts';
import { headerParser, MAX_HEADER_SEARCH } from '../parsing/read-readings.ts';
import { FileFormatError, type LineParser, type ReadingSink } from '../parsing/reading-sink.ts';
import type { AliasMap } from '../parsing/header-aliases.ts';
import type { Zone } from '../time/zone.ts';

/**
 * Where a large file is cut (pure functions over bytes and lines; fan-out.ts does the I/O).
 *
 * A file is cut only at line starts, so every range holds whole rows; a NEM12/NEM13 file only before a 200/250 record,
 * so every range holds whole NMI blocks. Its title rows and header (the "prefix") travel with every range but the
 * first, which is the only part of the file a range needs besides its own lines.
 */

/** Line terminator byte of a file: LF (also CRLF), else CR for the old exports that end lines with CR alone. */
export function lineTerminator(head: Uint8Array): number {
  return head.indexOf(0x0a) !== -1 || head.indexOf(0x0d) === -1 ? 0x0a : 0x0d;
}

const HIT = Symbol('first data line');

/**
 * The number of lines before the first data line: title rows, blank lines and the header of a CSV; the 100 header
 * (and anything else) before the first 200/250 record of a NEM file. Undefined when `lines` holds no data line yet.
 * Throws FileFormatError when the file is of no known format.
 */
export function prefixLineCount(lines: readonly string[], zone: Zone, aliases?: AliasMap): number | undefined {
  const first = lines.findIndex((l) => l.trim() !== '' && l !== '\uFEFF');
  if (first === -1) return undefined;
  // XML (Green Button) cannot be cut at line starts: it is read whole.
  if (isXml(lines[first]!)) return undefined;
  if (detectNem(lines[first]!)) {
    const i = lines.findIndex((l) => l.startsWith('200,') || l.startsWith('250,'));
    return i === -1 ? undefined : i;
  }
  // The reading parsers themselves find the header (below up to MAX_HEADER_SEARCH title rows, as readReadings does)
  // and the first line that carries data or is rejected as a data row.
  const stop = (): never => {
    throw HIT;
  };
  const sink: ReadingSink = { interval: stop, row: stop, reject: stop };
  const opts = { sink, zone, ...(aliases ? { aliases } : {}) };
  let parser: LineParser | null = null;
  let titles = 0;
  for (let i = first; i < lines.length; i++) {
    const text = lines[i]!;
    try {
      if (parser === null) {
        if (text.trim() === '') continue;
        parser = headerParser(text, i + 1, opts, [], { first: titles === 0 });
        if (parser === null) {
          if (++titles >= MAX_HEADER_SEARCH) return undefined;
          continue;
        }
      }
      parser.line(text, i + 1);
    } catch (err) {
      if (err === HIT) return i;
      throw err;
    }
  }
  return undefined;
}

/** A line that opens an XML document (Green Button): such files are never cut. */
export function isXml(line: string): boolean {
  return line.replace(/^\uFEFF/, '').trimStart().startsWith('<');
}

/** Whether a range may start at `at`, a line start: anywhere in a CSV, only at a 200/250 record in a NEM file. */
export function boundaryRule(nem: boolean): (bytes: Uint8Array, at: number) => boolean | undefined {
  if (!nem) return () => true;
  // "200," or "250,"; undefined = not enough bytes to tell.
  return (bytes, at) => {
    if (at + 4 > bytes.length) return undefined;
    return bytes[at] === 0x32 && (bytes[at + 1] === 0x30 || bytes[at + 1] === 0x35) && bytes[at + 2] === 0x30 && bytes[at + 3] === 0x2c;
  };
}

/**
 * The first line start at or after `from` (an offset into the file) in `window`, which holds the file's bytes from
 * `windowStart`, that the rule accepts; undefined when the window holds none (read a larger one).
 */
export function nextBoundary(
  window: Uint8Array,
  windowStart: number,
  from: number,
  terminator: number,
  accept: (bytes: Uint8Array, at: number) => boolean | undefined,
): number | undefined {
  // A line starts right after a terminator; `from` itself is a line start when the byte before it ends a line.
  let i = Math.max(0, from - windowStart - 1);
  for (;;) {
    const t = window.indexOf(terminator, i);
    if (t === -1) return undefined;
    const at = t + 1;
    if (at + windowStart >= from) {
      const ok = accept(window, at);
      if (ok === undefined) return undefined;
      if (ok) return at + windowStart;
    }
    i = at;
  }
}

export interface HeadAnalysis {
  encoding: Encoding;
  terminator: number;
  nem: boolean;
  /** Lines before the first data line, and the bytes they take: [0, prefixEnd) travels with every range. */
  prefixLines: number;
  prefixEnd: number;
}

/**
 * Reads the file's first bytes: its encoding, line terminator, format family and prefix. Undefined when the head
 * holds no data line (e.g. an enormous header): such a file is not cut.
 */
export function analyseHead(head: Uint8Array, zone: Zone, aliases?: AliasMap): HeadAnalysis | undefined {
  const encoding = detectEncoding(head.subarray(0, 64 * 1024));
  const terminator = lineTerminator(head);
  const lastEnd = head.lastIndexOf(terminator);
  if (lastEnd === -1) return undefined;
  const complete = head.subarray(0, lastEnd + 1);
  const text = encoding === 'gbk' ? iconv.decode(Buffer.from(complete.buffer, complete.byteOffset, complete.length), 'gbk') : new TextDecoder('utf-8').decode(complete);
  const lines = text.split(terminator === 0x0a ? '\n' : '\r').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  lines.pop(); // after the last terminator
  // Register readings (示值) carry each meter's last reading into its next row: a cut between two rows of one meter
  // would lose an interval, so such exports are read whole.
  if (text.includes('示值')) return undefined;
  let prefixLines: number | undefined;
  try {
    prefixLines = prefixLineCount(lines, zone, aliases);
  } catch (err) {
    // Unknown format: the whole-file path reports it with its line.
    if (err instanceof FileFormatError) return undefined;
    throw err;
  }
  if (prefixLines === undefined) return undefined;
  let prefixEnd = 0;
  for (let n = 0; n < prefixLines; n++) prefixEnd = head.indexOf(terminator, prefixEnd) + 1;
  const firstLine = lines.find((l) => l.trim() !== '' && l !== '\uFEFF') ?? '';
  return { encoding, terminator, nem: detectNem(firstLine), prefixLines, prefixEnd };
}

/** Stable partition of a customer's meter-days (FNV-1a of the customer id): all of a customer's days meet in one. */
export function partitionOf(customerId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) {
    h ^= customerId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
