import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEMP_PREFIX = 'kam-local-aws-';
export const OWNER_FILE = 'owner.pid';

/** Removes temporary data directories of earlier runs whose process is gone (crashed or killed). */
export function sweepStaleTempDirs(log: (msg: string) => void): void {
  let entries: string[];
  try {
    entries = readdirSync(tmpdir()).filter((name) => name.startsWith(TEMP_PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = join(tmpdir(), name);
    try {
      const pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
      if (!Number.isInteger(pid) || pid <= 0) continue;
      try {
        process.kill(pid, 0);
        continue; // still running (or not ours to signal: EPERM)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') continue;
      }
      rmSync(dir, { recursive: true, force: true });
      log(`local-aws: removed stale ${dir} of exited process ${pid}`);
    } catch {
      // no owner file or not readable: leave it alone
    }
  }
}
