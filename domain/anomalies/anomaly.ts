/** What anomaly detection returns (issue 11 §3): plain data, so the job can store it and a task can be opened per episode. */

export type AnomalyKind =
  | 'flat-line'
  | 'zero-reads'
  | 'spike'
  | 'estimated-share'
  | 'level-drop'
  | 'level-rise'
  | 'new-night-load'
  | 'new-weekend-load'
  | 'demand-near-contract';

export const ANOMALY_KINDS: readonly AnomalyKind[] = [
  'flat-line',
  'zero-reads',
  'spike',
  'estimated-share',
  'level-drop',
  'level-rise',
  'new-night-load',
  'new-weekend-load',
  'demand-near-contract',
];

/** Data anomalies go to the metering team; behaviour anomalies to the account manager. */
export const DATA_KINDS: ReadonlySet<AnomalyKind> = new Set(['flat-line', 'zero-reads', 'spike', 'estimated-share']);

export type Severity = 'low' | 'medium' | 'high';

export interface Anomaly {
  kind: AnomalyKind;
  /** First and last local day the anomaly covers, `yyyy-mm-dd`. */
  from: string;
  to: string;
  severity: Severity;
  /** One English sentence with the figures (no personal data). */
  evidence: string;
  figures: Record<string, number | string>;
  /**
   * Stable while the episode goes on: kind + its first day (+ meter for a meter's flat line). Detection is causal
   * (a day is judged only by the days before it), so re-running on a later day with more data yields the same key
   * while the run continues and a new key for a new run: a task is opened once per key.
   */
  episodeKey: string;
  /** The run reaches the last day of the window (it may go on). */
  ongoing: boolean;
}
