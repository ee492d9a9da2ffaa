// Shapes of the console API's answers: the domain's own types (type-only imports, erased from the bundle), as JSON.
import type { Customer360 as Customer360Model, PortfolioRow } from '../../domain/console/read-models.ts';
import type { ApprovalView } from '../../domain/console/approvals.ts';
import type { AuditEntry, Task } from '../../domain/console/ports.ts';
import type { Caller } from '../../domain/console/caller.ts';

export type { PortfolioRow, Task, AuditEntry };
export type { KpiFigures, KpiReport } from '../../domain/console/kpis.ts';
export type Approval = ApprovalView;
export type Me = Caller;

/** GET /api/customers/{id}: the 360 model with the customer's tasks, approvals and audit trail. */
export type Customer360 = Customer360Model & { tasks: Task[]; approvals: Approval[]; audit: AuditEntry[] };
