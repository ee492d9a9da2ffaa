import { html, mailtoHref, trusted, type SafeHtml } from './escape.ts';
import { t, tHtml } from './i18n.ts';
import type { ChartDayView, StatementView } from './render-model.ts';

/**
 * The HTML body of a statement email, written for mail clients: table layout, inline styles only, no script, no SVG,
 * no external images, fonts or CSS. Every value from the view goes through `html`, which escapes it.
 */

const FONT = trusted(`Arial,Helvetica,'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC','Noto Sans SC',sans-serif`);
const BRAND = '#1f4e79';
const MUTED = '#6b7280';
const BORDER = '#e5e7eb';
const BAR = '#2563eb';
const BAR_FLAGGED = '#f59e0b';
/** Height of the tallest bar in the daily chart, in px; every bar is at least 2px so each day stays visible. */
const CHART_HEIGHT = 120;
const MIN_BAR = 2;

const TABLE = trusted('role="presentation" cellpadding="0" cellspacing="0" border="0"');
const TH = trusted(`style="padding:6px 8px;border-bottom:1px solid ${BORDER};font-size:12px;font-weight:bold;color:${MUTED};`);
const TD = trusted(`style="padding:6px 8px;border-bottom:1px solid ${BORDER};`);

function sectionTitle(text: string): SafeHtml {
  return html`<h2 style="margin:0 0 8px 0;font-size:16px;line-height:1.3;font-weight:bold;color:${BRAND};">${text}</h2>`;
}

function section(content: SafeHtml, extraStyle = ''): SafeHtml {
  return html`<tr><td style="padding:16px 24px;${extraStyle}">${content}</td></tr>\n`;
}

function figure(label: string, value: string, big = false, colspan = 1): SafeHtml {
  const size = big ? 'font-size:26px;line-height:1.2;' : 'font-size:17px;line-height:1.3;';
  return html`<td colspan="${colspan}" valign="top" style="padding:10px 12px;border:1px solid ${BORDER};background-color:#f9fafb;">
<div style="font-size:12px;color:${MUTED};">${label}</div>
<div style="${size}font-weight:bold;color:#111827;white-space:nowrap;">${value}</div></td>`;
}

function keyFigures(v: StatementView): SafeHtml {
  const l = v.locale;
  return html`<table ${TABLE} width="100%" style="border-collapse:collapse;">
<tr>${figure(t(l, 'totalDue'), v.total, true, 2)}${figure(t(l, 'dueDate'), v.dueDate)}</tr>
<tr>${figure(t(l, 'totalKwh'), v.totalKwh)}${figure(t(l, 'maxDemand'), v.maxDemand)}${figure(t(l, 'powerFactor'), v.powerFactor)}</tr>
</table>`;
}

function details(v: StatementView): SafeHtml {
  const l = v.locale;
  const rows: [string, string][] = [
    [t(l, 'customerId'), v.customerId],
    [t(l, 'period'), v.periodWithRange],
    [t(l, 'tariff'), v.tariffName],
    [t(l, 'issuedOn'), v.issuedOn],
    [t(l, 'version'), String(v.version)],
  ];
  return html`<table ${TABLE} width="100%" style="border-collapse:collapse;font-size:13px;">
${rows.map(([k, val]) => html`<tr><td width="35%" style="padding:3px 0;color:${MUTED};vertical-align:top;">${k}</td><td style="padding:3px 0;">${val}</td></tr>\n`)}</table>`;
}

function bands(v: StatementView): SafeHtml {
  const l = v.locale;
  return html`${sectionTitle(t(l, 'bandsTitle'))}
<table ${TABLE} width="100%" style="border-collapse:collapse;font-size:13px;">
<tr><th align="left" ${TH}"></th><th align="right" ${TH}">kWh</th><th align="right" ${TH}">${t(l, 'share')}</th></tr>
${v.bands.map((b) => html`<tr><td ${TD}">${b.label}</td><td align="right" ${TD}white-space:nowrap;">${b.kwh}</td><td align="right" ${TD}">${b.share}</td></tr>\n`)}<tr><td style="padding:6px 8px;font-weight:bold;">${t(l, 'total')}</td><td align="right" style="padding:6px 8px;font-weight:bold;white-space:nowrap;">${v.totalKwh}</td><td align="right" style="padding:6px 8px;font-weight:bold;">100.0%</td></tr>
</table>`;
}

function demand(v: StatementView): SafeHtml {
  const l = v.locale;
  const rows: [string, string][] = [
    [t(l, 'maxDemand'), v.maxDemand],
    [t(l, 'powerFactor'), v.powerFactor],
    ...(v.reactiveEnergy ? [[t(l, 'reactiveEnergy'), v.reactiveEnergy] as [string, string]] : []),
    [t(l, 'pfAdjustment'), v.pfAdjustment],
  ];
  return html`${sectionTitle(t(l, 'demandTitle'))}
<table ${TABLE} width="100%" style="border-collapse:collapse;font-size:13px;">
${rows.map(([k, val]) => html`<tr><td ${TD}color:${MUTED};vertical-align:top;">${k}</td><td ${TD}">${val}</td></tr>\n`)}</table>`;
}

function charges(v: StatementView): SafeHtml {
  const l = v.locale;
  return html`${sectionTitle(t(l, 'chargesTitle'))}
<table ${TABLE} width="100%" style="border-collapse:collapse;font-size:13px;">
<tr><th align="left" ${TH}">${t(l, 'colItem')}</th><th align="right" ${TH}">${t(l, 'colQuantity')}</th><th align="left" ${TH}">${t(l, 'colUnit')}</th><th align="right" ${TH}">${t(l, 'colRate')}</th><th align="right" ${TH}">${t(l, 'colAmount')}</th></tr>
${v.chargeGroups.map(
  (g) => html`${g.heading ? html`<tr><td colspan="5" style="padding:8px 8px 4px 8px;font-size:12px;font-weight:bold;color:${BRAND};background-color:#eef2f7;">${g.heading}</td></tr>\n` : ''}${g.lines.map(
    (line) => html`<tr data-line="${line.code}"><td ${TD}">${line.label}${line.detail ? html`<div style="font-size:11px;color:${MUTED};">${line.detail}</div>` : ''}</td><td align="right" ${TD}white-space:nowrap;">${line.quantity}</td><td ${TD}">${line.unit}</td><td align="right" ${TD}white-space:nowrap;">${line.rate}</td><td align="right" ${TD}white-space:nowrap;">${line.amount}</td></tr>\n`,
  )}`,
)}<tr><td colspan="4" style="padding:8px;font-weight:bold;font-size:14px;border-top:2px solid #111827;">${t(l, 'total')}</td><td align="right" style="padding:8px;font-weight:bold;font-size:14px;border-top:2px solid #111827;white-space:nowrap;">${v.total}</td></tr>
</table>`;
}

function bar(d: ChartDayView): SafeHtml {
  const h = Math.max(MIN_BAR, Math.round(d.ratio * CHART_HEIGHT));
  const color = d.flagged ? BAR_FLAGGED : BAR;
  // A fixed-height cell aligned to the bottom holds a one-cell table whose height and background colour are the bar.
  return html`<td valign="bottom" height="${CHART_HEIGHT}" style="height:${CHART_HEIGHT}px;vertical-align:bottom;padding:0 1px;border-bottom:1px solid #9ca3af;" title="${d.title}"><table ${TABLE} width="100%" style="border-collapse:collapse;"><tr><td data-day="${d.day}" data-kwh="${d.kwh}" height="${h}" bgcolor="${color}" style="height:${h}px;background-color:${color};font-size:1px;line-height:1px;mso-line-height-rule:exactly;">&nbsp;</td></tr></table></td>`;
}

function chart(v: StatementView): SafeHtml {
  const l = v.locale;
  const width = v.chart.days.length > 0 ? `${(100 / v.chart.days.length).toFixed(3)}%` : '100%';
  const legend = (color: string, label: string) =>
    html`<td width="10" height="10" bgcolor="${color}" style="width:10px;height:10px;background-color:${color};font-size:1px;line-height:1px;">&nbsp;</td><td style="padding:0 14px 0 5px;font-size:11px;color:${MUTED};">${label}</td>`;
  return html`<table ${TABLE} width="100%"><tr><td>${sectionTitle(t(l, 'chartTitle'))}</td><td align="right" valign="top" style="font-size:11px;color:${MUTED};white-space:nowrap;">${v.chart.max}</td></tr></table>
<table ${TABLE} width="100%" data-chart="daily-kwh" style="border-collapse:collapse;table-layout:fixed;">
<tr>${v.chart.days.map(bar)}</tr>
<tr>${v.chart.days.map((d) => html`<td width="${width}" align="center" style="padding:3px 0 0 0;font-size:9px;line-height:1;color:${d.weekend ? '#111827' : MUTED};${d.weekend ? 'font-weight:bold;' : ''}">${d.dayOfMonth}</td>`)}</tr>
</table>
<table ${TABLE} style="margin-top:8px;"><tr>${legend(BAR, t(l, 'chartLegendMeasured'))}${legend(BAR_FLAGGED, t(l, 'chartLegendEstimated'))}</tr></table>`;
}

function comparison(v: StatementView): SafeHtml {
  const l = v.locale;
  return html`${sectionTitle(t(l, 'comparisonTitle'))}
<table ${TABLE} width="100%" style="border-collapse:collapse;font-size:13px;">
<tr><th align="left" ${TH}"></th><th align="left" ${TH}">${t(l, 'colPeriod')}</th><th align="right" ${TH}">${t(l, 'colKwh')}</th><th align="right" ${TH}">${t(l, 'colChange')}</th><th align="right" ${TH}">${t(l, 'colAmount')}</th><th align="right" ${TH}">${t(l, 'colChange')}</th></tr>
${v.comparison.map(
  (r) => html`<tr><td ${TD}">${r.label}</td><td ${TD}white-space:nowrap;">${r.period}</td>${
    r.data
      ? html`<td align="right" ${TD}white-space:nowrap;">${r.data.kwh}</td><td align="right" ${TD}">${r.data.kwhChange}</td><td align="right" ${TD}white-space:nowrap;">${r.data.total}</td><td align="right" ${TD}">${r.data.totalChange}</td>`
      : html`<td colspan="4" align="center" ${TD}color:${MUTED};">${t(l, 'noData')}</td>`
  }</tr>\n`,
)}</table>`;
}

function expectedNext(next: NonNullable<StatementView['expectedNext']>): SafeHtml {
  return html`<div data-section="expected-next">${sectionTitle(next.title)}<p style="margin:0 0 4px 0;font-size:14px;">${next.line}</p><p style="margin:0;font-size:12px;color:${MUTED};">${next.note}</p></div>`;
}

function quality(v: StatementView): SafeHtml {
  return html`<table ${TABLE} width="100%" data-section="data-quality" style="border-collapse:collapse;"><tr><td style="padding:12px 14px;background-color:#fffbeb;border-left:4px solid ${BAR_FLAGGED};">
<div style="font-weight:bold;color:#92400e;margin-bottom:4px;">${t(v.locale, 'qualityTitle')}</div>
${v.quality.map((q) => html`<p style="margin:4px 0;font-size:13px;color:#78350f;">${q}</p>\n`)}</td></tr></table>`;
}

function advice(v: StatementView): SafeHtml {
  const l = v.locale;
  const seg = v.segment;
  const peers = v.peers;
  return html`${sectionTitle(t(l, 'adviceTitle'))}
${seg ? html`<p style="margin:0 0 6px 0;font-size:12px;color:${MUTED};">${seg.line}</p>
${seg.actions.length > 0 ? html`<ul style="margin:0 0 12px 0;padding-left:20px;font-size:13px;">${seg.actions.map((a) => html`<li style="margin:0 0 4px 0;">${a}</li>`)}</ul>` : ''}` : ''}
${peers ? html`<p style="margin:8px 0 6px 0;font-size:13px;font-weight:bold;">${t(l, 'peersTitle')}</p>
<p style="margin:0 0 6px 0;font-size:12px;color:${MUTED};">${peers.intro}</p>
<table ${TABLE} width="100%" style="border-collapse:collapse;font-size:13px;">
<tr><th align="left" ${TH}"></th><th align="right" ${TH}">${t(l, 'you')}</th><th align="right" ${TH}">${t(l, 'peerMedian')}</th><th align="right" ${TH}">${t(l, 'colChange')}</th></tr>
${peers.rows.map((r) => html`<tr><td ${TD}">${r.label}</td><td align="right" ${TD}white-space:nowrap;">${r.you}</td><td align="right" ${TD}white-space:nowrap;">${r.median}</td><td align="right" ${TD}">${r.diff}</td></tr>\n`)}</table>` : ''}`;
}

export function renderHtml(v: StatementView): string {
  const l = v.locale;
  const email = v.accountManagerEmail;
  const link = html`<a href="${mailtoHref(email)}" style="color:${BAR};">${email}</a>`;
  const preheader = `${t(l, 'totalDue')}: ${v.total} · ${t(l, 'dueDate')}: ${v.dueDate}`;
  const doc = html`<!DOCTYPE html>
<html lang="${l}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<title>${v.subject}</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${preheader}</div>
<table ${TABLE} width="100%" bgcolor="#f3f4f6" style="background-color:#f3f4f6;">
<tr><td align="center" style="padding:24px 8px;">
<table ${TABLE} width="640" bgcolor="#ffffff" style="width:100%;max-width:640px;background-color:#ffffff;border:1px solid ${BORDER};font-family:${FONT};font-size:14px;line-height:1.5;color:#1f2937;text-align:left;">
<tr><td bgcolor="${BRAND}" style="padding:18px 24px;background-color:${BRAND};color:#ffffff;">
<div style="font-size:12px;opacity:0.85;">${v.utilityName}</div>
<div style="font-size:22px;font-weight:bold;line-height:1.3;">${v.headline}</div>
<div style="font-size:14px;">${v.customerName}</div>
</td></tr>
${v.correction ? section(html`<div data-section="correction" style="font-weight:bold;color:#92400e;font-size:15px;">${v.correction.banner}</div><div style="font-size:13px;color:#78350f;">${v.correction.note}</div>`, 'background-color:#fef3c7;border-bottom:2px solid #f59e0b;') : ''}
${section(html`<p style="margin:0 0 6px 0;">${t(l, 'greeting', { customer: v.customerName })}</p><p style="margin:0 0 14px 0;">${t(l, 'intro', { period: v.period })}</p>${keyFigures(v)}<p style="margin:10px 0 12px 0;font-size:13px;">${t(l, 'payBy', { date: v.dueDate })}</p>${details(v)}`)}
${section(html`<table ${TABLE} width="100%"><tr><td width="48%" valign="top">${bands(v)}</td><td width="4%"></td><td width="48%" valign="top">${demand(v)}</td></tr></table>`)}
${section(charges(v))}
${section(chart(v))}
${section(comparison(v))}
${v.expectedNext ? section(expectedNext(v.expectedNext)) : ''}
${v.quality.length > 0 ? section(quality(v)) : ''}
${v.segment || v.peers ? section(advice(v)) : ''}
${section(html`${sectionTitle(t(l, 'contactTitle'))}<p style="margin:0 0 8px 0;">${tHtml(l, 'contactText', { email: link })}</p>
<p style="margin:0 0 12px 0;font-size:13px;color:${MUTED};">${t(l, 'attachmentNote', { file: v.attachmentName })}</p>
<p style="margin:0;">${t(l, 'signOff')}<br>${v.fromName ? html`${v.fromName}<br>` : ''}${v.utilityName}</p>`)}
<tr><td style="padding:12px 24px;border-top:1px solid ${BORDER};font-size:11px;color:${MUTED};">${t(l, 'footer', { currency: v.currency })}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
  return doc.safeHtml;
}
