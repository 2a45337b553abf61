// The package as a user gets it: `npm pack`, a plain `npm install` of the tarball into a fresh
// project, then npx, tsc and a .mjs import there, on the pinned Node 24 and on the machine's Node.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
// The devDependency "node" pins Node 24 for the repository (npm scripts put it first on PATH).
const PINNED_NODE = realpathSync(join(REPO, 'node_modules/.bin/node'));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** PATH without any node_modules/.bin that npm (or a shell in the clone) put in front. */
function machinePath(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '' && !dir.includes('node_modules'))
    .join(delimiter);
}

function machineNode(): string | undefined {
  for (const dir of machinePath().split(delimiter)) {
    try {
      accessSync(join(dir, 'node'), constants.X_OK);
      return join(dir, 'node');
    } catch {}
  }
  return undefined;
}

/**
 * The environment of a user's shell with `node` at nodeDir: nothing inherited from the `npm test`
 * running this (npm_config_local_prefix would send a child npm back to this repository), and no
 * database or sluice settings of the test run, so the project uses its own embedded database.
 */
function userEnv(nodeDir: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|SLUICE_|NODE_OPTIONS$|NODE_PATH$|DATABASE_URL$|INIT_CWD$|LOG_)/i.test(name)) continue;
    env[name] = value;
  }
  env.PATH = nodeDir === undefined ? machinePath() : `${nodeDir}${delimiter}${machinePath()}`;
  return env;
}

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

function ok(result: Result, what: string): Result {
  assert.equal(result.code, 0, `${what} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

describe('the packed package, installed into a fresh project', { timeout: 180_000 }, () => {
  const node24 = userEnv(dirname(PINNED_NODE));
  let work: string;
  let project: string;
  let sluiceBin: string;

  // One pack and one install, shared by every check below: together they are most of the time.
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'sluice-pack-'));
    project = join(work, 'project');
    sluiceBin = join(project, 'node_modules/.bin/sluice');
    // `npm pack` runs `prepare`, the build: the tarball holds dist/ as the sources are now.
    ok(await sh('npm', ['pack', '--pack-destination', work], REPO, node24), 'npm pack');
    const [tarball] = (await readdir(work)).filter((name) => name.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote no tarball');
    const typescript = JSON.parse(
      await readFile(join(REPO, 'node_modules/typescript/package.json'), 'utf8'),
    ) as {
      version: string;
    };
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'sluice-user', private: true, type: 'module' }, null, 2)}\n`,
    );
    ok(
      await sh(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
          join(work, tarball),
          `typescript@${typescript.version}`,
        ],
        project,
        node24,
      ),
      'npm install',
    );
  });

  after(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('npx sluice init scaffolds a project and npx sluice run collects its sample offline (Node 24)', async () => {
    const init = ok(await sh('npx', ['sluice', 'init', '--json'], project, node24), 'sluice init');
    assert.deepEqual(JSON.parse(init.stdout).created, [
      join(project, 'sluice.config.ts'),
      join(project, 'data/readings.csv'),
    ]);
    const run = ok(
      await sh('npx', ['sluice', 'run', 'readings_csv', '--json'], project, node24),
      'sluice run',
    );
    const report = JSON.parse(run.stdout) as {
      status: string;
      counts: { fetched: number; inserted: number };
    };
    assert.equal(report.status, 'succeeded');
    assert.deepEqual([report.counts.fetched, report.counts.inserted], [4, 4]);

    const version = ok(await sh(sluiceBin, ['--version'], project, node24), 'sluice --version');
    const manifest = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout, `${manifest.version}\n`);
  });

  it('the generated config typechecks with the project’s tsc; a misspelt option fails tsc and the loader, named', async () => {
    const config = await readFile(join(project, 'sluice.config.ts'), 'utf8');
    const misspelt = config
      .replace("write: 'merge',", "write: 'merge',\n  frehsness: { maxAge: '2h' },")
      .replace('source: files(', "shedule: '0 6 * * *',\n      source: files(");
    assert.ok(
      misspelt.includes('frehsness') && misspelt.includes('shedule'),
      'init’s config changed: adapt the edits',
    );
    await writeFile(join(project, 'misspelt.config.ts'), misspelt);
    // What `tsc --init` gives a project, minus emit: skipLibCheck as most projects have it.
    const compilerOptions = {
      module: 'nodenext',
      target: 'es2024',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    };
    // A host embedding sluice, typed through the package's .d.ts (fastify's types included).
    await writeFile(
      join(project, 'host.ts'),
      `import Fastify from 'fastify';
import { createSluice, type EmbeddedSluice, type RunReport } from 'sluice';
const sluice: EmbeddedSluice = await createSluice({ config: 'sluice.config.ts' });
const report: RunReport = await sluice.run('readings_csv');
const host = Fastify();
await host.register(sluice.plugin, { prefix: '/sluice', start: { scheduler: false } });
const runs = await sluice.app.runs.list({ limit: 1 });
console.log(report.status, runs, sluice.started);
`,
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions, files: ['sluice.config.ts', 'misspelt.config.ts', 'host.ts'] }),
    );

    const tsc = await sh(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], project, node24);
    assert.notEqual(tsc.code, 0, 'tsc accepted the misspelt config');
    const errors = tsc.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    assert.equal(errors.length, 2, tsc.stdout);
    assert.match(
      errors[0] ?? '',
      /^misspelt\.config\.ts\(\d+,\d+\): error TS2561: .*'frehsness'.*'freshness'/,
    );
    assert.match(errors[1] ?? '', /^misspelt\.config\.ts\(\d+,\d+\): error TS2561: .*'shedule'.*'schedule'/);

    // The bin itself from here on: npx costs a second of npm start-up per call and was shown above.
    const load = await sh(sluiceBin, ['sources', '--config', 'misspelt.config.ts'], project, node24);
    assert.equal(load.code, 2, load.stderr);
    assert.match(load.stderr, /frehsness|shedule/);
  });

  it('a .mjs file imports the public API: definitions build a config, a misspelt option throws ConfigError, createSluice runs and mounts', async () => {
    await writeFile(
      join(project, 'embed.mjs'),
      `import Fastify from 'fastify';
import { ConfigError, createSluice, dataset, defineConfig, files, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
const config = defineConfig({ pipelines: [pipeline('readings_csv', { source: files({ dir: 'data', glob: '*.csv' }), into: readings })] });
let refused;
try { dataset('typo', { schema: z.object({ id: z.number() }), key: ['id'], wirte: 'merge' }); } catch (error) { refused = error; }
// The project init scaffolded, embedded: a run, then its API in a host under /sluice.
const sluice = await createSluice();
const report = await sluice.run('readings_csv');
const { token } = await sluice.createToken('embed', 'viewer');
const host = Fastify();
await host.register(sluice.plugin, { prefix: '/sluice', start: { scheduler: false } });
const runs = await host.inject({ url: '/sluice/api/runs', headers: { authorization: 'Bearer ' + token } });
await host.close();
console.log(JSON.stringify({
  datasets: [...config.datasets.keys()],
  pipelines: [...config.pipelines.keys()],
  refused: refused instanceof ConfigError ? refused.message : String(refused),
  embedded: { run: report.status, api: runs.statusCode, runs: runs.json().runs.length },
}));
`,
    );
    // Exiting by itself is part of the check: close() must leave no handle open.
    const result = ok(await sh(PINNED_NODE, ['embed.mjs'], project, node24), 'node embed.mjs');
    const printed = JSON.parse(result.stdout) as {
      datasets: string[];
      pipelines: string[];
      refused: string;
      embedded: { run: string; api: number; runs: number };
    };
    assert.deepEqual([printed.datasets, printed.pipelines], [['readings'], ['readings_csv']]);
    assert.match(printed.refused, /wirte/);
    // The run of the first check, and this one.
    assert.deepEqual(printed.embedded, { run: 'succeeded', api: 200, runs: 2 });
  });

  it('on the machine’s Node: runs there when it is supported, else a refusal naming the version needed', async (t) => {
    const node = machineNode();
    if (node === undefined) return t.skip('no node on PATH outside node_modules');
    const env = userEnv(undefined);
    const version = (await sh(node, ['-p', 'process.versions.node'], project, env)).stdout.trim();
    const [major = 0, minor = 0] = version.split('.').map(Number);
    const result = await sh('npx', ['sluice', 'status'], project, env);
    if (major > 22 || (major === 22 && minor >= 18)) {
      ok(result, `sluice status on Node ${version}`);
      return;
    }
    assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      new RegExp(`needs Node\\.js 22\\.18 or later, or 24 \\(this is Node\\.js v${version}\\)`),
    );
    assert.match(result.stderr, /https:\/\/nodejs\.org/);
    assert.doesNotMatch(result.stderr, /npx sluice/, 'advice that cannot work outside the clone');
  });
});
