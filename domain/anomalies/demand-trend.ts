/** Least-squares line through (x, y); null with fewer than 2 distinct x. */
export function fitLine(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number; sse: number; slopeSe: number } | null {
  const n = xs.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]! / n;
    my += ys[i]! / n;
  }
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i]! - intercept - slope * xs[i]!) ** 2;
  const slopeSe = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : Number.POSITIVE_INFINITY;
  return { slope, intercept, sse, slopeSe };
}

/**
 * The trend of daily maximum demand, projected `horizon` days past the last point. A step (a level shift: a new
 * machine, a second shift) also tilts a least-squares line, yet it is no trend: when one step between two flat
 * levels fits better than the line, only the points after the step are fitted (at least half of them), so a flat
 * new level projects flat. Null when there is no significant upward trend (slope below `minT` standard errors).
 */
export function projectDemand(
  xs: readonly number[],
  ys: readonly number[],
  horizon: number,
  minT = 3,
): { projected: number; risePerHorizon: number; current: number; t: number } | null {
  const line = fitLine(xs, ys);
  if (!line) return null;
  let from = 0;
  const n = xs.length;
  let bestStep = Number.POSITIVE_INFINITY;
  for (let k = 3; k <= n - 3; k++) {
    let sse = 0;
    for (const [a, b] of [[0, k], [k, n]] as const) {
      let m = 0;
      for (let i = a; i < b; i++) m += ys[i]! / (b - a);
      for (let i = a; i < b; i++) sse += (ys[i]! - m) ** 2;
    }
    if (sse < bestStep) {
      bestStep = sse;
      from = k;
    }
  }
  let use = line;
  if (bestStep < line.sse) {
    if (n - from < Math.max(8, n / 2)) return null;
    const after = fitLine(xs.slice(from), ys.slice(from));
    if (!after) return null;
    use = after;
  }
  // Noise alone tilts a short line: only a slope several standard errors above zero is a trend.
  const t = use.slopeSe > 0 ? use.slope / use.slopeSe : use.slope > 0 ? Number.POSITIVE_INFINITY : 0;
  if (t < minT) return null;
  const last = xs[n - 1]!;
  return { projected: use.intercept + use.slope * (last + horizon), risePerHorizon: use.slope * horizon, current: use.intercept + use.slope * last, t };
}
