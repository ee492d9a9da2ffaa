import { describe, expect, it } from 'vitest';
import { boundedKey } from '../../../../domain/util/bounded-key.ts';

const bytes = (s: string) => Buffer.byteLength(s);

describe('boundedKey', () => {
  it('keeps a key that fits as it is', () => {
    expect(boundedKey('rejects/', 'readings/a.csv', '.csv')).toBe('rejects/readings/a.csv.csv');
  });

  it('shortens a long multibyte key at a character boundary, with a hash that tells long keys apart', () => {
    const long = `readings/${'华东区日负荷'.repeat(60)}`; // 1,089 bytes
    const a = boundedKey('rejects/', `${long}-1.csv`, '.csv');
    const b = boundedKey('rejects/', `${long}-2.csv`, '.csv');
    expect(bytes(a)).toBeLessThanOrEqual(1024);
    expect(a).toMatch(/^rejects\/readings\/华东区/);
    expect(a).toMatch(/~[0-9a-f]{16}\.csv$/);
    expect(a).not.toContain('\uFFFD');
    expect(a).not.toBe(b);
    expect(boundedKey('rejects/', `${long}-1.csv`, '.csv')).toBe(a);
  });
});
