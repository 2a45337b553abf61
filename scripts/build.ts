// `npm run build`: compile src/ to dist/ (JS + .d.ts), copy the runtime assets tsc does not emit, and build the dashboard into web/dist/.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

/** Vite writes web/dist/ from web/ (its config is web/vite.config.ts); about 2 s, most of it bundling React. */
async function buildDashboard(): Promise<void> {
  const started = performance.now();
  const { build } = await import('vite');
  await build({ root: `${root}web`, logLevel: 'warn' });
  process.stdout.write(`dashboard built into web/dist/ in ${Math.round(performance.now() - started)} ms\n`);
}

// `prestart` passes --web: `npm start` runs src/ directly and needs only the dashboard.
if (!process.argv.includes('--web')) {
  // A stale file from a renamed module would otherwise ship: `build` starts from nothing. `prepare`
  // (every `npm install` in the clone) passes --incremental: tsc then skips unchanged files, and
  // its build info lives in dist/, so deleting dist/ also forgets it.
  if (!process.argv.includes('--incremental')) rmSync(`${root}dist`, { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  // migrate.ts reads its SQL files from the directory next to itself.
  cpSync(`${root}src/adapters/postgres/migrations`, `${root}dist/adapters/postgres/migrations`, {
    recursive: true,
  });
}
await buildDashboard();
