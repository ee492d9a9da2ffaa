import { mulberry32 } from '../domain/classification/prng.ts';
import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from '../domain/config.ts';
import { ANOMALY_KINDS, type Anomaly, type AnomalyKind } from '../domain/anomalies/anomaly.ts';
import { detectAnomalies } from '../domain/anomalies/detect.ts';
import { Zone, dayKeyOfEpochDay, epochDayOf } from '../domain/time/zone.ts';
import type { DayWithMeters } from '../domain/usage/meter-day.ts';
import { RHYTHMS, type Rhythm, rhythmShare, syntheticDay } from './anomaly-series.ts';

/**
 * A generated population with injected, labelled anomalies (issue 11 §3 acceptance): customers of varied weekly
 * rhythms (continuous, day shift idle at weekends, six-day week, two shifts, night shift; shift start varied by
 * customer) with day-to-day noise of 3–12%, interval noise, a slow drift of up to ±10%, communication gaps and
 * holidays of 3–7 days that are not anomalies; about a third get one or two anomalies of the nine kinds.
 * Deterministic for a seed. The generator is written from what each anomaly is, not from how the detectors work.
 */

export interface Injected {
  customerId: string;
  kind: AnomalyKind;
  from: string;
  to: string;
}

export interface GeneratedCustomer {
  customerId: string;
  rhythm: Rhythm;
  contractKva: number;
  contractKw: number;
  days: DayWithMeters[];
}

const SLOTS = 96;
const MINUTES = 15;

export function generateAnomalySet(customers = 300, nDays = 120, seed = 11): { customers: GeneratedCustomer[]; injected: Injected[] } {
  const rnd = mulberry32(seed);
  const uni = (a: number, b: number): number => a + (b - a) * rnd();
  const int = (a: number, b: number): number => Math.floor(uni(a, b + 1));
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const start = epochDayOf('2026-03-02');
  const dayKey = (i: number): string => dayKeyOfEpochDay(start + i);
  const weekday = (i: number): number => Zone.weekday(dayKey(i));
  const out: GeneratedCustomer[] = [];
  const injected: Injected[] = [];

  for (let c = 0; c < customers; c++) {
    const customerId = `C${String(c + 1).padStart(4, '0')}`;
    // A third of the customers get anomalies, the nine kinds in turn; night and weekend load can only appear at a
    // customer without it, so those go to day-shift (or six-day) plants.
    const primary = c % 3 === 0 ? ANOMALY_KINDS[(c / 3) % ANOMALY_KINDS.length]! : null;
    const rhythm: Rhythm =
      primary === 'new-weekend-load' ? 'day-shift' : primary === 'new-night-load' ? (rnd() < 0.5 ? 'day-shift' : 'six-day') : RHYTHMS[c % RHYTHMS.length]!;
    const peakKw = uni(200, 2000);
    const meterIds = rnd() < 0.5 ? ['M1'] : ['M1', 'M2'];
    const split = meterIds.length === 1 ? [1] : [0.6, 0.4];
    // Customers differ: how noisy their days are, when their shifts start, and a slow drift over the months.
    const noise = uni(0.03, 0.12);
    const offset = rhythm === 'continuous' || rhythm === 'night-shift' ? 0 : int(-2, 1);
    const drift = uni(-0.1, 0.1);

    // kW per slot per day before injections: [day][slot].
    const load: number[][] = [];
    for (let i = 0; i < nDays; i++) {
      const dayNoise = (1 + noise * gauss()) * (1 + (drift * i) / nDays);
      const row: number[] = [];
      for (let s = 0; s < SLOTS; s++) row.push(Math.max(0, peakKw * rhythmShare(rhythm, weekday(i), (s / 4 - offset + 24) % 24) * dayNoise * (1 + 0.04 * gauss())));
      load.push(row);
    }
    // Holidays are normal: 3 to 7 days at a fraction of the usual load for a third of customers.
    if (rnd() < 0.33) {
      const h = int(30, nDays - 10);
      const f = uni(0.1, 0.5);
      const len = int(3, 7);
      for (let i = h; i < Math.min(nDays, h + len); i++) for (let s = 0; s < SLOTS; s++) load[i]![s]! *= f;
    }
    const baseMax = Math.max(...load.map((r) => Math.max(...r)));

    // Anomalies: the kinds that make sense for this rhythm.
    const kinds: AnomalyKind[] = [];
    if (primary) {
      const first = primary;
      kinds.push(first);
      if (rnd() < 0.4) {
        // A second, data anomaly. Flat line, spike and zero reads would overwrite each other's intervals (a label
        // the data no longer holds), so those pair only with estimated intervals.
        const clash = first === 'flat-line' || first === 'spike' || first === 'zero-reads';
        const data = clash ? (['estimated-share'] as const) : (['flat-line', 'zero-reads', 'spike', 'estimated-share'] as const).filter((k) => k !== first);
        kinds.push(data[int(0, data.length - 1)]!);
      }
    }
    const behaviour = kinds.find((k) => !['flat-line', 'zero-reads', 'spike', 'estimated-share'].includes(k));
    // Contract: usual maximum demand at 35–65% of contract kVA, 70–80% of contract kW for a demand-trend customer;
    // a level rise keeps its maximum demand below 80% of contract kW (or it would also be an unlabelled demand anomaly).
    const riseFactor = uni(1.45, 1.9);
    const contractKva = Math.round(
      behaviour === 'demand-near-contract'
        ? baseMax / uni(0.63, 0.72) / 0.9
        : behaviour === 'level-rise'
          ? Math.max(baseMax / uni(0.35, 0.65), (baseMax * riseFactor) / uni(0.6, 0.8) / 0.9)
          : baseMax / uni(0.35, 0.65),
    );
    const contractKw = Math.round(contractKva * 0.9);
    const label = (kind: AnomalyKind, from: number, to: number): void => {
      injected.push({ customerId, kind, from: dayKey(from), to: dayKey(Math.min(to, nDays - 1)) });
    };

    const quality: string[][] = Array.from({ length: nDays }, () => new Array<string>(SLOTS).fill('A'));
    const stuck: { day: number; slot: number; n: number; meter: number }[] = [];
    const spikes: { day: number; slot: number; kw: number }[] = [];
    for (const kind of kinds) {
      switch (kind) {
        case 'level-drop':
        case 'level-rise': {
          const from = int(40, 100);
          const to = rnd() < 0.3 ? nDays - 1 : Math.min(nDays - 1, from + int(10, 40));
          const f = kind === 'level-drop' ? uni(0.35, 0.6) : riseFactor;
          for (let i = from; i <= to; i++) for (let s = 0; s < SLOTS; s++) load[i]![s]! *= f;
          label(kind, from, to);
          break;
        }
        case 'new-night-load': {
          const from = int(50, 105);
          const f = uni(0.4, 0.8);
          for (let i = from; i < nDays; i++) if (weekday(i) <= (rhythm === 'six-day' ? 6 : 5)) for (let s = 0; s < 24; s++) load[i]![s]! += peakKw * f * (1 + 0.04 * gauss());
          label(kind, from, nDays - 1);
          break;
        }
        case 'new-weekend-load': {
          const from = int(50, 100);
          const f = uni(0.6, 1);
          let first = -1;
          for (let i = from; i < nDays; i++) {
            if (weekday(i) <= 5) continue;
            if (first < 0) first = i;
            for (let s = 32; s < 72; s++) load[i]![s]! += peakKw * f * (1 + 0.04 * gauss());
          }
          label(kind, first, nDays - 1);
          break;
        }
        case 'demand-near-contract': {
          // A growing start-up surge at 09:00–10:00: maximum demand climbs to 100–115% of contract kW by the end.
          const from = int(45, 70);
          const target = contractKw * uni(1, 1.15);
          for (let i = from; i < nDays; i++) {
            if (weekday(i) > 5 && rhythm !== 'continuous' && rhythm !== 'night-shift') continue;
            const extra = ((target - baseMax) * (i - from)) / (nDays - 1 - from);
            for (let s = 36; s < 40; s++) load[i]![s]! = Math.max(load[i]![s]!, baseMax * 0.97 + extra * (1 + 0.02 * gauss()));
          }
          label(kind, from, nDays - 1);
          break;
        }
        case 'flat-line': {
          const day = int(20, nDays - 3);
          const n = int(20, 150);
          stuck.push({ day, slot: int(0, SLOTS - 1), n, meter: int(0, meterIds.length - 1) });
          break;
        }
        case 'zero-reads': {
          let day = int(30, nDays - 4);
          while (weekday(day) > 5 || (rhythm === 'six-day' && weekday(day) > 6)) day++;
          const n = int(1, 3);
          let last = day;
          for (let i = day; i < day + n && i < nDays && weekday(i) <= 5; i++) {
            load[i]!.fill(0);
            last = i;
          }
          label(kind, day, last);
          break;
        }
        case 'spike': {
          const day = int(20, nDays - 1);
          spikes.push({ day, slot: int(0, SLOTS - 1), kw: contractKva * uni(1.6, 3) });
          label(kind, day, day);
          break;
        }
        case 'estimated-share': {
          const day = int(20, nDays - 3);
          const n = int(1, 3);
          for (let i = day; i < day + n; i++) {
            const len = int(Math.ceil(0.4 * SLOTS), SLOTS);
            const at = int(0, SLOTS - len);
            for (let s = at; s < at + len; s++) quality[i]![s] = 'E';
          }
          label(kind, day, day + n - 1);
          break;
        }
      }
    }

    // Per-meter interval kWh, rounded to the meter's 3 decimals; then the stuck registers and spikes.
    const values: number[][][] = meterIds.map((_, m) => load.map((row) => row.map((kw) => Math.round(((kw * split[m]!) / 4) * 1000) / 1000)));
    for (const sp of spikes) values[0]![sp.day]![sp.slot] = Math.round((sp.kw / 4) * 1000) / 1000;
    for (const st of stuck) {
      let i = st.day;
      let s = st.slot;
      let v = values[st.meter]![i]![s]!;
      if (v <= 0) v = 0.5;
      let last = i;
      for (let k = 0; k < st.n && i < nDays; k++) {
        values[st.meter]![i]![s] = v;
        last = i;
        if (++s === SLOTS) {
          s = 0;
          i++;
        }
      }
      label('flat-line', st.day, last);
    }
    const days: DayWithMeters[] = [];
    for (let i = 0; i < nDays; i++) {
      const meters: Record<string, { kwh: (number | null)[]; quality: string }> = {};
      meterIds.forEach((id, m) => {
        const kwh: (number | null)[] = values[m]![i]!;
        const q = [...quality[i]!];
        // Communication gaps: one meter-day in twenty misses 1 to 8 intervals.
        if (rnd() < 0.05) {
          const at = int(0, SLOTS - 8);
          for (let s = at; s < at + int(1, 8); s++) {
            kwh[s] = null;
            q[s] = '-';
          }
        }
        meters[id] = { kwh, quality: q.join('') };
      });
      days.push(syntheticDay(customerId, dayKey(i), meters, MINUTES));
    }
    out.push({ customerId, rhythm, contractKva, contractKw, days });
  }
  return { customers: out, injected };
}

export interface KindScore {
  kind: AnomalyKind;
  injected: number;
  detected: number;
  truePositives: number;
  recalled: number;
  precision: number;
  recall: number;
}

const overlaps = (a: { from: string; to: string }, b: { from: string; to: string }): boolean => a.from <= b.to && b.from <= a.to;

/** Precision and recall per kind: a detection matches an injected anomaly of the same customer and kind whose days overlap. */
export function scoreAnomalies(injected: readonly Injected[], detected: ReadonlyMap<string, readonly Anomaly[]>): KindScore[] {
  return ANOMALY_KINDS.map((kind) => {
    const inj = injected.filter((x) => x.kind === kind);
    let det = 0;
    let tp = 0;
    for (const [customerId, list] of detected) {
      for (const a of list) {
        if (a.kind !== kind) continue;
        det++;
        if (inj.some((x) => x.customerId === customerId && overlaps(x, a))) tp++;
      }
    }
    const recalled = inj.filter((x) => (detected.get(x.customerId) ?? []).some((a) => a.kind === kind && overlaps(x, a))).length;
    return { kind, injected: inj.length, detected: det, truePositives: tp, recalled, precision: det ? tp / det : 1, recall: inj.length ? recalled / inj.length : 1 };
  });
}

export function benchAnomalies(opts: { customers?: number; days?: number; seed?: number; config?: AnomalyConfig } = {}): {
  scores: KindScore[];
  customers: number;
  days: number;
  withAnomalies: number;
  msPerCustomer: number;
  generateSeconds: number;
  detected: Map<string, Anomaly[]>;
  injected: Injected[];
} {
  const t0 = performance.now();
  const set = generateAnomalySet(opts.customers ?? 300, opts.days ?? 120, opts.seed ?? 11);
  const t1 = performance.now();
  const detected = new Map<string, Anomaly[]>();
  for (const c of set.customers) detected.set(c.customerId, detectAnomalies({ days: c.days, contractKva: c.contractKva, contractKw: c.contractKw, config: opts.config ?? DEFAULT_ANOMALY_CONFIG }));
  const t2 = performance.now();
  return {
    scores: scoreAnomalies(set.injected, detected),
    customers: set.customers.length,
    days: opts.days ?? 120,
    withAnomalies: new Set(set.injected.map((x) => x.customerId)).size,
    msPerCustomer: (t2 - t1) / set.customers.length,
    generateSeconds: (t1 - t0) / 1000,
    detected,
    injected: set.injected,
  };
}

export function formatAnomalyTable(r: ReturnType<typeof benchAnomalies>): string {
  const lines = [
    `anomalies: ${r.customers} generated customers × ${r.days} days, ${r.withAnomalies} with injected anomalies (generated in ${r.generateSeconds.toFixed(1)} s)`,
    `  ${'kind'.padEnd(22)} ${'injected'.padStart(8)} ${'detected'.padStart(8)} ${'precision'.padStart(9)} ${'recall'.padStart(7)}`,
  ];
  for (const s of r.scores) {
    lines.push(`  ${s.kind.padEnd(22)} ${String(s.injected).padStart(8)} ${String(s.detected).padStart(8)} ${s.precision.toFixed(3).padStart(9)} ${s.recall.toFixed(3).padStart(7)}`);
  }
  lines.push(`  detection time ${r.msPerCustomer.toFixed(2)} ms per customer (${r.days} days of 15-minute data)`);
  return lines.join('\n');
}

// Run directly: node --import tsx bench/anomalies.ts [--verbose]
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchAnomalies();
  console.log(formatAnomalyTable(r));
  if (process.argv.includes('--verbose')) {
    for (const [id, list] of r.detected) {
      for (const a of list) {
        if (!r.injected.some((x) => x.customerId === id && x.kind === a.kind && overlaps(x, a))) console.log(`FP ${id} ${a.kind} ${a.from}..${a.to} ${a.evidence}`);
      }
    }
    for (const x of r.injected) if (!(r.detected.get(x.customerId) ?? []).some((a) => a.kind === x.kind && overlaps(x, a))) console.log(`FN ${x.customerId} ${x.kind} ${x.from}..${x.to}`);
  }
}
