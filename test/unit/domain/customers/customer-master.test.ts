import { describe, expect, it } from 'vitest';
import { type Customer, CustomerMasterParser } from '../../../../domain/customers/customer-master.ts';

const HEADER = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
const row = (id: string, meters = '') => `${id},Name ${id},${id.toLowerCase()}@example.com,en,east,t1,100,80,am@example.com,0.90,${meters}`;

function parse(lines: string[]): CustomerMasterParser {
  const p = new CustomerMasterParser();
  [HEADER, ...lines].forEach((l, i) => p.line(l, i + 1));
  p.end();
  return p;
}

describe('customer master: one meter, one customer', () => {
  it('rejects both rows of a file that give one meter to two customers, naming both', () => {
    const p = parse([row('C1', 'M1;M2'), row('C2'), row('C3', 'M2;M3')]);
    expect(p.customers.map((c) => c.customerId)).toEqual(['C2']);
    expect(p.rejects).toEqual([
      { line: 2, reason: 'meter M2 is claimed by customers C1 (line 2) and C3 (line 4); a meter belongs to one customer' },
      { line: 4, reason: 'meter M2 is claimed by customers C1 (line 2) and C3 (line 4); a meter belongs to one customer' },
    ]);
  });

  it("rejects a row claiming a stored customer's meter, unless the file restates that customer too", () => {
    const stored = [{ customerId: 'S1', meterIds: ['M9'] }, { customerId: 'S2', meterIds: ['M8'] }] as Customer[];
    const p = parse([row('C1', 'M9'), row('C2', 'M8'), row('S2', 'M7')]);
    p.rejectMetersOwnedElsewhere(stored);
    expect(p.customers.map((c) => c.customerId)).toEqual(['C2', 'S2']);
    expect(p.rejects).toEqual([{ line: 2, reason: "meter M9 already belongs to customer S1; it cannot also be customer C1's" }]);
  });
});
