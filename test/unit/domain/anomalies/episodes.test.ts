import { describe, expect, it } from 'vitest';
import { detectAnomalies } from '../../../../domain/anomalies/detect.ts';
import { DEFAULT_ANOMALY_CONFIG, validateAnomalyConfig } from '../../../../domain/config.ts';
import { continuous, day, series } from './series.ts';

describe('episodes: one key per episode as detection re-runs day by day', () => {
  // Two level drops (days 35–49 and 64–77), two zero days (56–57) and a stuck register (day 70): four episodes.
  const days = series(continuous, {
    days: 84,
    edit: (i, _wd, _s, kw) => ((i >= 35 && i < 50) || (i >= 64 && i < 78) ? kw * 0.5 : i === 56 || i === 57 ? 0 : kw),
    values: (i, kwh) => kwh.map((v, s) => (i === 70 && s >= 20 && s < 50 ? 0.321 : v)),
  });
  const contract = { contractKva: 2000, contractKw: 1800 };

  it('yields the same key while an episode continues and a new one for each new episode', () => {
    const seen = new Map<string, { first: number; last: number; from: string }>();
    for (let k = 20; k < days.length; k++) {
      for (const a of detectAnomalies({ days: days.slice(0, k + 1), ...contract })) {
        const s = seen.get(a.episodeKey);
        if (s) {
          expect(a.from).toBe(s.from);
          s.last = k;
        } else seen.set(a.episodeKey, { first: k, last: k, from: a.from });
      }
    }
    expect([...seen.keys()].sort()).toEqual(
      [`level-drop:${day(35)}`, `level-drop:${day(64)}`, `zero-reads:${day(56)}`, `flat-line:${day(70)}:M1`].sort(),
    );
    // A level drop is reported once it lasted the minimum (8 days), from its first day, and stays on every later run.
    expect(seen.get(`level-drop:${day(35)}`)).toMatchObject({ first: 35 + DEFAULT_ANOMALY_CONFIG.levelMinDays - 1, last: 83 });
    expect(seen.get(`zero-reads:${day(56)}`)!.first).toBe(56);
  });

  it('marks an episode ongoing while it reaches the last day, and not once it ended', () => {
    const during = detectAnomalies({ days: days.slice(0, 46), ...contract }).find((a) => a.kind === 'level-drop')!;
    expect(during).toMatchObject({ ongoing: true, to: day(45) });
    const after = detectAnomalies({ days: days.slice(0, 60), ...contract }).find((a) => a.kind === 'level-drop')!;
    expect(after).toMatchObject({ ongoing: false, to: day(49), episodeKey: during.episodeKey });
  });

  it('keeps a recorded episode’s key and first day when a sliding window no longer reaches its start', () => {
    // Estimated intervals on days 30–33; a later window starts on day 32.
    const est = series(continuous, { quality: (i) => (i >= 30 && i <= 33 ? 'E'.repeat(60) + 'A'.repeat(36) : undefined) });
    const first = detectAnomalies({ days: est.slice(0, 32), ...contract }).find((a) => a.kind === 'estimated-share')!;
    expect(first).toMatchObject({ episodeKey: `estimated-share:${day(30)}`, to: day(31), ongoing: true });
    const window = est.slice(32, 60);
    expect(detectAnomalies({ days: window, ...contract })[0]).toMatchObject({ episodeKey: `estimated-share:${day(32)}` });
    expect(detectAnomalies({ days: window, ...contract, known: [first] })[0]).toMatchObject({ episodeKey: first.episodeKey, from: day(30), to: day(33) });
    // An episode that ended long before, or of another kind, is not continued.
    const old = { ...first, from: day(1), to: day(5), episodeKey: `estimated-share:${day(1)}` };
    const other = { ...first, kind: 'spike' as const };
    expect(detectAnomalies({ days: window, ...contract, known: [old, other] })[0]!.episodeKey).toBe(`estimated-share:${day(32)}`);
  });

  it('gives the same result whatever order the days come in', () => {
    const shuffled = [...days].reverse();
    expect(detectAnomalies({ days: shuffled, ...contract })).toEqual(detectAnomalies({ days, ...contract }));
  });
});

describe('anomaly configuration', () => {
  it('takes the defaults and refuses nonsense by name', () => {
    expect(validateAnomalyConfig(DEFAULT_ANOMALY_CONFIG)).toBe(DEFAULT_ANOMALY_CONFIG);
    expect(() => validateAnomalyConfig({ ...DEFAULT_ANOMALY_CONFIG, levelChange: 0 })).toThrow(/levelChange/);
    expect(() => validateAnomalyConfig({ ...DEFAULT_ANOMALY_CONFIG, flatLineIntervals: 1.5 })).toThrow(/flatLineIntervals/);
    expect(() => validateAnomalyConfig({ ...DEFAULT_ANOMALY_CONFIG, nightHours: { from: 6, to: 2 } })).toThrow(/nightHours/);
    expect(() => validateAnomalyConfig({ ...DEFAULT_ANOMALY_CONFIG, noneShare: 0.5, appearShare: 0.3 })).toThrow(/noneShare/);
    expect(() => validateAnomalyConfig({ ...DEFAULT_ANOMALY_CONFIG, minBaselineDays: 20 })).toThrow(/minBaselineDays/);
  });

  it('is used: a lower level threshold raises a drop the default ignores', () => {
    const days = series(continuous, { edit: (i, _wd, _s, kw) => (i >= 45 ? kw * 0.78 : kw) });
    expect(detectAnomalies({ days, contractKva: 2000, contractKw: 1800 })).toEqual([]);
    const cfg = { ...DEFAULT_ANOMALY_CONFIG, levelChange: 0.15 };
    expect(detectAnomalies({ days, contractKva: 2000, contractKw: 1800, config: cfg }).map((a) => [a.kind, a.from])).toEqual([['level-drop', day(45)]]);
  });
});
