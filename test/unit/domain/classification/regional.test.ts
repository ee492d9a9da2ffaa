import { describe, expect, it } from 'vitest';
import { previousMonth, regionalMonthly } from '../../../../domain/classification/regional.ts';

/** Every day of a month, `total` kWh spread evenly. */
function month(region: string, ym: string, total: number) {
  const days = new Date(Date.UTC(Number(ym.slice(0, 4)), Number(ym.slice(5, 7)), 0)).getUTCDate();
  return Array.from({ length: days }, (_, i) => ({ region, day: `${ym}-${String(i + 1).padStart(2, '0')}`, kwh: total / days }));
}

describe('regionalMonthly', () => {
  it('sums kWh per region and month and gives the change vs the previous month', () => {
    const rows = [...month('south', '2025-02', 56), ...month('north', '2025-01', 310), ...month('north', '2025-02', 280), ...month('south', '2025-01', 62), ...month('north', '2025-03', 248)];
    const r = regionalMonthly(rows).map((m) => ({ ...m, kwh: Math.round(m.kwh * 1e6) / 1e6 }));
    expect(r).toEqual([
      { region: 'north', month: '2025-01', kwh: 310, days: 31, partial: false, change: null },
      { region: 'north', month: '2025-02', kwh: 280, days: 28, partial: false, change: expect.closeTo(-30 / 310, 12) },
      { region: 'north', month: '2025-03', kwh: 248, days: 31, partial: false, change: expect.closeTo(-32 / 280, 12) },
      { region: 'south', month: '2025-01', kwh: 62, days: 31, partial: false, change: null },
      { region: 'south', month: '2025-02', kwh: 56, days: 28, partial: false, change: expect.closeTo(-6 / 62, 12) },
    ]);
  });

  it('gives no change for a partial month or against one (data starting mid-month is not a sales change)', () => {
    const rows = [...month('east', '2026-04', 3000).slice(14), ...month('east', '2026-05', 6200), ...month('east', '2026-06', 6000)];
    const r = regionalMonthly(rows);
    expect(r.map((m) => [m.month, m.days, m.partial, m.change === null ? null : Math.round(m.change * 1000) / 1000])).toEqual([
      ['2026-04', 16, true, null],
      ['2026-05', 31, false, null],
      ['2026-06', 30, false, -0.032],
    ]);
  });

  it('has no change after a month without data, and crosses the year boundary', () => {
    const r = regionalMonthly([...month('east', '2024-12', 100), ...month('east', '2025-01', 150), ...month('east', '2025-03', 90)]);
    expect(r.map((m) => [m.month, m.change === null ? null : Math.round(m.change * 1e9) / 1e9])).toEqual([
      ['2024-12', null],
      ['2025-01', 0.5],
      ['2025-03', null],
    ]);
    expect(previousMonth('2025-01')).toBe('2024-12');
    expect(previousMonth('2025-10')).toBe('2025-09');
  });

  it('has no change after a month with zero kWh', () => {
    const r = regionalMonthly([...month('west', '2025-01', 0), ...month('west', '2025-02', 10)]);
    expect(r[1]).toMatchObject({ region: 'west', month: '2025-02', change: null });
    expect(regionalMonthly([])).toEqual([]);
  });
});
