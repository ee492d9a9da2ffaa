// `kam validate` from a prebuilt esbuild bundle of the CLI's own TypeScript, built at `npm ci` (prepare) or on
// first use into .cache/ and rebuilt when a source it was built from changes. Node's type stripping costs about
// 0.3 s of startup and 60 MB of peak memory on every run, which a bundle does not; dependencies stay in
// node_modules (not bundled). Anything wrong here (no esbuild in a production install, a read-only checkout, a
// failed build) returns null and the caller runs the TypeScript as before.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// Directly under the root, like cli/main.ts: the bundle's import.meta.url resolves `../samples` as the source does.
const dir = join(root, '.cache');
const bundle = join(dir, 'kam-cli.mjs');
const manifest = join(dir, 'kam-cli.json');

function fresh() {
  try {
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    if (m.root !== root || m.node !== process.version || !existsSync(bundle)) return false;
    return Object.entries(m.inputs).every(([file, mtimeMs]) => statSync(join(root, file)).mtimeMs === mtimeMs);
  } catch {
    return false;
  }
}

/** Builds the bundle (atomically: concurrent runs each write their own file and rename it into place). */
export async function buildBundle() {
  const { build } = await import('esbuild');
  const tmp = `${bundle}.${process.pid}.tmp.mjs`;
  mkdirSync(dir, { recursive: true });
  const result = await build({
    entryPoints: [join(root, 'cli', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    outfile: tmp,
    absWorkingDir: root,
    metafile: true,
    logLevel: 'silent',
    plugins: [{
      // Commands loaded on demand (kam local, upload, …) stay TypeScript files, imported from where they are.
      name: 'lazy-commands-stay-out',
      setup(b) {
        b.onResolve({ filter: /^\./ }, (args) => {
          if (args.kind !== 'dynamic-import') return undefined;
          const target = resolve(args.resolveDir, args.path);
          return { path: `./${relative(dir, target).split('\\').join('/')}`, external: true };
        });
      },
    }],
  });
  const inputs = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    if (file.startsWith('node_modules/') || file.includes('/node_modules/')) continue;
    inputs[file] = statSync(join(root, file)).mtimeMs;
  }
  renameSync(tmp, bundle);
  const m = `${manifest}.${process.pid}.tmp`;
  writeFileSync(m, JSON.stringify({ root, node: process.version, inputs }));
  renameSync(m, manifest);
}

/** The bundled CLI's main, building it first when missing or stale; null when it cannot be had. */
export async function bundledMain() {
  try {
    if (!fresh()) await buildBundle();
    return (await import(pathToFileURL(bundle).href)).main;
  } catch {
    return null;
  }
}

// `node bin/cli-bundle.js` (npm's prepare step): build now; never fail an install over it.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildBundle();
  } catch (err) {
    console.warn(`kam: CLI bundle not built (${err instanceof Error ? err.message : err}); kam runs its TypeScript directly`);
  }
}
