import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { pfAdjustmentPercent, pfStandardText, powerFactor, type PfStandardText } from '../../../../domain/billing/power-factor.ts';

const pf = (kwh: string | number, kvarh: string | number): string => powerFactor(new Decimal(kwh), new Decimal(kvarh)).toFixed(2);
const pct = (p: string, std: PfStandardText): string => pfAdjustmentPercent(new Decimal(p), std).toFixed(2);

describe('powerFactor', () => {
  it('is kWh / √(kWh² + kvarh²)', () => {
    // 3-4-5: 3 / √(9 + 16) = 3 / 5 = 0.60; 144,000 / √(144,000² + 108,000²) = 144,000 / 180,000 = 0.80.
    expect(pf(3, 4)).toBe('0.60');
    expect(pf(144000, 108000)).toBe('0.80');
    // No reactive energy: 1.00. No active energy but some reactive: 0.00.
    expect(pf(100, 0)).toBe('1.00');
    expect(pf(0, 5)).toBe('0.00');
  });

  it('rounds half-up to 2 decimals, deciding at the exact value', () => {
    // 1000 / √(1000² + 499²) = 1000 / √1,249,001 = 0.894785 → 0.89
    expect(pf(1000, 499)).toBe('0.89');
    // 1000 / √(1000² + 498²) = 1000 / √1,248,004 = 0.895142 → 0.90
    expect(pf(1000, 498)).toBe('0.90');
    // PF = 0.895 exactly needs kvarh = 10,000 × √(1/0.895² − 1) = 4,983.97920…; either side of it:
    // kvarh 4,983.98 → 0.8949999715 → 0.89 (a raw 0.8949…), kvarh 4,983.97 → 0.8950003288 → 0.90 (a raw 0.8950…).
    expect(pf(10000, '4983.98')).toBe('0.89');
    expect(pf(10000, '4983.97')).toBe('0.90');
    // 1 / √(1 + 0.25²) = 0.970143 → 0.97; 10 / √(100 + 20.25) = 0.911922 → 0.91
    expect(pf(1, '0.25')).toBe('0.97');
    expect(pf(10, '4.5')).toBe('0.91');
  });

  it('rejects 0/0 and negative figures', () => {
    expect(() => pf(0, 0)).toThrow(/undefined/);
    expect(() => pf(-1, 0)).toThrow(RangeError);
  });
});

describe('pfAdjustmentPercent', () => {
  // Standard 0.90: ≥0.95 → −0.75%; 0.91..0.94 → −0.15% per 0.01 above 0.90; 0.89..0.70 → +0.5% per 0.01 below
  // 0.90; 0.69..0.65 → +1% per further 0.01 (from 10%); ≤0.64 → +2% per further 0.01 (from 15%).
  it.each([
    ['1.00', '-0.75'], // ≥ 0.95 row
    ['0.95', '-0.75'], // ≥ 0.95 row, its lower edge
    ['0.94', '-0.60'], // 4 above 0.90 × −0.15
    ['0.91', '-0.15'], // 1 × −0.15
    ['0.90', '0.00'], // the standard
    ['0.89', '0.50'], // 1 below × 0.5
    ['0.70', '10.00'], // 20 below × 0.5
    ['0.69', '11.00'], // 10 + 1 × 1
    ['0.65', '15.00'], // 10 + 5 × 1
    ['0.64', '17.00'], // 15 + 1 × 2
    ['0.60', '25.00'], // 15 + 5 × 2
  ])('standard 0.90, pf %s → %s%%', (p, expected) => {
    expect(pct(p, '0.90')).toBe(expected);
  });

  // Standard 0.85: ≥0.94 → −1.10%; 0.93 → −0.95%; 0.92 → −0.80%; 0.91 → −0.65%; 0.86..0.90 → −0.1% per 0.01 above
  // 0.85; 0.84..0.65 → +0.5% per 0.01 (0.65 → 10%); 0.64..0.60 → +1% per 0.01 (0.60 → 15%); ≤0.59 → +2% per 0.01.
  it.each([
    ['1.00', '-1.10'],
    ['0.94', '-1.10'], // ≥ 0.94 row
    ['0.93', '-0.95'],
    ['0.92', '-0.80'],
    ['0.91', '-0.65'],
    ['0.90', '-0.50'], // 5 above 0.85 × −0.1
    ['0.86', '-0.10'], // 1 × −0.1
    ['0.85', '0.00'], // the standard
    ['0.84', '0.50'], // 1 below × 0.5
    ['0.65', '10.00'], // 20 below × 0.5
    ['0.64', '11.00'], // 10 + 1
    ['0.60', '15.00'], // 10 + 5
    ['0.59', '17.00'], // 15 + 1 × 2
    ['0.55', '25.00'], // 15 + 5 × 2
  ])('standard 0.85, pf %s → %s%%', (p, expected) => {
    expect(pct(p, '0.85')).toBe(expected);
  });

  // Standard 0.80: ≥0.92 → −1.30%; 0.91 → −1.15%; 0.81..0.90 → −0.1% per 0.01 above 0.80; 0.79..0.60 → +0.5% per
  // 0.01 (0.60 → 10%); 0.59..0.55 → +1% per 0.01 (0.55 → 15%); ≤0.54 → +2% per further 0.01.
  it.each([
    ['1.00', '-1.30'],
    ['0.92', '-1.30'], // ≥ 0.92 row
    ['0.91', '-1.15'],
    ['0.90', '-1.00'], // 10 above 0.80 × −0.1
    ['0.81', '-0.10'], // 1 × −0.1
    ['0.80', '0.00'], // the standard
    ['0.79', '0.50'], // 1 below × 0.5
    ['0.60', '10.00'], // 20 below × 0.5
    ['0.59', '11.00'], // 10 + 1
    ['0.55', '15.00'], // 10 + 5
    ['0.54', '17.00'], // 15 + 1 × 2
    ['0.50', '25.00'], // 15 + 5 × 2
  ])('standard 0.80, pf %s → %s%%', (p, expected) => {
    expect(pct(p, '0.80')).toBe(expected);
  });

  it('continues +2% per 0.01 without limit (0.90 standard: 0.00 → 15 + 65 × 2 = 145%)', () => {
    expect(pct('0.00', '0.90')).toBe('145.00');
  });

  it('changes monotonically by exactly one table step between neighbours (0.90 standard)', () => {
    // Steps from 1.00 down: 0 (credit cap) … −0.15 increments … +0.5 … +1 … +2.
    const values = Array.from({ length: 41 }, (_, i) => new Decimal(pct(new Decimal(100 - i).div(100).toFixed(2), '0.90')));
    const steps = values.slice(1).map((v, i) => v.minus(values[i]!).toFixed(2));
    expect(steps).toEqual([
      ...Array(5).fill('0.00'), // 1.00 → 0.95
      '0.15', // 0.95 (−0.75) → 0.94 (−0.60)
      ...Array(4).fill('0.15'), // 0.94 → 0.90
      ...Array(20).fill('0.50'), // 0.90 → 0.70
      ...Array(5).fill('1.00'), // 0.70 → 0.65
      ...Array(5).fill('2.00'), // 0.65 → 0.60
    ]);
  });

  it('wants a power factor already rounded to 2 decimals, between 0 and 1', () => {
    expect(() => pct('0.895', '0.90')).toThrow(/2 decimals/);
    expect(() => pct('1.01', '0.90')).toThrow(RangeError);
  });
});

describe('pfStandardText', () => {
  it('maps the customer master numbers', () => {
    expect([0.9, 0.85, 0.8, null].map((s) => pfStandardText(s))).toEqual(['0.90', '0.85', '0.80', null]);
    expect(() => pfStandardText(0.95)).toThrow(/0.95/);
  });
});
