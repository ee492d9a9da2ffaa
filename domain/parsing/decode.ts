import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { FileFormatError } from './reading-sink.ts';

export type Encoding = 'utf-8' | 'gbk';

export interface DecodedLines {
  encoding: Encoding;
  compressed: boolean;
  /** Calls `onLine` for each physical line (without terminator), numbered from 1; resolves at end of input. */
  forEachLine(onLine: (text: string, lineNo: number) => void): Promise<number>;
  /**
   * UTF-8 input only (null for GBK): the same lines as `bytes[from, to)` spans of the undecoded input (the BOM
   * dropped), for parsers that read ASCII rows in place and decode only the lines they cannot (decodeLine).
   * Use this or forEachLine, not both.
   */
  forEachByteSpan: ((onSpan: ByteSpanHandler) => Promise<number>) | null;
  /** Bytes read so far (compressed size when compressed). */
  bytesRead(): number;
}

/** One line as `bytes[from, to)` (without its terminator), numbered from 1. */
export type ByteSpanHandler = (bytes: Uint8Array, from: number, to: number, lineNo: number) => void;

const SNIFF_BYTES = 64 * 1024;

/** What a file may do before it is refused: hostile or broken exports end quickly, in flat memory. */
export interface DecodeLimits {
  /** Longest line, in characters. */
  maxLineLength: number;
  /** Most bytes a compressed file may expand to. */
  maxDecompressedBytes: number;
  /** Largest expansion ratio (decompressed ÷ compressed), checked once past RATIO_CHECK_FROM decompressed bytes. */
  maxCompressionRatio: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxLineLength: 1024 * 1024,
  maxDecompressedBytes: 16 * 1024 ** 3,
  // Meter-data CSVs compress 2–15×; a gzip bomb expands 1,000× and more.
  maxCompressionRatio: 200,
};
const RATIO_CHECK_FROM = 64 * 1024 * 1024;

/** A file refused as hostile (a decompression bomb): quarantined, nothing applied. */
export class HostileFileError extends FileFormatError {
  readonly quarantine = true;
}

const mib = (n: number) => `${(n / 1024 / 1024).toLocaleString('en', { maximumFractionDigits: 1 })} MiB`;

/**
 * Turns a byte stream (optionally gzip) into numbered text lines, detecting UTF-8 (with or without BOM) vs GBK
 * from the first 64 KiB (or as `encodingOf` says). Lines end with LF, CRLF or (old Mac exports) CR alone. Streaming: memory is one chunk plus
 * one partial line, and a line longer than the limit fails the file as soon as it is seen.
 */
export async function decodeLines(source: AsyncIterable<Uint8Array>, limits: Partial<DecodeLimits> = {}, encodingOf?: Encoding): Promise<DecodedLines> {
  const limit = { ...DEFAULT_DECODE_LIMITS, ...limits };
  const progress = { lines: 0 };
  let bytesRead = 0;
  const counted = (async function* () {
    for await (const chunk of source) {
      bytesRead += chunk.length;
      yield chunk;
    }
  })();
  const { head, rest } = await peek(counted, 2);
  const compressed = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  let bytes: AsyncIterable<Uint8Array> = replay(head, rest);
  if (compressed) bytes = bounded(Readable.from(bytes).pipe(createGunzip()), () => bytesRead, limit, progress);
  const sniffed = await peek(bytes[Symbol.asyncIterator](), SNIFF_BYTES);
  // A byte range of a file decodes as the whole file does (its own first 64 KiB may be plain ASCII).
  const encoding = encodingOf ?? detectEncoding(sniffed.head);
  const raw = replay(sniffed.head, sniffed.rest);
  return {
    encoding,
    compressed,
    forEachLine: (onLine) => splitLines(decodeChunks(raw, encoding), onLine, limit.maxLineLength, progress),
    forEachByteSpan: encoding === 'utf-8' ? (onSpan) => splitByteLines(raw, onSpan, limit.maxLineLength, progress) : null,
    bytesRead: () => bytesRead,
  };
}

/** Decompressed bytes, refused past the size or ratio limit (the gunzip stream is destroyed with the iteration). */
async function* bounded(
  inflated: AsyncIterable<Uint8Array>,
  compressedSoFar: () => number,
  limit: DecodeLimits,
  progress: { lines: number },
): AsyncIterable<Uint8Array> {
  let out = 0;
  for await (const chunk of inflated) {
    out += chunk.length;
    if (out > limit.maxDecompressedBytes) {
      throw new HostileFileError(`decompresses to more than ${mib(limit.maxDecompressedBytes)} (the limit for one file); refused as a possible decompression bomb`, progress.lines + 1);
    }
    const ratio = out / Math.max(1, compressedSoFar());
    if (out > RATIO_CHECK_FROM && ratio > limit.maxCompressionRatio) {
      throw new HostileFileError(
        `expands ${Math.round(ratio)}× (${mib(out)} from ${mib(compressedSoFar())} so far), above the ${limit.maxCompressionRatio}× limit; refused as a possible decompression bomb`,
        progress.lines + 1,
      );
    }
    yield chunk;
  }
}

export function detectEncoding(head: Uint8Array): Encoding {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  // Drop a possibly cut multi-byte sequence at the end of the sample before the strict check.
  let end = head.length;
  for (let i = 0; i < 3 && end > 0 && (head[end - 1]! & 0xc0) === 0x80; i++) end--;
  if (end > 0 && head[end - 1]! >= 0xc0) end--;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    return 'utf-8';
  } catch {
    return 'gbk';
  }
}

async function* decodeChunks(bytes: AsyncIterable<Uint8Array>, encoding: Encoding): AsyncIterable<string> {
  if (encoding === 'utf-8') {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: false });
    for await (const chunk of bytes) yield decoder.decode(chunk, { stream: true });
    const tail = decoder.decode();
    if (tail) yield tail;
  } else {
    const decoder = iconv.getDecoder('gbk');
    for await (const chunk of bytes) yield decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    const tail = decoder.end();
    if (tail) yield tail;
  }
}

// Per-line work is synchronous: an async step per line would cost more than parsing it.
async function splitLines(
  chunks: AsyncIterable<string>,
  onLine: (text: string, lineNo: number) => void,
  maxLineLength: number,
  progress: { lines: number },
): Promise<number> {
  const tooLong = (lineNo: number) => new FileFormatError(`line ${lineNo} longer than ${maxLineLength.toLocaleString('en')} characters (the limit for one line); the file is refused`, lineNo);
  let carry = '';
  let lineNo = 0;
  // LF (and CRLF) unless the first line ending is a CR on its own: then CR ends every line.
  let separator: '\n' | '\r' | undefined;
  for await (const chunk of chunks) {
    const text = carry ? carry + chunk : chunk;
    if (separator === undefined) {
      const cr = text.indexOf('\r');
      const lf = text.indexOf('\n');
      if (lf !== -1 && (cr === -1 || cr + 1 >= lf)) separator = '\n';
      else if (cr !== -1 && cr + 1 < text.length) separator = '\r';
    }
    let from = 0;
    if (separator !== undefined) {
      const sep = separator;
      let nl = text.indexOf(sep, from);
      while (nl !== -1) {
        const end = sep === '\n' && nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        if (end - from > maxLineLength) throw tooLong(lineNo + 1);
        onLine(text.slice(from, end), ++lineNo);
        from = nl + 1;
        nl = text.indexOf(sep, from);
      }
    }
    carry = from < text.length ? text.slice(from) : '';
    progress.lines = lineNo;
    if (carry.length > maxLineLength + 1) throw tooLong(lineNo + 1);
  }
  if (carry) {
    const last = carry.endsWith('\r') ? carry.slice(0, -1) : carry;
    if (last.length > maxLineLength) throw tooLong(lineNo + 1);
    onLine(last, ++lineNo);
  }
  return lineNo;
}

const lineDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The text of a UTF-8 line span, exactly as forEachLine would give it. */
export function decodeLine(bytes: Uint8Array, from: number, to: number): string {
  return lineDecoder.decode(bytes.subarray(from, to));
}

/** UTF-16 length of UTF-8 bytes[from, to) (what a line's length is in characters), without decoding them. */
function utf16Length(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if ((b & 0xc0) !== 0x80) n += b >= 0xf0 ? 2 : 1;
  }
  return n;
}

/**
 * splitLines on the undecoded UTF-8 bytes: the same line ends (LF, CRLF, or CR alone when the first line ending
 * is a lone CR), numbering and line-length limit, with no string made per line. Lines are spans of the chunks as
 * read; only a line cut across chunks is copied.
 */
async function splitByteLines(
  chunks: AsyncIterable<Uint8Array>,
  onSpan: ByteSpanHandler,
  maxLineLength: number,
  progress: { lines: number },
): Promise<number> {
  const tooLong = (lineNo: number) => new FileFormatError(`line ${lineNo} longer than ${maxLineLength.toLocaleString('en')} characters (the limit for one line); the file is refused`, lineNo);
  let carry: Buffer | null = null;
  let lineNo = 0;
  let first = true;
  let separator = 0; // 10 (LF, CRLF) or 13 (CR alone); 0 until the first line ending
  /** Emits the complete lines of buf from `from` on; returns where the unfinished last line starts. */
  const lines = (buf: Buffer, from: number): number => {
    const sep = separator;
    for (let i = buf.indexOf(sep, from); i !== -1; i = buf.indexOf(sep, from)) {
      const end = sep === 10 && i > from && buf[i - 1] === 13 ? i - 1 : i;
      if (end - from > maxLineLength && utf16Length(buf, from, end) > maxLineLength) throw tooLong(lineNo + 1);
      onSpan(buf, from, end, ++lineNo);
      from = i + 1;
    }
    return from;
  };
  for await (const chunk of chunks) {
    // A Buffer, for its indexOf (memchr): twice as fast as a loop over the bytes.
    let buf: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let from = 0;
    if (separator === 0 || first) {
      if (carry) buf = Buffer.concat([carry, buf]);
      carry = null;
      if (first) {
        if (buf.length < 3 && buf.length > 0 && buf[0] === 0xef) {
          carry = buf; // a BOM cut across chunks
          continue;
        }
        first = false;
        if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      }
      const cr = buf.indexOf(13);
      const lf = buf.indexOf(10);
      if (lf !== -1 && (cr === -1 || cr + 1 >= lf)) separator = 10;
      else if (cr !== -1 && cr + 1 < buf.length) separator = 13;
    } else if (carry) {
      // The line cut across chunks: join its two parts only.
      const nl = buf.indexOf(separator);
      if (nl === -1) {
        buf = Buffer.concat([carry, buf]);
      } else {
        const joined = Buffer.concat([carry, buf.subarray(0, nl + 1)]);
        lines(joined, 0);
        from = nl + 1;
      }
      carry = null;
    }
    if (separator !== 0) from = lines(buf, from);
    carry = from < buf.length ? buf.subarray(from) : null;
    progress.lines = lineNo;
    // A UTF-16 unit takes at most 3 bytes, so only a carry past 3× the limit in bytes needs counting.
    if (carry && carry.length > maxLineLength + 1 && (carry.length > 3 * (maxLineLength + 2) || utf16Length(carry, 0, carry.length) > maxLineLength + 1)) {
      throw tooLong(lineNo + 1);
    }
  }
  if (carry && first && carry.length >= 3 && carry[0] === 0xef && carry[1] === 0xbb && carry[2] === 0xbf) carry = carry.subarray(3);
  if (carry && carry.length) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    if (end > maxLineLength && utf16Length(carry, 0, end) > maxLineLength) throw tooLong(lineNo + 1);
    onSpan(carry, 0, end, ++lineNo);
  }
  return lineNo;
}

async function peek(
  it: AsyncIterator<Uint8Array> | AsyncIterable<Uint8Array>,
  min: number,
): Promise<{ head: Uint8Array; rest: AsyncIterator<Uint8Array> }> {
  const iter = Symbol.asyncIterator in it ? it[Symbol.asyncIterator]() : it;
  const parts: Uint8Array[] = [];
  let size = 0;
  while (size < min) {
    const next = await iter.next();
    if (next.done) break;
    parts.push(next.value);
    size += next.value.length;
  }
  return { head: parts.length === 1 ? parts[0]! : Buffer.concat(parts), rest: iter };
}

async function* replay(head: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  if (head.length) yield head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}
