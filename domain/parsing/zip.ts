import { unzipSync } from 'fflate';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, HostileFileError } from './decode.ts';

export interface ZipEntry {
  /** Path inside the archive, as stored. */
  name: string;
  bytes: Uint8Array;
}

/**
 * The file entries of a .zip archive, in archive order (directories left out). The whole archive is inflated in
 * memory, which suits the small zips meter-data providers send; a truncated or non-zip input throws fflate's error.
 * An archive whose entries declare more than the decompression limits allow is refused before anything is inflated.
 */
export function* zipEntries(zip: Uint8Array, limits: Partial<DecodeLimits> = {}): Generator<ZipEntry> {
  const limit = { ...DEFAULT_DECODE_LIMITS, ...limits };
  let declared = 0;
  const files = unzipSync(zip, {
    filter: (entry) => {
      declared += entry.originalSize;
      const ratio = entry.originalSize / Math.max(1, entry.size);
      if (declared > limit.maxDecompressedBytes || (entry.originalSize > 64 * 1024 * 1024 && ratio > limit.maxCompressionRatio)) {
        throw new HostileFileError(
          `zip entry ${entry.name} expands to ${entry.originalSize.toLocaleString('en')} bytes from ${entry.size.toLocaleString('en')} (${Math.round(ratio)}×; the archive ${declared.toLocaleString('en')} bytes so far), beyond the limits; refused as a possible zip bomb`,
          1,
        );
      }
      return true;
    },
  });
  for (const [name, bytes] of Object.entries(files)) {
    if (name.endsWith('/')) continue;
    yield { name, bytes };
  }
}

/** True when the bytes start with a zip local-file (or empty-archive) signature. */
export function isZip(head: Uint8Array): boolean {
  return (
    head.length >= 4 &&
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    ((head[2] === 0x03 && head[3] === 0x04) || (head[2] === 0x05 && head[3] === 0x06))
  );
}
