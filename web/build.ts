/**
 * Builds the console's static assets into web/dist: app.js (one minified ESM bundle: the app, ECharts' parts it
 * uses and the message catalogue), index.html and styles.css. `config.json` (how to sign in) is written by whoever
 * serves them: `kam console` locally, the stack's deployment in AWS.
 *   node web/build.ts            (also run by `kam console` and the CDK app when dist is missing or stale)
 */
import { build, buildSync, type BuildOptions } from 'esbuild';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = dirname(fileURLToPath(import.meta.url));
export const DIST_DIR = join(WEB_DIR, 'dist');

const options = (outdir: string): BuildOptions => ({
  entryPoints: [join(WEB_DIR, 'src/main.ts')],
  outfile: join(outdir, 'app.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  platform: 'browser',
  legalComments: 'linked',
  logLevel: 'warning',
});

function finish(outdir: string): { outdir: string; bytes: Record<string, number> } {
  for (const f of ['index.html', 'styles.css']) copyFileSync(join(WEB_DIR, f), join(outdir, f));
  return { outdir, bytes: Object.fromEntries(['app.js', 'index.html', 'styles.css'].map((f) => [f, statSync(join(outdir, f)).size])) };
}

/** Built once per process and directory: every synthesis of the app (tests synthesize it dozens of times) and the local console share it. */
const built = new Map<string, { outdir: string; bytes: Record<string, number> }>();

export async function buildConsoleAssets(outdir = DIST_DIR): Promise<{ outdir: string; bytes: Record<string, number> }> {
  const done = built.get(outdir);
  if (done) return done;
  mkdirSync(outdir, { recursive: true });
  await build(options(outdir));
  built.set(outdir, finish(outdir));
  return built.get(outdir)!;
}

/** The same, synchronously: for the CDK app, whose synthesis is synchronous. */
export function buildConsoleAssetsSync(outdir = DIST_DIR): { outdir: string; bytes: Record<string, number> } {
  const done = built.get(outdir);
  if (done) return done;
  mkdirSync(outdir, { recursive: true });
  buildSync(options(outdir));
  built.set(outdir, finish(outdir));
  return built.get(outdir)!;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { outdir, bytes } = await buildConsoleAssets();
  console.log(`console assets in ${outdir}: ${Object.entries(bytes).map(([f, b]) => `${f} ${(b / 1024).toFixed(1)} KiB`).join(', ')}`);
}
