import type { Anomaly } from '../anomalies/anomaly.ts';
import type { ForecastResult } from '../forecast/forecast.ts';

/**
 * What the ingest computes for each customer a file touched, after its features (issue 11): next month's forecast and
 * the anomalies over the recent window. Stored on the customer's PROFILE item beside the segment (`insights`), read
 * by `kam customer`, `kam local --json`, the statement ("expected next month"), the weekly digest and the console.
 */
export interface CustomerInsights {
  /** The customer's latest day with usage when these were computed (the window's end). */
  asOf: string;
  /** When they were computed (ISO instant). */
  computedAt: string;
  /** The month after `asOf`'s month; a reason instead when the history is too short. */
  forecast: ForecastResult;
  /**
   * Anomalies whose days reach into the last `reportDays` of the window (newest first): the ones still worth acting
   * on. Every episode is also recorded once on its own (see AnomalyEpisode), which is what opens a task.
   */
  anomalies: Anomaly[];
}

/** An anomaly episode as recorded: opened once (which opens its task), then extended while it goes on. */
export interface AnomalyEpisode extends Anomaly {
  customerId: string;
  /** When the episode was first recorded (ISO instant) and when it was last seen in a detection. */
  openedAt: string;
  lastSeenAt: string;
  /** Data anomalies (flat-line, zero-reads, spike, estimated-share) are for the metering team too. */
  data: boolean;
}
