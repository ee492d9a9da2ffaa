import { unzipSync } from 'fflate';

export interface ZipEntry {
  /** Path inside the archive, as stored. */
  name: string;
  bytes: Uint8Array;
}

/**
 * The file entries of a .zip archive, in archive order (directories left out). The whole archive is inflated in
 * memory, which suits the small zips meter-data providers send; a truncated or non-zip input throws fflate's error.
 */
export function* zipEntries(zip: Uint8Array): Generator<ZipEntry> {
  const files = unzipSync(zip);
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
