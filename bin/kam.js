#!/usr/bin/env node
// The CLI is TypeScript run by Node 24's type stripping; this shim only checks the runtime first.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(`kam needs Node.js 24 or later (this is ${process.version}); run it through npm (npm start, npm run kam -- ...), which uses the project's Node 24.`);
  process.exit(2);
}
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
