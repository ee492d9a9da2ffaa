// Preloaded into the `kam validate` child by bench/run.ts (node --import): on exit, writes the process's own peak
// RSS and CPU time to $KAM_BENCH_USAGE, so the CLI is measured exactly as it runs, startup included.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const out = process.env.KAM_BENCH_USAGE;
if (out) {
  // `kam validate` starts itself again with its V8 flags (bin/kam.js): the child (preloaded too) writes first, and the
  // parent then keeps the larger peak and adds up the CPU time, so the figure is the command's, both processes.
  process.on('exit', () => {
    const u = process.resourceUsage();
    let maxRssMB = u.maxRSS / 1024;
    let cpuSeconds = (u.userCPUTime + u.systemCPUTime) / 1e6;
    if (existsSync(out)) {
      const child = JSON.parse(readFileSync(out, 'utf8'));
      if (child.pid !== process.pid) {
        maxRssMB = Math.max(maxRssMB, child.maxRssMB);
        cpuSeconds += child.cpuSeconds;
      }
    }
    writeFileSync(out, JSON.stringify({ pid: process.pid, maxRssMB, cpuSeconds }));
  });
}
