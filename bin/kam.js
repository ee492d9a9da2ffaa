#!/usr/bin/env node
// The CLI is TypeScript run by Node 24's type stripping; this shim only checks the runtime first.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(`kam needs Node.js 24 or later (this is ${process.version}); run it through npm (npm start, npm run kam -- ...), which uses the project's Node 24.`);
  process.exit(2);
}
// `kam validate` reads files of millions of rows, whose garbage is all short-lived: it runs with a young generation
// of 8 MB semi-spaces (Node's default grows them to 32 MB, which holds ~60 MB more for no speed on these files), like
// the Lambdas run with theirs (infra/runtime-flags.ts). V8 takes the flag only at start-up, so the command starts
// itself again with it; KAM_CLI_V8=0 turns that off.
if (process.argv[2] === 'validate' && process.env.KAM_CLI_V8 !== '0' && !process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const child = spawnSync(process.execPath, [...process.execArgv, '--max-semi-space-size=8', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (child.error) throw child.error;
  if (child.signal) process.kill(process.pid, child.signal);
  process.exit(child.status ?? 1);
}
// It also runs from a prebuilt bundle of the same sources when one can be had (bin/cli-bundle.js), which saves the
// type stripping's startup and memory; KAM_CLI_BUNDLE=0 turns that off.
let main = null;
if (process.argv[2] === 'validate' && process.env.KAM_CLI_BUNDLE !== '0') {
  const { bundledMain } = await import('./cli-bundle.js');
  main = await bundledMain();
}
main ??= (await import('../cli/main.ts')).main;
process.exitCode = await main(process.argv.slice(2));
