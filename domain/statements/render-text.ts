import { t } from './i18n.ts';
import { displayWidth, padEndTo, padStartTo } from './render-format.ts';
import type { StatementView } from './render-model.ts';

/** The plain-text body: same content as the HTML, aligned columns (CJK counted as two columns), a text bar chart. */

const BAR_WIDTH = 40;

function heading(text: string): string[] {
  return ['', text, '-'.repeat(Math.max(displayWidth(text), 8))];
}

/** Columns padded to their widest cell; `right` lists right-aligned column indexes. */
function table(rows: string[][], right: number[], indent = ''): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(c))));
  return rows.map((r) =>
    (indent + r.map((c, i) => (right.includes(i) ? padStartTo(c, widths[i]!) : padEndTo(c, widths[i]!))).join('  ')).trimEnd(),
  );
}

function pairs(rows: [string, string][], colon: string): string[] {
  const w = Math.max(...rows.map(([k]) => displayWidth(k + colon)));
  return rows.map(([k, v]) => `${padEndTo(k + colon, w)}  ${v}`);
}

export function renderText(v: StatementView): string {
  const l = v.locale;
  const out: string[] = [];
  const title = `${v.headline} — ${v.customerName}`;
  out.push(v.utilityName, title, '='.repeat(Math.min(displayWidth(title), 72)));
  if (v.correction) out.push('', `*** ${v.correction.banner} ***`, v.correction.note);
  out.push('', t(l, 'greeting', { customer: v.customerName }), t(l, 'intro', { period: v.period }), '');
  out.push(
    ...pairs([
      [t(l, 'totalDue'), v.total],
      [t(l, 'dueDate'), v.dueDate],
      [t(l, 'totalKwh'), v.totalKwh],
      [t(l, 'maxDemand'), v.maxDemand],
      [t(l, 'powerFactor'), v.powerFactor],
      [t(l, 'customerId'), v.customerId],
      [t(l, 'period'), v.periodWithRange],
      [t(l, 'tariff'), v.tariffName],
      [t(l, 'issuedOn'), v.issuedOn],
      [t(l, 'version'), String(v.version)],
    ], t(l, 'colon')),
  );
  out.push('', t(l, 'payBy', { date: v.dueDate }));

  out.push(...heading(t(l, 'bandsTitle')));
  out.push(...table([['', 'kWh', t(l, 'share')], ...v.bands.map((b) => [b.label, b.kwh, b.share]), [t(l, 'total'), v.totalKwh, '100.0%']], [1, 2]));

  out.push(...heading(t(l, 'demandTitle')));
  out.push(
    ...pairs([
      [t(l, 'maxDemand'), v.maxDemand],
      [t(l, 'powerFactor'), v.powerFactor],
      ...(v.reactiveEnergy ? [[t(l, 'reactiveEnergy'), v.reactiveEnergy] as [string, string]] : []),
      [t(l, 'pfAdjustment'), v.pfAdjustment],
    ], t(l, 'colon')),
  );

  out.push(...heading(t(l, 'chargesTitle')));
  const rows: string[][] = [[t(l, 'colItem'), t(l, 'colQuantity'), t(l, 'colUnit'), t(l, 'colRate'), t(l, 'colAmount')]];
  const groupStarts = new Map<number, string>();
  for (const g of v.chargeGroups) {
    if (g.heading) groupStarts.set(rows.length, g.heading);
    for (const line of g.lines) rows.push([line.label, line.quantity, line.unit, line.rate, line.amount]);
  }
  const lines = table(rows, [1, 3, 4]);
  const width = Math.max(...lines.map(displayWidth));
  lines.forEach((line, i) => {
    const h = groupStarts.get(i);
    if (h) out.push(`[${h}]`);
    out.push(line);
  });
  out.push('-'.repeat(width), `${padEndTo(t(l, 'total'), width - displayWidth(v.total))}${v.total}`);
  const details = v.chargeGroups.flatMap((g) => g.lines).filter((line) => line.detail);
  if (details.length > 0) out.push('', ...details.map((line) => `  ${line.label}${t(l, 'colon')} ${line.detail}`));

  out.push(...heading(t(l, 'chartTitle')));
  out.push(v.chart.max);
  const kwhWidth = Math.max(0, ...v.chart.days.map((d) => d.kwh.length));
  for (const d of v.chart.days) {
    const n = d.ratio > 0 ? Math.max(1, Math.round(d.ratio * BAR_WIDTH)) : 0;
    out.push(`${d.day}  ${padEndTo('#'.repeat(n), BAR_WIDTH)}  ${padStartTo(d.kwh, kwhWidth)}${d.flagged ? ` ${t(l, 'estimatedMark')}` : ''}`);
  }

  out.push(...heading(t(l, 'comparisonTitle')));
  out.push(
    ...table(
      [
        ['', t(l, 'colPeriod'), t(l, 'colKwh'), t(l, 'colChange'), t(l, 'colAmount'), t(l, 'colChange')],
        ...v.comparison.map((r) =>
          r.data ? [r.label, r.period, r.data.kwh, r.data.kwhChange, r.data.total, r.data.totalChange] : [r.label, r.period, t(l, 'noData'), '', '', ''],
        ),
      ],
      [2, 3, 4, 5],
    ),
  );

  if (v.expectedNext) out.push(...heading(v.expectedNext.title), v.expectedNext.line, v.expectedNext.note);

  if (v.quality.length > 0) {
    out.push(...heading(t(l, 'qualityTitle')));
    out.push(...v.quality.map((q) => `* ${q}`));
  }

  if (v.segment || v.peers) {
    out.push(...heading(t(l, 'adviceTitle')));
    if (v.segment) out.push(v.segment.line, ...v.segment.actions.map((a) => `* ${a}`));
    if (v.peers) {
      out.push('', t(l, 'peersTitle'), v.peers.intro);
      out.push(...table([['', t(l, 'you'), t(l, 'peerMedian'), t(l, 'colChange')], ...v.peers.rows.map((r) => [r.label, r.you, r.median, r.diff])], [1, 2, 3], '  '));
    }
  }

  out.push(...heading(t(l, 'contactTitle')));
  out.push(t(l, 'contactText', { email: v.accountManagerEmail }), t(l, 'attachmentNote', { file: v.attachmentName }));
  out.push('', t(l, 'signOff'), ...(v.fromName ? [v.fromName] : []), v.utilityName, '', '--', t(l, 'footer', { currency: v.currency }), '');
  return out.join('\n');
}
