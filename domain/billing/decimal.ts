import { Decimal } from 'decimal.js';

/**
 * The billing engine's decimal type: a local clone of decimal.js (the global one is never configured), rounding
 * ROUND_HALF_UP, i.e. halves away from zero (12.345 → 12.35, −12.345 → −12.35), 40 significant digits for
 * intermediate results and plain (never exponential) string output.
 */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
export type Dec = Decimal;

export const ZERO = new Dec(0);
export const HUNDRED = new Dec(100);

/** Money: rounded half-up to 0.01. */
export const money = (x: Decimal): Decimal => x.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/**
 * A measured quantity (kWh, kvarh, kW) from binary floating point to a decimal rounded half-up to 3 places
 * (1 Wh): the usage store keeps numbers, and summing them leaves binary noise such as 1234.5600000000002.
 */
export const quantity = (x: number): Decimal => new Dec(x).toDecimalPlaces(3, Decimal.ROUND_HALF_UP);
