import { benchAnomalies } from './anomalies.ts';
for (const seed of [1, 2, 3, 4, 5, 6]) {
  const r = benchAnomalies({ seed });
  const ov = (a: { from: string; to: string }, b: { from: string; to: string }) => a.from <= b.to && b.from <= a.to;
  for (const [id, list] of r.detected) for (const a of list) if (!r.injected.some((x) => x.customerId === id && x.kind === a.kind && ov(x, a))) console.log(seed, 'FP', id, a.kind, a.from, a.to, a.evidence.slice(0, 90), JSON.stringify(r.injected.filter((x) => x.customerId === id).map((x) => [x.kind, x.from, x.to])));
  for (const x of r.injected) if (!(r.detected.get(x.customerId) ?? []).some((a) => a.kind === x.kind && ov(x, a))) console.log(seed, 'FN', x.customerId, x.kind, x.from, x.to);
}
