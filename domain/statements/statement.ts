import type { Bill } from '../billing/bill.ts';
import type { Locale } from '../customers/customer-master.ts';

/** A monthly statement as stored and emailed. Versions > 1 are corrections of the earlier ones. */
export interface Statement {
  customerId: string;
  /** Billing period `yyyy-mm` (calendar month in the utility's time zone). */
  period: string;
  version: number;
  /** True for version > 1: it replaces an earlier statement for the same period. */
  correction: boolean;
  issuedOn: string; // local day
  dueDate: string; // local day
  tariffId: string;
  tariffName: { en: string; 'zh-CN': string };
  bill: Bill;
  /** Daily kWh of the period for the chart and the CSV attachment. */
  daily: { day: string; kwh: number; maxDemandKw: number; estimated: number; missing: number }[];
  comparison: {
    previousPeriod: { period: string; kwh: string; total: string } | null;
    sameLastYear: { period: string; kwh: string; total: string } | null;
  };
  segment: { tier: string; pattern: string; trend: string; peerGroup: number; actions: string[] } | null;
  /** The customer's average daily kWh and load factor against its peer group's medians. */
  peers: { groupSize: number; medianAvgDailyKwh: number; customerAvgDailyKwh: number; medianLoadFactor: number; customerLoadFactor: number } | null;
  /**
   * What next month will probably bring (issue 11): the forecast from the period's own data (nothing after its last
   * day), so it is fixed with the statement. Null when the history is too short; absent on statements stored before.
   */
  expectedNext?: ExpectedNext | null;
  /** Hash of everything billed: a re-run with the same data gives the same hash and makes no new version. */
  contentHash: string;
}

/** Next month's forecast as a statement shows it: kWh to the unit, kW to 0.1, the bill as the tariff projects it. */
export interface ExpectedNext {
  period: string;
  kwh: number;
  kwhLow: number;
  kwhHigh: number;
  maxDemandKw: number;
  bill?: { total: string; currency: string };
}

/** What the renderer needs about the recipient; personal data stays out of logs. */
export interface StatementRecipient {
  name: string;
  email: string;
  locale: Locale;
  accountManagerEmail: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  attachments: { filename: string; contentType: string; content: string }[];
}
