import { describe, expect, it } from 'vitest';
import { scoreAnomalies } from '../../../../bench/anomalies.ts';
import type { Anomaly } from '../../../../domain/anomalies/anomaly.ts';

const found = (kind: Anomaly['kind'], from: string, to: string): Anomaly => ({
  kind,
  from,
  to,
  severity: 'medium',
  evidence: '',
  figures: {},
  episodeKey: `${kind}:${from}`,
  ongoing: false,
});

describe('anomaly bench scoring', () => {
  it('matches a detection to an injected anomaly of the same customer and kind whose days overlap', () => {
    const injected = [
      { customerId: 'A', kind: 'level-drop' as const, from: '2026-05-01', to: '2026-05-20' },
      { customerId: 'B', kind: 'spike' as const, from: '2026-05-03', to: '2026-05-03' },
    ];
    const detected = new Map<string, Anomaly[]>([
      ['A', [found('level-drop', '2026-05-15', '2026-05-30'), found('level-drop', '2026-06-10', '2026-06-20'), found('spike', '2026-05-03', '2026-05-03')]],
      ['B', [found('spike', '2026-05-04', '2026-05-04')]],
    ]);
    const scores = Object.fromEntries(scoreAnomalies(injected, detected).map((s) => [s.kind, s]));
    expect(scores['level-drop']).toMatchObject({ injected: 1, detected: 2, truePositives: 1, precision: 0.5, recall: 1 });
    // A's spike matches no injected spike of A; B's spike is a day late.
    expect(scores.spike).toMatchObject({ injected: 1, detected: 2, truePositives: 0, precision: 0, recall: 0 });
    expect(scores['flat-line']).toMatchObject({ injected: 0, detected: 0, precision: 1, recall: 1 });
  });
});
