/**
 * Decimal numbers read in place, without a string per value: the readers' hot path. A plain `[+-]digits[.digits]`
 * of up to 15 significant digits (9 after the point) is read exactly as Number would read it: the digits as an integer,
 * divided once by an exact power of ten, so it rounds once, like Number's own conversion.
 */

export const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** A plain decimal in s[from, to); NaN for anything else (exponents, long mantissas, spaces, empty). */
export function plainDecimal(s: string, from: number, to: number): number {
  let i = from;
  let neg = false;
  const c0 = s.charCodeAt(i);
  if (c0 === 45) {
    neg = true;
    i++;
  } else if (c0 === 43) i++;
  let int = 0;
  let digits = 0;
  let c = 0;
  for (; i < to; i++) {
    c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    int = int * 10 + c;
    digits++;
  }
  let frac = 0;
  let fracDigits = 0;
  if (i < to && s.charCodeAt(i) === 46) {
    for (i++; i < to; i++) {
      c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      frac = frac * 10 + c;
      fracDigits++;
    }
  }
  if (i !== to || digits + fracDigits === 0 || digits + fracDigits > 15 || fracDigits > 9) return NaN;
  const v = fracDigits ? (int * POW10[fracDigits]! + frac) / POW10[fracDigits]! : int;
  return neg ? -v : v;
}

/** plainDecimal on the bytes of a UTF-8 line. */
export function plainDecimalBytes(s: Uint8Array, from: number, to: number): number {
  let i = from;
  let neg = false;
  const c0 = s[i];
  if (c0 === 45) {
    neg = true;
    i++;
  } else if (c0 === 43) i++;
  let int = 0;
  let digits = 0;
  let c = 0;
  for (; i < to; i++) {
    c = s[i]! - 48;
    if (c < 0 || c > 9) break;
    int = int * 10 + c;
    digits++;
  }
  let frac = 0;
  let fracDigits = 0;
  if (i < to && s[i] === 46) {
    for (i++; i < to; i++) {
      c = s[i]! - 48;
      if (c < 0 || c > 9) break;
      frac = frac * 10 + c;
      fracDigits++;
    }
  }
  if (i !== to || digits + fracDigits === 0 || digits + fracDigits > 15 || fracDigits > 9) return NaN;
  const v = fracDigits ? (int * POW10[fracDigits]! + frac) / POW10[fracDigits]! : int;
  return neg ? -v : v;
}

/** Any decimal in s[from, to): plain forms in place, the rest (exponents, spaces, long mantissas) through Number. NaN when empty. */
export function parseDecimal(s: string, from: number, to: number): number {
  if (from >= to) return NaN;
  const v = plainDecimal(s, from, to);
  if (v === v) return v;
  const t = s.slice(from, to).trim();
  return t === '' ? NaN : Number(t);
}
