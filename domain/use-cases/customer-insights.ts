import type { Segment } from '../classification/classify.ts';
import { DEFAULT_FORECAST, type DomainConfig } from '../config.ts';
import type { Customer } from '../customers/customer-master.ts';
import { DATA_KINDS, type Anomaly, type AnomalyKind } from '../anomalies/anomaly.ts';
import { detectAnomalies } from '../anomalies/detect.ts';
import { anomalyTaskKey, DUE_DAYS, taskId } from '../console/tasks.ts';
import type { ConsoleStore, Task } from '../console/ports.ts';
import { forecastNextMonth, isForecast, type Forecast } from '../forecast/forecast.ts';
import type { AnomalyEpisode, CustomerInsights } from '../insights/insights.ts';
import { periodRange, shiftPeriod } from '../statements/compose-statement.ts';
import { scheduleOn } from '../tariffs/parse-tariff.ts';
import type { Tariff } from '../tariffs/tariff.ts';
import { nextDay } from '../time/zone.ts';
import type { DailyUsage } from '../usage/daily-usage.ts';
import type { AlongsideFeatures } from './classify-customers.ts';
import type { PeerGroupFigures } from './statement-ports.ts';

/*
 * Forecasts and anomalies for the customers an ingested file touched (issue 11), right after their features: the
 * same O(customers in the file) shape as `refreshFeatures`, from the customer's own stored days.
 *
 * - The forecast is for the month after the customer's latest day's month. It is stored on the PROFILE item (with
 *   the anomalies) and, per target month, as a snapshot (FCST#<month>) overwritten while the month is ahead. When a
 *   month's days are all in, its snapshot gets the actual kWh and the error is reported once (the dashboard's
 *   "forecast error of the last closed month"). A month that had no snapshot (its days came in the same file as the
 *   months before) is scored with the forecast the model makes from the days before it, marked retrospective.
 * - Anomalies are detected over the recent window against the customer's own weekly rhythm (and the peer group's
 *   median day, quoted in evidence). Each episode is recorded once under its key and extended while it goes on; a
 *   recent one opens a task for the account manager, once per episode: the task's id is the episode key, written
 *   with a conditional put, so concurrent or repeated ingests of the same days open it once.
 */

/** Days of anomalies kept on the profile (and in `kam local --json`): those reaching into the last this-many days. */
export const REPORT_DAYS = 90;
/** An episode opens a task only when it goes on, or ended at most this many days before the customer's latest day. */
export const TASK_RECENT_DAYS = 14;

export interface InsightStore {
  /** Stores the insights on the PROFILE item unless ones with a later `asOf` are there; false when not written. */
  save(customerId: string, insights: CustomerInsights): Promise<boolean>;
  /** The customer's recorded episodes whose last day is on or after `sinceDay`. */
  episodes(customerId: string, sinceDay: string): Promise<AnomalyEpisode[]>;
  /**
   * Records an episode: 'opened' when it is new (a conditional put), 'extended' when it was there and this detection
   * reaches later (or changes its severity), 'unchanged' otherwise. Never moves an episode's last day backwards.
   */
  record(episode: AnomalyEpisode): Promise<'opened' | 'extended' | 'unchanged'>;
  /** Keeps the latest forecast of a month made before the month began (a later `basis.to` wins). */
  saveForecast(customerId: string, forecast: Forecast): Promise<void>;
  /**
   * Records the actual figures of a closed month against its stored forecast, once. Without a stored one (the
   * month's data came in the same file as the months before it) `retrospective` is stored and scored instead. Returns
   * the forecast scored and whether it was made ahead, or undefined when the month was scored before.
   */
  closeForecast(
    customerId: string,
    period: string,
    actual: { kwh: number; maxDemandKw: number },
    retrospective: Forecast,
  ): Promise<{ forecast: Forecast; ahead: boolean } | undefined>;
}

export interface InsightPorts {
  customers: { get(id: string): Promise<(Customer & { segment?: Segment }) | undefined> };
  tariffs: { get(id: string): Promise<Tariff | undefined> };
  peers: { get(): Promise<PeerGroupFigures | undefined> };
  insights: InsightStore;
  tasks: Pick<ConsoleStore, 'createTask'>;
  clock: () => Date;
  /** The business day of an instant (a task's day and due date). */
  dayOf: (at: Date) => string;
}

export interface InsightEvents {
  /** An episode recorded for the first time. */
  opened?: (customerId: string, anomaly: Anomaly, task: boolean) => void;
  /** A closed month's absolute percentage error of forecast kWh (and of max demand), reported once per customer-month. */
  forecastError?: (customerId: string, period: string, kwhPct: number, maxDemandPct: number, ahead: boolean) => void;
}

export interface InsightOutcome {
  customers: number;
  forecasts: number;
  anomalies: number;
  opened: Partial<Record<AnomalyKind, number>>;
  tasks: number;
}

/** One ingest's insights work: run per customer (on the days refreshFeatures read), then its outcome for the log. */
export interface InsightSession extends AlongsideFeatures {
  readonly outcome: InsightOutcome;
}

/**
 * Forecasts and anomalies of the customers an ingest touched (see the module comment). Returns a session factory: the
 * ingest starts one per file and hands it to `refreshFeatures`, which reads each customer's days once for both; the
 * peer groups and each tariff are read once per session.
 */
export function refreshInsights(ports: InsightPorts, config: DomainConfig, events: InsightEvents = {}): () => InsightSession {
  const fcfg = config.forecast ?? DEFAULT_FORECAST;
  const acfg = config.anomalies;
  // The detection window: a baseline before the oldest day worth reporting, and the time a shift takes to become
  // the new normal, so an episode that is still reported is seen from its start.
  const windowDays = REPORT_DAYS + acfg.baselineDays + acfg.rebaseDays;
  // The forecast reads up to maxHistoryDays before next month; a month more lets a customer lag the population's
  // latest day (which ends the read) without losing history.
  const historyDays = Math.max(fcfg.maxHistoryDays, windowDays) + 31;
  return () => {
    const out: InsightOutcome = { customers: 0, forecasts: 0, anomalies: 0, opened: {}, tasks: 0 };
    let peers: Promise<PeerGroupFigures | undefined> | undefined;
    const tariffs = new Map<string, Promise<Tariff | undefined>>();
    const run = async (customerId: string, days: readonly DailyUsage[]): Promise<void> => {
      const asOf = days.at(-1)?.day;
      if (!asOf) return;
      const customer = await ports.customers.get(customerId);
      if (!customer) return;
      if (!tariffs.has(customer.tariffId)) tariffs.set(customer.tariffId, ports.tariffs.get(customer.tariffId));
      const tariff = await tariffs.get(customer.tariffId);
      const targetFrom = periodRange(shiftPeriod(asOf.slice(0, 7), 1)).from;

      const forecast = forecastNextMonth({
        days,
        asOf,
        bands: scheduleOn(tariff, targetFrom, config.bands),
        ...(tariff ? { tariff, customer } : {}),
        config: fcfg,
      });

      const windowFrom = nextDay(asOf, -(windowDays - 1));
      // Flat lines from the roll-ups' run summaries: no meter item is read.
      const recent = days.filter((d) => d.day >= windowFrom);
      const known = await ports.insights.episodes(customerId, nextDay(windowFrom, -acfg.mergeDays));
      const figures = await (peers ??= ports.peers.get());
      const peerProfile = customer.segment ? figures?.groups.find((g) => g.group === customer.segment!.peerGroup)?.medianProfile ?? null : null;
      const detected = detectAnomalies({ days: recent, contractKva: customer.contractKva, contractKw: customer.contractKw, peerProfile, config: acfg, known });
      const now = ports.clock();
      const reportFrom = nextDay(asOf, -(REPORT_DAYS - 1));
      const taskFrom = nextDay(asOf, -TASK_RECENT_DAYS);
      for (const a of detected) {
        const recentEnough = a.ongoing || a.to >= taskFrom;
        // The task first: a crash between the two leaves the episode unrecorded, so the retry records it and finds
        // the task there (its id is the episode's) instead of never opening one.
        let task = false;
        if (recentEnough) {
          const created = await ports.tasks.createTask(anomalyTask(customer, a, ports.dayOf(now)));
          if (created === 'created') {
            task = true;
            out.tasks++;
          }
        }
        const r = await ports.insights.record({ ...a, customerId, openedAt: now.toISOString(), lastSeenAt: now.toISOString(), data: DATA_KINDS.has(a.kind) });
        if (r === 'opened') {
          out.opened[a.kind] = (out.opened[a.kind] ?? 0) + 1;
          events.opened?.(customerId, a, task);
        }
      }
      const reported = detected.filter((a) => a.to >= reportFrom).sort((a, b) => (a.to > b.to ? -1 : a.to < b.to ? 1 : a.from > b.from ? -1 : 1));
      await ports.insights.save(customerId, { asOf, computedAt: now.toISOString(), forecast, anomalies: reported });
      if (isForecast(forecast)) await ports.insights.saveForecast(customerId, forecast);

      // The latest closed month: its forecast against what happened, once.
      const month = asOf.slice(0, 7);
      const closed = asOf === periodRange(month).to ? month : shiftPeriod(month, -1);
      const range = periodRange(closed);
      const inMonth = days.filter((d) => d.day >= range.from && d.day <= range.to);
      // Retrospective: what the same model makes of the days before the month only (as it would have the day before).
      const retro = inMonth.length === range.days ? forecastNextMonth({ days, period: closed, bands: scheduleOn(tariff, range.from, config.bands), config: fcfg }) : undefined;
      if (retro && isForecast(retro)) {
        const actual = { kwh: inMonth.reduce((s, d) => s + d.kwh, 0), maxDemandKw: Math.max(...inMonth.map((d) => d.maxDemandKw)) };
        const scored = await ports.insights.closeForecast(customerId, closed, actual, retro);
        if (scored && actual.kwh > 0 && actual.maxDemandKw > 0) {
          const f = scored.forecast;
          events.forecastError?.(customerId, closed, (100 * Math.abs(f.kwh - actual.kwh)) / actual.kwh, (100 * Math.abs(f.maxDemandKw - actual.maxDemandKw)) / actual.maxDemandKw, scored.ahead);
        }
      }
      out.customers++;
      if (isForecast(forecast)) out.forecasts++;
      out.anomalies += reported.length;
    };
    return { historyDays, run, outcome: out };
  };
}

/** The account manager's task for an anomaly episode: a call to find out what happened (the evidence is its note). */
export function anomalyTask(customer: Customer, a: Anomaly, today: string): Task {
  const key = anomalyTaskKey(a.from, a.episodeKey);
  return {
    id: taskId(customer.customerId, key),
    customerId: customer.customerId,
    kind: 'phone-call',
    day: today,
    dueOn: nextDay(today, a.severity === 'high' ? 1 : DUE_DAYS['phone-call']),
    assignee: customer.accountManagerEmail,
    source: { kind: 'anomaly', anomaly: a.kind, episodeKey: a.episodeKey, from: a.from, severity: a.severity, evidence: a.evidence },
    note: a.evidence,
    status: 'open',
  };
}

