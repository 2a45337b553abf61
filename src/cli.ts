#!/usr/bin/env node
// The installed `sluice` command (package.json "bin" → dist/cli.js). It checks the runtime before
// importing anything else, so an old Node gets a sentence instead of a SyntaxError from a module.
import { readFileSync } from 'node:fs';

/** Node's own type stripping (loading sluice.config.ts) and module.registerHooks are on by default from here. */
const NEEDED = { 22: 18, 24: 0 } as const;
const NEEDED_TEXT = 'Node.js 22.18 or later, or 24';

function supported(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major === 22) return minor >= NEEDED[22];
  return major >= 23;
}

function runtimeRefusal(version: string): string | undefined {
  if (supported(version)) return undefined;
  return (
    `sluice needs ${NEEDED_TEXT} (this is Node.js v${version}).\n` +
    'Install a current LTS release from https://nodejs.org/en/download (the page also shows the ' +
    'commands for version managers such as nvm, fnm or volta), then run the command again.\n'
  );
}

const refusal = runtimeRefusal(process.versions.node);
if (refusal !== undefined) {
  process.stderr.write(refusal);
  process.exit(2);
}
const argv = process.argv.slice(2);
if (argv[0] === '--version' || argv[0] === '-v') {
  // Read, not imported: a JSON import would need an import attribute Node 22.18 prints a warning for.
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  process.stdout.write(`${manifest.version}\n`);
} else {
  const { main } = await import('./adapters/cli/main.ts');
  process.exitCode = await main(argv);
}
