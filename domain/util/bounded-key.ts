import { createHash } from 'node:crypto';

const encoder = new TextEncoder();
const bytes = (s: string): number => encoder.encode(s).length;

/**
 * `prefix + key + suffix` when it fits in `maxBytes` of UTF-8 (S3 object keys and DynamoDB sort keys both stop at
 * 1,024 bytes); otherwise the key is cut at a character boundary and `~` plus 16 hex digits of its SHA-256 are
 * appended, so that different long keys still give different names. Whoever needs the full key keeps it elsewhere
 * (the rejects report names it on every row; the file ledger stores it in the item).
 */
export function boundedKey(prefix: string, key: string, suffix: string, maxBytes = 1024): string {
  const whole = prefix + key + suffix;
  if (bytes(whole) <= maxBytes) return whole;
  const tag = `~${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  const room = maxBytes - bytes(prefix) - bytes(tag) - bytes(suffix);
  if (room < 0) throw new Error(`prefix and suffix leave no room for a key in ${maxBytes} bytes`);
  let cut = '';
  let used = 0;
  for (const ch of key) {
    const n = bytes(ch);
    if (used + n > room) break;
    cut += ch;
    used += n;
  }
  return prefix + cut + tag + suffix;
}
