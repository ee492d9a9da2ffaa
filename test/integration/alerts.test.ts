import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshId, localApp } from '../helpers/local-app.ts';
import { DynamoAlerts } from '../../functions/adapters/dynamo-alerts.ts';
import type { BillFigures, DemandFigures } from '../../domain/alerts/alert.ts';
import { computeBill } from '../../domain/billing/compute-bill.ts';
import { periodRange, periodUsage } from '../../domain/statements/compose-statement.ts';

const app = localApp();
const MASTER = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
const LONG = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';

/** Hourly rows for the days given, `kw` every hour except `peakKw` at 10:00 on the first day. */
function rows(id: string, days: string[], kw: number, peakKw?: number): string {
  const out = [LONG];
  days.forEach((day, i) => {
    for (let h = 0; h < 24; h++) {
      const v = i === 0 && h === 10 && peakKw ? peakKw : kw;
      out.push(`${id},${id},${day}T${String(h).padStart(2, '0')}:00:00+08:00,60,${v.toFixed(3)},${(v / 4).toFixed(3)},A`);
    }
  });
  return out.join('\n') + '\n';
}
const month = (from: number, to: number, m = '11') => Array.from({ length: to - from + 1 }, (_, i) => `2026-${m}-${String(from + i).padStart(2, '0')}`);

describe('interim alerts before the bill', () => {
  const id = freshId();
  const address = `${id.toLowerCase()}@example.com`;

  beforeAll(async () => {
    const tariff = readFileSync(new URL('../../samples/tariffs/cn-large-industry-2026.json', import.meta.url));
    await app.upload('tariffs/cn-large-industry-2026.json', tariff);
    await app.upload(`customers/${id}.csv`, [MASTER, `${id},Alert Test ${id},${address},en,alerts,cn-large-industry-2026,200,100,am-${id.toLowerCase()}@example.com,0.90,`].join('\n'));
    // A complete October at a steady 40 kW: the last bill the projection is compared with.
    expect((await app.upload(`readings/${id}-2026-10.csv`, rows(id, month(1, 31, '10'), 40))).status).toBe('accepted');
  }, 120_000);

  it('emails one demand alert and one bill alert per period, with the figures, however often the thresholds are crossed', async () => {
    // November so far at 60 kW (+50% on October) with a 96 kW peak: 96% of the 100 kW contract demand.
    expect((await app.upload(`readings/${id}-2026-11a.csv`, rows(id, month(1, 5), 60, 96))).status).toBe('accepted');
    // More days, a higher peak (98 kW) and still +50%: both thresholds crossed again.
    expect((await app.upload(`readings/${id}-2026-11b.csv`, rows(id, month(6, 10), 60, 98))).status).toBe('accepted');
    await app.idle();

    const mail = await app.mail((to) => to === address);
    const demand = mail.filter((m) => m.subject.startsWith('Usage alert'));
    const bill = mail.filter((m) => m.subject.startsWith('Bill alert'));
    expect(demand).toHaveLength(1);
    expect(bill).toHaveLength(1);
    expect(mail).toHaveLength(2);

    expect(demand[0]!.subject).toContain('2026-11 maximum demand at 96.0% of contract');
    expect(demand[0]!.body.text).toContain('reached 96 kW on 2026-11-01');
    expect(demand[0]!.body.text).toContain('contract demand of 100 kW');
    expect(demand[0]!.destination.cc).toEqual([`am-${id.toLowerCase()}@example.com`]);

    const alerts = new DynamoAlerts(app.stores.table);
    const billAlert = await alerts.get(id, '2026-11', 'bill');
    const f = billAlert!.figures as BillFigures;
    // The last bill is October's, computed from its 31 complete days.
    const customer = (await app.stores.customers.get(id))!;
    const tariff = (await app.stores.tariffs.get('cn-large-industry-2026'))!;
    const oct = periodRange('2026-10');
    const octDays = await app.stores.usage.range(id, oct.from, oct.to);
    expect(f.lastTotal).toBe(computeBill({ customer, tariff, usage: periodUsage(oct, octDays), periodDays: 31 }).total);
    expect(f).toMatchObject({ lastPeriod: '2026-10', daysCovered: 5, periodDays: 30, currency: 'CNY' });
    expect(f.increase).toBeGreaterThan(0.2);
    expect(bill[0]!.body.text).toContain(`CNY ${Number(f.projectedTotal).toLocaleString('en', { minimumFractionDigits: 2 })}`);
    expect(bill[0]!.body.text).toContain(`CNY ${Number(f.lastTotal).toLocaleString('en', { minimumFractionDigits: 2 })}`);
    const d = (await alerts.get(id, '2026-11', 'demand'))!.figures as DemandFigures;
    expect(d).toMatchObject({ maxDemandKw: 96, contractKw: 100, day: '2026-11-01', thresholdShare: 0.95 });
  }, 120_000);
});
