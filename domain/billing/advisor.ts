import { Decimal } from 'decimal.js';
import { splitPeriod } from '../tariffs/parse-tariff.ts';
import type { BasicChargeMode, DecimalString, Tariff } from '../tariffs/tariff.ts';
import type { Band } from '../usage/daily-usage.ts';
import type { Bill, PeriodUsage } from './bill.ts';
import { BillingError, bandsOfDay, computeBill, type BillInput } from './compute-bill.ts';
import { Dec, quantity } from './decimal.ts';

/**
 * The tariff advisor (DOMAIN.md "Tariff advisor"): the targeted tariff rules the seed asks for, in money.
 *
 * - Basic-charge modes: the bill under each mode the customer's contract figures allow, the cheapest marked
 *   (a tie goes to the current mode, then to the order capacity, contract demand, actual demand).
 * - Valley shifting: `shiftShare` of every peak and sharp hour's kWh moved into the same day's valley hours
 *   (spread evenly over them), the bill recomputed under the current mode; max demand and kvarh are kept as they
 *   were (a conservative assumption: moved load is not assumed to lower the peak). Null when nothing can move
 *   (no valley band in the tariff, or no peak or sharp use).
 * - Power factor: the current bill minus the bill at power factor = standard (adjustment 0), which is the
 *   adjustment line itself: positive = what the poor power factor costs, negative = the credit earned.
 */

export interface AdviceInput extends BillInput {
  /** Share of peak + sharp kWh moved to valley hours, 0 < share ≤ 1; default 0.1. */
  shiftShare?: number;
}

export interface ModeOption {
  mode: BasicChargeMode;
  total: DecimalString;
  /** Basic-charge lines of that bill, summed. */
  basic: DecimalString;
  current: boolean;
  cheapest: boolean;
  /** This bill minus the current one (negative = cheaper). */
  differenceFromCurrent: DecimalString;
}

export interface TariffAdvice {
  currency: string;
  currentMode: BasicChargeMode | null;
  currentTotal: DecimalString;
  /** Every computable mode, in the order capacity, contract demand, actual demand; empty without a basic charge. */
  modes: ModeOption[];
  unavailableModes: { mode: BasicChargeMode; reason: string }[];
  cheapestMode: BasicChargeMode | null;
  /** Current total minus the cheapest mode's total (≥ 0). */
  modeSaving: DecimalString;
  valleyShift: { share: DecimalString; kwhMoved: DecimalString; totalAfter: DecimalString; saving: DecimalString } | null;
  powerFactor: { powerFactor: DecimalString; standard: '0.90' | '0.85' | '0.80'; percent: DecimalString; cost: DecimalString } | null;
  /** True when kvarh was missing, so the power factor could not be assessed although an adjustment was due. */
  noKvarh: boolean;
  sentences: { en: string[]; 'zh-CN': string[] };
}

const MODES: readonly BasicChargeMode[] = ['capacity', 'contract-demand', 'actual-demand'];

export function adviseTariff(input: AdviceInput): TariffAdvice {
  const share = input.shiftShare ?? 0.1;
  if (!(share > 0 && share <= 1)) throw new RangeError(`shiftShare ${share} must be above 0 and at most 1`);
  const current = computeBill(input);
  const currentTotal = new Dec(current.total);

  const hasBasic = splitPeriod(input.tariff, input.usage.from, input.usage.to).some((s) => s.version.basicCharge);
  const options: { mode: BasicChargeMode; bill: Bill }[] = [];
  const unavailableModes: TariffAdvice['unavailableModes'] = [];
  if (hasBasic) {
    for (const mode of MODES) {
      try {
        options.push({ mode, bill: mode === current.basicMode ? current : computeBill({ ...input, customer: { ...input.customer, basicChargeMode: mode } }) });
      } catch (e) {
        if (!(e instanceof BillingError)) throw e;
        unavailableModes.push({ mode, reason: e.message });
      }
    }
  }
  let cheapest: { mode: BasicChargeMode; bill: Bill } | null = null;
  for (const o of options) {
    const t = new Dec(o.bill.total);
    if (!cheapest || t.lt(cheapest.bill.total) || (t.eq(cheapest.bill.total) && o.mode === current.basicMode)) cheapest = o;
  }
  const modes: ModeOption[] = options.map((o) => ({
    mode: o.mode,
    total: o.bill.total,
    basic: o.bill.lines.filter((l) => l.code.startsWith('basic-')).reduce((s, l) => s.plus(l.amount), new Dec(0)).toFixed(2),
    current: o.mode === current.basicMode,
    cheapest: o === cheapest,
    differenceFromCurrent: new Dec(o.bill.total).minus(currentTotal).toFixed(2),
  }));
  const modeSaving = cheapest ? currentTotal.minus(cheapest.bill.total) : new Dec(0);

  const shifted = shiftToValley(input.usage, input.tariff, share);
  let valleyShift: TariffAdvice['valleyShift'] = null;
  if (shifted.kwhMoved.gt(0)) {
    const after = computeBill({ ...input, usage: shifted.usage });
    valleyShift = {
      share: new Dec(share).toString(),
      kwhMoved: shifted.kwhMoved.toString(),
      totalAfter: after.total,
      saving: currentTotal.minus(after.total).toFixed(2),
    };
  }

  const pfLine = current.lines.find((l) => l.code === 'power-factor-adjustment');
  const powerFactor: TariffAdvice['powerFactor'] =
    pfLine && current.powerFactor !== null && current.pfStandard !== null
      ? { powerFactor: current.powerFactor, standard: current.pfStandard, percent: pfLine.quantity, cost: pfLine.amount }
      : null;

  const advice: TariffAdvice = {
    currency: current.currency,
    currentMode: current.basicMode,
    currentTotal: current.total,
    modes,
    unavailableModes,
    cheapestMode: cheapest?.mode ?? null,
    modeSaving: modeSaving.toFixed(2),
    valleyShift,
    powerFactor,
    noKvarh: current.quality.flags.includes('no-kvarh'),
    sentences: { en: [], 'zh-CN': [] },
  };
  advice.sentences = sentences(advice);
  return advice;
}

/**
 * The usage with `share` of each peak and sharp hour's kWh moved into the same day's valley hours (evenly), under
 * the tariff version in force that day. A day without 24 hourly values moves band kWh instead.
 */
export function shiftToValley(usage: PeriodUsage, tariff: Tariff, share: number): { usage: PeriodUsage; kwhMoved: Decimal } {
  const segments = splitPeriod(tariff, usage.from, usage.to);
  let moved = 0;
  const days = usage.days.map((d) => {
    const seg = segments.findLast((s) => d.day >= s.from) ?? segments[0]!;
    const row = bandsOfDay(seg.version, d.day);
    const valleyHours = row.reduce((n, b) => n + (b === 'valley' ? 1 : 0), 0);
    if (valleyHours === 0) return d;
    if (d.hourly.length !== 24) {
      const m = (d.bands.peak + d.bands.sharp) * share;
      moved += m;
      return { ...d, bands: { sharp: d.bands.sharp * (1 - share), peak: d.bands.peak * (1 - share), flat: d.bands.flat, valley: d.bands.valley + m } };
    }
    let m = 0;
    const hourly = d.hourly.slice();
    for (let h = 0; h < 24; h++) {
      if (row[h] === 'peak' || row[h] === 'sharp') {
        m += hourly[h]! * share;
        hourly[h] = hourly[h]! * (1 - share);
      }
    }
    for (let h = 0; h < 24; h++) if (row[h] === 'valley') hourly[h] = hourly[h]! + m / valleyHours;
    moved += m;
    const bands: Record<Band, number> = { sharp: 0, peak: 0, flat: 0, valley: 0 };
    for (let h = 0; h < 24; h++) bands[row[h]!] += hourly[h]!;
    return { ...d, hourly, bands };
  });
  return { usage: { ...usage, days }, kwhMoved: quantity(moved) };
}

const MODE_TEXT: Record<BasicChargeMode, { en: string; zh: string }> = {
  capacity: { en: 'transformer capacity', zh: '变压器容量' },
  'contract-demand': { en: 'contract demand', zh: '合同最大需量' },
  'actual-demand': { en: 'actual maximum demand', zh: '实际最大需量' },
};

function group(s: string): string {
  const neg = s.startsWith('-');
  const [int, frac] = (neg ? s.slice(1) : s).split('.');
  return `${neg ? '-' : ''}${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac === undefined ? '' : `.${frac}`}`;
}
const moneyEn = (currency: string, amount: DecimalString): string => `${currency} ${group(new Dec(amount).toFixed(2))}`;
const moneyZh = (currency: string, amount: DecimalString): string => {
  const a = group(new Dec(amount).toFixed(2));
  return currency === 'CNY' ? `${a} 元` : `${a} ${currency}`;
};
const abs = (x: DecimalString): DecimalString => new Dec(x).abs().toFixed(2);
const percentOfShare = (share: DecimalString): string => new Dec(share).times(100).toString();

/** The advice in words, English and Chinese, one sentence per finding. */
export function sentences(a: TariffAdvice): { en: string[]; 'zh-CN': string[] } {
  const en: string[] = [];
  const zh: string[] = [];
  const c = a.currency;
  const cheapest = a.modes.find((m) => m.cheapest);
  if (a.currentMode && cheapest && a.modes.length >= 2) {
    const others = a.modes.filter((m) => !m.current);
    if (cheapest.current) {
      en.push(
        `Billing the basic charge by ${MODE_TEXT[a.currentMode].en} is already the cheapest option this period (${moneyEn(c, a.currentTotal)}; ` +
          `${others.map((o) => `${MODE_TEXT[o.mode].en} ${moneyEn(c, o.total)}`).join(', ')}).`,
      );
      zh.push(
        `本期基本电费按${MODE_TEXT[a.currentMode].zh}计收，已是最省的方式（${moneyZh(c, a.currentTotal)}；` +
          `${others.map((o) => `按${MODE_TEXT[o.mode].zh} ${moneyZh(c, o.total)}`).join('，')}）。`,
      );
    } else {
      en.push(
        `Billing the basic charge by ${MODE_TEXT[cheapest.mode].en} instead of ${MODE_TEXT[a.currentMode].en} would have made this bill ` +
          `${moneyEn(c, a.modeSaving)} lower (${moneyEn(c, cheapest.total)} instead of ${moneyEn(c, a.currentTotal)}).`,
      );
      zh.push(
        `若基本电费改按${MODE_TEXT[cheapest.mode].zh}计收（现按${MODE_TEXT[a.currentMode].zh}），本期电费可减少${moneyZh(c, a.modeSaving)}` +
          `（${moneyZh(c, cheapest.total)}，现为${moneyZh(c, a.currentTotal)}）。`,
      );
    }
  }
  if (a.valleyShift) {
    const s = a.valleyShift;
    const pct = percentOfShare(s.share);
    const kwh = group(s.kwhMoved);
    en.push(`Moving ${pct}% of your peak and sharp-peak use (${kwh} kWh) to valley hours would have saved ${moneyEn(c, s.saving)} this period.`);
    zh.push(`若将高峰和尖峰时段用电量的${pct}%（${kwh} 千瓦时）移到低谷时段，本期电费可节省${moneyZh(c, s.saving)}。`);
  }
  if (a.powerFactor) {
    const p = a.powerFactor;
    const cost = new Dec(p.cost);
    if (cost.gt(0)) {
      en.push(
        `Your power factor of ${p.powerFactor} is below the standard ${p.standard}: the adjustment adds ${p.percent}% (${moneyEn(c, p.cost)}); ` +
          `reaching ${p.standard}, for example with reactive-power compensation, would save that.`,
      );
      zh.push(`本期功率因数为${p.powerFactor}，低于考核标准${p.standard}，力调电费增收${p.percent}%（${moneyZh(c, p.cost)}）；加装无功补偿、提高到${p.standard}即可省下这笔费用。`);
    } else if (cost.lt(0)) {
      en.push(`Your power factor of ${p.powerFactor} is above the standard ${p.standard} and earns a credit of ${moneyEn(c, abs(p.cost))} (${p.percent}%).`);
      zh.push(`本期功率因数为${p.powerFactor}，高于考核标准${p.standard}，力调电费减收${moneyZh(c, abs(p.cost))}（${p.percent}%）。`);
    } else {
      en.push(`Your power factor of ${p.powerFactor} meets the standard ${p.standard}: no adjustment.`);
      zh.push(`本期功率因数为${p.powerFactor}，达到考核标准${p.standard}，不调整电费。`);
    }
  } else if (a.noKvarh) {
    en.push('Reactive energy (kvarh) is missing for some days, so the power factor could not be assessed this period.');
    zh.push('本期部分日期缺少无功电量数据，无法考核功率因数。');
  }
  return { en, 'zh-CN': zh };
}
