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
  /** Local days of the month with any usage in the region. */
  days: number;
  /** True when some days of the month have no usage in the region (the data starts or ends inside it). */
  partial: boolean;
  /**
   * vs the calendar month before, same region, as a fraction; null when that month has no rows or no kWh, or when
   * either month is partial (a half month against a whole one is not a sales change).
   */
  change: number | null;
}

/** kWh per region per calendar month with the month-on-month change, sorted by region then month. */
export function regionalMonthly(rows: readonly RegionalDayRow[]): RegionalMonth[] {
  const totals = new Map<string, Map<string, number>>();
  const days = new Map<string, Set<string>>();
  for (const r of rows) {
    let months = totals.get(r.region);
    if (months === undefined) totals.set(r.region, (months = new Map()));
    const month = r.day.slice(0, 7);
    months.set(month, (months.get(month) ?? 0) + r.kwh);
    const k = `${r.region}|${month}`;
    let d = days.get(k);
    if (!d) days.set(k, (d = new Set()));
    d.add(r.day);
  }
  const covered = (region: string, month: string) => days.get(`${region}|${month}`)?.size ?? 0;
  const isPartial = (region: string, month: string) => covered(region, month) < daysInMonth(month);
  const out: RegionalMonth[] = [];
  for (const region of [...totals.keys()].sort(compare)) {
    const months = totals.get(region)!;
    for (const month of [...months.keys()].sort(compare)) {
      const kwh = months.get(month)!;
      const prevMonth = previousMonth(month);
      const prev = months.get(prevMonth);
      const partial = isPartial(region, month);
      const comparable = prev !== undefined && prev > 0 && !partial && !isPartial(region, prevMonth);
      out.push({ region, month, kwh, days: covered(region, month), partial, change: comparable ? (kwh - prev) / prev : null });
    }
  }
  return out;
}

function daysInMonth(month: string): number {
  return new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();
}

export function previousMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 1 ? `${String(y - 1).padStart(4, '0')}-12` : `${month.slice(0, 4)}-${String(m - 1).padStart(2, '0')}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
