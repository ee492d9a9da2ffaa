import { describe, expect, it } from 'vitest';
import { assignTiers, tierReason, type TierInput } from '../../../../domain/classification/tier.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';

const shares = DEFAULT_CONFIG.classification.tierShares;
const tiers = (items: TierInput[]) => Object.fromEntries(assignTiers(items, shares).map((t) => [t.customerId, t.tier]));
const kwh = (pairs: Record<string, number>): TierInput[] => Object.entries(pairs).map(([customerId, windowKwh]) => ({ customerId, windowKwh }));

describe('assignTiers', () => {
  it('puts the customer whose inclusion makes exactly 70% in A and the next one in B', () => {
    expect(tiers(kwh({ w: 40, x: 30, y: 20, z: 10 }))).toEqual({ w: 'A', x: 'A', y: 'B', z: 'C' });
  });

  it('stops A at the shortest prefix reaching 70%', () => {
    // 69% after two customers, 71% after three.
    expect(tiers(kwh({ a: 40, b: 29, c: 2, d: 19, e: 10 }))).toEqual({ a: 'A', b: 'A', d: 'A', c: 'C', e: 'B' });
  });

  it('leaves B empty when the A prefix already reaches 90%', () => {
    expect(tiers(kwh({ big: 95, small: 5 }))).toEqual({ big: 'A', small: 'C' });
  });

  it('breaks ties by customerId ascending, whatever the input order', () => {
    const items = kwh({ top: 50, b: 25, a: 25 });
    const result = assignTiers(items, shares);
    expect(result.map((t) => [t.customerId, t.tier, t.rank])).toEqual([
      ['top', 'A', 1],
      ['a', 'A', 2],
      ['b', 'B', 3],
    ]);
    expect(assignTiers([...items].reverse(), shares)).toEqual(result);
  });

  it('is not fooled by binary rounding at the boundaries', () => {
    // 0.7 + 0.2 + 0.1 sums to 0.9999999999999999 in binary floating point.
    expect(tiers(kwh({ a: 0.7, b: 0.2, c: 0.1 }))).toEqual({ a: 'A', b: 'B', c: 'C' });
  });

  it('makes everyone C when the total is 0', () => {
    expect(tiers(kwh({ a: 0, b: 0 }))).toEqual({ a: 'C', b: 'C' });
    expect(tiers(kwh({ solo: 0 }))).toEqual({ solo: 'C' });
  });

  it('makes a single customer A', () => {
    expect(assignTiers(kwh({ solo: 12 }), shares)).toEqual([{ customerId: 'solo', tier: 'A', rank: 1, windowKwh: 12, cumulativeShare: 1 }]);
  });

  it('uses the configured shares', () => {
    expect(tiers(kwh({ w: 40, x: 30, y: 20, z: 10 }))).not.toEqual(
      Object.fromEntries(assignTiers(kwh({ w: 40, x: 30, y: 20, z: 10 }), { a: 0.4, b: 0.7 }).map((t) => [t.customerId, t.tier])),
    );
    expect(Object.fromEntries(assignTiers(kwh({ w: 40, x: 30, y: 20, z: 10 }), { a: 0.4, b: 0.7 }).map((t) => [t.customerId, t.tier]))).toEqual({
      w: 'A',
      x: 'B',
      y: 'C',
      z: 'C',
    });
  });
});

describe('tierReason', () => {
  it('says the share band (no rank, which would go stale in the stored segment)', () => {
    const result = assignTiers(kwh({ w: 1_234_567, x: 600_000, y: 400_000, z: 100_000 }), shares);
    expect(tierReason(result[0]!, 4, shares)).toBe('window kWh 1,234,567 — top 70% of key-account kWh');
    expect(tierReason(result[2]!, 4, shares)).toBe('window kWh 400,000 — next 20% of key-account kWh, cumulative 70%–90%');
    expect(tierReason(result[3]!, 4, shares)).toBe('window kWh 100,000 — remaining 10% of key-account kWh');
  });
});
