import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of the shared sample data (`../shared/data` next to the repository). */
export const SHARED_DATA = resolve(REPO_ROOT, '..', 'shared', 'data');

if (!existsSync(SHARED_DATA)) {
  throw new Error(
    `shared sample data not found at ${SHARED_DATA} (expected ../shared/data next to the repository root ${REPO_ROOT})`,
  );
}
