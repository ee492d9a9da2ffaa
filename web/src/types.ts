// Shapes of the console API's answers (functions/console/app.ts, domain/console/read-models.ts).
export interface Me {
  sub: string;
  email: string;
  groups: string[];
  regions: string[];
}

export interface PortfolioRow {
  id: string;
  name: string;
  region: string;
  accountManager: string;
  tier: string | null;
  pattern: string | null;
  trend: string | null;
  peerGroup: number | null;
  period: string | null;
  monthKwh: number;
  monthDays: number;
  projectedBill: { total: string; currency: string } | null;
  openAlerts: string[];
  arrearsStage: string | null;
  overdue: string;
  openTasks: number;
  writable: boolean;
}

export interface Customer360 {
  profile: { customerId: string; name: string; region: string; tariffId: string; contractKva: number | null; contractKw: number | null; accountManagerEmail: string; meterIds: string[]; locale: string };
  writable: boolean;
  segment: { asOf: string; tier: string; pattern: string; trend: string; peerGroup: number; reasons: string[]; actions: string[] } | null;
  history: { asOf: string; tier: string; pattern: string; trend: string; peerGroup: number }[];
  days: { day: string; kwh: number; maxDemandKw: number; estimated: number; missing: number }[];
  profileShares: number[] | null;
  peerProfile: number[] | null;
  statements: { period: string; version: number; total: string; currency: string; dueDate: string; email: string; sentAt: string | null }[];
  notices: { statementKey: string; stage: string; disconnectionDate?: string; state?: string; sentOn?: string | null }[];
  payments: { reference: string; paidOn: string; amount: string; currency: string }[];
  holds: { kind: string; from: string; released?: string; active: boolean }[];
  arrears: { stage: string | null; overdue: string };
  tasks: Task[];
  approvals: Approval[];
  audit: AuditEntry[];
}

export interface Actor {
  sub: string;
  email: string;
}

export interface Task {
  id: string;
  customerId: string;
  kind: 'phone-call' | 'visit';
  day: string;
  dueOn: string;
  assignee: string;
  source: { kind: 'notice'; statementKey: string; stage: string } | { kind: 'playbook'; action: string; text: string; segmentAsOf: string };
  note: string;
  status: 'open' | 'closed';
  closed?: { outcome: { kind: string; promisedOn?: string; reason?: string; note?: string }; by: Actor; at: string; closedOn: string };
}

export interface Approval {
  id: string;
  customerId: string;
  customerName: string;
  region: string;
  accountManagerEmail: string;
  statementKey: string;
  state: 'requested' | 'recommended' | 'approved' | 'rejected';
  amountDue: string;
  currency: string;
  disconnectionDate?: string;
  requestedOn: string;
  recommendation?: { verdict: string; reason: string; by: Actor; at: string };
  decision?: { verdict: string; reason: string; by: Actor; at: string };
}

export interface KpiFigures {
  statements: { issued: number; onTime: number; share: number | null };
  notices: { due: number; actedOn: number; share: number | null };
  arrears: { statements: number; overdue: string; recovered: string; share: number | null; currency: string | null };
  playbookActionsTaken: number;
  customersContacted: number;
  feedback: { bounces: number; complaints: number };
}

export interface KpiReport {
  period: string;
  asOf: string;
  managers: { manager: string; customers: number; figures: KpiFigures }[];
  regions: { region: string; customers: number; figures: KpiFigures }[];
}

export interface AuditEntry {
  at: string;
  by: Actor;
  action: string;
  target: string;
}
