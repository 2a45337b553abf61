#!/usr/bin/env node
// `sluice` inside a clone of the repository: runs the TypeScript sources directly (the installed
// package runs dist/cli.js instead). The clone pins Node 24 as a devDependency, which npm scripts
// and npx put first on PATH; a bare `node bin/sluice.js` on an older Node gets told so.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `sluice's sources need Node.js 22.18 or later, or 24 (this is ${process.version}). ` +
      'In this repository, `npx sluice …` and `npm start` use the Node 24 that `npm install` put in node_modules.\n',
  );
  process.exit(2);
}
await import('../src/cli.ts');
