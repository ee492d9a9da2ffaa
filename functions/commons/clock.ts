import { readFileSync } from 'node:fs';

/**
 * The time now. In AWS it is the system clock. The local runner may set KAM_LOCAL_CLOCK_FILE to a file holding an
 * ISO timestamp, so a simulated month (`kam local`) runs its scheduled handlers on simulated days, with the
 * notices and payments in the order they would meet in reality.
 */
export function now(): Date {
  const file = process.env.KAM_LOCAL_CLOCK_FILE;
  if (!file) return new Date();
  try {
    const text = readFileSync(file, 'utf8').trim();
    const t = Date.parse(text);
    return Number.isNaN(t) ? new Date() : new Date(t);
  } catch {
    return new Date();
  }
}

/**
 * Elapsed time, for leases and settle waits (the population marker's change time, the population job's lease): the
 * system clock even when the local runner simulates a business day, which stands still and would never let a lease
 * run out. Business dates (statement periods, due dates, notices) come from `now`.
 */
export function realTime(): Date {
  return new Date();
}
