/**
 * Runs of flagged days. A detector says of each day, in order, hit / miss / skip (not judgeable: a data problem, an
 * idle kind of day); a run is the hits until more than `gap` consecutive misses. Skips neither extend nor end a run,
 * so a weekend-idle plant's weekends do not split a weekday episode. A hit right after a miss counts only once a
 * further hit confirms it: a holiday followed by one noisy day is not a longer dip.
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
  /** The last hit came right after a miss and is not confirmed yet. */
  private tentative = false;
  private misses = 0;
  readonly closed: ClosedRun[] = [];

  private readonly gap: number;
  private readonly merge: number;
  private readonly mergeMinSpan: number;

  /**
   * `gap`: misses that end a run. `merge`: a run ended by misses that had lasted `mergeMinSpan` days (one that was
   * reported) is taken up again (same first day, same episode) by a hit at most this many days after its last one,
   * so a holiday inside a long shift does not make two; short runs are not, so noise and a holiday make no shift.
   */
  constructor(gap: number, merge = 0, mergeMinSpan = 1) {
    this.gap = gap;
    this.merge = merge;
    this.mergeMinSpan = mergeMinSpan;
  }

  hit(h: Hit): void {
    const prev = this.closed[this.closed.length - 1];
    const prevEnd = prev ? prev.hits[prev.hits.length - 1]!.epochDay : 0;
    if (this.hits.length === 0 && prev && !prev.rebased && h.epochDay - prevEnd <= this.merge && prevEnd - prev.hits[0]!.epochDay + 1 >= this.mergeMinSpan) {
      this.closed.pop();
      this.hits = prev.hits;
      this.misses = 1;
    }
    this.tentative = this.hits.length > 0 && this.misses > 0;
    this.hits.push(h);
    this.misses = 0;
  }

  /** The run's hits without an unconfirmed last one. */
  private confirmed(): Hit[] {
    return this.tentative ? this.hits.slice(0, -1) : this.hits;
  }

  miss(): void {
    if (this.hits.length === 0) return;
    this.misses++;
    if (this.misses > this.gap) this.close(false);
  }

  /** A run is under way (a detector may hold it on a looser threshold than it takes to start one). */
  get active(): boolean {
    return this.hits.length > 0;
  }

  /** Calendar span of the current run so far, in days (0 without one). */
  span(): number {
    const hits = this.confirmed();
    return hits.length ? hits[hits.length - 1]!.epochDay - hits[0]!.epochDay + 1 : 0;
  }

  close(rebased: boolean): Hit[] {
    const hits = this.confirmed();
    if (hits.length) this.closed.push({ hits, open: false, rebased });
    this.hits = [];
    this.tentative = false;
    this.misses = 0;
    return hits;
  }

  /** All runs, the current one (if any) last and marked open. */
  finish(): ClosedRun[] {
    const hits = this.confirmed();
    return hits.length ? [...this.closed, { hits, open: true, rebased: false }] : this.closed;
  }
}
