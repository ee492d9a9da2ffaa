import { describe, expect, it } from 'vitest';
import { peerGroups } from '../../../../domain/classification/peer-groups.ts';
import { mulberry32 } from '../../../../domain/classification/prng.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';

const opts = DEFAULT_CONFIG.classification.peerGroups;

function normalized(xs: number[]): number[] {
  const s = xs.reduce((a, b) => a + b, 0);
  return xs.map((x) => x / s);
}

/** Day-shift-like (family 'day') or night-shift-like (family 'night') profiles with ±10% seeded noise. */
function family(kind: 'day' | 'night', count: number, seed: number): number[][] {
  const rng = mulberry32(seed);
  return Array.from({ length: count }, () =>
    normalized(
      Array.from({ length: 24 }, (_, h) => {
        const on = kind === 'day' ? h >= 8 && h < 18 : h >= 22 || h < 6;
        return (on ? 100 : 10) * (1 + 0.1 * (2 * rng() - 1));
      }),
    ),
  );
}

function expectSeparated(assignments: number[], labels: string[]): void {
  const groupsOf = new Map<string, Set<number>>();
  const labelsOf = new Map<number, Set<string>>();
  assignments.forEach((g, i) => {
    groupsOf.set(labels[i]!, (groupsOf.get(labels[i]!) ?? new Set()).add(g));
    labelsOf.set(g, (labelsOf.get(g) ?? new Set()).add(labels[i]!));
  });
  // No group mixes the two families.
  for (const ls of labelsOf.values()) expect(ls.size).toBe(1);
  expect(groupsOf.size).toBe(2);
}

describe('peerGroups', () => {
  it('separates two obviously different shape families and numbers the larger one first', () => {
    const profiles = [...family('night', 20, 1), ...family('day', 40, 2)];
    const labels = [...Array<string>(20).fill('night'), ...Array<string>(40).fill('day')];
    const r = peerGroups(profiles, opts);
    expectSeparated(r.assignments, labels);
    expect(r.k).toBe(2);
    expect(r.silhouette).toBeGreaterThan(0.5);
    expect(r.groups.map((g) => g.size)).toEqual([40, 20]);
    expect(new Set(r.assignments.slice(20))).toEqual(new Set([1]));
    // Centroid of the day family: hour 12 well above hour 2.
    expect(r.groups[0]!.centroid[12]!).toBeGreaterThan(5 * r.groups[0]!.centroid[2]!);
    expect(r.groups[0]!.centroid.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('is deterministic: same input, same output', () => {
    const profiles = [...family('day', 30, 3), ...family('night', 30, 4)];
    const a = peerGroups(profiles, opts);
    const b = peerGroups(profiles.map((p) => [...p]), opts);
    expect(b).toEqual(a);
  });

  it('chooses k by silhouette among minK..maxK', () => {
    // Three families: day, night and flat.
    const rng = mulberry32(11);
    const flat = Array.from({ length: 25 }, () => normalized(Array.from({ length: 24 }, () => 1 + 0.1 * rng())));
    const r = peerGroups([...family('day', 25, 5), ...family('night', 25, 6), ...flat], opts);
    expect(r.k).toBe(3);
    expect(r.groups.map((g) => g.size)).toEqual([25, 25, 25]);
    const bounded = peerGroups([...family('day', 25, 5), ...family('night', 25, 6), ...flat], { ...opts, minK: 4, maxK: 5 });
    expect(bounded.k).toBeGreaterThanOrEqual(4);
  });

  it('samples for k on large inputs and still assigns every profile', () => {
    const profiles = [...family('day', 1500, 7), ...family('night', 1000, 8)];
    const labels = [...Array<string>(1500).fill('day'), ...Array<string>(1000).fill('night')];
    const r = peerGroups(profiles, { ...opts, sampleSize: 500 });
    expect(r.assignments).toHaveLength(2500);
    expectSeparated(r.assignments, labels);
    expect(r.groups.reduce((a, g) => a + g.size, 0)).toBe(2500);
    expect(peerGroups(profiles, { ...opts, sampleSize: 500 })).toEqual(r);
  });

  it('handles fewer than three customers and identical profiles as one group', () => {
    expect(peerGroups([], opts)).toEqual({ k: 0, silhouette: null, groups: [], assignments: [] });
    const two = peerGroups(family('day', 1, 1).concat(family('night', 1, 1)), opts);
    expect(two.k).toBe(1);
    expect(two.assignments).toEqual([1, 1]);
    const same = Array.from({ length: 10 }, () => Array<number>(24).fill(1 / 24));
    const r = peerGroups(same, opts);
    expect(r.k).toBe(1);
    expect(r.groups.map((g) => [g.group, g.size])).toEqual([[1, 10]]);
    for (const c of r.groups[0]!.centroid) expect(c).toBeCloseTo(1 / 24, 12);
  });

  it('bounds k by n − 1', () => {
    const r = peerGroups([...family('day', 2, 1), ...family('night', 1, 2)], opts);
    expect(r.k).toBe(2);
    expect(r.assignments).toEqual([1, 1, 2]);
  });
});
