import { Decimal } from 'decimal.js';
import type { Locale } from '../customers/customer-master.ts';
import type { Statement } from './statement.ts';

export const USAGE_CSV_HEADER = 'day,kwh,max_demand_kw,estimated_intervals,missing_intervals';

/** Plain decimal notation, at most `dp` places, no binary-float noise ("0.30000000000000004" → "0.3"). */
function num(x: number, dp: number): string {
  if (!Number.isFinite(x)) return '';
  return new Decimal(x).toDecimalPlaces(dp, Decimal.ROUND_HALF_UP).toFixed();
}

/**
 * Daily usage of the statement as CSV: one row per day of `statement.daily`, CRLF line ends (RFC 4180). zh-CN starts
 * with a UTF-8 BOM so Excel opens the file as UTF-8.
 */
export function renderUsageCsv(statement: Statement, locale: Locale): string {
  const rows = statement.daily.map((d) => [d.day, num(d.kwh, 3), num(d.maxDemandKw, 3), String(d.estimated), String(d.missing)].join(','));
  const body = [USAGE_CSV_HEADER, ...rows].join('\r\n') + '\r\n';
  return locale === 'zh-CN' ? `\uFEFF${body}` : body;
}
