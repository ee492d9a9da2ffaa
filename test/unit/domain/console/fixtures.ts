import type { Receivable } from '../../../../domain/arrears/ledger.ts';
import type { Caller } from '../../../../domain/console/caller.ts';
import type { ConsolePorts } from '../../../../domain/console/ports.ts';
import type { Customer } from '../../../../domain/customers/customer-master.ts';
import type { StoredStatement } from '../../../../domain/use-cases/statement-ports.ts';
import { CUSTOMER, memoryArrears, memoryPayments } from '../use-cases/memory-arrears.ts';
import { memoryConsole } from './memory-console.ts';

export const customer = (customerId: string, region: string, manager: string): Customer => ({ ...CUSTOMER, customerId, region, accountManagerEmail: manager, meterIds: [customerId] });

export const AM1: Caller = { sub: 'sub-am1', email: 'am1@example.com', groups: ['managers'], regions: [] };
export const AM2: Caller = { sub: 'sub-am2', email: 'am2@example.com', groups: ['managers'], regions: [] };
export const SUP_EAST: Caller = { sub: 'sub-se', email: 'sup-east@example.com', groups: ['supervisors'], regions: ['east'] };
export const SUP_EAST_2: Caller = { sub: 'sub-se2', email: 'sup-east-2@example.com', groups: ['supervisors'], regions: ['east'] };
export const SUP_WEST: Caller = { sub: 'sub-sw', email: 'sup-west@example.com', groups: ['supervisors'], regions: ['west'] };
export const OPS: Caller = { sub: 'sub-ops', email: 'ops@example.com', groups: ['operators'], regions: [] };

/** Console ports on in-memory stores; the clock is set with `setNow`, the local day is the UTC date. */
export function memoryPorts(customers: Customer[], receivables: Receivable[] = [], statements: StoredStatement[] = []) {
  const mem = memoryConsole();
  const arrears = memoryArrears(receivables);
  const payments = memoryPayments();
  let now = new Date('2026-10-01T02:00:00Z');
  let n = 0;
  const ports: ConsolePorts = {
    customers: { all: async () => structuredClone(customers), get: async (id) => structuredClone(customers.find((c) => c.customerId === id)) },
    console: mem.store,
    arrears,
    payments,
    statements: { history: async (id) => structuredClone(statements.filter((s) => s.customerId === id)) },
    clock: () => now,
    dayOf: (at) => at.toISOString().slice(0, 10),
    newId: () => `id${String(++n).padStart(4, '0')}`,
  };
  return { ports, mem, arrears, payments, setNow: (iso: string) => void (now = new Date(iso)) };
}
