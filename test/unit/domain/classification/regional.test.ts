import { describe, expect, it } from 'vitest';
import { previousMonth, regionalMonthly } from '../../../../domain/classification/regional.ts';

describe('regionalMonthly', () => {
  it('sums kWh per region and month and gives the change vs the previous month', () => {
    const rows = [
      { region: 'south', day: '2025-02-01', kwh: 50 },
      { region: 'north', day: '2025-01-01', kwh: 100 },
      { region: 'north', day: '2025-01-31', kwh: 100 },
      { region: 'north', day: '2025-02-15', kwh: 250 },
      { region: 'south', day: '2025-01-10', kwh: 80 },
      { region: 'north', day: '2025-03-01', kwh: 200 },
    ];
    expect(regionalMonthly(rows)).toEqual([
      { region: 'north', month: '2025-01', kwh: 200, change: null },
      { region: 'north', month: '2025-02', kwh: 250, change: 0.25 },
      { region: 'north', month: '2025-03', kwh: 200, change: -0.2 },
      { region: 'south', month: '2025-01', kwh: 80, change: null },
      { region: 'south', month: '2025-02', kwh: 50, change: -0.375 },
    ]);
  });

  it('has no change after a month without data, and crosses the year boundary', () => {
    const r = regionalMonthly([
      { region: 'east', day: '2024-12-31', kwh: 100 },
      { region: 'east', day: '2025-01-01', kwh: 150 },
      { region: 'east', day: '2025-03-01', kwh: 90 },
    ]);
    expect(r.map((m) => [m.month, m.change])).toEqual([
      ['2024-12', null],
      ['2025-01', 0.5],
      ['2025-03', null],
    ]);
    expect(previousMonth('2025-01')).toBe('2024-12');
    expect(previousMonth('2025-10')).toBe('2025-09');
  });

  it('has no change after a month with zero kWh', () => {
    const r = regionalMonthly([
      { region: 'west', day: '2025-01-05', kwh: 0 },
      { region: 'west', day: '2025-02-05', kwh: 10 },
    ]);
    expect(r[1]).toEqual({ region: 'west', month: '2025-02', kwh: 10, change: null });
    expect(regionalMonthly([])).toEqual([]);
  });
});
