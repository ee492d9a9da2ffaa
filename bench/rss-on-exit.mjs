// Preloaded into the `kam validate` child by bench/run.ts (node --import): on exit, writes the process's own peak
// RSS and CPU time to $KAM_BENCH_USAGE, so the CLI is measured exactly as it runs, startup included.
import { writeFileSync } from 'node:fs';

const out = process.env.KAM_BENCH_USAGE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ maxRssMB: u.maxRSS / 1024, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
  });
}
