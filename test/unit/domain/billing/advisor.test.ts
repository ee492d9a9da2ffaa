import { describe, expect, it } from 'vitest';
import { adviseTariff, shiftToValley } from '../../../../domain/billing/advisor.ts';
import type { BillCustomer } from '../../../../domain/billing/compute-bill.ts';
import { COMMERCIAL, CUSTOMER, LARGE_INDUSTRY, period } from './fixtures.ts';

// The golden September 2026 usage of compute-bill.test.ts: 30 days of profile P (peak 72,000, flat 48,000,
// valley 24,000 kWh), max demand 410 kW, PF 0.80 against 0.90 (+5%), contract 400 kW / 500 kVA.
const SEPT = period('2026-09-01', '2026-09-30');
const advise = (customer: Partial<BillCustomer> = {}, p = SEPT, tariff = LARGE_INDUSTRY, shiftShare?: number) =>
  adviseTariff({ customer: { ...CUSTOMER, ...customer }, tariff, ...p, ...(shiftShare === undefined ? {} : { shiftShare }) });

describe('adviseTariff: basic-charge modes', () => {
  it('bills every mode and marks the cheapest', () => {
    const a = advise();
    // energy 102,211.20 and surcharges 4,305.60 are the same in every mode; the PF adjustment is 5% of basic + energy:
    // capacity 500 × 32 = 16,000.00 → (16,000.00 + 102,211.20) × 1.05 + 4,305.60 = 118,211.20 + 5,910.56 + 4,305.60 = 128,427.36
    // contract demand 400 × 48 = 19,200.00 → 121,411.20 + 6,070.56 + 4,305.60 = 131,787.36
    // actual demand 410 × 48 = 19,680.00 → 121,891.20 + 6,094.56 + 4,305.60 = 132,291.36
    expect(a.modes.map((m) => [m.mode, m.basic, m.total, m.current, m.cheapest, m.differenceFromCurrent])).toEqual([
      ['capacity', '16000.00', '128427.36', false, true, '-3360.00'],
      ['contract-demand', '19200.00', '131787.36', true, false, '0.00'],
      ['actual-demand', '19680.00', '132291.36', false, false, '504.00'],
    ]);
    expect([a.currentMode, a.currentTotal, a.cheapestMode, a.modeSaving, a.currency]).toEqual(['contract-demand', '131787.36', 'capacity', '3360.00', 'CNY']);
    expect(a.sentences.en[0]).toBe(
      'Billing the basic charge by transformer capacity instead of contract demand would have made this bill CNY 3,360.00 lower (CNY 128,427.36 instead of CNY 131,787.36).',
    );
    expect(a.sentences['zh-CN'][0]).toBe('若基本电费改按变压器容量计收（现按合同最大需量），本期电费可减少3,360.00 元（128,427.36 元，现为131,787.36 元）。');
  });

  it('says so when the current mode is already the cheapest', () => {
    // Contract 1,000 kVA: capacity 1,000 × 32 = 32,000.00 and actual demand 410 × 48 = 19,680.00 (above its floor
    // of 400 kW) both cost more than contract demand 19,200.00.
    const a = advise({ contractKva: 1000 });
    expect(a.modes.filter((m) => m.cheapest).map((m) => m.mode)).toEqual(['contract-demand']);
    expect(a.modes.map((m) => m.basic)).toEqual(['32000.00', '19200.00', '19680.00']);
    expect(a.modeSaving).toBe('0.00');
    expect(a.sentences.en[0]).toMatch(/^Billing the basic charge by contract demand is already the cheapest option this period/);
    expect(a.sentences['zh-CN'][0]).toMatch(/^本期基本电费按合同最大需量计收，已是最省的方式/);
  });

  it('breaks a tie towards the current mode even when another mode comes first', () => {
    // 600 kVA × 32 = 19,200.00 = 400 kW × 48: capacity and contract demand cost the same.
    const a = advise({ contractKva: 600 });
    expect(a.modes.find((m) => m.mode === 'capacity')!.total).toBe('131787.36');
    expect(a.cheapestMode).toBe('contract-demand');
  });

  it('lists modes the contract figures do not allow', () => {
    const a = advise({ contractKva: null });
    expect(a.modes.map((m) => m.mode)).toEqual(['contract-demand']);
    expect(a.unavailableModes.map((u) => u.mode)).toEqual(['capacity', 'actual-demand']);
    expect(a.unavailableModes[0]!.reason).toMatch(/contract_kva/);
    expect(a.sentences.en.some((s) => s.startsWith('Billing the basic charge'))).toBe(false);
  });
});

describe('adviseTariff: valley shifting', () => {
  it('recomputes the bill with 10% of peak + sharp kWh moved to valley hours', () => {
    // 10% of 72,000 peak kWh = 7,200 kWh → peak 64,800, valley 31,200.
    // Energy 64,800 × 0.9126 = 59,136.48 + 29,203.20 + 31,200 × 0.3042 = 9,491.04 → 97,830.72
    // PF 5% of (19,200.00 + 97,830.72 = 117,030.72) = 5,851.536 → 5,851.54; surcharges unchanged 4,305.60
    // After: 117,030.72 + 5,851.54 + 4,305.60 = 127,187.86; saving 131,787.36 − 127,187.86 = 4,599.50
    // (= 7,200 × (0.9126 − 0.3042) = 4,380.48 energy + 6,070.56 − 5,851.54 = 219.02 less PF adjustment).
    const a = advise();
    expect(a.valleyShift).toEqual({ share: '0.1', kwhMoved: '7200', totalAfter: '127187.86', saving: '4599.50' });
    expect(a.sentences.en).toContain('Moving 10% of your peak and sharp-peak use (7,200 kWh) to valley hours would have saved CNY 4,599.50 this period.');
    expect(a.sentences['zh-CN']).toContain('若将高峰和尖峰时段用电量的10%（7,200 千瓦时）移到低谷时段，本期电费可节省4,599.50 元。');
  });

  it('takes the share as given (20%)', () => {
    // 14,400 kWh × 0.6084 = 8,760.96 energy; PF 5% of (121,411.20 − 8,760.96 = 112,650.24) = 5,632.512 → 5,632.51;
    // saving 8,760.96 + (6,070.56 − 5,632.51 = 438.05) = 9,199.01
    expect(advise({}, SEPT, LARGE_INDUSTRY, 0.2).valleyShift).toMatchObject({ kwhMoved: '14400', saving: '9199.01' });
    expect(() => advise({}, SEPT, LARGE_INDUSTRY, 0)).toThrow(RangeError);
    expect(() => advise({}, SEPT, LARGE_INDUSTRY, 1.5)).toThrow(RangeError);
  });

  it('moves sharp kWh too (July)', () => {
    // July day under profile P: sharp 900 + peak 1,500 = 2,400 kWh; 10% = 240 kWh a day, 31 days = 7,440 kWh.
    const july = period('2026-07-01', '2026-07-31');
    const shifted = shiftToValley(july.usage, LARGE_INDUSTRY, 0.1);
    expect(shifted.kwhMoved.toString()).toBe('7440');
    // Each day: 8 valley hours get 240 / 8 = 30 kWh more (100 → 130); total kWh unchanged.
    expect(shifted.usage.days[0]!.hourly[0]).toBeCloseTo(130, 9);
    expect(shifted.usage.days[0]!.hourly.reduce((x, y) => x + y, 0)).toBeCloseTo(4800, 9);
    expect(july.usage.days[0]!.hourly[0]).toBe(100); // the input is untouched
  });

  it('has nothing to move under a single-rate tariff', () => {
    expect(advise({}, SEPT, COMMERCIAL).valleyShift).toBeNull();
  });
});

describe('adviseTariff: power factor', () => {
  it('costs the current power factor against the standard', () => {
    // PF 0.80 against 0.90: +5% of 121,411.20 = 6,070.56, the difference to the bill at PF 0.90 (adjustment 0).
    const a = advise();
    expect(a.powerFactor).toEqual({ powerFactor: '0.80', standard: '0.90', percent: '5.00', cost: '6070.56' });
    expect(a.sentences.en).toContain(
      'Your power factor of 0.80 is below the standard 0.90: the adjustment adds 5.00% (CNY 6,070.56); reaching 0.90, for example with reactive-power compensation, would save that.',
    );
    expect(a.sentences['zh-CN']).toContain('本期功率因数为0.80，低于考核标准0.90，力调电费增收5.00%（6,070.56 元）；加装无功补偿、提高到0.90即可省下这笔费用。');
  });

  it('reports a credit for a power factor above the standard', () => {
    // kvarh 1,200 a day → PF 0.97 → −0.75% × 121,411.20 = −910.584 → −910.58
    const a = advise({}, period('2026-09-01', '2026-09-30', { kvarh: 1200 }));
    expect(a.powerFactor).toMatchObject({ powerFactor: '0.97', percent: '-0.75', cost: '-910.58' });
    expect(a.sentences.en).toContain('Your power factor of 0.97 is above the standard 0.90 and earns a credit of CNY 910.58 (-0.75%).');
    expect(a.sentences['zh-CN']).toContain('本期功率因数为0.97，高于考核标准0.90，力调电费减收910.58 元（-0.75%）。');
  });

  it('says when the power factor could not be assessed', () => {
    const a = advise({}, period('2026-09-01', '2026-09-30', { kvarh: null }));
    expect([a.powerFactor, a.noKvarh]).toEqual([null, true]);
    expect(a.sentences.en).toContain('Reactive energy (kvarh) is missing for some days, so the power factor could not be assessed this period.');
  });

  it('gives no power-factor advice without an adjustment (commercial tariff) and no sentences at all there', () => {
    const a = advise({ pfStandard: 0.85 }, SEPT, COMMERCIAL);
    expect([a.powerFactor, a.modes, a.cheapestMode, a.valleyShift]).toEqual([null, [], null, null]);
    expect(a.sentences).toEqual({ en: [], 'zh-CN': [] });
  });
});
