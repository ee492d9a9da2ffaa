/**
 * Runs of flagged days. A detector says of each day, in order, hit / miss / skip (not judgeable: a data problem, an
 * idle kind of day); a run is the hits until more than `gap` consecutive misses. Skips neither extend nor end a run,
 * so a weekend-idle plant's weekends do not split a weekday episode.
 */

export interface Hit {
  index: number;
  epochDay: number;
  /** The day's figure and its baseline, for the evidence. */
  value: number;
  base: number;
}

export interface ClosedRun {
  hits: Hit[];
  /** The run reached the end of the window without being closed. */
  open: boolean;
  /** Closed because it lasted `rebaseDays`: the shift is now the customer's normal. */
  rebased: boolean;
}

export class RunTracker {
  private hits: Hit[] = [];
  private misses = 0;
  readonly closed: ClosedRun[] = [];

  private readonly gap: number;

  constructor(gap: number) {
    this.gap = gap;
  }

  hit(h: Hit): void {
    this.hits.push(h);
    this.misses = 0;
  }

  miss(): void {
    if (this.hits.length === 0) return;
    this.misses++;
    if (this.misses > this.gap) this.close(false);
  }

  /** Calendar span of the current run so far, in days (0 without one). */
  span(): number {
    return this.hits.length ? this.hits[this.hits.length - 1]!.epochDay - this.hits[0]!.epochDay + 1 : 0;
  }

  close(rebased: boolean): Hit[] {
    const hits = this.hits;
    if (hits.length) this.closed.push({ hits, open: false, rebased });
    this.hits = [];
    this.misses = 0;
    return hits;
  }

  /** All runs, the current one (if any) last and marked open. */
  finish(): ClosedRun[] {
    return this.hits.length ? [...this.closed, { hits: this.hits, open: true, rebased: false }] : this.closed;
  }
}
