import { mulberry32 } from './prng.ts';

export interface PeerGroupOptions {
  minK: number;
  maxK: number;
  seed: number;
  /** k-means++ restarts per k; the lowest inertia wins. */
  restarts?: number;
  maxIterations?: number;
  /** k is chosen on at most this many profiles (silhouette is quadratic); the final fit uses all of them. */
  sampleSize?: number;
}

export const DEFAULT_PEER_GROUP_TUNING = { restarts: 4, maxIterations: 100, sampleSize: 2000 } as const;

export interface PeerGroupSummary {
  /** 1-based; groups are numbered by descending size, then by centroid (lexicographic). */
  group: number;
  size: number;
  /** Mean normalized profile of the members. */
  centroid: number[];
}

export interface PeerGroupResult {
  k: number;
  /** Mean silhouette (Euclidean) of the chosen k on the sampled profiles; null when there was no k to choose. */
  silhouette: number | null;
  groups: PeerGroupSummary[];
  /** Group per input profile, aligned with the input. */
  assignments: number[];
}

/**
 * Peer groups by k-means++ on normalized daily profiles. k runs over minK..maxK (at most n − 1 and the number of
 * distinct profiles) and the k with the highest mean silhouette wins (ties: the smaller k). Each k keeps the best
 * of several seeded restarts. With more profiles than `sampleSize`, k and the starting centroids come from a
 * seeded sample and Lloyd's iterations then run on every profile, so the cost stays O(n·k·iterations).
 * Fewer than 3 profiles, or all identical: one group. Same input and seed → same output.
 */
export function peerGroups(profiles: readonly (readonly number[])[], opts: PeerGroupOptions): PeerGroupResult {
  const n = profiles.length;
  if (n === 0) return { k: 0, silhouette: null, groups: [], assignments: [] };
  const dims = profiles[0]!.length;
  for (const p of profiles) if (p.length !== dims) throw new Error('peer groups: profiles differ in length');
  const restarts = Math.max(1, opts.restarts ?? DEFAULT_PEER_GROUP_TUNING.restarts);
  const maxIter = Math.max(1, opts.maxIterations ?? DEFAULT_PEER_GROUP_TUNING.maxIterations);
  const sampleSize = Math.max(3, opts.sampleSize ?? DEFAULT_PEER_GROUP_TUNING.sampleSize);
  const rng = mulberry32(opts.seed);

  const points = new Float64Array(n * dims);
  profiles.forEach((p, i) => points.set(p, i * dims));

  const sampleIdx = sampleIndices(n, sampleSize, rng);
  const m = sampleIdx.length;
  const sample = new Float64Array(m * dims);
  sampleIdx.forEach((idx, i) => sample.set(points.subarray(idx * dims, idx * dims + dims), i * dims));

  const kLo = Math.max(2, opts.minK);
  const kHi = Math.min(opts.maxK, n - 1, distinctCount(sample, m, dims));
  if (n < 3 || kHi < kLo) return finish(points, n, dims, new Int32Array(n), 1, null);

  const dist = pairwiseDistances(sample, m, dims);
  let chosen: Fit | undefined;
  let chosenScore = -Infinity;
  for (let k = kLo; k <= kHi; k++) {
    let best: Fit | undefined;
    for (let r = 0; r < restarts; r++) {
      const fit = lloyd(sample, m, dims, seedCentroids(sample, m, dims, k, rng), maxIter);
      if (best === undefined || fit.inertia < best.inertia - 1e-12) best = fit;
    }
    const score = silhouette(dist, m, best!.assign, best!.k);
    if (score > chosenScore + 1e-12) {
      chosen = best;
      chosenScore = score;
    }
  }
  const fit = m === n ? chosen! : lloyd(points, n, dims, chosen!.centroids, maxIter);
  return finish(points, n, dims, fit.assign, fit.k, chosenScore);
}

interface Fit {
  k: number;
  centroids: Float64Array;
  assign: Int32Array;
  inertia: number;
}

function sampleIndices(n: number, size: number, rng: () => number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (n <= size) return idx;
  // Partial Fisher–Yates: the first `size` slots become a uniform seeded sample.
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, size).sort((a, b) => a - b);
}

function distinctCount(points: Float64Array, n: number, dims: number): number {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(points.subarray(i * dims, i * dims + dims).join(','));
  return seen.size;
}

function sqDist(a: Float64Array, i: number, b: Float64Array, j: number, dims: number): number {
  let s = 0;
  const ai = i * dims;
  const bj = j * dims;
  for (let d = 0; d < dims; d++) {
    const x = a[ai + d]! - b[bj + d]!;
    s += x * x;
  }
  return s;
}

/** k-means++: the first centroid uniformly, each further one with probability ∝ squared distance. */
function seedCentroids(points: Float64Array, n: number, dims: number, k: number, rng: () => number): Float64Array {
  const c = new Float64Array(k * dims);
  const first = Math.floor(rng() * n);
  c.set(points.subarray(first * dims, first * dims + dims), 0);
  const d2 = new Float64Array(n);
  for (let i = 0; i < n; i++) d2[i] = sqDist(points, i, c, 0, dims);
  let chosen = 1;
  while (chosen < k) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += d2[i]!;
    if (!(sum > 0)) break;
    const target = rng() * sum;
    let pick = -1;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      if (d2[i]! <= 0) continue;
      pick = i;
      acc += d2[i]!;
      if (acc > target) break;
    }
    c.set(points.subarray(pick * dims, pick * dims + dims), chosen * dims);
    for (let i = 0; i < n; i++) d2[i] = Math.min(d2[i]!, sqDist(points, i, c, chosen, dims));
    chosen++;
  }
  return c.slice(0, chosen * dims);
}

/** Lloyd's iterations from the given centroids; an emptied cluster takes the point farthest from its centroid. */
function lloyd(points: Float64Array, n: number, dims: number, start: Float64Array, maxIter: number): Fit {
  const k = start.length / dims;
  const centroids = Float64Array.from(start);
  const assign = new Int32Array(n).fill(-1);
  const d2 = new Float64Array(n);
  const assignStep = (): boolean => {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = sqDist(points, i, centroids, c, dims);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (assign[i] !== best) changed = true;
      assign[i] = best;
      d2[i] = bestD;
    }
    return changed;
  };
  const updateStep = (): void => {
    const sums = new Float64Array(k * dims);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const c = assign[i]!;
      counts[c]!++;
      for (let d = 0; d < dims; d++) sums[c * dims + d]! += points[i * dims + d]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c]! > 0) continue;
      let far = -1;
      for (let i = 0; i < n; i++) if (counts[assign[i]!]! > 1 && (far < 0 || d2[i]! > d2[far]!)) far = i;
      if (far < 0) continue;
      const old = assign[far]!;
      counts[old]!--;
      for (let d = 0; d < dims; d++) sums[old * dims + d]! -= points[far * dims + d]!;
      counts[c] = 1;
      for (let d = 0; d < dims; d++) sums[c * dims + d] = points[far * dims + d]!;
      assign[far] = c;
      d2[far] = 0;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let d = 0; d < dims; d++) centroids[c * dims + d] = sums[c * dims + d]! / counts[c]!;
    }
  };

  assignStep();
  for (let iter = 0; iter < maxIter; iter++) {
    updateStep();
    if (!assignStep()) break;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += d2[i]!;
  return { k, centroids, assign, inertia };
}

/** Euclidean distances of all pairs i < j, row by row. */
function pairwiseDistances(points: Float64Array, n: number, dims: number): Float64Array {
  const out = new Float64Array((n * (n - 1)) / 2);
  let p = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[p++] = Math.sqrt(sqDist(points, i, points, j, dims));
  return out;
}

/** Mean silhouette; a point alone in its cluster scores 0. */
function silhouette(dist: Float64Array, n: number, assign: Int32Array, k: number): number {
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) counts[assign[i]!]!++;
  let nonEmpty = 0;
  for (let c = 0; c < k; c++) if (counts[c]! > 0) nonEmpty++;
  if (nonEmpty < 2) return -1;
  const sums = new Float64Array(n * k);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const ci = assign[i]!;
    for (let j = i + 1; j < n; j++) {
      const d = dist[p++]!;
      sums[i * k + assign[j]!]! += d;
      sums[j * k + ci]! += d;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const own = assign[i]!;
    if (counts[own]! <= 1) continue;
    const a = sums[i * k + own]! / (counts[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && counts[c]! > 0) b = Math.min(b, sums[i * k + c]! / counts[c]!);
    const denom = Math.max(a, b);
    total += denom > 0 ? (b - a) / denom : 0;
  }
  return total / n;
}

/** Drops empty clusters, numbers groups by size then centroid, and recomputes centroids as member means. */
function finish(
  points: Float64Array,
  n: number,
  dims: number,
  assign: Int32Array,
  k: number,
  score: number | null,
): PeerGroupResult {
  const sums = new Float64Array(k * dims);
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const c = assign[i]!;
    counts[c]!++;
    for (let d = 0; d < dims; d++) sums[c * dims + d]! += points[i * dims + d]!;
  }
  const clusters = Array.from({ length: k }, (_, c) => ({
    c,
    size: counts[c]!,
    centroid: Array.from({ length: dims }, (_, d) => (counts[c]! > 0 ? sums[c * dims + d]! / counts[c]! : 0)),
  }))
    .filter((x) => x.size > 0)
    .sort((x, y) => y.size - x.size || compareVectors(x.centroid, y.centroid) || x.c - y.c);
  const number = new Map<number, number>();
  clusters.forEach((x, i) => number.set(x.c, i + 1));
  return {
    k: clusters.length,
    silhouette: score,
    groups: clusters.map((x, i) => ({ group: i + 1, size: x.size, centroid: x.centroid })),
    assignments: Array.from(assign, (c) => number.get(c)!),
  };
}

function compareVectors(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}
