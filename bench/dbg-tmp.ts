import { benchAnomalies } from './anomalies.ts';
const agg = new Map<string, { inj: number; det: number; tp: number; rec: number }>();
for (const seed of [1, 2, 3, 4, 5, 6]) {
  const r = benchAnomalies({ seed });
  const ov = (a: { from: string; to: string }, b: { from: string; to: string }) => a.from <= b.to && b.from <= a.to;
  for (const [id, list] of r.detected) for (const a of list) if (!r.injected.some((x) => x.customerId === id && x.kind === a.kind && ov(x, a))) console.log(seed, 'FP', id, a.kind, a.from, a.to, a.evidence, JSON.stringify(r.injected.filter((x) => x.customerId === id)));
  for (const x of r.injected) if (!(r.detected.get(x.customerId) ?? []).some((a) => a.kind === x.kind && ov(x, a))) console.log(seed, 'FN', x.customerId, x.kind, x.from, x.to);
  for (const s of r.scores) {
    const a = agg.get(s.kind) ?? { inj: 0, det: 0, tp: 0, rec: 0 };
    a.inj += s.injected; a.det += s.detected; a.tp += s.truePositives; a.rec += s.recalled;
    agg.set(s.kind, a);
  }
}
for (const [k, a] of agg) console.log(k.padEnd(22), a.inj, a.det, (a.tp / a.det).toFixed(3), (a.rec / a.inj).toFixed(3));
