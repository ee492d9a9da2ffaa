import { Decimal } from 'decimal.js';
import type { Locale } from '../customers/customer-master.ts';

/** Number, date and money formatting for statements; fixed rules (no host-locale dependence), decimal arithmetic. */

/** "1234567.891" → "1,234,567.891" (grouping of the integer part only; the string is kept otherwise). */
export function groupDigits(fixed: string): string {
  const negative = fixed.startsWith('-');
  const body = negative ? fixed.slice(1) : fixed;
  const [int, frac] = body.split('.') as [string, string | undefined];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

function toFixedHalfUp(value: Decimal.Value, dp: number): string {
  const d = new Decimal(value).toDecimalPlaces(dp, Decimal.ROUND_HALF_UP);
  // "-0.00" reads oddly; a value that rounds to zero is shown without sign.
  return d.isZero() ? new Decimal(0).toFixed(dp) : d.toFixed(dp);
}

/**
 * A decimal with thousands separators: with `dp`, rounded half-up to exactly `dp` places; without, as many places as
 * the value has, at most `maxDp` (default 3).
 */
export function formatNumber(value: Decimal.Value, dp?: number, maxDp = 3): string {
  if (dp !== undefined) return groupDigits(toFixedHalfUp(value, dp));
  const d = new Decimal(value);
  // A decimal string keeps its own places ("38.40" stays "38.40"); a number shows the places it needs.
  const m = typeof value === 'string' ? /^[-+]?\d*\.(\d+)$/.exec(value.trim()) : null;
  const places = m ? m[1]!.length : d.decimalPlaces();
  return groupDigits(toFixedHalfUp(d, Math.min(places, maxDp)));
}

/** kWh totals: thousands separators, no decimals (half-up). */
export function formatKwh(value: Decimal.Value): string {
  return formatNumber(value, 0);
}

/** Money with its currency: en "CNY 123,456.78", zh-CN "¥123,456.78" (other currencies keep their code). */
export function formatMoney(amount: Decimal.Value, currency: string, locale: Locale): string {
  const n = formatNumber(amount, 2);
  if (locale === 'zh-CN' && currency === 'CNY') return n.startsWith('-') ? `-¥${n.slice(1)}` : `¥${n}`;
  return `${currency} ${n}`;
}

/** Amount in a table column (currency in the header/footer): "123,456.78". */
export function formatAmount(amount: Decimal.Value): string {
  return formatNumber(amount, 2);
}

/** Signed percentage, 1 decimal: "+12.3%", "-4.0%", "0.0%". */
export function formatSignedPercent(percent: Decimal.Value, dp = 1): string {
  const s = toFixedHalfUp(percent, dp);
  return new Decimal(s).gt(0) ? `+${s}%` : `${s}%`;
}

/** Change from `previous` to `current` in percent, or null when there is no base (previous is zero). */
export function percentChange(current: Decimal.Value, previous: Decimal.Value): Decimal | null {
  const p = new Decimal(previous);
  if (p.isZero()) return null;
  return new Decimal(current).minus(p).div(p.abs()).times(100);
}

/** Share in percent, 1 decimal ("31.4%"); "0.0%" when the whole is zero. */
export function formatShare(part: Decimal.Value, whole: Decimal.Value): string {
  const w = new Decimal(whole);
  if (w.isZero()) return '0.0%';
  return `${toFixedHalfUp(new Decimal(part).div(w).times(100), 1)}%`;
}

/** Local day: en "2026-11-15", zh-CN "2026年11月15日". */
export function formatDay(day: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m || locale === 'en') return day;
  return `${m[1]}年${Number(m[2])}月${Number(m[3])}日`;
}

/** Billing period: en "2026-10", zh-CN "2026年10月". */
export function formatPeriod(period: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (!m || locale === 'en') return period;
  return `${m[1]}年${Number(m[2])}月`;
}

/** Day of the month of a `yyyy-mm-dd` day ("2026-10-07" → "7"). */
export function dayOfMonth(day: string): string {
  return String(Number(day.slice(8, 10)));
}

/** True for Saturday and Sunday (the day is a calendar date; no time zone involved). */
export function isWeekend(day: string): boolean {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return dow === 0 || dow === 6;
}

/** One line for a mail header: control characters (CR/LF included) become spaces. */
export function singleLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

// East Asian wide and fullwidth ranges (CJK, Hangul, fullwidth forms): two columns in a monospace font.
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;

/** Columns the text takes in a monospace font. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += WIDE.test(ch) ? 2 : 1;
  return w;
}

export function padEndTo(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

export function padStartTo(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}
