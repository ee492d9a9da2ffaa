import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFunctionLog, readInvocations, readLogs, readMetrics, type MetricPoint } from '../../../local/metrics-log.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/emf/', import.meta.url));
const T = (hms: string) => Date.parse(`2026-11-28T${hms}Z`);
const SERVICE = { service: 'KeyAccounts' };
const of = (points: MetricPoint[], name: string) => points.filter((p) => p.name === name);

describe('readMetrics', () => {
  const points = readMetrics(FIXTURES);

  it('reads one point per value, named after the log file, with unit, namespace and dimensions', () => {
    expect(of(points, 'FilesAccepted')).toEqual([
      { function: 'IngestReadings', namespace: 'KeyAccounts', name: 'FilesAccepted', timestamp: T('03:24:05.200'), value: 1, unit: 'Count', dimensions: SERVICE },
      { function: 'IngestReadings', namespace: 'KeyAccounts', name: 'FilesAccepted', timestamp: T('03:26:20.100'), value: 1, unit: 'Count', dimensions: SERVICE },
    ]);
    expect(of(points, 'RowsAccepted').map((p) => p.value)).toEqual([68, 40, 30]);
  });

  it('turns every element of an array value into a point of the line’s timestamp', () => {
    const billed = of(points, 'AmountBilled');
    expect(billed.map((p) => p.value)).toEqual([2236294, 3821698.16, 1128967.05, 302083.92]);
    expect(billed.map((p) => p.timestamp)).toEqual([T('03:25:30.100'), T('03:25:30.100'), T('03:25:30.100'), T('03:27:45.100')]);
    expect(billed.every((p) => p.unit === 'None' && p.function === 'SendStatement')).toBe(true);
    expect(of(points, 'StatementsSent')).toHaveLength(4);
    expect(of(points, 'NoticesFailed').map((p) => p.value)).toEqual([1, 1]);
  });

  it('keeps the extra dimension of a single metric (stage, tier, region)', () => {
    expect(of(points, 'NoticesSent').map((p) => p.dimensions)).toEqual([
      { service: 'KeyAccounts', stage: 'reminder' },
      { service: 'KeyAccounts', stage: 'formal' },
    ]);
    expect(of(points, 'CustomersByTier').map((p) => [p.dimensions.tier, p.value])).toEqual([
      ['A', 3],
      ['B', 12],
    ]);
    expect(of(points, 'KwhIngested').map((p) => [p.dimensions.region, p.value])).toEqual([
      ['north', 12500],
      ['south', 8000],
    ]);
  });

  it('skips noise: plain text, JSON that is neither, non-numeric values, a cut-off line; keeps other namespaces apart', () => {
    // FilesReceived: 1 + 1 + [1, 1] in KeyAccounts, the string value skipped, 100 under another namespace.
    const received = of(points, 'FilesReceived');
    expect(received.filter((p) => p.namespace === 'KeyAccounts').map((p) => p.value)).toEqual([1, 1, 1, 1]);
    expect(received.filter((p) => p.namespace !== 'KeyAccounts').map((p) => [p.namespace, p.value])).toEqual([['SomeoneElse', 100]]);
    const ingest = readInvocations(FIXTURES).find((f) => f.function === 'IngestReadings')!;
    // The plain-text warning, the JSON array, {"not":…} and the cut-off EMF line.
    expect(ingest.otherLines).toBe(4);
    expect(ingest.emfLines).toBe(9);
  });

  it('reads a missing directory as no points', () => {
    expect(readMetrics(join(FIXTURES, 'no-such-dir'))).toEqual([]);
  });

  it('makes one point per dimension set, drops a set whose dimension has no string value, and reads no dimensions', () => {
    const line = (dims: unknown, extra: Record<string, unknown>) =>
      JSON.stringify({ _aws: { Timestamp: 1000, CloudWatchMetrics: [{ Namespace: 'KeyAccounts', Dimensions: dims, Metrics: [{ Name: 'X' }] }] }, X: [2, 'x', 3], ...extra });
    const points: MetricPoint[] = [];
    readFunctionLog('F', [line([['service'], ['service', 'stage']], { service: 'S', stage: 'final' }), line([['service', 'tier']], { service: 'S', tier: 7 }), line([], {})].join('\r\n'), points);
    expect(points.map((p) => [p.value, p.unit, p.dimensions])).toEqual([
      [2, 'None', { service: 'S' }],
      [3, 'None', { service: 'S' }],
      [2, 'None', { service: 'S', stage: 'final' }],
      [3, 'None', { service: 'S', stage: 'final' }],
      [2, 'None', {}],
      [3, 'None', {}],
    ]);
  });
});

describe('readInvocations', () => {
  const byFn = Object.fromEntries(readInvocations(FIXTURES).map((f) => [f.function, f]));

  it('lists every log file, in name order, an empty one with zero counts', () => {
    expect(Object.keys(byFn)).toEqual(['IngestReadings', 'ScanArrears', 'SendNotice', 'SendStatement', 'SesFeedback']);
    expect(byFn.SesFeedback).toEqual({ function: 'SesFeedback', invocations: 0, errors: 0, failedInvocations: 0, coldStarts: 0, logLines: 0, emfLines: 0, otherLines: 0 });
  });

  it('counts distinct request ids as invocations and ERROR lines as errors', () => {
    expect(byFn.IngestReadings).toMatchObject({ invocations: 3, errors: 0, coldStarts: 1, logLines: 3 });
    expect(byFn.SendStatement).toMatchObject({ invocations: 3, errors: 1, failedInvocations: 1, logLines: 5, emfLines: 3 });
    // Two ERROR lines of one failed invocation.
    expect(byFn.SendNotice).toMatchObject({ invocations: 2, errors: 2, failedInvocations: 1, otherLines: 1 });
    expect(byFn.ScanArrears).toMatchObject({ invocations: 2, errors: 0, first: T('03:25:50.000'), last: T('03:27:30.100') });
  });

  it('gives the time range over log and EMF lines of all files', () => {
    const logs = readLogs(FIXTURES);
    expect(logs.range).toEqual({ from: T('03:24:05.100'), to: T('03:27:45.100') });
    expect(logs.functions).toHaveLength(5);
  });

  it('reads an empty directory as no functions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kam-emf-'));
    try {
      expect(readLogs(dir)).toEqual({ logDir: dir, functions: [], metrics: [], invocations: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
