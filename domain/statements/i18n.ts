import type { Locale } from '../customers/customer-master.ts';
import { escapeHtml, html, type HtmlValue, type SafeHtml } from './escape.ts';

/**
 * Labels of the statement email. Placeholders are `{name}`; values are filled in by `t` (plain text) or `tHtml`
 * (values escaped unless SafeHtml). The English dictionary defines the keys; the Chinese one must have them all.
 */
const en = {
  subject: 'Electricity statement {period} — {customer} — {total}',
  subjectCorrected: 'Corrected electricity statement {period} (version {version}, replaces version {previous}) — {customer} — {total}',
  headline: 'Electricity statement {period}',
  correctionBanner: 'Corrected statement (version {version}) — replaces version {previous}',
  correctionNote: 'This statement replaces the one sent earlier for the same period. Please disregard version {previous}.',
  greeting: 'Dear {customer},',
  intro: 'Here is your electricity statement for {period}.',
  customerId: 'Customer number',
  period: 'Billing period',
  periodRange: '{from} to {to}',
  periodWithRange: '{period} ({range})',
  tariff: 'Tariff',
  issuedOn: 'Issued on',
  version: 'Version',
  totalDue: 'Amount due',
  dueDate: 'Due date',
  payBy: 'Please pay by {date}.',
  totalKwh: 'Total consumption',
  bandsTitle: 'Consumption by time-of-use band',
  bandSharp: 'Sharp peak',
  bandPeak: 'Peak',
  bandFlat: 'Flat',
  bandValley: 'Valley',
  share: 'Share',
  demandTitle: 'Demand and power factor',
  maxDemand: 'Maximum demand',
  powerFactor: 'Power factor',
  pfWithStandard: '{pf} (standard {standard})',
  pfAdjustment: 'Power-factor adjustment',
  pfAdjustmentValue: '{percent} of basic and energy charges',
  pfNoData: 'not available (no reactive energy data)',
  pfNotApplied: 'Not applied: no reactive energy (kvarh) data',
  pfNotApplicable: 'Not applicable under this tariff',
  reactiveEnergy: 'Reactive energy',
  chargesTitle: 'Charges',
  colItem: 'Item',
  colQuantity: 'Quantity',
  colUnit: 'Unit',
  colRate: 'Rate',
  colAmount: 'Amount',
  subPeriod: 'Tariff version in force {from} to {to}',
  wholePeriod: 'Whole period',
  total: 'Total',
  chartTitle: 'Daily consumption (kWh)',
  chartMax: 'Highest day: {kwh} kWh',
  chartLegendMeasured: 'Measured',
  chartLegendEstimated: 'Includes estimated or missing intervals',
  chartDay: '{day}: {kwh} kWh',
  comparisonTitle: 'Comparison',
  thisPeriod: 'This period',
  previousPeriod: 'Previous period',
  sameLastYear: 'Same period last year',
  colPeriod: 'Period',
  colKwh: 'kWh',
  colChange: 'Change',
  noData: 'no data',
  qualityTitle: 'About the data',
  qualityEstimated: '{count} interval readings were estimated; they are billed at the estimated values.',
  qualityMissing: '{count} interval readings were missing.',
  qualityMissingDays: '{days} days had no data at all.',
  qualityNoKvarh: 'No reactive energy (kvarh) data was received, so the power factor could not be computed and no power-factor adjustment was applied.',
  qualityFooter: 'Estimated values are corrected on a later statement once the actual readings arrive.',
  adviceTitle: 'Advice for your site',
  segmentLine: 'Tier {tier} · load pattern: {pattern} · trend: {trend}',
  patternContinuous: 'round-the-clock',
  patternDayShift: 'day shift',
  patternEveningPeak: 'evening peak',
  patternNightShift: 'night shift',
  patternWeekdayOnly: 'weekdays only',
  patternIrregular: 'irregular',
  trendGrowing: 'growing',
  trendDeclining: 'declining',
  trendVolatile: 'volatile',
  trendStable: 'stable',
  trendUnknown: 'not enough history',
  peersTitle: 'How you compare',
  peersIntro: 'Compared with the median of {count} similar customers:',
  avgDaily: 'Average daily consumption',
  loadFactor: 'Load factor',
  you: 'You',
  peerMedian: 'Peer median',
  contactTitle: 'Your account manager',
  contactText: 'Questions about this statement? Contact your account manager at {email}.',
  attachmentNote: 'Daily consumption is attached as {file}.',
  signOff: 'Kind regards,',
  footer: 'This email was sent automatically. Amounts in {currency}.',
  estimatedMark: '(est.)',
  colon: ':',
} as const satisfies Record<string, string>;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

const zhCN: Messages = {
  subject: '{period}电费账单 — {customer} — {total}',
  subjectCorrected: '更正：{period}电费账单（第{version}版，替代第{previous}版）— {customer} — {total}',
  headline: '{period}电费账单',
  correctionBanner: '更正账单（第{version}版）——替代第{previous}版',
  correctionNote: '本账单替代此前发送的同一账期账单，第{previous}版作废，请以本版为准。',
  greeting: '尊敬的{customer}：',
  intro: '现将贵单位{period}电费账单发送如下。',
  customerId: '户号',
  period: '账期',
  periodRange: '{from}至{to}',
  periodWithRange: '{period}（{range}）',
  tariff: '电价',
  issuedOn: '出账日期',
  version: '版本',
  totalDue: '应缴电费',
  dueDate: '缴费截止日',
  payBy: '请于{date}前缴清电费。',
  totalKwh: '总用电量',
  bandsTitle: '分时段用电量',
  bandSharp: '尖峰',
  bandPeak: '峰',
  bandFlat: '平',
  bandValley: '谷',
  share: '占比',
  demandTitle: '需量与功率因数',
  maxDemand: '最大需量',
  powerFactor: '功率因数',
  pfWithStandard: '{pf}（考核标准 {standard}）',
  pfAdjustment: '功率因数调整电费',
  pfAdjustmentValue: '基本电费与电度电费的 {percent}',
  pfNoData: '无法计算（缺少无功电量数据）',
  pfNotApplied: '未执行：缺少无功电量数据',
  pfNotApplicable: '本电价不执行功率因数调整',
  reactiveEnergy: '无功电量',
  chargesTitle: '电费明细',
  colItem: '项目',
  colQuantity: '数量',
  colUnit: '单位',
  colRate: '单价',
  colAmount: '金额',
  subPeriod: '{from}至{to}执行的电价版本',
  wholePeriod: '全月',
  total: '合计',
  chartTitle: '每日用电量（kWh）',
  chartMax: '日最高：{kwh} kWh',
  chartLegendMeasured: '实测',
  chartLegendEstimated: '含估算或缺失数据',
  chartDay: '{day}：{kwh} kWh',
  comparisonTitle: '环比与同比',
  thisPeriod: '本期',
  previousPeriod: '上期（环比）',
  sameLastYear: '去年同期（同比）',
  colPeriod: '账期',
  colKwh: '电量（kWh）',
  colChange: '变化',
  noData: '无数据',
  qualityTitle: '数据质量说明',
  qualityEstimated: '有 {count} 个时段的读数为估算值，本期按估算值计费。',
  qualityMissing: '有 {count} 个时段的读数缺失。',
  qualityMissingDays: '有 {days} 天完全没有数据。',
  qualityNoKvarh: '未收到无功电量数据，无法计算功率因数，本期未执行功率因数调整。',
  qualityFooter: '实际读数到达后，估算值将在后续账单中更正。',
  adviceTitle: '用能建议',
  segmentLine: '客户等级 {tier} · 负荷特征：{pattern} · 趋势：{trend}',
  patternContinuous: '连续生产',
  patternDayShift: '白班生产',
  patternEveningPeak: '晚高峰',
  patternNightShift: '夜班生产',
  patternWeekdayOnly: '仅工作日',
  patternIrregular: '不规则',
  trendGrowing: '增长',
  trendDeclining: '下降',
  trendVolatile: '波动',
  trendStable: '平稳',
  trendUnknown: '历史数据不足',
  peersTitle: '同类客户对比',
  peersIntro: '与 {count} 家同类客户的中位数相比：',
  avgDaily: '日均用电量',
  loadFactor: '负荷率',
  you: '贵单位',
  peerMedian: '同类中位数',
  contactTitle: '您的客户经理',
  contactText: '如对本账单有疑问，请联系您的客户经理：{email}。',
  attachmentNote: '每日用电数据见附件 {file}。',
  signOff: '顺颂商祺',
  footer: '本邮件由系统自动发送。金额单位：{currency}。',
  estimatedMark: '（估）',
  colon: '：',
};

export const MESSAGES: Record<Locale, Messages> = { en, 'zh-CN': zhCN };

const PLACEHOLDER = /\{([a-zA-Z]+)\}/g;

/** Placeholder names used in a message, sorted (both locales must use the same ones). */
export function placeholders(message: string): string[] {
  return [...message.matchAll(PLACEHOLDER)].map((m) => m[1]!).sort();
}

/** Plain-text message with its placeholders filled in (missing values throw: a label never shows "{x}"). */
export function t(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return MESSAGES[locale][key].replace(PLACEHOLDER, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`i18n ${locale}.${key}: no value for {${name}}`);
    return String(v);
  });
}

/** HTML message: the template text and string values are escaped, SafeHtml values are inserted as they are. */
export function tHtml(locale: Locale, key: MessageKey, vars: Record<string, HtmlValue> = {}): SafeHtml {
  const template = MESSAGES[locale][key];
  let out = '';
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!(name in vars)) throw new Error(`i18n ${locale}.${key}: no value for {${name}}`);
    out += escapeHtml(template.slice(last, m.index)) + html`${vars[name]}`.safeHtml;
    last = m.index + m[0].length;
  }
  return { safeHtml: out + escapeHtml(template.slice(last)) };
}
