import type { UsageRepository } from '../../domain/use-cases/ports.ts';
import type { StoredDay } from '../../domain/usage/meter-day.ts';

/** An in-memory UsageRepository for domain tests: stored customer-days by `customerId|day`, merged one at a time. */
export function memoryUsage(): { usage: UsageRepository; days: Map<string, StoredDay> } {
  const days = new Map<string, StoredDay>();
  const usage: UsageRepository = {
    async get(keys) {
      return keys.flatMap((k) => days.get(`${k.customerId}|${k.day}`) ?? []);
    },
    async merge(updates, merge) {
      const out: StoredDay[] = [];
      for (const u of updates) {
        const m = merge(days.get(`${u.customerId}|${u.day}`), u);
        if (m) days.set(`${u.customerId}|${u.day}`, m.day), out.push(m.day);
      }
      return out;
    },
    async range() {
      return [];
    },
  };
  return { usage, days };
}
