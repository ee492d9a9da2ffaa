import { DATA_KINDS, type Anomaly } from '../domain/anomalies/anomaly.ts';
import { DEFAULT_FORECAST } from '../domain/config.ts';
import { isForecast } from '../domain/forecast/forecast.ts';
import type { CustomerInsights } from '../domain/insights/insights.ts';
import { BANDS } from '../domain/usage/daily-usage.ts';
import { fmtNumber } from './output.ts';
/**
 * The "Next month (forecast)" and "Anomalies" blocks of `kam customer` (issue 11), from the insights the ingest stored
 * on the customer's PROFILE item. Pure, so the output is unit-tested without a store. Anomalies newest first (by
 * last day, then first day); data anomalies are marked "(metering)" because the metering team acts on those.
 */
export function insightLines(insights: CustomerInsights | undefined, contractKw: number | null | undefined): string[] {
  const out: string[] = [''];
  if (!insights) return [...out, 'Next month (forecast): not computed yet (no ingest since forecasts were added).'];
  const f = insights.forecast;
  const kwh = (v: number) => fmtNumber(Math.round(v));
  const kw = (v: number) => fmtNumber(Math.round(v * 10) / 10);
  if (!isForecast(f)) {
    out.push(`Next month (forecast) ${f.period}: none — too little history (${f.days} days in the fit window, ${f.needed} needed); data to ${insights.asOf}`);
  } else {
    const cover = `${Math.round(DEFAULT_FORECAST.coverage * 100)}%`;
    out.push(`Next month (forecast) ${f.period}, from data to ${insights.asOf}:`);
    out.push(`  ${kwh(f.kwh)} kWh (${cover} interval ${kwh(f.kwhLow)}–${kwh(f.kwhHigh)})`);
    out.push(`  by band: ${BANDS.map((b) => `${b} ${kwh(f.bands[b])}`).join(', ')} kWh`);
    const share = contractKw ? `; ${(f.maxDemandKw / contractKw * 100).toFixed(1)}% of the contract ${fmtNumber(contractKw)} kW` : '; no contract kW';
    out.push(`  max demand ${kw(f.maxDemandKw)} kW (${cover} interval ${kw(f.maxDemandLow)}–${kw(f.maxDemandHigh)})${share}`);
    out.push(`  projected bill ${f.bill ? `${f.bill.currency} ${Number(f.bill.total).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` : '— (the tariff cannot bill the forecast)'}`);
    out.push(`  method ${f.method}; basis ${f.basis.days} days ${f.basis.from} to ${f.basis.to}`);
  }
  const list = [...insights.anomalies].sort((a, b) => (a.to !== b.to ? (a.to < b.to ? 1 : -1) : a.from < b.from ? 1 : a.from > b.from ? -1 : 0));
  out.push('', list.length ? `Anomalies (${list.length}):` : 'Anomalies: none in the recent window.');
  for (const a of list) out.push(`  ${anomalyLine(a)}`);
  return out;
}

function anomalyLine(a: Anomaly): string {
  const days = a.from === a.to ? a.from : `${a.from} to ${a.to}`;
  return `${a.kind}${DATA_KINDS.has(a.kind) ? ' (metering)' : ''}  ${days}${a.ongoing ? ' (ongoing)' : ''}  ${a.severity}  ${a.evidence}`;
}
