import type { Hold } from '../../../../domain/arrears/decide.ts';
import { newestFirst } from '../../../../domain/console/audit.ts';
import type { ApprovalRecord, AuditEntry, ConsoleStore, SuppressionRecord, Task } from '../../../../domain/console/ports.ts';
import { parseTaskId } from '../../../../domain/console/tasks.ts';

/**
 * An in-memory ConsoleStore with the DynamoDB one's conditions, checked at write time: a task closes only while
 * open, a recommendation only while there is none and no decision, a decision only while there is none; a write and
 * its audit entries land together or not at all.
 */
export function memoryConsole() {
  const tasks = new Map<string, Task>();
  const approvals = new Map<string, ApprovalRecord>();
  const audit: AuditEntry[] = [];
  const holds = new Map<string, { customerId: string; hold: Hold }>();
  const suppressionList: SuppressionRecord[] = [];
  const clone = <T>(v: T): T => structuredClone(v);
  const aKey = (c: string, s: string) => `${c}|${s}`;
  const store: ConsoleStore = {
    task: async (c, key) => clone([...tasks.values()].find((t) => t.customerId === c && parseTaskId(t.id).key === key)),
    tasksOf: async (c) => clone([...tasks.values()].filter((t) => t.customerId === c)),
    allTasks: async () => clone([...tasks.values()]),
    createTask: async (t) => (tasks.has(t.id) ? 'exists' : (tasks.set(t.id, clone(t)), 'created')),
    closeTask: async (task, closed, effects) => {
      const t = tasks.get(task.id);
      if (!t || t.status !== 'open') return 'already-closed';
      tasks.set(task.id, { ...t, status: 'closed', closed: clone(closed) });
      if (effects.hold) holds.set(effects.hold.key, { customerId: task.customerId, hold: clone(effects.hold.hold) });
      audit.push(...clone(effects.audit));
      return 'closed';
    },
    approval: async (c, s) => clone(approvals.get(aKey(c, s))),
    approvalsOf: async (c) => clone([...approvals.values()].filter((a) => a.customerId === c)),
    recommend: async (c, s, r, entry) => {
      const a = approvals.get(aKey(c, s));
      if (a?.recommendation || a?.decision) return 'conflict';
      approvals.set(aKey(c, s), { customerId: c, statementKey: s, ...a, recommendation: clone(r) });
      audit.push(clone(entry));
      return 'recorded';
    },
    decide: async (c, s, d, entry) => {
      const a = approvals.get(aKey(c, s));
      if (a?.decision || a?.recommendation?.by.sub === d.by.sub) return 'conflict';
      approvals.set(aKey(c, s), { customerId: c, statementKey: s, ...a, decision: clone(d) });
      audit.push(clone(entry));
      return 'recorded';
    },
    audit: async (c, limit = 100) => clone(audit.filter((e) => e.customerId === c).sort(newestFirst).slice(0, limit)),
    suppressions: async () => clone(suppressionList),
  };
  return { store, tasks, approvals, audit, holds, suppressionList };
}
