import { describe, expect, it } from 'vitest';
import { insightLines } from '../../../cli/insights.ts';
import { FORECAST, insights, NO_FORECAST } from '../../helpers/insights.ts';

describe('kam customer: forecast and anomalies blocks', () => {
  it('shows next month with its interval, bands, demand against the contract, bill, method and basis', () => {
    const text = insightLines(insights(), 1000).join('\n');
    expect(text).toContain('Next month (forecast) 2026-12, from data to 2026-11-29:');
    expect(text).toContain('123,457 kWh (80% interval 110,000–138,001)');
    expect(text).toContain('by band: sharp 5,000, peak 40,000, flat 50,000, valley 28,456 kWh');
    // 812.345 kW is 81.2% of 1000 kW; the interval to one decimal.
    expect(text).toContain('max demand 812.3 kW (80% interval 760–906); 81.2% of the contract 1,000 kW');
    expect(text).toContain("projected bill CNY 98,765.43");
    expect(text).toContain('method weekly-profile-damped-trend; basis 84 days 2026-09-07 to 2026-11-29');
  });

  it('says why there is no forecast, and when nothing was computed', () => {
    const none = insightLines(insights({ forecast: NO_FORECAST, anomalies: [] }), null).join('\n');
    expect(none).toContain('Next month (forecast) 2026-12: none — too little history (20 days in the fit window, 42 needed)');
    expect(none).toContain('Anomalies: none in the recent window.');
    expect(none).not.toContain('kWh (');
    expect(insightLines(undefined, 1000).join('\n')).toContain('not computed yet');
  });

  it('has no contract share without a contract kW, and no bill when the tariff could not bill it', () => {
    const { bill: _bill, ...noBill } = FORECAST;
    const text = insightLines(insights({ forecast: noBill }), null).join('\n');
    expect(text).toContain('no contract kW');
    expect(text).toContain('projected bill — (the tariff cannot bill the forecast)');
  });

  it('lists anomalies newest first, data anomalies marked for the metering team', () => {
    const lines = insightLines(insights(), 1000);
    const start = lines.indexOf('Anomalies (3):');
    expect(start).toBeGreaterThan(0);
    const list = lines.slice(start + 1);
    expect(list).toEqual([
      '  level-drop  2026-11-10 to 2026-11-29 (ongoing)  high  Usage 42% below the weekly rhythm for 20 days.',
      '  zero-reads (metering)  2026-11-20 to 2026-11-21  high  No usage on 2 normally busy days (usual 3,900 kWh/day).',
      '  new-night-load  2026-10-01 to 2026-10-20  low  Night load 180 kW where it was 20 kW.',
    ]);
  });
});
