// Reads the local functions' logs (`<logDir>/<FunctionLogicalId>.log`, one line per write, JSON or not) back into
// metric points and per-function invocation counts: what CloudWatch would extract from the same lines in AWS.
//
// - EMF lines (CloudWatch embedded metric format, as Powertools Metrics prints them): one point per value (an array
//   value is one point per element) per dimension set of the directive.
// - Powertools Logger lines (level, message, timestamp, function_request_id, cold_start, …): invocations are the
//   distinct request ids, errors the ERROR (and CRITICAL) lines.
// Anything else (plain-text warnings, stack traces, a line cut off when a process was killed) is skipped.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface MetricPoint {
  /** The function whose log the point came from (the log file's stem: its logical id). */
  function: string;
  namespace: string;
  name: string;
  /** Epoch milliseconds (the EMF `_aws.Timestamp`). */
  timestamp: number;
  value: number;
  /** The EMF unit (Count, None, Milliseconds, …); 'None' when the directive gives none. */
  unit: string;
  /** The dimension set's names with their values, e.g. { service: 'KeyAccounts', stage: 'reminder' }. */
  dimensions: Record<string, string>;
}

export interface InvocationStats {
  function: string;
  /** Distinct `function_request_id`s in the function's log lines: invocations that logged nothing are not counted. */
  invocations: number;
  /** Log lines at level ERROR or CRITICAL. */
  errors: number;
  /** Distinct request ids with at least one ERROR/CRITICAL line. */
  failedInvocations: number;
  /** Distinct request ids logged with `cold_start: true`. */
  coldStarts: number;
  /** Powertools log lines (JSON with a `level`). */
  logLines: number;
  /** EMF lines. */
  emfLines: number;
  /** Lines that are neither (plain-text output, stack traces, cut-off lines). */
  otherLines: number;
  /** Earliest and latest timestamp of the function's log and EMF lines (epoch ms), when it has any. */
  first?: number;
  last?: number;
}

export interface LogRead {
  logDir: string;
  /** The `*.log` files read, by function, in name order. */
  functions: string[];
  metrics: MetricPoint[];
  invocations: InvocationStats[];
  /** Earliest and latest timestamp seen in any file (epoch ms), when there is any. */
  range?: { from: number; to: number };
}

/** Every EMF metric point in `<logDir>/*.log`, in file then line order. A missing directory reads as no points. */
export function readMetrics(logDir: string): MetricPoint[] {
  return readLogs(logDir).metrics;
}

/** Per-function invocation and error counts from the Powertools log lines of `<logDir>/*.log`. */
export function readInvocations(logDir: string): InvocationStats[] {
  return readLogs(logDir).invocations;
}

/** Both in one pass over the files. */
export function readLogs(logDir: string): LogRead {
  const out: LogRead = { logDir, functions: [], metrics: [], invocations: [] };
  if (!existsSync(logDir) || !statSync(logDir).isDirectory()) return out;
  const files = readdirSync(logDir)
    .filter((n) => n.endsWith('.log') && statSync(join(logDir, n)).isFile())
    .sort();
  for (const file of files) {
    const fn = basename(file, '.log');
    const stats = readFunctionLog(fn, readFileSync(join(logDir, file), 'utf8'), out.metrics);
    out.functions.push(fn);
    out.invocations.push(stats);
    if (stats.first !== undefined && stats.last !== undefined) {
      out.range = out.range
        ? { from: Math.min(out.range.from, stats.first), to: Math.max(out.range.to, stats.last) }
        : { from: stats.first, to: stats.last };
    }
  }
  return out;
}

/** Parses one function's log text, appending its metric points to `points`; returns its invocation stats. */
export function readFunctionLog(fn: string, text: string, points: MetricPoint[] = []): InvocationStats {
  const stats: InvocationStats = { function: fn, invocations: 0, errors: 0, failedInvocations: 0, coldStarts: 0, logLines: 0, emfLines: 0, otherLines: 0 };
  const requests = new Set<string>();
  const failed = new Set<string>();
  const cold = new Set<string>();
  const seen = (t: number) => {
    if (!Number.isFinite(t)) return;
    if (stats.first === undefined || t < stats.first) stats.first = t;
    if (stats.last === undefined || t > stats.last) stats.last = t;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const obj = parseObject(line);
    if (!obj) {
      stats.otherLines++;
      continue;
    }
    const emf = parseEmf(fn, obj);
    if (emf) {
      stats.emfLines++;
      seen(emf.timestamp);
      points.push(...emf.points);
      continue;
    }
    if (typeof obj.level !== 'string') {
      stats.otherLines++;
      continue;
    }
    stats.logLines++;
    if (typeof obj.timestamp === 'string') seen(Date.parse(obj.timestamp));
    else if (typeof obj.timestamp === 'number') seen(obj.timestamp);
    const req = typeof obj.function_request_id === 'string' && obj.function_request_id ? obj.function_request_id : undefined;
    if (req) {
      requests.add(req);
      if (obj.cold_start === true) cold.add(req);
    }
    const level = obj.level.toUpperCase();
    if (level === 'ERROR' || level === 'CRITICAL') {
      stats.errors++;
      if (req) failed.add(req);
    }
  }
  stats.invocations = requests.size;
  stats.failedInvocations = failed.size;
  stats.coldStarts = cold.size;
  return stats;
}

/**
 * The points of one EMF document, or undefined when `obj` is not one. A directive or dimension set that breaks the
 * format (no namespace, a dimension without a string value) is skipped as CloudWatch would reject it; non-numeric
 * values are skipped.
 */
export function parseEmf(fn: string, obj: Record<string, unknown>): { timestamp: number; points: MetricPoint[] } | undefined {
  const aws = obj._aws;
  if (!isObject(aws) || !Array.isArray(aws.CloudWatchMetrics)) return undefined;
  const timestamp = aws.Timestamp;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return undefined;
  const points: MetricPoint[] = [];
  for (const directive of aws.CloudWatchMetrics) {
    if (!isObject(directive) || typeof directive.Namespace !== 'string' || !Array.isArray(directive.Metrics)) continue;
    const dimSets: Record<string, string>[] = [];
    const rawSets = Array.isArray(directive.Dimensions) ? directive.Dimensions : [];
    for (const set of rawSets) {
      if (!Array.isArray(set)) continue;
      const dims: Record<string, string> = {};
      let ok = true;
      for (const key of set) {
        const v = typeof key === 'string' ? obj[key] : undefined;
        if (typeof v !== 'string') {
          ok = false;
          break;
        }
        dims[key as string] = v;
      }
      if (ok) dimSets.push(dims);
    }
    // No dimension sets at all: the metric is recorded without dimensions.
    if (rawSets.length === 0) dimSets.push({});
    for (const m of directive.Metrics) {
      if (!isObject(m) || typeof m.Name !== 'string') continue;
      const unit = typeof m.Unit === 'string' && m.Unit ? m.Unit : 'None';
      const raw = obj[m.Name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      for (const dimensions of dimSets) {
        for (const value of values) {
          points.push({ function: fn, namespace: directive.Namespace, name: m.Name, timestamp, value, unit, dimensions: { ...dimensions } });
        }
      }
    }
  }
  return { timestamp, points };
}

function parseObject(line: string): Record<string, unknown> | undefined {
  if (line[0] !== '{') return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
