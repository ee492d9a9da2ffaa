// Child process of `npm run bench -- --only classify`: the population job's domain step (classifyPopulation) over
// N synthetic customers held in memory, as the Lambda holds the profiles it read; prints one JSON line.
import { computeFeatures, type FeatureResult } from '../domain/classification/features.ts';
import { mulberry32 } from '../domain/classification/prng.ts';
import { DEFAULT_CONFIG } from '../domain/config.ts';
import { classifyPopulation } from '../domain/use-cases/classify-customers.ts';
import { AS_OF, generate, SHAPES } from '../test/unit/domain/classification/synthetic.ts';
import { customer, MemorySegments, MemoryUsage } from '../test/unit/domain/use-cases/memory-population.ts';

const n = Number(process.argv[2] ?? 100_000);
const changedPerFile = Number(process.argv[3] ?? 100);
const cfg = DEFAULT_CONFIG.classification;
const rng = mulberry32(7);

// Features of a few hundred real synthetic customers (computeFeatures over 200 days each), then every customer is
// one of them scaled in size with its profile jittered: realistic features without computing 100,000 × 200 days.
const shapes = Object.values(SHAPES);
const templates: FeatureResult[] = Array.from({ length: 300 }, (_, i) =>
  computeFeatures(generate({ customerId: `T${i}`, shape: shapes[i % shapes.length]!, seed: i + 1, scale: (d) => 1 + (i % 5 === 0 ? d / 400 : 0) }), AS_OF, cfg),
);
function synthetic(): FeatureResult {
  const t = templates[Math.floor(rng() * templates.length)]!;
  const size = Math.exp(rng() * 6); // three orders of magnitude of consumption
  const profile = t.profile.map((x) => x * (1 + 0.1 * (rng() - 0.5)));
  const sum = profile.reduce((a, b) => a + b, 0) || 1;
  const f = t.features;
  return {
    features: { ...f, windowKwh: f.windowKwh * size, avgDailyKwh: f.avgDailyKwh * size, maxDemandKw: f.maxDemandKw * size, change: f.change === null ? null : f.change + 0.02 * (rng() - 0.5) },
    profile: profile.map((x) => x / sum),
  };
}

/** History entries go to the table in the Lambda, not into its memory: written, counted, not kept. */
class Segments extends MemorySegments {
  override async save(updates: Parameters<MemorySegments['save']>[0]): Promise<void> {
    await super.save(updates);
    this.history.length = 0;
  }
}
const segments = new Segments(new MemoryUsage());
for (let i = 0; i < n; i++) {
  const id = `C${String(i).padStart(6, '0')}`;
  segments.profiles.set(id, { customer: customer(id, ['north', 'south', 'east', 'west'][i % 4]), featureResult: synthetic() });
}
const classify = classifyPopulation({ segments }, DEFAULT_CONFIG);

let t = performance.now();
const first = await classify(AS_OF);
const firstSeconds = (performance.now() - t) / 1000;

// Steady state: one file's customers got new features since the last run.
const ids = [...segments.profiles.keys()];
for (let j = 0; j < changedPerFile; j++) {
  const p = segments.profiles.get(ids[Math.floor(rng() * ids.length)]!)!;
  p.featureResult = synthetic();
}
t = performance.now();
const steady = await classify(AS_OF);
const steadySeconds = (performance.now() - t) / 1000;

console.log(
  JSON.stringify({
    customers: n,
    firstSeconds,
    firstWritten: first.classified,
    steadySeconds,
    steadyWritten: steady.classified,
    steadyMoved: steady.moved.length,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
