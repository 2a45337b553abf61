#!/usr/bin/env node
// The `sluice` command. The CLI is TypeScript, run by Node 24's built-in type stripping,
// so refuse older runtimes with a clear message instead of a syntax error.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `sluice needs Node.js 24 or newer (this is ${process.version}). ` +
      'Run it through npm (`npx sluice`, `npm start`), which uses the Node 24 the project installs.\n',
  );
  process.exit(2);
}
const { main } = await import('../src/adapters/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
