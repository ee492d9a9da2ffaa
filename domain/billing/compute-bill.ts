import { Decimal } from 'decimal.js';
import type { Customer } from '../customers/customer-master.ts';
import { splitPeriod, type TariffSegment } from '../tariffs/parse-tariff.ts';
import type { BasicChargeMode, Localized, Tariff, TariffVersion } from '../tariffs/tariff.ts';
import { epochDayOf, Zone } from '../time/zone.ts';
import { BANDS, type Band } from '../usage/daily-usage.ts';
import type { Bill, BillLine, PeriodUsage } from './bill.ts';
import { Dec, HUNDRED, money, quantity, ZERO } from './decimal.ts';
import { pfAdjustmentPercent, pfStandardText, powerFactor } from './power-factor.ts';

/**
 * The billing engine: one period's bill from its daily usage under a (possibly versioned) tariff.
 *
 * Choices beyond DOMAIN.md:
 * - Band kWh come from each day's 24 hourly values under the schedule of the tariff version in force that day
 *   (weekday/weekend by the day of the week, Saturday and Sunday being weekend); `day.bands`, which the ingest
 *   computed under the configured default bands, is used only for a day without 24 hourly values.
 * - kWh, kvarh and kW arrive as binary numbers; each period (or segment) sum is rounded half-up to 3 decimals
 *   (1 Wh) before it becomes a decimal. All money arithmetic is decimal.
 * - Every line amount is rounded half-up (halves away from zero, also for credits) to 0.01; the total is the exact
 *   sum of the rounded lines.
 * - A tariff version change inside the period splits the bill into segments. Energy and surcharge lines are per
 *   segment from that segment's kWh. The basic charge is a monthly charge: it is computed per segment with that
 *   version's price from the figures of the whole period (contract, and the period's max demand), then prorated by
 *   segment days / period days and rounded per line. With a single segment there is no proration, even when days
 *   of usage are missing (the monthly basic charge is due in full).
 * - The power-factor adjustment applies to the basic and energy lines of the segments whose version has
 *   `powerFactorAdjustment`; the monthly power factor is from the whole period's kWh and kvarh. The 'no-kvarh' flag
 *   is raised only when an adjustment was due (tariff on, customer has a standard) but a day lacks kvarh.
 *   kWh = kvarh = 0 gives no power factor and no adjustment. A day's kvarh counts by its absolute value (leading
 *   reactive energy is still reactive energy), so a negative export value cannot make the power factor undefined.
 * - `periodDays` must equal the days of usage.from..usage.to; a day outside the period or twice is an error.
 */

export class BillingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BillingError';
  }
}

export type BillCustomer = Pick<Customer, 'contractKva' | 'contractKw' | 'pfStandard' | 'basicChargeMode'>;

export interface BillInput {
  customer: BillCustomer;
  tariff: Tariff;
  usage: PeriodUsage;
  /** Days in the billing period (usage.from..usage.to inclusive). */
  periodDays: number;
}

const BAND_LABEL: Record<Band, Localized> = {
  sharp: { en: 'sharp peak', 'zh-CN': '尖峰' },
  peak: { en: 'peak', 'zh-CN': '高峰' },
  flat: { en: 'flat', 'zh-CN': '平段' },
  valley: { en: 'valley', 'zh-CN': '低谷' },
};
const BASIC_LABEL: Record<BasicChargeMode, Localized> = {
  capacity: { en: 'Basic charge (capacity)', 'zh-CN': '基本电费（按变压器容量）' },
  'contract-demand': { en: 'Basic charge (contract demand)', 'zh-CN': '基本电费（按合同最大需量）' },
  'actual-demand': { en: 'Basic charge (actual demand)', 'zh-CN': '基本电费（按实际最大需量）' },
};
const PF_LABEL: Localized = { en: 'Power-factor adjustment', 'zh-CN': '功率因数调整电费' };
const BAND_INDEX: Record<Band, number> = { sharp: 0, peak: 1, flat: 2, valley: 3 };
const D105 = new Dec('1.05');
const D04 = new Dec('0.4');
const TWO = new Dec(2);

/** Grid row of a local day: month 0..11, +12 on a weekend (memoized; the key space is the calendar). */
const rowOfDay = new Map<string, number>();
function dayRow(day: string): number {
  let r = rowOfDay.get(day);
  if (r === undefined) {
    r = +day.slice(5, 7) - 1 + (Zone.weekday(day) >= 6 ? 12 : 0);
    if (rowOfDay.size >= 20_000) rowOfDay.clear();
    rowOfDay.set(day, r);
  }
  return r;
}

/** The band of each hour 0..23 of a local day under a tariff version. */
export function bandsOfDay(version: TariffVersion, day: string): Band[] {
  const r = dayRow(day);
  return r >= 12 ? version.schedule.weekend[r - 12]! : version.schedule.weekday[r]!;
}

/** A version's figures parsed once (cached per version object; tariffs are immutable once parsed). */
interface Prepared {
  usedBands: Band[];
  rates: (Decimal | undefined)[];
  surcharges: Decimal[];
  /** Band index per hour, rows 0..11 weekday months, 12..23 weekend months. */
  bandIndex: Uint8Array[];
}
const preparedCache = new WeakMap<TariffVersion, Prepared>();
function prepare(v: TariffVersion): Prepared {
  let p = preparedCache.get(v);
  if (!p) {
    const set = new Set<Band>();
    for (const grid of [v.schedule.weekday, v.schedule.weekend]) for (const row of grid) for (const b of row) set.add(b);
    p = {
      usedBands: BANDS.filter((b) => set.has(b)),
      rates: BANDS.map((b) => (v.energyRates[b] === undefined ? undefined : new Dec(v.energyRates[b]!))),
      surcharges: v.surcharges.map((s) => new Dec(s.ratePerKwh)),
      bandIndex: [...v.schedule.weekday, ...v.schedule.weekend].map((row) => Uint8Array.from(row, (b) => BAND_INDEX[b])),
    };
    preparedCache.set(v, p);
  }
  return p;
}

interface SegmentSums {
  seg: TariffSegment;
  prepared: Prepared;
  kwh: number;
  bands: [number, number, number, number];
}

/** The bill of one period. Pure and deterministic; throws a BillingError for a missing contract figure or bad input. */
export function computeBill(input: BillInput): Bill {
  const { customer, tariff, usage, periodDays } = input;
  const spanDays = epochDayOf(usage.to) - epochDayOf(usage.from) + 1;
  if (!(spanDays >= 1) || periodDays !== spanDays) {
    throw new BillingError(`periodDays ${periodDays} does not match the period ${usage.from}..${usage.to} (${spanDays} days)`);
  }
  const segments = splitPeriod(tariff, usage.from, usage.to);
  const split = segments.length > 1;
  const sums: SegmentSums[] = segments.map((seg) => ({ seg, prepared: prepare(seg.version), kwh: 0, bands: [0, 0, 0, 0] }));

  // One pass over the days: per-segment kWh and band kWh, period max demand, kvarh, quality counts.
  let maxDemand = 0;
  let kvarh = 0;
  let kvarhComplete = usage.days.length > 0;
  let estimated = 0;
  let missing = 0;
  let previous = '';
  let sorted = true;
  for (const d of usage.days) {
    if (!(d.day >= usage.from && d.day <= usage.to)) throw new BillingError(`usage day ${d.day} is outside the period ${usage.from}..${usage.to}`);
    if (d.day <= previous) sorted = false;
    previous = d.day;
    let s = sums[0]!;
    for (let i = sums.length - 1; i > 0; i--) {
      if (d.day >= sums[i]!.seg.from) {
        s = sums[i]!;
        break;
      }
    }
    if (!Number.isFinite(d.kwh) || !Number.isFinite(d.maxDemandKw)) throw new BillingError(`usage day ${d.day} has a non-numeric kWh or max demand`);
    s.kwh += d.kwh;
    if (d.hourly.length === 24) {
      const row = s.prepared.bandIndex[dayRow(d.day)]!;
      for (let h = 0; h < 24; h++) s.bands[row[h]!] += d.hourly[h]!;
    } else {
      s.bands[0] += d.bands.sharp;
      s.bands[1] += d.bands.peak;
      s.bands[2] += d.bands.flat;
      s.bands[3] += d.bands.valley;
    }
    if (d.maxDemandKw > maxDemand) maxDemand = d.maxDemandKw;
    if (d.kvarh === null || !Number.isFinite(d.kvarh)) kvarhComplete = false;
    else kvarh += Math.abs(d.kvarh); // reactive energy counts in either direction (正反向无功绝对值之和)
    estimated += d.estimated;
    missing += d.missing;
  }
  if (!sorted && new Set(usage.days.map((d) => d.day)).size !== usage.days.length) {
    throw new BillingError(`usage of ${usage.from}..${usage.to} holds a day twice`);
  }

  const maxDemandD = quantity(maxDemand);
  const basicLines: BillLine[] = [];
  const energyLines: BillLine[] = [];
  const surchargeLines: BillLine[] = [];
  let pfBase = ZERO;
  let pfDue = false;
  let basicMode: BasicChargeMode | null = null;
  let totalKwh = ZERO;
  let total = ZERO; // sum of the rounded line amounts
  const bandTotals = [ZERO, ZERO, ZERO, ZERO];

  for (const { seg, prepared, kwh, bands } of sums) {
    const v = seg.version;
    const range = split ? { from: seg.from, to: seg.to } : {};
    let pfSegmentBase = ZERO;
    const segKwh = quantity(kwh);
    totalKwh = totalKwh.plus(segKwh);

    if (v.basicCharge) {
      const mode = customer.basicChargeMode ?? v.basicCharge.defaultMode;
      basicMode = mode;
      const b = basicCharge(mode, customer, v.basicCharge, maxDemandD);
      let amount = b.quantity.times(b.rate);
      let detail = b.detail;
      if (split) {
        amount = amount.times(seg.days).div(periodDays);
        detail += ` × ${seg.days}/${periodDays} days`;
      }
      const rounded = money(amount);
      basicLines.push({ code: `basic-${mode}`, label: BASIC_LABEL[mode], quantity: b.quantity.toString(), unit: b.unit, rate: b.rateText, amount: rounded.toFixed(2), ...range, detail });
      pfSegmentBase = pfSegmentBase.plus(rounded);
    }

    const single = prepared.usedBands.length === 1;
    for (let i = 0; i < 4; i++) {
      const band = BANDS[i]!;
      const q = quantity(bands[i]!);
      bandTotals[i] = bandTotals[i]!.plus(q);
      if (q.isZero()) continue;
      const rate = v.energyRates[band];
      const rateD = prepared.rates[i];
      if (rate === undefined || rateD === undefined) {
        throw new BillingError(`tariff ${tariff.id} (version of ${v.effectiveFrom}) has no energy rate for band ${band}, but the usage has ${q} kWh in it`);
      }
      const rounded = money(q.times(rateD));
      energyLines.push({
        code: `energy-${band}`,
        label: single ? { en: 'Energy', 'zh-CN': '电度电费' } : { en: `Energy (${BAND_LABEL[band].en})`, 'zh-CN': `电度电费（${BAND_LABEL[band]['zh-CN']}）` },
        quantity: q.toString(),
        unit: 'kWh',
        rate,
        amount: rounded.toFixed(2),
        ...range,
        detail: `${q} kWh × ${rate}`,
      });
      pfSegmentBase = pfSegmentBase.plus(rounded);
    }

    if (!segKwh.isZero()) {
      v.surcharges.forEach((s, j) => {
        const rounded = money(segKwh.times(prepared.surcharges[j]!));
        total = total.plus(rounded);
        surchargeLines.push({
          code: `surcharge-${s.code}`,
          label: s.name,
          quantity: segKwh.toString(),
          unit: 'kWh',
          rate: s.ratePerKwh,
          amount: rounded.toFixed(2),
          ...range,
          detail: `${segKwh} kWh × ${s.ratePerKwh}`,
        });
      });
    }

    total = total.plus(pfSegmentBase); // basic + energy of the segment
    if (v.powerFactorAdjustment) {
      pfDue = true;
      pfBase = pfBase.plus(pfSegmentBase);
    }
  }

  // Power factor of the period; the adjustment when the tariff and the customer call for one.
  const standard = pfStandardText(customer.pfStandard);
  const kvarhD = kvarhComplete ? quantity(kvarh) : null;
  const pf = kvarhD !== null && !(totalKwh.isZero() && kvarhD.isZero()) ? powerFactor(totalKwh, kvarhD) : null;
  pfDue = pfDue && standard !== null;
  let pfPercent: Decimal | null = null;
  const pfLines: BillLine[] = [];
  if (pfDue && pf !== null) {
    pfPercent = pfAdjustmentPercent(pf, standard!);
    const base = pfBase.toFixed(2);
    const rounded = money(pfBase.times(pfPercent).div(HUNDRED));
    total = total.plus(rounded);
    pfLines.push({
      code: 'power-factor-adjustment',
      label: PF_LABEL,
      quantity: pfPercent.toFixed(2),
      unit: '%',
      rate: base,
      amount: rounded.toFixed(2),
      detail: `power factor ${pf.toFixed(2)} against ${standard}: ${pfPercent.isNeg() ? '' : '+'}${pfPercent.toFixed(2)}% × ${base} (basic + energy)`,
    });
  }

  const lines = [...basicLines, ...energyLines, ...pfLines, ...surchargeLines];

  const missingDays = periodDays - usage.days.length; // days are distinct and inside the period (checked above)
  const flags: Bill['quality']['flags'] = [];
  if (estimated > 0) flags.push('estimated');
  if (missing > 0 || missingDays > 0) flags.push('missing');
  if (pfDue && kvarhD === null) flags.push('no-kvarh');

  return {
    currency: tariff.currency,
    from: usage.from,
    to: usage.to,
    kwh: totalKwh.toString(),
    bandKwh: { sharp: bandTotals[0]!.toString(), peak: bandTotals[1]!.toString(), flat: bandTotals[2]!.toString(), valley: bandTotals[3]!.toString() },
    maxDemandKw: maxDemandD.toString(),
    kvarh: kvarhD === null ? null : kvarhD.toString(),
    powerFactor: pf === null ? null : pf.toFixed(2),
    pfStandard: standard,
    pfAdjustmentPercent: pfPercent === null ? null : pfPercent.toFixed(2),
    basicMode,
    lines,
    total: total.toFixed(2),
    quality: { estimatedIntervals: estimated, missingIntervals: missing, missingDays, flags },
  };
}

interface BasicFigure {
  /** Billed kVA or kW. */
  quantity: Decimal;
  unit: 'kVA' | 'kW';
  rate: Decimal;
  rateText: string;
  detail: string;
}

function contract(value: number | null, field: 'contract_kva' | 'contract_kw', mode: BasicChargeMode): Decimal {
  if (value === null || value === undefined) throw new BillingError(`the ${mode} basic charge needs the customer's ${field}, which is empty`);
  if (!Number.isFinite(value) || value < 0) throw new BillingError(`the customer's ${field} ${value} is not a non-negative number`);
  return new Dec(value);
}

/** The monthly basic charge of one mode: billed quantity × price (before any proration). */
export function basicCharge(
  mode: BasicChargeMode,
  customer: Pick<BillCustomer, 'contractKva' | 'contractKw'>,
  prices: NonNullable<TariffVersion['basicCharge']>,
  maxDemandKw: Decimal,
): BasicFigure {
  const max = new Dec(maxDemandKw);
  if (mode === 'capacity') {
    const kva = contract(customer.contractKva, 'contract_kva', mode);
    const rate = new Dec(prices.capacityPricePerKvaMonth);
    return { quantity: kva, unit: 'kVA', rate, rateText: prices.capacityPricePerKvaMonth, detail: `${kva} kVA × ${prices.capacityPricePerKvaMonth}` };
  }
  const rateText = prices.demandPricePerKwMonth;
  const rate = new Dec(rateText);
  if (mode === 'contract-demand') {
    const kw = contract(customer.contractKw, 'contract_kw', mode);
    const limit = kw.times(D105);
    if (max.lte(limit)) {
      return { quantity: kw, unit: 'kW', rate, rateText, detail: `${kw} kW × ${rateText} (max demand ${max} kW ≤ 105% of contract = ${limit} kW)` };
    }
    const billed = limit.plus(TWO.times(max.minus(limit)));
    return { quantity: billed, unit: 'kW', rate, rateText, detail: `(1.05 × ${kw} + 2 × (${max} − ${limit})) × ${rateText}` };
  }
  const kva = contract(customer.contractKva, 'contract_kva', mode);
  const floor = kva.times(D04);
  if (max.gte(floor)) {
    return { quantity: max, unit: 'kW', rate, rateText, detail: `max demand ${max} kW × ${rateText} (40% of ${kva} kVA = ${floor} kW)` };
  }
  return { quantity: floor, unit: 'kW', rate, rateText, detail: `40% of ${kva} kVA = ${floor} kW × ${rateText} (max demand ${max} kW is below it)` };
}
