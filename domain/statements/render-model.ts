import { Decimal } from 'decimal.js';
import type { Locale } from '../customers/customer-master.ts';
import type { Localized } from '../tariffs/tariff.ts';
import type { BillLine } from '../billing/bill.ts';
import { BANDS, type Band } from '../usage/daily-usage.ts';
import { t, type MessageKey } from './i18n.ts';
import {
  dayOfMonth,
  formatAmount,
  formatDay,
  formatKwh,
  formatMoney,
  formatNumber,
  formatPeriod,
  formatShare,
  formatSignedPercent,
  isWeekend,
  percentChange,
  singleLine,
} from './render-format.ts';
import type { Statement, StatementRecipient } from './statement.ts';

/**
 * Everything the HTML and the plain-text renderers show, already localized and formatted (plain strings, not
 * escaped), so both versions carry the same content.
 */
export interface StatementView {
  locale: Locale;
  currency: string;
  subject: string;
  utilityName: string;
  fromName: string | null;
  customerName: string;
  customerId: string;
  headline: string;
  period: string;
  periodRange: string;
  periodWithRange: string;
  tariffName: string;
  issuedOn: string;
  dueDate: string;
  version: number;
  correction: { banner: string; note: string } | null;
  total: string;
  totalKwh: string;
  bands: { band: Band; label: string; kwh: string; share: string }[];
  maxDemand: string;
  powerFactor: string;
  pfAdjustment: string;
  reactiveEnergy: string | null;
  chargeGroups: { heading: string | null; lines: ChargeLineView[] }[];
  chart: { max: string; days: ChartDayView[] };
  comparison: ComparisonRowView[];
  quality: string[];
  /** "Expected next month" (the statement's own forecast); null when it has none (short history, or stored before). */
  expectedNext: { title: string; line: string; note: string } | null;
  segment: { line: string; actions: string[] } | null;
  peers: { intro: string; rows: { label: string; you: string; median: string; diff: string }[] } | null;
  accountManagerEmail: string;
  attachmentName: string;
}

export interface ChargeLineView {
  code: string;
  label: string;
  detail: string | null;
  quantity: string;
  unit: string;
  rate: string;
  amount: string;
}

export interface ChartDayView {
  day: string;
  dayOfMonth: string;
  weekend: boolean;
  kwh: string;
  /** 0..1 of the highest day. */
  ratio: number;
  /** Estimated or missing intervals that day. */
  flagged: boolean;
  title: string;
}

export interface ComparisonRowView {
  label: string;
  period: string;
  data: { kwh: string; kwhChange: string; total: string; totalChange: string } | null;
}

export interface RenderOptions {
  fromName?: string;
  utilityName: Localized;
}

const BAND_KEY: Record<Band, MessageKey> = { sharp: 'bandSharp', peak: 'bandPeak', flat: 'bandFlat', valley: 'bandValley' };

const PATTERN_KEY: Record<string, MessageKey> = {
  continuous: 'patternContinuous',
  'day-shift': 'patternDayShift',
  'evening-peak': 'patternEveningPeak',
  'night-shift': 'patternNightShift',
  'weekday-only': 'patternWeekdayOnly',
  irregular: 'patternIrregular',
};

const TREND_KEY: Record<string, MessageKey> = {
  growing: 'trendGrowing',
  declining: 'trendDeclining',
  volatile: 'trendVolatile',
  stable: 'trendStable',
  unknown: 'trendUnknown',
};

/** File name of the CSV attachment; anything outside [A-Za-z0-9._-] becomes "_" (it goes into a MIME header). */
export function attachmentName(statement: Statement): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `usage-${safe(statement.customerId)}-${safe(statement.period)}.csv`;
}

function change(current: string, previous: string): string {
  const c = percentChange(current, previous);
  return c === null ? '—' : formatSignedPercent(c);
}

function chargeGroups(lines: BillLine[], locale: Locale): StatementView['chargeGroups'] {
  const split = lines.some((l) => l.from !== undefined || l.to !== undefined);
  const groups: StatementView['chargeGroups'] = [];
  let key: string | null = null;
  for (const line of lines) {
    const k = `${line.from ?? ''}|${line.to ?? ''}`;
    if (k !== key) {
      key = k;
      let heading: string | null = null;
      if (split) {
        heading =
          line.from !== undefined || line.to !== undefined
            ? t(locale, 'subPeriod', { from: formatDay(line.from ?? '', locale), to: formatDay(line.to ?? '', locale) })
            : t(locale, 'wholePeriod');
      }
      groups.push({ heading, lines: [] });
    }
    groups.at(-1)!.lines.push({
      code: line.code,
      label: line.label[locale],
      detail: line.detail ?? null,
      quantity: formatNumber(line.quantity),
      unit: line.unit,
      // The power-factor line's "rate" is the base it applies to (money); other rates keep their precision.
      rate: line.unit === '%' ? formatAmount(line.rate) : formatNumber(line.rate, undefined, 6),
      amount: formatAmount(line.amount),
    });
  }
  return groups;
}

export function buildView(statement: Statement, recipient: StatementRecipient, opts: RenderOptions): StatementView {
  const locale = recipient.locale;
  const bill = statement.bill;
  const currency = bill.currency;
  const period = formatPeriod(statement.period, locale);
  const total = formatMoney(bill.total, currency, locale);
  const previousVersion = statement.version - 1;
  const corrected = statement.correction || statement.version > 1;

  const subject = singleLine(
    corrected
      ? t(locale, 'subjectCorrected', { period, version: statement.version, previous: previousVersion, customer: recipient.name, total })
      : t(locale, 'subject', { period, customer: recipient.name, total }),
  );

  const kwhTotal = new Decimal(bill.kwh);
  const bands = BANDS.map((band) => ({
    band,
    label: t(locale, BAND_KEY[band]),
    kwh: formatKwh(bill.bandKwh[band]),
    share: formatShare(bill.bandKwh[band], kwhTotal),
  }));

  const periodRange = t(locale, 'periodRange', { from: formatDay(bill.from, locale), to: formatDay(bill.to, locale) });
  const noKvarh = bill.quality.flags.includes('no-kvarh') || bill.powerFactor === null;
  const powerFactor =
    bill.powerFactor === null
      ? t(locale, 'pfNoData')
      : bill.pfStandard === null
        ? bill.powerFactor
        : t(locale, 'pfWithStandard', { pf: bill.powerFactor, standard: bill.pfStandard });
  let pfAdjustment: string;
  if (bill.pfAdjustmentPercent !== null) {
    pfAdjustment = t(locale, 'pfAdjustmentValue', { percent: formatSignedPercent(bill.pfAdjustmentPercent, 2) });
    const line = bill.lines.find((l) => l.code === 'power-factor-adjustment');
    if (line) pfAdjustment += ` = ${formatMoney(line.amount, currency, locale)}`;
  } else {
    pfAdjustment = noKvarh ? t(locale, 'pfNotApplied') : t(locale, 'pfNotApplicable');
  }

  const maxDaily = statement.daily.reduce((m, d) => Math.max(m, d.kwh), 0);
  const days: ChartDayView[] = statement.daily.map((d) => {
    const kwh = formatKwh(d.kwh);
    const flagged = d.estimated > 0 || d.missing > 0;
    const title = t(locale, 'chartDay', { day: formatDay(d.day, locale), kwh }) + (flagged ? ` ${t(locale, 'estimatedMark')}` : '');
    return { day: d.day, dayOfMonth: dayOfMonth(d.day), weekend: isWeekend(d.day), kwh, ratio: maxDaily > 0 ? Math.max(0, d.kwh) / maxDaily : 0, flagged, title };
  });

  const comparison: ComparisonRowView[] = [
    {
      label: t(locale, 'thisPeriod'),
      period,
      data: { kwh: formatKwh(bill.kwh), kwhChange: '', total, totalChange: '' },
    },
  ];
  for (const [key, ref] of [
    ['previousPeriod', statement.comparison.previousPeriod],
    ['sameLastYear', statement.comparison.sameLastYear],
  ] as const) {
    comparison.push({
      label: t(locale, key),
      period: ref ? formatPeriod(ref.period, locale) : '',
      data: ref
        ? { kwh: formatKwh(ref.kwh), kwhChange: change(bill.kwh, ref.kwh), total: formatMoney(ref.total, currency, locale), totalChange: change(bill.total, ref.total) }
        : null,
    });
  }

  const q = bill.quality;
  const quality: string[] = [];
  if (q.flags.length > 0) {
    if (q.flags.includes('estimated')) quality.push(t(locale, 'qualityEstimated', { count: formatNumber(q.estimatedIntervals, 0) }));
    if (q.flags.includes('missing')) {
      if (q.missingIntervals > 0) quality.push(t(locale, 'qualityMissing', { count: formatNumber(q.missingIntervals, 0) }));
      if (q.missingDays > 0) quality.push(t(locale, 'qualityMissingDays', { days: formatNumber(q.missingDays, 0) }));
    }
    if (q.flags.includes('no-kvarh')) quality.push(t(locale, 'qualityNoKvarh'));
    if (q.flags.includes('estimated') || q.flags.includes('missing')) quality.push(t(locale, 'qualityFooter'));
  }

  const next = statement.expectedNext ?? null;
  const nextVars = next && { kwh: formatKwh(next.kwh), low: formatKwh(next.kwhLow), high: formatKwh(next.kwhHigh), kw: formatNumber(next.maxDemandKw, 1) };
  const expectedNext =
    next && nextVars
      ? {
          title: t(locale, 'expectedNextTitle', { period: formatPeriod(next.period, locale) }),
          line: next.bill
            ? t(locale, 'expectedNextLineBill', { ...nextVars, total: formatMoney(next.bill.total, next.bill.currency, locale) })
            : t(locale, 'expectedNextLine', nextVars),
          note: t(locale, 'expectedNextNote'),
        }
      : null;

  const seg = statement.segment;
  const segment = seg
    ? {
        line: t(locale, 'segmentLine', {
          tier: seg.tier,
          pattern: PATTERN_KEY[seg.pattern] ? t(locale, PATTERN_KEY[seg.pattern]!) : seg.pattern,
          trend: TREND_KEY[seg.trend] ? t(locale, TREND_KEY[seg.trend]!) : seg.trend,
        }),
        actions: seg.actions,
      }
    : null;

  const p = statement.peers;
  const peers = p
    ? {
        intro: t(locale, 'peersIntro', { count: formatNumber(p.groupSize, 0) }),
        rows: [
          {
            label: t(locale, 'avgDaily'),
            you: `${formatKwh(p.customerAvgDailyKwh)} kWh`,
            median: `${formatKwh(p.medianAvgDailyKwh)} kWh`,
            diff: change(String(p.customerAvgDailyKwh), String(p.medianAvgDailyKwh)),
          },
          {
            label: t(locale, 'loadFactor'),
            you: formatShare(p.customerLoadFactor, 1),
            median: formatShare(p.medianLoadFactor, 1),
            diff: change(String(p.customerLoadFactor), String(p.medianLoadFactor)),
          },
        ],
      }
    : null;

  return {
    locale,
    currency,
    subject,
    utilityName: opts.utilityName[locale],
    fromName: opts.fromName ?? null,
    customerName: recipient.name,
    customerId: statement.customerId,
    headline: t(locale, 'headline', { period }),
    period,
    periodRange,
    periodWithRange: t(locale, 'periodWithRange', { period, range: periodRange }),
    tariffName: statement.tariffName[locale],
    issuedOn: formatDay(statement.issuedOn, locale),
    dueDate: formatDay(statement.dueDate, locale),
    version: statement.version,
    correction: corrected
      ? {
          banner: t(locale, 'correctionBanner', { version: statement.version, previous: previousVersion }),
          note: t(locale, 'correctionNote', { previous: previousVersion }),
        }
      : null,
    total,
    totalKwh: `${formatKwh(bill.kwh)} kWh`,
    bands,
    maxDemand: `${formatNumber(bill.maxDemandKw, undefined, 1)} kW`,
    powerFactor,
    pfAdjustment,
    reactiveEnergy: bill.kvarh === null ? null : `${formatKwh(bill.kvarh)} kvarh`,
    chargeGroups: chargeGroups(bill.lines, locale),
    chart: { max: t(locale, 'chartMax', { kwh: formatKwh(maxDaily) }), days },
    comparison,
    quality,
    expectedNext,
    segment,
    peers,
    accountManagerEmail: recipient.accountManagerEmail,
    attachmentName: attachmentName(statement),
  };
}
