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
}
