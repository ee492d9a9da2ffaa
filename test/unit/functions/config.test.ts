import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/commons/config.ts';
import { DEFAULT_ANOMALY_CONFIG, DEFAULT_CONFIG, DEFAULT_FORECAST } from '../../../domain/config.ts';

describe('function configuration: file limits', () => {
  it('takes the defaults, or what the environment sets, and refuses nonsense by name', () => {
    expect(loadConfig({ TABLE_NAME: 'Usage' }).domain.limits).toEqual(DEFAULT_CONFIG.limits);
    expect(loadConfig({ TABLE_NAME: 'Usage', MAX_OBJECT_BYTES: '100', MAX_COMPRESSION_RATIO: '50' }).domain.limits).toMatchObject({ maxObjectBytes: 100, maxCompressionRatio: 50 });
    expect(() => loadConfig({ TABLE_NAME: 'Usage', MAX_LINE_LENGTH: '10' })).toThrow(/MAX_LINE_LENGTH/);
    expect(loadConfig({ TABLE_NAME: 'Usage', FAN_OUT_BYTES: '1000000', CHUNK_BYTES: '65536', COMPRESSED_FAN_OUT_BYTES: '5000' }).domain.limits).toMatchObject({ fanOutBytes: 1e6, chunkBytes: 65536, compressedFanOutBytes: 5000 });
    expect(() => loadConfig({ TABLE_NAME: 'Usage', CHUNK_BYTES: '10' })).toThrow(/CHUNK_BYTES/);
  });
});

describe('function configuration: applyMultiplier', () => {
  it('is off unless APPLY_MULTIPLIER is "true", and refuses anything but true or false', () => {
    expect(loadConfig({ TABLE_NAME: 'Usage' }).domain.applyMultiplier).toBeUndefined();
    expect(loadConfig({ TABLE_NAME: 'Usage', APPLY_MULTIPLIER: 'false' }).domain.applyMultiplier).toBeUndefined();
    expect(loadConfig({ TABLE_NAME: 'Usage', APPLY_MULTIPLIER: 'true' }).domain.applyMultiplier).toBe(true);
    expect(() => loadConfig({ TABLE_NAME: 'Usage', APPLY_MULTIPLIER: 'yes' })).toThrow(/APPLY_MULTIPLIER/);
  });

  it('dates daily frozen register readings by the day they start unless FROZEN_READING_AT says day-end', () => {
    expect(loadConfig({ TABLE_NAME: 'Usage' }).domain.frozenReadingAt).toBe('day-start');
    expect(loadConfig({ TABLE_NAME: 'Usage', FROZEN_READING_AT: 'day-end' }).domain.frozenReadingAt).toBe('day-end');
    expect(() => loadConfig({ TABLE_NAME: 'Usage', FROZEN_READING_AT: 'noon' })).toThrow(/FROZEN_READING_AT/);
  });
});

describe('function configuration: anomaly thresholds and forecast settings', () => {
  it('takes the defaults, merges a JSON object of overrides, and refuses unknown keys, wrong types and bad values by name', () => {
    const base = loadConfig({ TABLE_NAME: 'Usage' }).domain;
    expect(base.anomalies).toEqual(DEFAULT_ANOMALY_CONFIG);
    expect(base.forecast).toEqual(DEFAULT_FORECAST);
    const set = loadConfig({ TABLE_NAME: 'Usage', ANOMALY_SETTINGS: '{"levelChange":0.25,"nightHours":{"to":5}}', FORECAST_SETTINGS: '{"coverage":0.9}' }).domain;
    expect(set.anomalies).toEqual({ ...DEFAULT_ANOMALY_CONFIG, levelChange: 0.25, nightHours: { from: 0, to: 5 } });
    expect(set.forecast).toEqual({ ...DEFAULT_FORECAST, coverage: 0.9 });
    expect(() => loadConfig({ TABLE_NAME: 'Usage', ANOMALY_SETTINGS: '{"levelChnage":0.25}' })).toThrow(/ANOMALY_SETTINGS: anomalies: unknown setting "levelChnage"/);
    expect(() => loadConfig({ TABLE_NAME: 'Usage', ANOMALY_SETTINGS: '{"levelChange":"0.25"}' })).toThrow(/anomalies.levelChange must be a number/);
    expect(() => loadConfig({ TABLE_NAME: 'Usage', ANOMALY_SETTINGS: '{"spikeFactor":0.5}' })).toThrow(/anomalies.spikeFactor must be above 1/);
    expect(() => loadConfig({ TABLE_NAME: 'Usage', FORECAST_SETTINGS: '{"coverage":1.5}' })).toThrow(/FORECAST_SETTINGS: forecast config: coverage/);
    expect(() => loadConfig({ TABLE_NAME: 'Usage', FORECAST_SETTINGS: '[1]' })).toThrow(/FORECAST_SETTINGS: forecast must be a JSON object/);
  });
});
