import { describe, expect, it } from 'vitest';
import { buildDigest, renderDigest, type DigestInput } from '../../../../domain/digest/digest.ts';
import type { Customer } from '../../../../domain/customers/customer-master.ts';
import { anomaly, FORECAST, insights, NO_FORECAST } from '../../../helpers/insights.ts';

const customer = (id: string, locale: Customer['locale'] = 'en'): Customer => ({
  customerId: id, name: `Plant ${id}`, email: `${id}@example.com`, locale, region: 'east', tariffId: 't',
  contractKva: 1000, contractKw: 900, accountManagerEmail: 'am@example.com', pfStandard: 0.9, meterIds: [id], basicChargeMode: null,
});

const week = { start: '2026-11-23', end: '2026-11-29' };
const spike = anomaly({ kind: 'spike', from: '2026-11-25', to: '2026-11-25', severity: 'high', evidence: 'Demand 2,400 kW on a 1,000 kVA contract.' });

function input(locale: Customer['locale'] = 'en'): DigestInput {
  return {
    manager: 'am@example.com', weekStart: week.start, weekEnd: week.end,
    customers: [
      { customer: customer('C2', locale), history: [], notices: [], insights: insights({ forecast: NO_FORECAST, anomalies: [spike] }) },
      { customer: customer('C1', locale), history: [], notices: [], insights: insights() },
      { customer: customer('C3', locale), history: [], notices: [] },
    ],
  };
}

describe('weekly digest: forecasts and anomalies', () => {
  it('lists next month per customer that has a forecast, and the anomalies that overlap the week', () => {
    const d = buildDigest(input());
    expect(d.forecasts).toEqual([{ customerId: 'C1', name: 'Plant C1', period: '2026-12', kwh: FORECAST.kwh, kwhLow: FORECAST.kwhLow, kwhHigh: FORECAST.kwhHigh, bill: FORECAST.bill }]);
    // C1's level drop runs into the week; its zero reads (20–21 Nov) and October's night load do not; C2's spike does.
    expect(d.anomalies.map((a) => [a.customerId, a.kind, a.from, a.to, a.data])).toEqual([
      ['C1', 'level-drop', '2026-11-10', '2026-11-29', false],
      ['C2', 'spike', '2026-11-25', '2026-11-25', true],
    ]);
    // An anomaly that ends on the week's first day, or starts on its last, still overlaps it.
    const edges = buildDigest({ ...input(), customers: [{ customer: customer('C1'), history: [], notices: [], insights: insights({ anomalies: [
      anomaly({ kind: 'level-rise', from: '2026-11-10', to: '2026-11-23' }), anomaly({ kind: 'new-weekend-load', from: '2026-11-29', to: '2026-11-29' }),
      anomaly({ kind: 'flat-line', from: '2026-11-30', to: '2026-11-30' }), anomaly({ kind: 'zero-reads', from: '2026-11-01', to: '2026-11-22' }),
    ] }) }] });
    expect(edges.anomalies.map((a) => a.kind)).toEqual(['new-weekend-load', 'level-rise']);
  });

  it('renders them in English: kWh with the interval, the bill, kind, days, severity and evidence (escaped in HTML)', () => {
    const d = buildDigest(input());
    d.anomalies[1]!.evidence = 'Demand <2,400> kW & more';
    const mail = renderDigest(d, week);
    expect(mail.text).toContain('Next month (forecast)\n- C1 Plant C1: 2026-12 about 123,457 kWh (110,000–138,001), bill about CNY 98,765.43');
    expect(mail.text).toContain('Anomalies this week\n- C1 Plant C1: usage dropped [level-drop] (ongoing) 2026-11-10 to 2026-11-29, high — Usage 42% below the weekly rhythm for 20 days.');
    expect(mail.text).toContain('- C2 Plant C2: implausible spike [spike] (metering) 2026-11-25, high — Demand <2,400> kW & more');
    expect(mail.html).toContain('<h3>Anomalies this week</h3>');
    expect(mail.html).toContain('Demand &lt;2,400&gt; kW &amp; more');
    expect(mail.html).not.toContain('<2,400>');
  });

  it('renders them in Chinese for a manager of Chinese-speaking customers', () => {
    const mail = renderDigest(buildDigest(input('zh-CN')), week);
    expect(mail.text).toContain('下月用电预测\n- C1 Plant C1：2026年12月 约 123,457 kWh（110,000–138,001），电费约 ¥98,765.43');
    expect(mail.text).toContain('本周异常\n- C1 Plant C1：用电量骤降 [level-drop]（持续中） 2026-11-10 至 2026-11-29，严重程度高 — ');
    expect(mail.text).toContain('读数异常尖峰 [spike]（计量） 2026-11-25，严重程度高');
  });

  it('says "(none)" when no customer has insights', () => {
    const d = buildDigest({ ...input(), customers: [{ customer: customer('C3'), history: [], notices: [] }] });
    expect(d.forecasts).toEqual([]);
    expect(d.anomalies).toEqual([]);
    expect(renderDigest(d, week).text).toContain('Next month (forecast)\n(none)\n\nAnomalies this week\n(none)');
  });
});
