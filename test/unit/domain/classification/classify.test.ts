import { describe, expect, it } from 'vitest';
import { classifyAll, classifyComputed, segmentChanged, type CustomerUsage } from '../../../../domain/classification/classify.ts';
import { computeFeatures } from '../../../../domain/classification/features.ts';
import type { Pattern } from '../../../../domain/classification/pattern.ts';
import { assignTiers } from '../../../../domain/classification/tier.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { AS_OF, SHAPES, generate } from './synthetic.ts';

const cfg = DEFAULT_CONFIG.classification;

/** Two customers per archetype at different sizes; the first continuous one dwarfs everyone. */
function population(): { customers: CustomerUsage[]; expected: Record<string, Pattern> } {
  const customers: CustomerUsage[] = [];
  const expected: Record<string, Pattern> = {};
  let seed = 1;
  for (const [name, shape] of Object.entries(SHAPES) as [Pattern, (typeof SHAPES)[Pattern]][]) {
    for (const size of [1, 3]) {
      const customerId = `${name}-${size}`;
      const scale = name === 'continuous' && size === 3 ? 40 : size;
      customers.push({
        facts: { customerId, region: size === 1 ? 'north' : 'south' },
        days: generate({ customerId, shape, seed: seed++, scale: () => scale, kvarhRatio: name === 'night-shift' ? 0.75 : 0.3 }),
      });
      expected[customerId] = name;
    }
  }
  return { customers, expected };
}

describe('classifyAll', () => {
  const { customers, expected } = population();
  const result = classifyAll({ customers, asOf: AS_OF, cfg });

  it('segments every customer, by customerId, with the pattern of its archetype', () => {
    expect(result.segments.map((s) => s.customerId)).toEqual(customers.map((c) => c.facts.customerId).sort());
    for (const s of result.segments) {
      expect(s.pattern, s.customerId).toBe(expected[s.customerId]);
      expect(s.asOf).toBe(AS_OF);
    }
  });

  it('applies the exact Pareto tier rule over window kWh', () => {
    const want = assignTiers(
      result.segments.map((s) => ({ customerId: s.customerId, windowKwh: s.features.windowKwh })),
      cfg.tierShares,
    );
    for (const t of want) expect(result.segments.find((s) => s.customerId === t.customerId)!.tier).toBe(t.tier);
    const big = result.segments.find((s) => s.customerId === 'continuous-3')!;
    expect(big.tier).toBe('A');
    expect(big.reasons[0]).toMatch(/^tier A: window kWh [\d,]+ — top 70% of key-account kWh$/);
    expect(big.actions[0]).toBe('Assign a dedicated account manager and a priority service channel.');
    expect(result.segments.filter((s) => s.tier === 'C').length).toBeGreaterThan(0);
  });

  it('explains pattern, trend and peer group in words', () => {
    const night = result.segments.find((s) => s.customerId === 'night-shift-1')!;
    expect(night.reasons[1]).toContain(`pattern night-shift: valley share ${Math.round(night.features.valleyShare * 100)}%`);
    expect(night.reasons[2]).toMatch(/^trend stable: average daily kWh/);
    expect(night.reasons[3]).toMatch(new RegExp(`^peer group ${night.peerGroup} of ${result.peerGroups.k}: \\d+ customers`));
    expect(night.playbook.map((a) => a.code)).toEqual(['reactive-compensation', 'confirm-valley-tariff']);
    expect(night.actions).toEqual(night.playbook.map((a) => a.text));
  });

  it('summarizes the peer groups consistently with the segments', () => {
    const { groups, k } = result.peerGroups;
    expect(groups).toHaveLength(k);
    expect(groups.reduce((a, g) => a + g.size, 0)).toBe(customers.length);
    for (const g of groups) expect(result.segments.filter((s) => s.peerGroup === g.group)).toHaveLength(g.size);
    // Same-archetype customers share a group; the night and day shapes do not.
    const group = (id: string) => result.segments.find((s) => s.customerId === id)!.peerGroup;
    expect(group('night-shift-1')).toBe(group('night-shift-3'));
    expect(group('day-shift-1')).not.toBe(group('night-shift-1'));
  });

  it('does not depend on input order', () => {
    expect(classifyAll({ customers: [...customers].reverse(), asOf: AS_OF, cfg })).toEqual(result);
  });

  it('gives the same result from streamed features (classifyComputed)', () => {
    const computed = customers.map((c) => ({ facts: c.facts, ...computeFeatures(c.days, AS_OF, cfg) }));
    expect(classifyComputed({ customers: computed, asOf: AS_OF, cfg })).toEqual(result);
  });

  it('rejects a customer given twice', () => {
    expect(() => classifyAll({ customers: [customers[0]!, customers[0]!], asOf: AS_OF, cfg })).toThrow(/given twice/);
  });

  it('copes with an empty population and with a customer without data', () => {
    expect(classifyAll({ customers: [], asOf: AS_OF, cfg }).segments).toEqual([]);
    const r = classifyAll({ customers: [{ facts: { customerId: 'x', region: 'n' }, days: [] }], asOf: AS_OF, cfg });
    expect(r.segments[0]).toMatchObject({ tier: 'C', pattern: 'irregular', trend: 'unknown', peerGroup: 1 });
  });
});

describe('segmentChanged', () => {
  const base = { tier: 'A', pattern: 'continuous', trend: 'stable', peerGroup: 1 } as const;
  it('is true when tier, pattern, trend or peer group differ, or there is no previous segment', () => {
    expect(segmentChanged(base, { ...base })).toBe(false);
    expect(segmentChanged(undefined, base)).toBe(true);
    expect(segmentChanged(base, { ...base, tier: 'B' })).toBe(true);
    expect(segmentChanged(base, { ...base, pattern: 'day-shift' })).toBe(true);
    expect(segmentChanged(base, { ...base, trend: 'growing' })).toBe(true);
    expect(segmentChanged(base, { ...base, peerGroup: 2 })).toBe(true);
  });
});
