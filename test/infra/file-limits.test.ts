import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readAppConfig } from '../../infra/config.ts';
import { fnProps, synthCustomAndDefaults } from './template-helpers.ts';

const synth = synthCustomAndDefaults('file-limits', { fileLimits: { maxObjectBytes: 8 * 1024 ** 3, maxCompressionRatio: 500, fanOutBytes: 128 * 1024 ** 2 }, applyMultiplier: true, frozenReadingAt: 'day-end', anomalySettings: { levelChange: 0.25 }, forecastSettings: { coverage: 0.9 } });

describe('file limits are deployment settings', () => {
  it('reach IngestReadings as environment variables only where they differ from the defaults', () => {
    const custom = fnProps(synth.custom, 'IngestReadings').Environment.Variables;
    expect(custom).toMatchObject({ MAX_OBJECT_BYTES: String(8 * 1024 ** 3), MAX_COMPRESSION_RATIO: '500' });
    expect(custom.MAX_LINE_LENGTH).toBeUndefined();
    // The fan-out's workers read the same limits: a range is validated as the whole file would be.
    expect(fnProps(synth.custom, 'IngestChunks').Environment.Variables).toMatchObject({ MAX_OBJECT_BYTES: String(8 * 1024 ** 3), FAN_OUT_BYTES: String(128 * 1024 ** 2) });
    const defaults = fnProps(synth.defaults, 'IngestReadings').Environment.Variables;
    for (const name of ['MAX_OBJECT_BYTES', 'MAX_LINE_LENGTH', 'MAX_DECOMPRESSED_BYTES', 'MAX_COMPRESSION_RATIO']) expect(defaults[name]).toBeUndefined();
  });

  it('applyMultiplier reaches IngestReadings as APPLY_MULTIPLIER only when on, and is read from CDK context', () => {
    expect(fnProps(synth.custom, 'IngestReadings').Environment.Variables.APPLY_MULTIPLIER).toBe('true');
    expect(fnProps(synth.defaults, 'IngestReadings').Environment.Variables.APPLY_MULTIPLIER).toBeUndefined();
    expect(readAppConfig(new App({ context: { applyMultiplier: 'true' } })).applyMultiplier).toBe(true);
    expect(readAppConfig(new App({ context: { applyMultiplier: 'false' } })).applyMultiplier).toBeUndefined();
    expect(() => readAppConfig(new App({ context: { applyMultiplier: 'maybe' } }))).toThrow('applyMultiplier must be true or false, got maybe');
  });

  it('frozenReadingAt reaches IngestReadings and IngestChunks as FROZEN_READING_AT only when day-end', () => {
    expect(fnProps(synth.custom, 'IngestReadings').Environment.Variables.FROZEN_READING_AT).toBe('day-end');
    expect(fnProps(synth.custom, 'IngestChunks').Environment.Variables.FROZEN_READING_AT).toBe('day-end');
    expect(fnProps(synth.defaults, 'IngestReadings').Environment.Variables.FROZEN_READING_AT).toBeUndefined();
    expect(readAppConfig(new App({ context: { frozenReadingAt: 'day-end' } })).frozenReadingAt).toBe('day-end');
    expect(readAppConfig(new App({ context: { frozenReadingAt: 'day-start' } })).frozenReadingAt).toBeUndefined();
    expect(() => readAppConfig(new App({ context: { frozenReadingAt: 'noon' } }))).toThrow('frozenReadingAt must be day-start or day-end, got noon');
  });

  it('are read from CDK context and refused when not positive numbers', () => {
    const app = new App({ context: { maxLineLength: '2097152', maxDecompressedBytes: 1e9 } });
    expect(readAppConfig(app).fileLimits).toEqual({ maxLineLength: 2097152, maxDecompressedBytes: 1e9 });
    expect(() => readAppConfig(new App({ context: { maxObjectBytes: 'lots' } }))).toThrow('maxObjectBytes must be a positive integer, got lots');
    expect(() => readAppConfig(new App({ context: { maxLineLength: 80 } }))).toThrow('maxLineLength must be at least 1024 characters, got 80');
    expect(readAppConfig(new App({ context: { fanOutBytes: '1073741824', chunkBytes: 134217728 } })).fileLimits).toEqual({ fanOutBytes: 1073741824, chunkBytes: 134217728 });
    expect(() => readAppConfig(new App({ context: { chunkBytes: 100 } }))).toThrow('chunkBytes must be at least 4096 bytes, got 100');
  });

  it('anomaly and forecast settings reach both ingest functions as JSON, and bad ones fail synthesis by name', () => {
    for (const fn of ['IngestReadings', 'IngestChunks']) {
      expect(JSON.parse(fnProps(synth.custom, fn).Environment.Variables.ANOMALY_SETTINGS)).toEqual({ levelChange: 0.25 });
      expect(JSON.parse(fnProps(synth.custom, fn).Environment.Variables.FORECAST_SETTINGS)).toEqual({ coverage: 0.9 });
      expect(fnProps(synth.defaults, fn).Environment.Variables.ANOMALY_SETTINGS).toBeUndefined();
    }
    expect(readAppConfig(new App({ context: { anomalySettings: '{"levelMinDays":5}' } })).anomalySettings).toEqual({ levelMinDays: 5 });
    expect(() => readAppConfig(new App({ context: { anomalySettings: '{"levelMinDays":0}' } }))).toThrow('anomalies.levelMinDays must be an integer from 1 to 90, not 0');
    expect(() => readAppConfig(new App({ context: { forecastSettings: '{"damping":2}' } }))).toThrow(/forecast config: damping/);
  });
});
