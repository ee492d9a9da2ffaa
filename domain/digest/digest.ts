import type { Segment } from '../classification/classify.ts';
import type { Customer, Locale } from '../customers/customer-master.ts';
import { escapeHtml } from '../statements/escape.ts';
import type { RenderedEmail } from '../statements/statement.ts';
import { DATA_KINDS, type AnomalyKind, type Severity } from '../anomalies/anomaly.ts';
import { isForecast } from '../forecast/forecast.ts';
import type { CustomerInsights } from '../insights/insights.ts';
import { ANOMALY_KIND_KEY, SEVERITY_KEY, t } from '../statements/i18n.ts';
import { formatKwh, formatMoney, formatPeriod } from '../statements/render-format.ts';

export interface DigestInput {
  manager: string;
  weekStart: string;
  weekEnd: string;
  customers: {
    customer: Customer;
    segment?: Segment;
    /** Segment history entries with their as-of day, oldest first. */
    history: Segment[];
    /** Notices decided in the week. */
    notices: { stage: string; statementKey: string; decidedOn: string; amountDue: string; currency: string }[];
    /** The latest forecast and anomalies the ingest stored (issue 11), if any. */
    insights?: CustomerInsights;
  }[];
}

export interface Digest {
  manager: string;
  locale: Locale;
  moves: { customerId: string; name: string; from: string; to: string; asOf: string }[];
  declining: { customerId: string; name: string; change: number }[];
  notices: { customerId: string; name: string; stage: string; statementKey: string; decidedOn: string; amountDue: string; currency: string }[];
  actions: { customerId: string; name: string; actions: string[] }[];
  /** Next month's forecast per customer that has one (a customer with too little history is left out). */
  forecasts: { customerId: string; name: string; period: string; kwh: number; kwhLow: number; kwhHigh: number; bill?: { total: string; currency: string } }[];
  /** Anomalies whose days overlap the digest's week, newest first per customer; `data` ones concern the metering team. */
  anomalies: { customerId: string; name: string; kind: AnomalyKind; from: string; to: string; severity: Severity; evidence: string; ongoing: boolean; data: boolean }[];
}

const label = (s: Segment) => `${s.tier}/${s.pattern}/${s.trend}`;

/** What an account manager should know about the week, from the segments, their history and the notices. */
export function buildDigest(input: DigestInput): Digest {
  const zh = input.customers.filter((c) => c.customer.locale === 'zh-CN').length;
  const locale: Locale = zh * 2 >= input.customers.length ? 'zh-CN' : 'en';
  const digest: Digest = { manager: input.manager, locale, moves: [], declining: [], notices: [], actions: [], forecasts: [], anomalies: [] };
  for (const { customer, segment, history, notices, insights } of [...input.customers].sort((a, b) => (a.customer.customerId < b.customer.customerId ? -1 : 1))) {
    const name = customer.name;
    for (let i = 1; i < history.length; i++) {
      const prev = history[i - 1]!, next = history[i]!;
      if (next.asOf >= input.weekStart && next.asOf <= input.weekEnd && label(prev) !== label(next)) {
        digest.moves.push({ customerId: customer.customerId, name, from: label(prev), to: label(next), asOf: next.asOf });
      }
    }
    if (segment?.trend === 'declining' && segment.features.change !== null) {
      digest.declining.push({ customerId: customer.customerId, name, change: segment.features.change });
    }
    for (const n of notices) if (n.decidedOn >= input.weekStart && n.decidedOn <= input.weekEnd) digest.notices.push({ customerId: customer.customerId, name, ...n });
    if (segment?.actions.length) digest.actions.push({ customerId: customer.customerId, name, actions: segment.actions });
    const f = insights?.forecast;
    if (f && isForecast(f)) {
      digest.forecasts.push({ customerId: customer.customerId, name, period: f.period, kwh: f.kwh, kwhLow: f.kwhLow, kwhHigh: f.kwhHigh, ...(f.bill ? { bill: f.bill } : {}) });
    }
    const week = (insights?.anomalies ?? []).filter((a) => a.from <= input.weekEnd && a.to >= input.weekStart);
    week.sort((a, b) => (a.to !== b.to ? (a.to < b.to ? 1 : -1) : a.from < b.from ? 1 : a.from > b.from ? -1 : 0));
    for (const a of week) {
      digest.anomalies.push({ customerId: customer.customerId, name, kind: a.kind, from: a.from, to: a.to, severity: a.severity, evidence: a.evidence, ongoing: a.ongoing, data: DATA_KINDS.has(a.kind) });
    }
  }
  digest.declining.sort((a, b) => a.change - b.change);
  return digest;
}

const STAGE_ZH: Record<string, string> = { reminder: '缴费提醒', formal: '正式催缴', final: '最后通知', 'disconnection-request': '停电申请（待审批）' };

export function renderDigest(d: Digest, week: { start: string; end: string }): RenderedEmail {
  const zh = d.locale === 'zh-CN';
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const sections: { title: string; lines: string[] }[] = [
    { title: zh ? '客户分群变化' : 'Segment moves', lines: d.moves.map((m) => `${m.customerId} ${m.name}: ${m.from} → ${m.to} (${m.asOf})`) },
    { title: zh ? '用电下降的客户' : 'Declining consumers', lines: d.declining.map((x) => `${x.customerId} ${x.name}: ${pct(x.change)}`) },
    { title: zh ? '本周新增欠费通知' : 'New arrears stages this week', lines: d.notices.map((n) => `${n.customerId} ${n.name}: ${zh ? STAGE_ZH[n.stage] ?? n.stage : n.stage} ${n.statementKey} ${n.currency} ${n.amountDue} (${n.decidedOn})`) },
    { title: zh ? '建议行动' : 'Recommended actions', lines: d.actions.flatMap((a) => a.actions.map((t) => `${a.customerId} ${a.name}: ${t}`)) },
    { title: zh ? '下月用电预测' : 'Next month (forecast)', lines: d.forecasts.map((f) => forecastLine(f, d.locale)) },
    { title: zh ? '本周异常' : 'Anomalies this week', lines: d.anomalies.map((a) => anomalyLine(a, d.locale)) },
  ];
  const subject = zh ? `客户经理周报 ${week.start} 至 ${week.end}` : `Account manager digest ${week.start} to ${week.end}`;
  const none = zh ? '（无）' : '(none)';
  const text = [subject, ...sections.map((s) => `\n${s.title}\n${s.lines.length ? s.lines.map((l) => `- ${l}`).join('\n') : none}`)].join('\n');
  const html =
    `<!doctype html><html lang="${d.locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="font-family:Arial,'Microsoft YaHei',sans-serif;max-width:720px;color:#222"><h2>${escapeHtml(subject)}</h2>` +
    sections.map((s) => `<h3>${escapeHtml(s.title)}</h3>` + (s.lines.length ? `<ul>${s.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : `<p>${none}</p>`)).join('') +
    `</body></html>`;
  return { subject, html, text, attachments: [] };
}

function forecastLine(f: Digest['forecasts'][number], locale: Locale): string {
  const zh = locale === 'zh-CN';
  const range = zh
    ? `${formatKwh(f.kwh)} kWh（${formatKwh(f.kwhLow)}–${formatKwh(f.kwhHigh)}）`
    : `${formatKwh(f.kwh)} kWh (${formatKwh(f.kwhLow)}–${formatKwh(f.kwhHigh)})`;
  const bill = f.bill ? formatMoney(f.bill.total, f.bill.currency, locale) : null;
  return zh
    ? `${f.customerId} ${f.name}：${formatPeriod(f.period, locale)} 约 ${range}${bill ? `，电费约 ${bill}` : ''}`
    : `${f.customerId} ${f.name}: ${f.period} about ${range}${bill ? `, bill about ${bill}` : ''}`;
}

/** Kind in the digest's locale (the code beside it, as the console and `kam customer` show it), days, severity, evidence. */
function anomalyLine(a: Digest['anomalies'][number], locale: Locale): string {
  const zh = locale === 'zh-CN';
  const days = a.from === a.to ? a.from : zh ? `${a.from} 至 ${a.to}` : `${a.from} to ${a.to}`;
  const flags = [...(a.ongoing ? [t(locale, 'anomalyOngoing')] : []), ...(a.data ? [t(locale, 'anomalyMetering')] : [])];
  const note = flags.length ? (zh ? `（${flags.join('、')}）` : ` (${flags.join(', ')})`) : '';
  const kind = `${t(locale, ANOMALY_KIND_KEY[a.kind])} [${a.kind}]${note}`;
  const severity = t(locale, SEVERITY_KEY[a.severity]);
  return zh
    ? `${a.customerId} ${a.name}：${kind} ${days}，严重程度${severity} — ${a.evidence}`
    : `${a.customerId} ${a.name}: ${kind} ${days}, ${severity} — ${a.evidence}`;
}
