import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';

export type Encoding = 'utf-8' | 'gbk';

export interface DecodedLines {
  encoding: Encoding;
  compressed: boolean;
  /** Calls `onLine` for each physical line (without terminator), numbered from 1; resolves at end of input. */
  forEachLine(onLine: (text: string, lineNo: number) => void): Promise<number>;
  /** Bytes read so far (compressed size when compressed). */
  bytesRead(): number;
}

const SNIFF_BYTES = 64 * 1024;

/**
 * Turns a byte stream (optionally gzip) into numbered text lines, detecting UTF-8 (with or without BOM) vs GBK
 * from the first 64 KiB. Streaming: memory is one chunk plus one partial line.
 */
export async function decodeLines(source: AsyncIterable<Uint8Array>): Promise<DecodedLines> {
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
  if (compressed) bytes = Readable.from(bytes).pipe(createGunzip());
  const sniffed = await peek(bytes[Symbol.asyncIterator](), SNIFF_BYTES);
  const encoding = detectEncoding(sniffed.head);
  const chunks = decodeChunks(replay(sniffed.head, sniffed.rest), encoding);
  return { encoding, compressed, forEachLine: (onLine) => splitLines(chunks, onLine), bytesRead: () => bytesRead };
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
async function splitLines(chunks: AsyncIterable<string>, onLine: (text: string, lineNo: number) => void): Promise<number> {
  let carry = '';
  let lineNo = 0;
  for await (const chunk of chunks) {
    const text = carry ? carry + chunk : chunk;
    let from = 0;
    let nl = text.indexOf('\n', from);
    while (nl !== -1) {
      const end = nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      onLine(text.slice(from, end), ++lineNo);
      from = nl + 1;
      nl = text.indexOf('\n', from);
    }
    carry = from < text.length ? text.slice(from) : '';
  }
  if (carry) onLine(carry.endsWith('\r') ? carry.slice(0, -1) : carry, ++lineNo);
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
