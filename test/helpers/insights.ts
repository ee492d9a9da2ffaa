import type { Anomaly } from '../../domain/anomalies/anomaly.ts';
import type { Forecast, NoForecast } from '../../domain/forecast/forecast.ts';
import type { CustomerInsights } from '../../domain/insights/insights.ts';

/**
 * Hand-made insights for the display tests (kam customer, the digest, the console): one forecast with a bill, a
 * behaviour anomaly that goes on, a data anomaly that ended, and an old one. The figures are arbitrary but distinct,
 * so a test can tell which one it sees.
 */
export const FORECAST: Forecast = {
  period: '2026-12',
  kwh: 123456.789,
  kwhLow: 110000.4,
  kwhHigh: 138000.6,
  bands: { sharp: 5000.2, peak: 40000.4, flat: 50000.1, valley: 28456.089 },
  maxDemandKw: 812.345,
  maxDemandLow: 760.04,
  maxDemandHigh: 905.96,
  bill: { total: '98765.43', currency: 'CNY' },
  method: 'weekly-profile-damped-trend',
  basis: { days: 84, from: '2026-09-07', to: '2026-11-29' },
};

export const NO_FORECAST: NoForecast = { period: '2026-12', reason: 'too-little-history', days: 20, needed: 42 };

export function anomaly(over: Partial<Anomaly> & Pick<Anomaly, 'kind' | 'from' | 'to'>): Anomaly {
  return {
    severity: 'medium',
    evidence: `${over.kind} from ${over.from}`,
    figures: {},
    episodeKey: `${over.kind}:${over.from}`,
    ongoing: false,
    ...over,
  };
}

export const ANOMALIES: Anomaly[] = [
  anomaly({ kind: 'zero-reads', from: '2026-11-20', to: '2026-11-21', severity: 'high', evidence: 'No usage on 2 normally busy days (usual 3,900 kWh/day).' }),
  anomaly({ kind: 'level-drop', from: '2026-11-10', to: '2026-11-29', ongoing: true, severity: 'high', evidence: 'Usage 42% below the weekly rhythm for 20 days.' }),
  anomaly({ kind: 'new-night-load', from: '2026-10-01', to: '2026-10-20', severity: 'low', evidence: 'Night load 180 kW where it was 20 kW.' }),
];

export function insights(over: Partial<CustomerInsights> = {}): CustomerInsights {
  return { asOf: '2026-11-29', computedAt: '2026-11-30T02:00:00.000Z', forecast: FORECAST, anomalies: ANOMALIES, ...over };
}
