// `sluice --help` and `--version` start quickly because they load the command table only: no
// heavy package may come back into their module graph through a static import.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SLUICE_BIN = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url));

/** The packages whose imports made `sluice --help` take about a second (docs/benchmarks.md, bench:cli). */
const HEAVY = [
  'exceljs',
  'fastify',
  'pg-boss',
  'undici',
  'zod',
  '@electric-sql/pglite',
  'pg',
  'pino',
  'csv-parse',
  'stream-json',
  'fast-xml-parser',
];

// Preloaded into the child: names every package a module is loaded from, on fd 3 at exit.
const RECORD_PACKAGES = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
import { writeSync } from 'node:fs';
const packages = new Set();
registerHooks({ load(url, context, next) {
  const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(url);
  if (match) packages.add(match[1]);
  return next(url, context);
} });
process.on('exit', () => writeSync(3, JSON.stringify([...packages])));
`)}`;

function packagesLoadedBy(args: string[]): Promise<{ code: number | null; packages: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--import=${RECORD_PACKAGES}`, SLUICE_BIN, ...args], {
      stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
    });
    let report = '';
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      report += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, packages: JSON.parse(report) as string[] }));
  });
}

describe('CLI start-up', () => {
  for (const args of [['--help'], ['--version'], ['runs', '--help'], ['serve', '--help']]) {
    it(`sluice ${args.join(' ')} loads none of the heavy packages`, async () => {
      const { code, packages } = await packagesLoadedBy(args);
      assert.equal(code, 0);
      assert.deepEqual(
        packages.filter((name) => HEAVY.includes(name)),
        [],
      );
    });
  }
});
