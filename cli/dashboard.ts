// `kam dashboard`: the operators' dashboard (infra/dashboard-spec.ts, the same sections and widgets as the CloudWatch
// dashboard) drawn from the local functions' logs as ONE self-contained HTML page: inline CSS, inline SVG, no script,
// no external resource. Nothing is made up: a metric the logs do not carry (SQS and most Lambda platform metrics) is
// shown as "not recorded locally", a metric without points as "no data".
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NAMESPACE, WIDGETS, type WidgetSpec } from '../infra/dashboard-spec.ts';
import { readLogs, type InvocationStats, type LogRead, type MetricPoint } from '../local/metrics-log.ts';
import { fmtNumber, printJson } from './output.ts';

export const DEFAULT_LOG_DIR = '.kam/logs';
export const DEFAULT_OUT = '.kam/dashboard.html';

export type WidgetStatus = 'drawn' | 'no-data' | 'not-recorded-locally';

export interface WidgetSummary {
  id: string;
  section: WidgetSpec['section'];
  title: string;
  status: WidgetStatus;
  /** Labels of the series that have data (for the Lambda errors widget: invocations, errors). */
  series: string[];
  /** Metric points drawn (for the Lambda errors widget: functions with log lines). */
  points: number;
}

export interface DashboardResult {
  path: string;
  widgets: number;
  summary: WidgetSummary[];
  /** Bucket width of the time axis, ms. */
  periodMs: number;
  range?: { from: number; to: number };
}

export interface DashboardOptions {
  logDir: string;
  out: string;
  /** Bucket width in seconds (default 60); widened for long time ranges so an axis has at most 360 buckets. */
  periodSeconds?: number;
  /** The "generated at" time printed in the header (default now). */
  now?: Date;
}

/** Reads `<logDir>/*.log`, writes the page to `out` (directories created) and says what each widget shows. */
export function buildDashboard(opts: DashboardOptions): DashboardResult {
  const logDir = resolve(opts.logDir);
  const path = resolve(opts.out);
  const logs = readLogs(logDir);
  const periodMs = choosePeriod(logs.range, (opts.periodSeconds ?? 60) * 1000);
  const axis = logs.range ? makeAxis(logs.range, periodMs) : undefined;
  const models = WIDGETS.map((spec) => modelWidget(spec, logs, periodMs));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderPage(models, logs, axis, periodMs, opts.now ?? new Date()));
  return {
    path,
    widgets: models.length,
    summary: models.map((m) => ({
      id: m.spec.id,
      section: m.spec.section,
      title: m.spec.title,
      status: m.status,
      series: m.lambda ? ['invocations', 'errors'] : m.series.filter((s) => s.points > 0).map((s) => s.label),
      points: m.lambda ? m.lambda.filter((f) => f.logLines > 0).length : m.points,
    })),
    periodMs,
    ...(logs.range ? { range: logs.range } : {}),
  };
}

/** `kam dashboard [--log-dir DIR] [--out FILE] [--open] [--json]`; returns the exit code. */
export async function dashboardCommand(opts: { logDir?: string; out?: string; open?: boolean; json?: boolean; period?: number }): Promise<number> {
  const logDir = resolve(opts.logDir ?? DEFAULT_LOG_DIR);
  if (!existsSync(logDir) || !statSync(logDir).isDirectory()) {
    console.error(`kam: no function logs at ${logDir}: run \`kam local\` first, or pass --log-dir DIR`);
    return 1;
  }
  if (opts.period !== undefined && !(opts.period > 0)) {
    console.error('kam: --period must be a positive number of seconds');
    return 2;
  }
  const r = buildDashboard({ logDir, out: opts.out ?? DEFAULT_OUT, ...(opts.period ? { periodSeconds: opts.period } : {}) });
  if (opts.json) {
    printJson({ path: r.path, widgets: r.summary.map(({ id, title, status, series, points }) => ({ id, title, status, series, points })) });
  } else {
    const drawn = r.summary.filter((w) => w.status === 'drawn').length;
    const notLocal = r.summary.filter((w) => w.status === 'not-recorded-locally').length;
    console.log(`wrote ${r.path}`);
    console.log(`  ${r.widgets} widgets: ${drawn} with data, ${r.widgets - drawn - notLocal} without data, ${notLocal} not recorded locally`);
    console.log(`  from the function logs in ${logDir}${r.range ? `, ${fmtRange(r.range)}` : ' (no timestamped lines)'}`);
    if (!opts.open) console.log(`  open ${pathToFileURL(r.path).href}`);
  }
  if (opts.open) openInBrowser(r.path);
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Model: what each widget shows, from the spec and the logs.

interface Series {
  label: string;
  color: string;
  /** Bucket start (ms) → the widget's statistic over the points in the bucket. */
  buckets: Map<number, number>;
  points: number;
  /** Sum of all values (counts), last bucket's value and maximum (gauges). */
  total: number;
  last?: number;
  max?: number;
}

interface WidgetModel {
  spec: WidgetSpec;
  status: WidgetStatus;
  series: Series[];
  points: number;
  /** Shown under the title or instead of a chart. */
  note?: string;
  /** The Lambda errors widget: per-function counts from the Powertools log lines. */
  lambda?: InvocationStats[];
}

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#bab0ac'];
const MAX_BUCKETS = 360;
const PERIOD_LADDER_S = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 604_800];

function choosePeriod(range: LogRead['range'], wantedMs: number): number {
  if (!range) return wantedMs;
  const span = range.to - range.from;
  if (span / wantedMs < MAX_BUCKETS) return wantedMs;
  for (const s of PERIOD_LADDER_S) if (s * 1000 > wantedMs && span / (s * 1000) < MAX_BUCKETS) return s * 1000;
  return PERIOD_LADDER_S[PERIOD_LADDER_S.length - 1]! * 1000;
}

function modelWidget(spec: WidgetSpec, logs: LogRead, periodMs: number): WidgetModel {
  const refs = spec.metrics;
  if (refs.every((r) => r.kind === 'lambda')) return lambdaWidget(spec, logs);
  if (refs.every((r) => r.kind === 'queue')) return queueWidget(spec, logs.metrics, periodMs);
  return appWidget(spec, logs.metrics, periodMs);
}

function appWidget(spec: WidgetSpec, points: readonly MetricPoint[], periodMs: number): WidgetModel {
  const series: Series[] = [];
  const elsewhere: string[] = [];
  const apps = spec.metrics.filter((r) => r.kind === 'app');
  for (const ref of apps) {
    const named = points.filter((p) => p.namespace === NAMESPACE && p.name === ref.name);
    // As in CloudWatch, a metric is its name plus its exact dimension set: service, and the split dimension if any.
    const keys = ref.splitBy ? ['service', ref.splitBy.dimension] : ['service'];
    const matching = named.filter((p) => sameKeys(p.dimensions, keys));
    for (const p of named) {
      if (matching.includes(p)) continue;
      const dims = `${ref.name} [${Object.keys(p.dimensions).sort().join(', ')}]`;
      if (!elsewhere.includes(dims)) elsewhere.push(dims);
    }
    if (!ref.splitBy) {
      series.push(makeSeries(ref.name, matching, spec, periodMs));
      continue;
    }
    const dim = ref.splitBy.dimension;
    const found = [...new Set(matching.map((p) => p.dimensions[dim]!))].filter((v) => !ref.splitBy!.values.includes(v)).sort();
    for (const value of [...ref.splitBy.values, ...found]) {
      const label = apps.length > 1 ? `${ref.name} ${value}` : value;
      series.push(makeSeries(label, matching.filter((p) => p.dimensions[dim] === value), spec, periodMs));
    }
  }
  series.forEach((s, i) => (s.color = PALETTE[i % PALETTE.length]!));
  const n = series.reduce((a, s) => a + s.points, 0);
  const names = apps.map((r) => (r.splitBy ? `${r.name} by ${r.splitBy.dimension}` : r.name));
  const other = elsewhere.length ? ` Emitted with other dimensions (not on this widget): ${elsewhere.join('; ')}.` : '';
  if (n === 0) return { spec, status: 'no-data', series, points: 0, note: `No data in these logs for ${names.join(', ')}.${other}` };
  return { spec, status: 'drawn', series, points: n, ...(other ? { note: other.trim() } : {}) };
}

function queueWidget(spec: WidgetSpec, points: readonly MetricPoint[], periodMs: number): WidgetModel {
  const series: Series[] = [];
  for (const ref of spec.metrics) {
    if (ref.kind !== 'queue') continue;
    const matching = points.filter((p) => p.name === ref.metric && (p.dimensions.QueueName ?? '').includes(ref.queue));
    series.push(makeSeries(ref.queue, matching, spec, periodMs));
  }
  series.forEach((s, i) => (s.color = PALETTE[i % PALETTE.length]!));
  const n = series.reduce((a, s) => a + s.points, 0);
  const metric = spec.metrics[0]?.kind === 'queue' ? spec.metrics[0].metric : '';
  if (n === 0) {
    return {
      spec,
      status: 'not-recorded-locally',
      series,
      points: 0,
      note: `Not recorded locally: SQS publishes ${metric} to CloudWatch (namespace AWS/SQS); the function logs do not carry it. See this widget on the CloudWatch dashboard of a deployed stack.`,
    };
  }
  return { spec, status: 'drawn', series, points: n };
}

const LAMBDA_NOT_LOCAL: Record<string, string> = {
  Duration: 'Not drawn locally: the local runner writes a REPORT line per invocation (durationMs, maxMemoryUsedMB) into the function log, as Lambda does; this view does not chart it yet.',
  Throttles: 'Not recorded locally: Throttles is a Lambda platform metric; the local runner does not throttle or count throttles.',
  ConcurrentExecutions: 'Not recorded locally: ConcurrentExecutions is a Lambda platform metric the local runner does not measure.',
};

function lambdaWidget(spec: WidgetSpec, logs: LogRead): WidgetModel {
  const metric = spec.metrics[0]?.kind === 'lambda' ? spec.metrics[0].metric : 'Errors';
  if (metric !== 'Errors') return { spec, status: 'not-recorded-locally', series: [], points: 0, note: LAMBDA_NOT_LOCAL[metric]! };
  const fns = logs.invocations;
  const any = fns.some((f) => f.invocations > 0 || f.errors > 0);
  const note =
    'Locally: invocations = distinct request ids in the Powertools log lines (an invocation that logged nothing is not counted); errors = ERROR log lines.';
  if (!any) return { spec, status: 'no-data', series: [], points: 0, note: `No Powertools log lines with a request id in these logs. ${note}` };
  return { spec, status: 'drawn', series: [], points: fns.reduce((a, f) => a + f.logLines, 0), note, lambda: fns };
}

function makeSeries(label: string, points: readonly MetricPoint[], spec: WidgetSpec, periodMs: number): Series {
  const grouped = new Map<number, number[]>();
  for (const p of points) {
    const b = Math.floor(p.timestamp / periodMs) * periodMs;
    const list = grouped.get(b);
    if (list) list.push(p.value);
    else grouped.set(b, [p.value]);
  }
  const buckets = new Map<number, number>();
  for (const b of [...grouped.keys()].sort((x, y) => x - y)) buckets.set(b, statistic(spec.stat, grouped.get(b)!));
  const values = [...buckets.values()];
  return {
    label,
    color: PALETTE[0]!,
    buckets,
    points: points.length,
    total: points.reduce((a, p) => a + p.value, 0),
    ...(values.length ? { last: values[values.length - 1]!, max: Math.max(...values) } : {}),
  };
}

function statistic(stat: WidgetSpec['stat'], values: readonly number[]): number {
  switch (stat) {
    case 'Sum':
      return values.reduce((a, v) => a + v, 0);
    case 'Maximum':
      return Math.max(...values);
    case 'Average':
      return values.reduce((a, v) => a + v, 0) / values.length;
    case 'p95': {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)]!;
    }
  }
}

function sameKeys(dims: Record<string, string>, keys: readonly string[]): boolean {
  const own = Object.keys(dims);
  return own.length === keys.length && keys.every((k) => k in dims);
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering.

interface Axis {
  start: number;
  periodMs: number;
  n: number;
  /** Whether the range lies within one UTC day (labels without the date). */
  oneDay: boolean;
}

function makeAxis(range: { from: number; to: number }, periodMs: number): Axis {
  const start = Math.floor(range.from / periodMs) * periodMs;
  const end = Math.floor(range.to / periodMs) * periodMs;
  return { start, periodMs, n: Math.round((end - start) / periodMs) + 1, oneDay: iso(range.from).slice(0, 10) === iso(range.to).slice(0, 10) };
}

const W = 560;
const H = 210;
const M = { left: 50, right: 14, top: 12, bottom: 26 };

function renderPage(models: WidgetModel[], logs: LogRead, axis: Axis | undefined, periodMs: number, now: Date): string {
  const sections: string[] = [];
  for (const name of [...new Set(models.map((m) => m.spec.section))]) {
    const widgets = models.filter((m) => m.spec.section === name).map((m) => renderWidget(m, axis, periodMs));
    sections.push(`<section data-section="${esc(name)}"><h2>${esc(name)}</h2><div class="grid">${widgets.join('\n')}</div></section>`);
  }
  const drawn = models.filter((m) => m.status === 'drawn').length;
  const emf = logs.invocations.reduce((a, f) => a + f.emfLines, 0);
  const meta = [
    ['Log directory', `<code>${esc(logs.logDir)}</code>`],
    ['Time range', logs.range ? esc(fmtRange(logs.range)) : 'no timestamped lines'],
    ['Functions', logs.functions.length ? esc(logs.functions.join(', ')) : 'no *.log files'],
    ['Read', `${fmtNumber(emf)} EMF lines → ${fmtNumber(logs.metrics.length)} metric points; ${fmtNumber(logs.invocations.reduce((a, f) => a + f.logLines, 0))} log lines`],
    ['Time axis', `${fmtPeriod(periodMs)} buckets, UTC`],
    ['Widgets', `${drawn} of ${models.length} with data`],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Key accounts — operations dashboard (local)</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Key accounts — operations dashboard <span class="tag">local logs</span></h1>
<dl class="meta">${meta.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
<p class="gen">Generated ${esc(fmtTime(now.getTime(), false))} UTC from the functions' EMF metrics and Powertools logs; the same sections and widgets as the CloudWatch dashboard. Hover a mark for its value.</p>
</header>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
}

function renderWidget(m: WidgetModel, axis: Axis | undefined, periodMs: number): string {
  const sub =
    m.spec.metrics[0]?.kind === 'lambda'
      ? m.spec.metrics[0].metric === 'Errors'
        ? 'per function, whole time range'
        : `${m.spec.stat}, per function`
      : `${m.spec.stat} per ${fmtPeriod(periodMs)}${m.spec.kind === 'gauge' ? ' · levels: the last value is the current one' : ''}`;
  let body: string;
  if (m.status !== 'drawn' || !axis) {
    body = `<div class="nodata ${m.status}"><strong>${m.status === 'not-recorded-locally' ? 'Not recorded locally' : 'No data'}</strong><span>${esc(
      (m.note ?? '').replace(/^Not recorded locally: /, ''),
    )}</span></div>`;
    if (m.status === 'no-data' && m.series.length) body += legend(m, true);
  } else if (m.lambda) {
    body = lambdaChart(m.lambda) + lambdaTable(m.lambda) + `<p class="note">${esc(m.note ?? '')}</p>`;
  } else {
    body = timeChart(m, axis) + legend(m, false) + (m.note ? `<p class="note">${esc(m.note)}</p>` : '');
  }
  return `<article class="widget" data-widget="${esc(m.spec.id)}" data-status="${m.status}"><h3>${esc(m.spec.title)}</h3><p class="sub">${esc(sub)}</p>${body}</article>`;
}

function legend(m: WidgetModel, empty: boolean): string {
  const items = m.series.map((s) => {
    if (s.points === 0) return `<li class="none"><i style="background:${s.color}"></i>${esc(s.label)} <span>no data</span></li>`;
    const figure =
      m.spec.kind === 'count'
        ? `total ${fmtNumber(s.total)}`
        : `last ${fmtNumber(s.last ?? 0)}${s.max !== undefined && s.max !== s.last ? `, max ${fmtNumber(s.max)}` : ''}`;
    return `<li><i style="background:${s.color}"></i>${esc(s.label)} <b>${figure}</b></li>`;
  });
  return `<ul class="legend${empty ? ' muted' : ''}">${items.join('')}</ul>`;
}

function timeChart(m: WidgetModel, axis: Axis): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const slot = pw / axis.n;
  const xAt = (i: number) => M.left + (i + 0.5) * slot;
  const idx = (bucket: number) => Math.round((bucket - axis.start) / axis.periodMs);
  const drawn = m.series.filter((s) => s.points > 0);
  const count = m.spec.kind === 'count';
  // Counts: a bucket without points is 0 (nothing happened); levels: a bucket without points has no value.
  const valuesOf = (s: Series): (number | undefined)[] => {
    const v: (number | undefined)[] = Array.from({ length: axis.n }, () => (count ? 0 : undefined));
    for (const [b, value] of s.buckets) v[idx(b)] = value;
    return v;
  };
  const all = drawn.flatMap((s) => [...s.buckets.values()]);
  const ticks = niceTicks(Math.min(0, ...all), Math.max(0, ...all), all.every(Number.isInteger));
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const yAt = (v: number) => M.top + ph - ((v - lo) / (hi - lo)) * ph;
  const parts: string[] = [];
  for (const t of ticks) {
    const y = r1(yAt(t));
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}"/><text class="ylab" x="${M.left - 6}" y="${y + 4}">${esc(compact(t))}</text>`);
  }
  const every = Math.max(1, Math.ceil(axis.n / 6));
  for (let i = 0; i < axis.n; i += every) {
    parts.push(`<text class="xlab" x="${r1(xAt(i))}" y="${H - 8}">${esc(fmtTime(axis.start + i * axis.periodMs, axis.oneDay, axis.periodMs < 60_000))}</text>`);
  }
  parts.push(`<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${r1(yAt(Math.max(lo, 0)))}" y2="${r1(yAt(Math.max(lo, 0)))}"/>`);
  const tip = (s: Series, i: number, v: number) => `<title>${esc(`${s.label} · ${fmtTime(axis.start + i * axis.periodMs, axis.oneDay, axis.periodMs < 60_000)} UTC: ${fmtNumber(v)}`)}</title>`;
  if (count && axis.n <= 48) {
    // Grouped bars: one slot per bucket, one bar per series with data.
    const group = slot * 0.8;
    const bw = group / drawn.length;
    const base = yAt(0);
    drawn.forEach((s, k) => {
      valuesOf(s).forEach((v, i) => {
        if (!v) return;
        const x = M.left + i * slot + (slot - group) / 2 + k * bw;
        const y = Math.min(yAt(v), base);
        const h = Math.max(1, Math.abs(base - yAt(v)));
        parts.push(`<rect class="mark" data-series="${esc(s.label)}" x="${r1(x)}" y="${r1(y)}" width="${r1(Math.max(1, bw - 1))}" height="${r1(h)}" fill="${s.color}">${tip(s, i, v)}</rect>`);
      });
    });
  } else {
    for (const s of drawn) {
      const vals = valuesOf(s);
      const pts = vals.flatMap((v, i) => (v === undefined ? [] : [[i, v] as const]));
      if (pts.length > 1) {
        const d = pts.map(([i, v], j) => `${j ? 'L' : 'M'}${r1(xAt(i))} ${r1(yAt(v))}`).join('');
        parts.push(`<path class="mark" data-series="${esc(s.label)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"/>`);
      }
      // Dots where there are points (all of them when they are few).
      const dots = pts.filter(([i]) => s.buckets.has(axis.start + i * axis.periodMs));
      if (dots.length <= 120 || pts.length === 1) {
        for (const [i, v] of dots) {
          parts.push(`<circle class="mark" data-series="${esc(s.label)}" cx="${r1(xAt(i))}" cy="${r1(yAt(v))}" r="3.5" fill="${s.color}">${tip(s, i, v)}</circle>`);
        }
      }
    }
  }
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(m.spec.title)}">${parts.join('')}</svg>`;
}

function lambdaChart(fns: readonly InvocationStats[]): string {
  const row = 30;
  const left = 118;
  const right = 44;
  const top = 6;
  const h = top + fns.length * row + 22;
  const pw = W - left - right;
  const ticks = niceTicks(0, Math.max(1, ...fns.map((f) => Math.max(f.invocations, f.errors))), true);
  const hi = ticks[ticks.length - 1]!;
  const xAt = (v: number) => left + (v / hi) * pw;
  const parts: string[] = [];
  for (const t of ticks) {
    const x = r1(xAt(t));
    parts.push(`<line class="grid" x1="${x}" x2="${x}" y1="${top}" y2="${h - 20}"/><text class="xlab" x="${x}" y="${h - 6}">${esc(compact(t))}</text>`);
  }
  fns.forEach((f, k) => {
    const y = top + k * row;
    parts.push(`<text class="flab" x="${left - 8}" y="${y + 18}">${esc(f.function)}</text>`);
    const bars: [string, number, string, number][] = [
      ['invocations', f.invocations, PALETTE[0]!, y + 4],
      ['errors', f.errors, PALETTE[2]!, y + 16],
    ];
    for (const [label, v, color, by] of bars) {
      if (v > 0) {
        parts.push(`<rect class="mark" data-series="${label}" x="${left}" y="${by}" width="${r1(Math.max(1, xAt(v) - left))}" height="10" fill="${color}"><title>${esc(`${f.function}: ${fmtNumber(v)} ${label}`)}</title></rect>`);
      }
      parts.push(`<text class="vlab" x="${r1(xAt(v) + 4)}" y="${by + 9}">${fmtNumber(v)}</text>`);
    }
  });
  parts.push(`<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${h - 20}"/>`);
  const key = `<ul class="legend"><li><i style="background:${PALETTE[0]}"></i>invocations</li><li><i style="background:${PALETTE[2]}"></i>errors (ERROR log lines)</li></ul>`;
  return `<svg class="chart" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="Invocations and errors per function">${parts.join('')}</svg>${key}`;
}

function lambdaTable(fns: readonly InvocationStats[]): string {
  const rows = fns
    .map((f) => `<tr><td>${esc(f.function)}</td><td>${fmtNumber(f.invocations)}</td><td>${fmtNumber(f.failedInvocations)}</td><td>${fmtNumber(f.errors)}</td><td>${f.last !== undefined ? esc(fmtTime(f.last, false)) : '—'}</td></tr>`)
    .join('');
  return `<table class="mini"><thead><tr><th>function</th><th>invocations</th><th>with errors</th><th>ERROR lines</th><th>last line (UTC)</th></tr></thead><tbody>${rows}</tbody></table>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting helpers.

/** About four steps of 1, 2, 2.5 or 5 × 10^k from min to max; whole steps when the values are whole numbers. */
function niceTicks(min: number, max: number, whole = false): number[] {
  if (max <= min) max = min + 1;
  const raw = (max - min) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw)!;
  if (whole) step = step < 1 ? 1 : step === 2.5 ? 2 : step;
  const lo = Math.floor(min / step) * step;
  const out: number[] = [];
  for (let v = lo; v < max + step - step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const COMPACT = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });
function compact(v: number): string {
  return COMPACT.format(v);
}

function r1(v: number): number {
  return Math.round(v * 10) / 10;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function fmtTime(t: number, timeOnly: boolean, seconds = false): string {
  const s = iso(t);
  const time = s.slice(11, seconds ? 19 : 16);
  return timeOnly ? time : `${s.slice(0, 10)} ${time}`;
}

function fmtRange(r: { from: number; to: number }): string {
  const from = iso(r.from).replace('T', ' ').slice(0, 19);
  const to = iso(r.to).replace('T', ' ').slice(0, 19);
  const sameDay = from.slice(0, 10) === to.slice(0, 10);
  return `${from} → ${sameDay ? to.slice(11) : to} UTC (${fmtDuration(r.to - r.from)})`;
}

function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

function fmtPeriod(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${s / 60} min`;
  if (s < 86_400) return `${s / 3600} h`;
  return `${s / 86_400} d`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function openInBrowser(path: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [path]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', path]] : ['xdg-open', [path]];
  const child = spawn(cmd as string, args as string[], { detached: true, stdio: 'ignore' });
  child.on('error', () => console.error(`kam: could not start a browser (${cmd}); open ${pathToFileURL(path).href}`));
  child.unref();
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f3f4f7;color:#1c2230;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif}
header{background:#1c2433;color:#fff;padding:18px 28px 14px}
h1{font-size:21px;margin:0 0 10px;font-weight:600}
.tag{font-size:12px;font-weight:500;background:#3b4a66;border-radius:10px;padding:2px 9px;vertical-align:middle;margin-left:6px}
.meta{display:flex;flex-wrap:wrap;gap:6px 28px;margin:0}
.meta div{min-width:0}
.meta dt{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:#9aa7bf}
.meta dd{margin:0;color:#eef1f7;overflow-wrap:anywhere}
.meta code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.gen{margin:10px 0 0;font-size:12px;color:#9aa7bf}
main{padding:6px 28px 28px}
h2{font-size:17px;margin:22px 0 10px;padding-bottom:4px;border-bottom:2px solid #d5dae3}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:14px}
.widget{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:12px 14px 10px;min-width:0}
h3{font-size:15px;margin:0;font-weight:600}
.sub{margin:0 0 6px;font-size:12px;color:#667085}
svg.chart{display:block;width:100%;height:auto;overflow:visible}
svg .grid{stroke:#e8ebf0;stroke-width:1}
svg .axis{stroke:#98a2b3;stroke-width:1}
svg text{font-size:11px;fill:#475467;font-family:inherit}
svg .ylab{text-anchor:end}
svg .xlab{text-anchor:middle}
svg .flab{text-anchor:end;font-size:12px;fill:#1c2230}
svg .vlab{font-size:11px;fill:#344054}
.legend{display:flex;flex-wrap:wrap;gap:3px 16px;list-style:none;margin:6px 0 0;padding:0;font-size:12.5px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.legend b{font-weight:600}
.legend .none{color:#98a2b3}
.legend .none i{opacity:.35}
.legend.muted{opacity:.85}
.nodata{display:flex;flex-direction:column;justify-content:center;gap:4px;min-height:120px;padding:14px 18px;border-radius:6px;background:#f6f7f9;border:1px dashed #cfd5df;color:#475467;font-size:13px}
.nodata strong{font-size:14px;color:#344054}
.nodata.not-recorded-locally{background:#f5f7fb}
.note{margin:6px 0 0;font-size:12px;color:#667085}
table.mini{border-collapse:collapse;width:100%;margin-top:8px;font-size:12px}
table.mini th,table.mini td{padding:3px 6px;border-bottom:1px solid #eceff3;text-align:right;white-space:nowrap}
table.mini th{color:#667085;font-weight:500}
table.mini th:first-child,table.mini td:first-child{text-align:left}
`;
