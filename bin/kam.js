#!/usr/bin/env node
// The CLI is TypeScript run by Node 24's type stripping; this shim only checks the runtime first.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(`kam needs Node.js 24 or later (this is ${process.version}); run it through npm (npm start, npm run kam -- ...), which uses the project's Node 24.`);
  process.exit(2);
}
// `kam validate` reads files of millions of rows: it runs from a prebuilt bundle of the same sources when one can be
// had (bin/cli-bundle.js), which saves the type stripping's startup and memory; KAM_CLI_BUNDLE=0 turns that off.
let main = null;
if (process.argv[2] === 'validate' && process.env.KAM_CLI_BUNDLE !== '0') {
  const { bundledMain } = await import('./cli-bundle.js');
  main = await bundledMain();
}
main ??= (await import('../cli/main.ts')).main;
process.exitCode = await main(process.argv.slice(2));
