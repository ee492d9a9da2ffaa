export interface RegionalDayRow {
  region: string;
  /** Local day `yyyy-mm-dd`. */
  day: string;
  kwh: number;
}

export interface RegionalMonth {
  region: string;
  /** `yyyy-mm`. */
  month: string;
  kwh: number;
  /** vs the calendar month before, same region, as a fraction; null when that month has no rows or no kWh. */
  change: number | null;
}

/** kWh per region per calendar month with the month-on-month change, sorted by region then month. */
export function regionalMonthly(rows: readonly RegionalDayRow[]): RegionalMonth[] {
  const totals = new Map<string, Map<string, number>>();
  for (const r of rows) {
    let months = totals.get(r.region);
    if (months === undefined) totals.set(r.region, (months = new Map()));
    const month = r.day.slice(0, 7);
    months.set(month, (months.get(month) ?? 0) + r.kwh);
  }
  const out: RegionalMonth[] = [];
  for (const region of [...totals.keys()].sort(compare)) {
    const months = totals.get(region)!;
    for (const month of [...months.keys()].sort(compare)) {
      const kwh = months.get(month)!;
      const prev = months.get(previousMonth(month));
      out.push({ region, month, kwh, change: prev !== undefined && prev > 0 ? (kwh - prev) / prev : null });
    }
  }
  return out;
}

export function previousMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 1 ? `${String(y - 1).padStart(4, '0')}-12` : `${month.slice(0, 4)}-${String(m - 1).padStart(2, '0')}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
