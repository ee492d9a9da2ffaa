/** Number formatting for reasons and actions (English words; i18n later). Fixed locale so output is deterministic. */

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234567.4 → "1,234,567". */
export function fmtInt(x: number): string {
  return grouped.format(Math.round(x));
}

/** 0.314 → "31%". */
export function fmtPct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** 0.2034 → "+20.3%", -0.25 → "-25.0%", -0.00001 → "0.0%". */
export function fmtSignedPct(x: number): string {
  const v = (x * 100).toFixed(1);
  if (Number(v) === 0) return '0.0%';
  return `${x > 0 ? '+' : ''}${v}%`;
}

/** 0.8567 → "0.86". */
export function fmt2(x: number): string {
  return x.toFixed(2);
}

/** 14 → "14:00". */
export function fmtHour(h: number): string {
  return `${String(h).padStart(2, '0')}:00`;
}
