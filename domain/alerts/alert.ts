export type AlertKind = 'demand' | 'bill';

export interface DemandFigures {
  maxDemandKw: number;
  day: string;
  contractKw: number;
  /** maxDemandKw / contractKw */
  share: number;
  thresholdShare: number;
}

export interface BillFigures {
  currency: string;
  projectedTotal: string;
  lastTotal: string;
  lastPeriod: string;
  /** projected / last − 1 */
  increase: number;
  thresholdIncrease: number;
  daysCovered: number;
  periodDays: number;
}

export interface Alert {
  customerId: string;
  period: string;
  kind: AlertKind;
  figures: DemandFigures | BillFigures;
  raisedAt: string;
}

export interface AlertJob {
  customerId: string;
  period: string;
  kind: AlertKind;
  /** The correlation id of the work that raised it (the ingested file), so logs follow it into the sender. */
  correlationId?: string;
}
