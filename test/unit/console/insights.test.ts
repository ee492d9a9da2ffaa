import { describe, expect, it } from 'vitest';
import { customer360, openAnomalies, OPEN_ANOMALY_DAYS, portfolio, type ConsoleReadPorts } from '../../../domain/console/read-models.ts';
import type { Caller } from '../../../domain/console/caller.ts';
import type { Customer } from '../../../domain/customers/customer-master.ts';
import type { CustomerInsights } from '../../../domain/insights/insights.ts';
import { anomaly, FORECAST, insights, NO_FORECAST } from '../../helpers/insights.ts';

const customer = (id: string, contractKw: number | null): Customer => ({
  customerId: id, name: `Plant ${id}`, email: `${id}@example.com`, locale: 'en', region: 'east', tariffId: 't1',
  contractKva: 1200, contractKw, accountManagerEmail: 'am@example.com', pfStandard: 0.9, meterIds: [id], basicChargeMode: null,
});

// C1: a forecast with a bill and three anomalies (asOf 2026-11-29); C2: too little history; C3: nothing computed.
const CUSTOMERS: (Customer & { insights?: CustomerInsights })[] = [
  { ...customer('C1', 1000), insights: insights() },
  { ...customer('C2', null), insights: insights({ forecast: NO_FORECAST, anomalies: [] }) },
  customer('C3', 1000),
];

const ports: ConsoleReadPorts = {
  customers: { list: async () => CUSTOMERS, get: async (id) => CUSTOMERS.find((c) => c.customerId === id) },
  segments: { history: async () => [], latestDay: async () => undefined },
  usage: { range: async () => [] },
  tariffs: { get: async () => undefined },
  statements: { history: async () => [] },
  peers: { get: async () => undefined },
  alerts: { get: async () => undefined },
  arrears: { receivables: async () => [], notices: async () => [], holds: async () => [] },
  tasks: { tasksOf: async () => [] },
  payments: { forCustomer: async () => [] },
};
const ops: Caller = { sub: 's', email: 'ops@example.com', groups: ['operators'], regions: [] };

describe('open anomalies', () => {
  it(`counts the ongoing ones and those that ended in the last ${OPEN_ANOMALY_DAYS} days of data, measured from insights.asOf`, () => {
    // asOf 2026-11-29: the window starts 2026-11-16. Level drop ongoing, zero reads ended 2026-11-21: open; October's night load: not.
    expect(openAnomalies(insights()).map((a) => a.kind)).toEqual(['zero-reads', 'level-drop']);
    const edge = (to: string) => openAnomalies(insights({ anomalies: [anomaly({ kind: 'spike', from: to, to })] })).length;
    expect(edge('2026-11-16')).toBe(1);
    expect(edge('2026-11-15')).toBe(0);
    // An ongoing one counts however old its last day is (data stopped: no all-clear).
    expect(openAnomalies(insights({ asOf: '2027-03-01', anomalies: [anomaly({ kind: 'level-drop', from: '2026-11-01', to: '2026-11-29', ongoing: true })] }))).toHaveLength(1);
    expect(openAnomalies(undefined)).toEqual([]);
  });
});

describe('portfolio: next month bill and open anomalies', () => {
  it('shows the forecast bill and the open anomaly count, and nothing when there is no forecast or no insights', async () => {
    const rows = await portfolio(ports, ops, '2026-11-30');
    expect(rows.map((r) => [r.id, r.nextMonthBill, r.openAnomalies])).toEqual([
      ['C1', { period: '2026-12', total: FORECAST.bill!.total, currency: 'CNY' }, 2],
      ['C2', null, 0],
      ['C3', null, 0],
    ]);
  });
});

describe('customer 360: next month and anomalies', () => {
  it('has the forecast with its maximum demand against the contract kW, and the anomalies newest first, marked open and data', async () => {
    const c = await customer360(ports, ops, 'C1', '2026-11-30');
    expect(c.nextMonth).toEqual({ asOf: '2026-11-29', forecast: FORECAST, demandShare: 0.8123, coverage: 0.8 });
    expect(c.anomalies.map((a) => [a.kind, a.from, a.to, a.open, a.data, a.severity])).toEqual([
      ['level-drop', '2026-11-10', '2026-11-29', true, false, 'high'],
      ['zero-reads', '2026-11-20', '2026-11-21', true, true, 'high'],
      ['new-night-load', '2026-10-01', '2026-10-20', false, false, 'low'],
    ]);
    expect(c.anomalies[0]!.evidence).toBe('Usage 42% below the weekly rhythm for 20 days.');
    // The insights are not repeated in the profile.
    expect('insights' in c.profile).toBe(false);
  });

  it('gives the reason when there is no forecast, no share without a contract kW, and null when nothing was computed', async () => {
    const c2 = await customer360(ports, ops, 'C2', '2026-11-30');
    expect(c2.nextMonth).toEqual({ asOf: '2026-11-29', forecast: NO_FORECAST, demandShare: null, coverage: 0.8 });
    expect(c2.anomalies).toEqual([]);
    const c3 = await customer360(ports, ops, 'C3', '2026-11-30');
    expect(c3.nextMonth).toBeNull();
    expect(c3.anomalies).toEqual([]);
  });
});
