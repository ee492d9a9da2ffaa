import { canRead, Forbidden, type Caller } from './caller.ts';
import { scopeOf } from './tasks.ts';
import type { AuditEntry, ConsolePorts } from './ports.ts';

/**
 * The audit trail of people's writes (task outcomes, holds they created, recommendations, approval decisions). Each
 * entry is written by the store in the same conditional transaction as the change it records (ConsoleStore), so there
 * is no change without its entry and no entry for a change that lost a race. Entries name the person by `sub` and
 * email in the table only: nothing here logs them. Read per customer, newest first, for the customer 360.
 */
export function customerAudit(ports: Pick<ConsolePorts, 'customers' | 'console'>) {
  return async (caller: Caller, customerId: string, limit = 100): Promise<AuditEntry[]> => {
    const customer = await ports.customers.get(customerId);
    if (!customer || !canRead(caller, scopeOf(customer))) throw new Forbidden(`no access to ${customerId}`);
    return ports.console.audit(customerId, limit);
  };
}

/** Newest first, ties by id: the order every store returns. */
export function newestFirst(a: AuditEntry, b: AuditEntry): number {
  return a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
