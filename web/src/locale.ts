import { ANOMALY_KIND_KEY, MESSAGES, SEVERITY_KEY, type MessageKey } from '../../domain/statements/i18n.ts';

/** The console speaks the emails' two locales, from the same catalogue (domain/statements/i18n.ts). */
export type Locale = 'zh-CN' | 'en';
const KEY = 'kam.locale';

export function currentLocale(): Locale {
  const saved = localStorage.getItem(KEY);
  if (saved === 'zh-CN' || saved === 'en') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function setLocale(locale: Locale): void {
  localStorage.setItem(KEY, locale);
  document.documentElement.lang = locale;
}

/** A message with its placeholders filled in (plain text: the DOM builder escapes it). */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return MESSAGES[currentLocale()][key].replace(/\{([a-zA-Z]+)\}/g, (_, n: string) => String(vars[n] ?? `{${n}}`));
}

const PATTERN: Record<string, MessageKey> = {
  continuous: 'patternContinuous', 'day-shift': 'patternDayShift', 'evening-peak': 'patternEveningPeak',
  'night-shift': 'patternNightShift', 'weekday-only': 'patternWeekdayOnly', irregular: 'patternIrregular',
};
const TREND: Record<string, MessageKey> = { growing: 'trendGrowing', declining: 'trendDeclining', volatile: 'trendVolatile', stable: 'trendStable', unknown: 'trendUnknown' };
const STAGE: Record<string, MessageKey> = { reminder: 'stageReminder', formal: 'stageFormal', final: 'stageFinal', 'disconnection-request': 'stageDisconnectionRequest' };
const ALERT: Record<string, MessageKey> = { demand: 'alertDemand', bill: 'alertBill' };
const ACTION: Record<string, MessageKey> = {
  'dedicated-manager': 'actionDedicatedManager', visit: 'actionVisit', 'review-contract-demand': 'actionReviewContractDemand',
  'valley-shifting': 'actionValleyShifting', 'reactive-compensation': 'actionReactiveCompensation', 'check-production-plans': 'actionCheckProductionPlans',
  'confirm-valley-tariff': 'actionConfirmValleyTariff', 'reliability-check': 'actionReliabilityCheck', 'meter-check': 'actionMeterCheck', 'review-capacity': 'actionReviewCapacity',
};

export const label = {
  pattern: (p: string | null) => (p && PATTERN[p] ? t(PATTERN[p]) : '—'),
  trend: (p: string | null) => (p && TREND[p] ? t(TREND[p]) : '—'),
  stage: (p: string | null) => (p && STAGE[p] ? t(STAGE[p]) : t('stageNone')),
  alert: (p: string) => (ALERT[p] ? t(ALERT[p]) : p),
  /** A playbook action by its code, in the current locale (the English text with its figures goes beside it). */
  action: (code: string, fallback: string) => (ACTION[code] ? t(ACTION[code]) : fallback),
  /** An anomaly kind (issue 11) in the current locale; an unknown kind as it is. */
  anomaly: (kind: string) => (kind in ANOMALY_KIND_KEY ? t(ANOMALY_KIND_KEY[kind as keyof typeof ANOMALY_KIND_KEY]) : kind),
  severity: (s: string) => (s in SEVERITY_KEY ? t(SEVERITY_KEY[s as keyof typeof SEVERITY_KEY]) : s),
};

export function formatNumber(v: number, digits = 0): string {
  return v.toLocaleString(currentLocale(), { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatMoney(amount: string, currency: string): string {
  return Number(amount).toLocaleString(currentLocale(), { style: 'currency', currency });
}
