import { describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../../domain/classification/features.ts';
import {
  DEFAULT_PATTERN_THRESHOLDS,
  classifyPattern,
  profileShape,
  type Pattern,
} from '../../../../domain/classification/pattern.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { AS_OF, SHAPES, generate, type DayShape } from './synthetic.ts';

const cfg = DEFAULT_CONFIG.classification;

function classify(shape: DayShape, seed = 1, noise?: number) {
  const { features, profile } = computeFeatures(generate({ shape, seed, noise }), AS_OF, cfg);
  return { features, profile, ...classifyPattern(features, profile) };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

describe('classifyPattern', () => {
  const archetypes = Object.keys(SHAPES) as Pattern[];

  it.each(archetypes)('recovers the %s archetype for several seeds', (name) => {
    for (const seed of [1, 2, 3, 4, 5]) {
      expect(classify(SHAPES[name], seed).pattern).toBe(name);
    }
  });

  it('names the deciding values in the reasons', () => {
    const cont = classify(SHAPES.continuous);
    expect(cont.reasons.join(' ')).toContain(`load factor ${cont.features.loadFactor.toFixed(2)}`);
    expect(cont.reasons.join(' ')).toContain(`night share ${pct(cont.features.nightShare)}`);

    const wd = classify(SHAPES['weekday-only']);
    expect(wd.reasons.join(' ')).toContain(`weekend/weekday ratio ${wd.features.weekendRatio!.toFixed(2)}`);

    const night = classify(SHAPES['night-shift']);
    expect(night.reasons.join(' ')).toContain(`valley share ${pct(night.features.valleyShare)}`);
    expect(night.reasons.join(' ')).toContain(`night share ${pct(night.features.nightShare)}`);

    const evening = classify(SHAPES['evening-peak']);
    const es = profileShape(evening.profile);
    expect(es.peakHour).toBeGreaterThanOrEqual(17);
    expect(es.peakHour).toBeLessThan(23);
    expect(evening.reasons.join(' ')).toContain(`evening share (17–23h) ${pct(es.eveningShare)}`);

    const day = classify(SHAPES['day-shift']);
    expect(day.reasons.join(' ')).toContain(`daytime share (08–18h) ${pct(profileShape(day.profile).dayShare)}`);

    const irr = classify(SHAPES.irregular);
    expect(irr.reasons.join(' ')).toContain(`shape deviation ${pct(irr.features.shapeDeviation)}`);
  });

  it('puts the weekly rhythm before continuity: a 24-hour weekday plant is weekday-only', () => {
    const shape: DayShape = (wd) => Array<number>(24).fill(wd >= 6 ? 0 : 100);
    const r = classify(shape, 1, 0.01);
    // It would pass the continuous rule on its own.
    expect(r.features.loadFactor).toBeGreaterThanOrEqual(DEFAULT_PATTERN_THRESHOLDS.continuousLoadFactor);
    expect(profileShape(r.profile).flatness).toBeGreaterThan(0.9);
    expect(r.pattern).toBe('weekday-only');
  });

  it('calls a plant irregular when whole days switch on and off at random', () => {
    const onOff: DayShape = (_wd, rng) => {
      const state = rng() < 0.5 ? 0 : 1;
      return Array.from({ length: 24 }, (_, h) => (h >= 8 && h < 18 ? 100 * state : 0));
    };
    const r = classify(onOff);
    expect(r.features.shapeDeviation).toBeLessThan(0.1);
    expect(r.pattern).toBe('irregular');
    expect(r.reasons.join(' ')).toContain(`day-to-day CV ${r.features.dailyCv.toFixed(2)}`);
  });

  it('uses the thresholds given, falling back to the strongest block when no archetype matches', () => {
    const { features, profile } = classify(SHAPES.continuous);
    const r = classifyPattern(features, profile, { ...DEFAULT_PATTERN_THRESHOLDS, continuousLoadFactor: 0.99 });
    expect(r.pattern).not.toBe('continuous');
    expect(r.reasons[0]).toMatch(/^no archetype threshold met; strongest block/);

    const relaxed = classify(SHAPES['day-shift']);
    const asWeekdayOnly = classifyPattern(relaxed.features, relaxed.profile, { ...DEFAULT_PATTERN_THRESHOLDS, weekdayOnlyRatio: 0.9 });
    expect(asWeekdayOnly.pattern).toBe('weekday-only');
  });

  it('falls back to the block with the most kWh per hour', () => {
    // Early-morning load 04–09h: below every threshold, densest in the night block.
    const early: DayShape = () => Array.from({ length: 24 }, (_, h) => (h >= 4 && h < 9 ? 100 : 20));
    const r = classify(early);
    expect(r.pattern).toBe('night-shift');
    expect(r.reasons[0]).toContain('strongest block night (00–06h)');
  });

  it('calls a customer without consumption irregular and says why', () => {
    const { features, profile } = computeFeatures([], AS_OF, cfg);
    expect(classifyPattern(features, profile)).toEqual({ pattern: 'irregular', reasons: ['no consumption in the window'] });
  });
});
