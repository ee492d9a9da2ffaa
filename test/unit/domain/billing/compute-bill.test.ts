import { describe, expect, it } from 'vitest';
import { bandsOfDay, BillingError, computeBill, type BillCustomer } from '../../../../domain/billing/compute-bill.ts';
import { TariffError } from '../../../../domain/tariffs/parse-tariff.ts';
import { amounts, COMMERCIAL, CUSTOMER, day, flatTariff, LARGE_INDUSTRY, line, period, PROFILE_P } from './fixtures.ts';

const SEPT = (o: Parameters<typeof period>[2] = {}, each?: Parameters<typeof period>[3]) => period('2026-09-01', '2026-09-30', o, each);
const bill = (customer: Partial<BillCustomer>, p: ReturnType<typeof period>, tariff = LARGE_INDUSTRY) =>
  computeBill({ customer: { ...CUSTOMER, ...customer }, tariff, ...p });

describe('computeBill: the golden September 2026 bill (large industry, contract demand)', () => {
  // 30 days of profile P (valley 800, flat 1,600, peak 2,400 = 4,800 kWh a day), max demand 410 kW every day,
  // kvarh 3,600 a day; contract 400 kW / 500 kVA, power-factor standard 0.90, the tariff's default mode
  // (contract demand), tariff version of 2026-01-01 all month.
  const b = bill({}, SEPT());

  it('sums the period', () => {
    // kWh 30 × 4,800 = 144,000 = peak 72,000 + flat 48,000 + valley 24,000; kvarh 30 × 3,600 = 108,000.
    expect(b.kwh).toBe('144000');
    expect(b.bandKwh).toEqual({ sharp: '0', peak: '72000', flat: '48000', valley: '24000' });
    expect(b.kvarh).toBe('108000');
    expect(b.maxDemandKw).toBe('410');
    // PF 144,000 / √(144,000² + 108,000²) = 144,000 / 180,000 = 0.80; 0.10 below 0.90 → +0.5 × 10 = +5%.
    expect(b.powerFactor).toBe('0.80');
    expect(b.pfStandard).toBe('0.90');
    expect(b.pfAdjustmentPercent).toBe('5.00');
    expect(b.basicMode).toBe('contract-demand');
    expect(b.quality).toEqual({ estimatedIntervals: 0, missingIntervals: 0, missingDays: 0, flags: [] });
  });

  it('has every line worked out, total = sum of lines', () => {
    expect(amounts(b.lines)).toEqual({
      // 410 kW ≤ 1.05 × 400 = 420 kW → 400 kW × 48 = 19,200.00
      'basic-contract-demand': '19200.00',
      'energy-peak': '65707.20', // 72,000 × 0.9126
      'energy-flat': '29203.20', // 48,000 × 0.6084
      'energy-valley': '7300.80', // 24,000 × 0.3042
      // (19,200.00 + 65,707.20 + 29,203.20 + 7,300.80 = 121,411.20) × 5% = 6,070.56
      'power-factor-adjustment': '6070.56',
      'surcharge-renewable-energy': '2736.00', // 144,000 × 0.0190
      'surcharge-reservoir-resettlement': '892.80', // 144,000 × 0.0062
      'surcharge-water-conservancy': '676.80', // 144,000 × 0.0047
    });
    // 121,411.20 + 6,070.56 + 2,736.00 + 892.80 + 676.80 = 131,787.36
    expect(b.total).toBe('131787.36');
    expect(b.lines.map((l) => l.code)).toEqual([
      'basic-contract-demand',
      'energy-peak',
      'energy-flat',
      'energy-valley',
      'power-factor-adjustment',
      'surcharge-renewable-energy',
      'surcharge-reservoir-resettlement',
      'surcharge-water-conservancy',
    ]);
  });

  it('shows quantity, unit, rate and working on each line; no from/to without a tariff change', () => {
    expect(line(b.lines, 'energy-peak')).toMatchObject({ quantity: '72000', unit: 'kWh', rate: '0.9126', label: { en: 'Energy (peak)', 'zh-CN': '电度电费（高峰）' } });
    expect(line(b.lines, 'basic-contract-demand')).toMatchObject({ quantity: '400', unit: 'kW', rate: '48' });
    expect(line(b.lines, 'power-factor-adjustment')).toMatchObject({ quantity: '5.00', unit: '%', rate: '121411.20' });
    expect(line(b.lines, 'power-factor-adjustment').detail).toContain('0.80 against 0.90');
    expect(b.lines.some((l) => l.from !== undefined || l.to !== undefined)).toBe(false);
  });

  it('bands the hourly values under the tariff schedule, not the stored day bands', () => {
    // fixtures' day() stores all kWh as "sharp" in day.bands; the bill must still show no sharp kWh in September.
    expect(b.bandKwh.sharp).toBe('0');
  });

  it('uses the July/August sharp hours of the compact schedule', () => {
    // July: hours 10, 19, 20 are sharp (3 × 300 = 900 kWh a day), peak keeps 2,400 − 900 = 1,500.
    // 31 days: sharp 27,900 × 1.0950 = 30,550.50; peak 46,500 × 0.9126 = 42,435.90;
    // flat 49,600 × 0.6084 = 30,176.64; valley 24,800 × 0.3042 = 7,544.16.
    const j = bill({}, period('2026-07-01', '2026-07-31'));
    expect(j.bandKwh).toEqual({ sharp: '27900', peak: '46500', flat: '49600', valley: '24800' });
    expect(amounts(j.lines.filter((l) => l.code.startsWith('energy-')))).toEqual({
      'energy-sharp': '30550.50',
      'energy-peak': '42435.90',
      'energy-flat': '30176.64',
      'energy-valley': '7544.16',
    });
  });
});

describe('computeBill: basic charge modes', () => {
  const basic = (customer: Partial<BillCustomer>, maxDemandKw: number) => {
    const b = bill(customer, SEPT({ maxDemandKw }));
    const lines = b.lines.filter((l) => l.code.startsWith('basic-'));
    expect(lines).toHaveLength(1);
    return lines[0]!;
  };

  it('capacity: contract kVA × price', () => {
    // 500 kVA × 32 = 16,000.00, whatever the demand.
    expect(basic({ basicChargeMode: 'capacity' }, 410)).toMatchObject({ code: 'basic-capacity', quantity: '500', unit: 'kVA', rate: '32', amount: '16000.00' });
    expect(basic({ basicChargeMode: 'capacity' }, 2000).amount).toBe('16000.00');
    // Whole capacity bill: (16,000.00 + 102,211.20 energy) = 118,211.20; × 5% = 5,910.56; + 4,305.60 surcharges
    // = 128,427.36.
    expect(bill({ basicChargeMode: 'capacity' }, SEPT()).total).toBe('128427.36');
  });

  it('contract demand: up to and including 105% of contract at the contract figure', () => {
    // 1.05 × 400 = 420 kW. Max 420 → 400 × 48 = 19,200.00 (not above 105%).
    expect(basic({}, 420)).toMatchObject({ code: 'basic-contract-demand', quantity: '400', amount: '19200.00' });
    // Max 300 (below contract) → still 400 × 48 = 19,200.00.
    expect(basic({}, 300).amount).toBe('19200.00');
  });

  it('contract demand: just above 105%, the excess over 105% counts double', () => {
    // Max 420.001 → (1.05 × 400 + 2 × (420.001 − 420)) × 48 = 420.002 × 48 = 20,160.096 → 20,160.10
    expect(basic({}, 420.001)).toMatchObject({ quantity: '420.002', amount: '20160.10' });
    // Max 420.5 → (420 + 2 × 0.5) × 48 = 421 × 48 = 20,208.00
    expect(basic({}, 420.5).amount).toBe('20208.00');
    // Max 450 → (420 + 2 × 30) × 48 = 480 × 48 = 23,040.00, with the working shown
    const l = basic({}, 450);
    expect(l).toMatchObject({ quantity: '480', amount: '23040.00' });
    expect(l.detail).toBe('(1.05 × 400 + 2 × (450 − 420)) × 48');
  });

  it('contract demand: the 105% edge is exact, without binary rounding (contract 813 kW)', () => {
    // 1.05 × 813 = 853.65 (in binary floating point 853.6500000000001). Max 853.65 → 813 × 48 = 39,024.00.
    expect(basic({ contractKw: 813 }, 853.65).amount).toBe('39024.00');
    // Max 860 → (853.65 + 2 × 6.35) × 48 = 866.35 × 48 = 41,584.80
    expect(basic({ contractKw: 813 }, 860)).toMatchObject({ quantity: '866.35', amount: '41584.80' });
  });

  it('actual demand: max demand × price, not less than 40% of contract kVA', () => {
    // 40% of 500 kVA = 200 kW. Max 410 → 410 × 48 = 19,680.00
    expect(basic({ basicChargeMode: 'actual-demand' }, 410)).toMatchObject({ code: 'basic-actual-demand', quantity: '410', unit: 'kW', amount: '19680.00' });
    // Max 200.5 → 200.5 × 48 = 9,624.00
    expect(basic({ basicChargeMode: 'actual-demand' }, 200.5).amount).toBe('9624.00');
    // Max exactly 200 → 200 × 48 = 9,600.00 (billed as the max demand, which equals the floor)
    expect(basic({ basicChargeMode: 'actual-demand' }, 200)).toMatchObject({ amount: '9600.00', detail: 'max demand 200 kW × 48 (40% of 500 kVA = 200 kW)' });
    // Max 150 is below the floor → 200 × 48 = 9,600.00
    const floor = basic({ basicChargeMode: 'actual-demand' }, 150);
    expect(floor).toMatchObject({ quantity: '200', amount: '9600.00' });
    expect(floor.detail).toContain('40% of 500 kVA = 200 kW');
  });

  it('bills the largest daily max demand of the period', () => {
    // Days at 410 kW except 2026-09-17 at 455.5 → (420 + 2 × 35.5) × 48 = 491 × 48 = 23,568.00
    const b = bill({}, SEPT({}, (d) => (d.day === '2026-09-17' ? { ...d, maxDemandKw: 455.5 } : d)));
    expect(b.maxDemandKw).toBe('455.5');
    expect(line(b.lines, 'basic-contract-demand').amount).toBe('23568.00');
  });

  it("uses the customer's mode over the tariff default", () => {
    expect(bill({ basicChargeMode: 'capacity' }, SEPT()).basicMode).toBe('capacity');
    expect(bill({ basicChargeMode: null }, SEPT()).basicMode).toBe('contract-demand');
  });

  it('throws a BillingError naming the missing contract field', () => {
    expect(() => bill({ basicChargeMode: 'capacity', contractKva: null }, SEPT())).toThrow(BillingError);
    expect(() => bill({ basicChargeMode: 'capacity', contractKva: null }, SEPT())).toThrow(/contract_kva/);
    expect(() => bill({ basicChargeMode: 'actual-demand', contractKva: null }, SEPT())).toThrow(/actual-demand basic charge needs the customer's contract_kva/);
    // Default mode of the tariff (contract demand) without contract_kw.
    expect(() => bill({ basicChargeMode: null, contractKw: null }, SEPT())).toThrow(/contract-demand basic charge needs the customer's contract_kw/);
    // A mode that does not need the missing figure works.
    expect(bill({ basicChargeMode: 'capacity', contractKw: null }, SEPT()).total).toBe('128427.36');
  });
});

describe('computeBill: power-factor adjustment', () => {
  it('rounds the monthly power factor half-up before the table', () => {
    // kvarh = 0.499 × kWh → PF 1 / √(1 + 0.499²) = 0.894785 → 0.89 → +0.5%: 121,411.20 × 0.5% = 607.056 → 607.06
    const low = bill({}, SEPT({ kvarh: 4800 * 0.499 }));
    expect([low.powerFactor, low.pfAdjustmentPercent, line(low.lines, 'power-factor-adjustment').amount]).toEqual(['0.89', '0.50', '607.06']);
    // 121,411.20 + 607.06 + 4,305.60 = 126,323.86
    expect(low.total).toBe('126323.86');
    // kvarh = 0.498 × kWh → 0.895142 → 0.90 → 0%: a zero adjustment line
    const at = bill({}, SEPT({ kvarh: 4800 * 0.498 }));
    expect([at.powerFactor, at.pfAdjustmentPercent, line(at.lines, 'power-factor-adjustment').amount]).toEqual(['0.90', '0.00', '0.00']);
  });

  it('credits a good power factor (0.97 against 0.90 → −0.75%)', () => {
    // kvarh = 0.25 × kWh → PF 0.970143 → 0.97 → −0.75%: 121,411.20 × −0.75% = −910.584 → −910.58
    const b = bill({}, SEPT({ kvarh: 1200 }));
    expect(line(b.lines, 'power-factor-adjustment').amount).toBe('-910.58');
    // 121,411.20 − 910.58 + 4,305.60 = 124,806.22
    expect(b.total).toBe('124806.22');
  });

  it('uses the customer standard (0.80 → PF 0.80 is at standard)', () => {
    const b = bill({ pfStandard: 0.8 }, SEPT());
    expect([b.pfStandard, b.pfAdjustmentPercent, line(b.lines, 'power-factor-adjustment').amount]).toEqual(['0.80', '0.00', '0.00']);
  });

  it('does not adjust, and flags no-kvarh, when any day lacks kvarh', () => {
    const b = bill({}, SEPT({}, (d) => (d.day === '2026-09-09' ? { ...d, kvarh: null } : d)));
    expect(b.lines.some((l) => l.code === 'power-factor-adjustment')).toBe(false);
    expect([b.kvarh, b.powerFactor, b.pfAdjustmentPercent]).toEqual([null, null, null]);
    expect(b.quality.flags).toEqual(['no-kvarh']);
    // 121,411.20 + 4,305.60 = 125,716.80
    expect(b.total).toBe('125716.80');
    // all days without kvarh: the same
    expect(bill({}, SEPT({ kvarh: null })).quality.flags).toEqual(['no-kvarh']);
  });

  it('counts negative (leading) kvarh by its absolute value', () => {
    // 15 days at +3,600 and 15 at −3,600 kvarh: 108,000 kvarh in all, PF 0.80 as in the golden bill.
    const b = bill({}, SEPT({}, (d) => (d.day <= '2026-09-15' ? d : { ...d, kvarh: -3600 })));
    expect([b.kvarh, b.powerFactor, b.total]).toEqual(['108000', '0.80', '131787.36']);
  });

  it('makes no adjustment for a customer without a standard (PF still reported, no flag)', () => {
    const b = bill({ pfStandard: null }, SEPT());
    expect([b.powerFactor, b.pfStandard, b.pfAdjustmentPercent]).toEqual(['0.80', null, null]);
    expect(b.lines.some((l) => l.code === 'power-factor-adjustment')).toBe(false);
    expect(b.total).toBe('125716.80');
    expect(bill({ pfStandard: null }, SEPT({ kvarh: null })).quality.flags).toEqual([]);
  });
});

describe('computeBill: a tariff change inside the period (October 2026)', () => {
  // Versions 2026-01-01 and 2026-10-16: 1–15 October (15 days) and 16–31 October (16 days), profile P, max 410 kW.
  const b = bill({}, period('2026-10-01', '2026-10-31'));

  it('splits energy and surcharge lines by segment and prorates the basic charge by days', () => {
    expect(amounts(b.lines)).toEqual({
      // 400 kW × 48 = 19,200 × 15/31 = 9,290.3225… → 9,290.32
      'basic-contract-demand@2026-10-01': '9290.32',
      // 400 kW × 45.6 = 18,240 × 16/31 = 9,414.1935… → 9,414.19
      'basic-contract-demand@2026-10-16': '9414.19',
      'energy-peak@2026-10-01': '32853.60', // 15 × 2,400 = 36,000 × 0.9126
      'energy-flat@2026-10-01': '14601.60', // 24,000 × 0.6084
      'energy-valley@2026-10-01': '3650.40', // 12,000 × 0.3042
      'energy-peak@2026-10-16': '35857.92', // 16 × 2,400 = 38,400 × 0.9338
      'energy-flat@2026-10-16': '15936.00', // 25,600 × 0.6225
      'energy-valley@2026-10-16': '3984.64', // 12,800 × 0.3113
      // basic + energy = 125,588.67; PF 0.80 → +5% = 6,279.4335 → 6,279.43 (one line for the month)
      'power-factor-adjustment': '6279.43',
      'surcharge-renewable-energy@2026-10-01': '1368.00', // 72,000 × 0.0190
      'surcharge-reservoir-resettlement@2026-10-01': '446.40', // 72,000 × 0.0062
      'surcharge-water-conservancy@2026-10-01': '338.40', // 72,000 × 0.0047
      'surcharge-renewable-energy@2026-10-16': '1459.20', // 76,800 × 0.0190
      'surcharge-reservoir-resettlement@2026-10-16': '476.16', // 76,800 × 0.0062
      'surcharge-water-conservancy@2026-10-16': '360.96', // 76,800 × 0.0047
    });
    // 125,588.67 + 6,279.43 + 1,368.00 + 446.40 + 338.40 + 1,459.20 + 476.16 + 360.96 = 136,317.22
    expect(b.total).toBe('136317.22');
  });

  it('marks each segment line with its days and shows the proration', () => {
    const basic = b.lines.filter((l) => l.code === 'basic-contract-demand');
    expect(basic.map((l) => [l.from, l.to, l.rate])).toEqual([
      ['2026-10-01', '2026-10-15', '48'],
      ['2026-10-16', '2026-10-31', '45.6'],
    ]);
    expect(basic[0]!.detail).toContain('× 15/31 days');
    expect(line(b.lines, 'power-factor-adjustment').from).toBeUndefined();
    expect(b.kwh).toBe('148800'); // 31 × 4,800
  });

  it('prorates a higher-than-105% demand charge the same way (period max demand in both segments)', () => {
    // Max 450 on 3 October only: (420 + 2 × 30) = 480 kW in both segments.
    // 480 × 48 × 15/31 = 11,148.387… → 11,148.39; 480 × 45.6 × 16/31 = 11,297.032… → 11,297.03
    const c = bill({}, period('2026-10-01', '2026-10-31', {}, (d) => (d.day === '2026-10-03' ? { ...d, maxDemandKw: 450 } : d)));
    expect(c.lines.filter((l) => l.code === 'basic-contract-demand').map((l) => l.amount)).toEqual(['11148.39', '11297.03']);
  });
});

describe('computeBill: rounding', () => {
  it('rounds each line half-up to 0.01 and totals the rounded lines exactly', () => {
    // One day, 1 kWh in hour 0; energy 1 × 0.605 = 0.605 → 0.61; surcharge a 1 × 1.005 = 1.005 → 1.01;
    // surcharge b 1 × 0.015 = 0.015 → 0.02. Total 0.61 + 1.01 + 0.02 = 1.64 (rounding the unrounded sum 1.625
    // would give 1.63; binary floats give (0.605).toFixed(2) = "0.60" and (1.005).toFixed(2) = "1.00").
    expect([(0.605).toFixed(2), (1.005).toFixed(2)]).toEqual(['0.60', '1.00']);
    const tariff = flatTariff({ rate: '0.605', surcharges: [['a', '1.005'], ['b', '0.015']], pf: false });
    const hourly = [1, ...Array(23).fill(0)];
    const b = bill({}, period('2026-09-01', '2026-09-01', { hourly, kvarh: 0 }), tariff);
    expect(amounts(b.lines)).toEqual({ 'energy-flat': '0.61', 'surcharge-a': '1.01', 'surcharge-b': '0.02' });
    expect(b.total).toBe('1.64');
  });

  it('rounds a negative half away from zero (credit −0.015 → −0.02)', () => {
    // 10 kWh × 1 = 10.00 energy; kvarh 4.5 → PF 10 / √120.25 = 0.911922 → 0.91 → −0.15%;
    // 10.00 × −0.15% = −0.015 → −0.02. Total 10.00 − 0.02 = 9.98.
    const tariff = flatTariff({ rate: '1', pf: true });
    const b = bill({}, period('2026-09-01', '2026-09-01', { hourly: [10, ...Array(23).fill(0)], kvarh: 4.5 }), tariff);
    expect(amounts(b.lines)).toEqual({ 'energy-flat': '10.00', 'power-factor-adjustment': '-0.02' });
    expect(b.total).toBe('9.98');
  });

  it('totals exactly the rounded line amounts (golden, split-month and commercial bills)', () => {
    const bills = [bill({}, SEPT()), bill({}, period('2026-10-01', '2026-10-31')), bill({}, SEPT({ hourly: PROFILE_P.map((x) => x + 0.0037) }), COMMERCIAL)];
    for (const b of bills) {
      const cents = b.lines.reduce((sum, l) => sum + Math.round(Number(l.amount) * 100), 0);
      expect(b.lines.every((l) => /^-?\d+\.\d{2}$/.test(l.amount))).toBe(true);
      expect(b.total).toBe((cents / 100).toFixed(2));
    }
  });

  it('rounds binary noise in kWh sums away (1 Wh)', () => {
    // 0.1 + 0.2 = 0.30000000000000004 in binary: billed as 0.3 kWh × 1 = 0.30
    const tariff = flatTariff({ rate: '1', pf: false });
    const b = bill({}, period('2026-09-01', '2026-09-01', { hourly: [0.1, 0.2, ...Array(22).fill(0)], kvarh: 0 }), tariff);
    expect([b.kwh, b.bandKwh.flat, b.total]).toEqual(['0.3', '0.3', '0.30']);
  });
});

describe('computeBill: single-rate commercial tariff', () => {
  it('bills every hour at the one rate, one surcharge, no basic charge, no power-factor adjustment', () => {
    // Profile P for September: 144,000 kWh, all in the one band "flat" whatever the hour.
    // Energy 144,000 × 0.7486 = 107,798.40; funds 144,000 × 0.0299 = 4,305.60; total 112,104.00.
    const b = bill({ pfStandard: 0.85, basicChargeMode: null }, SEPT(), COMMERCIAL);
    expect(b.bandKwh).toEqual({ sharp: '0', peak: '0', flat: '144000', valley: '0' });
    expect(amounts(b.lines)).toEqual({ 'energy-flat': '107798.40', 'surcharge-government-funds': '4305.60' });
    expect(line(b.lines, 'energy-flat').label).toEqual({ en: 'Energy', 'zh-CN': '电度电费' });
    expect(b.total).toBe('112104.00');
    expect([b.basicMode, b.pfAdjustmentPercent, b.powerFactor]).toEqual([null, null, '0.80']);
    expect(b.quality.flags).toEqual([]);
    // A customer without contract figures is fine: nothing needs them.
    expect(bill({ contractKva: null, contractKw: null }, SEPT(), COMMERCIAL).total).toBe('112104.00');
  });

  it('10 kWh every hour of September: 7,200 kWh × 0.7486 = 5,389.92 + 7,200 × 0.0299 = 215.28 → 5,605.20', () => {
    const b = bill({}, SEPT({ hourly: Array(24).fill(10), kvarh: null }), COMMERCIAL);
    expect(b.total).toBe('5605.20');
    expect(b.quality.flags).toEqual([]); // no kvarh, but no adjustment was due
  });
});

describe('computeBill: weekday and weekend schedules', () => {
  it('uses the weekend grid on Saturday and Sunday', () => {
    // A tariff whose weekend is all valley (0.3) and weekday all flat (0.6); 10 kWh in hour 12.
    // Saturday 2026-09-05: 10 × 0.3 = 3.00; Monday 2026-09-07: 10 × 0.6 = 6.00.
    const FLAT = Array(24).fill('flat');
    const VALLEY = Array(24).fill('valley');
    const tariff = { ...flatTariff({ rate: '0.6', pf: false }) };
    tariff.versions = [{ ...tariff.versions[0]!, energyRates: { flat: '0.6', valley: '0.3' }, schedule: { weekday: Array(12).fill(FLAT), weekend: Array(12).fill(VALLEY) } }];
    const hourly = Array.from({ length: 24 }, (_, h) => (h === 12 ? 10 : 0));
    expect(amounts(bill({}, period('2026-09-05', '2026-09-05', { hourly, kvarh: 0 }), tariff).lines)).toEqual({ 'energy-valley': '3.00' });
    expect(amounts(bill({}, period('2026-09-07', '2026-09-07', { hourly, kvarh: 0 }), tariff).lines)).toEqual({ 'energy-flat': '6.00' });
    // Saturday 2026-01-03 and Sunday 2026-12-27 (first and last month rows) are weekend days too.
    expect([bandsOfDay(tariff.versions[0]!, '2026-01-03')[12], bandsOfDay(tariff.versions[0]!, '2026-12-27')[12], bandsOfDay(tariff.versions[0]!, '2026-12-28')[12]]).toEqual([
      'valley',
      'valley',
      'flat',
    ]);
  });
});

describe('computeBill: data quality', () => {
  it('flags estimated and missing intervals and missing days', () => {
    // 2 estimated intervals on 09-03, 3 missing on 09-04, and 09-20 absent (29 days of usage in 30).
    const b = bill(
      {},
      SEPT({}, (d) => (d.day === '2026-09-20' ? null : d.day === '2026-09-03' ? { ...d, estimated: 2 } : d.day === '2026-09-04' ? { ...d, missing: 3 } : d)),
    );
    expect(b.quality).toEqual({ estimatedIntervals: 2, missingIntervals: 3, missingDays: 1, flags: ['estimated', 'missing'] });
    // 29 × 4,800 = 139,200 kWh billed
    expect(b.kwh).toBe('139200');
    // The monthly basic charge is not prorated for a missing day: still 19,200.00.
    expect(line(b.lines, 'basic-contract-demand').amount).toBe('19200.00');
  });

  it('flags missing for a missing day alone, and estimated alone', () => {
    expect(bill({}, SEPT({}, (d) => (d.day === '2026-09-30' ? null : d))).quality.flags).toEqual(['missing']);
    expect(bill({}, SEPT({ estimated: 1 })).quality).toMatchObject({ estimatedIntervals: 30, flags: ['estimated'] });
  });
});

describe('computeBill: days without hourly values', () => {
  it('falls back to the stored day bands', () => {
    // 30 days × bands (peak 2,400, flat 1,600, valley 800) as in the golden bill: the same energy lines.
    const b = bill({}, SEPT({ hourly: [], kwh: 4800, bands: { sharp: 0, peak: 2400, flat: 1600, valley: 800 } }));
    expect(b.total).toBe('131787.36');
  });

  it('refuses a band the tariff has no rate for', () => {
    const p = SEPT({ hourly: [], kwh: 4800, bands: { sharp: 0, peak: 2400, flat: 1600, valley: 800 } });
    expect(() => bill({}, p, COMMERCIAL)).toThrow(/no energy rate for band peak/);
  });
});

describe('computeBill: bad input', () => {
  it('wants periodDays to match the period', () => {
    const p = SEPT();
    expect(() => computeBill({ customer: CUSTOMER, tariff: LARGE_INDUSTRY, usage: p.usage, periodDays: 31 })).toThrow(/periodDays 31 does not match the period 2026-09-01..2026-09-30 \(30 days\)/);
  });

  it('refuses days outside the period and days given twice', () => {
    const p = SEPT();
    expect(() => bill({}, { ...p, usage: { ...p.usage, days: [...p.usage.days, day('2026-10-01')] } })).toThrow(/2026-10-01 is outside/);
    expect(() => bill({}, { ...p, usage: { ...p.usage, days: [...p.usage.days, day('2026-09-02')] } })).toThrow(/twice/);
  });

  it('has no tariff version before the first one', () => {
    expect(() => bill({}, period('2025-12-01', '2025-12-31'))).toThrow(TariffError);
  });

  it('is deterministic and does not mutate its input', () => {
    const p = SEPT();
    const snapshot = JSON.stringify(p);
    expect(bill({}, p)).toEqual(bill({}, p));
    expect(JSON.stringify(p)).toBe(snapshot);
    expect(PROFILE_P.reduce((a, b) => a + b, 0)).toBe(4800);
  });
});
