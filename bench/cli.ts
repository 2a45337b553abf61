// bench:cli — wall time of whole `sluice` processes (start-up included): --version, --help and
// read-only commands, on the embedded PGlite and on PostgreSQL, min/median/max over several runs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';

const USAGE = `npm run bench:cli -- [--runs 10] [--entry dist|source] [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
  --entry dist    the installed command, dist/cli.js (run \`npm run build\` first; the default)
  --entry source  bin/sluice.js, the TypeScript sources as the clone runs them`;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runs: { type: 'string', default: '10' },
    entry: { type: 'string', default: 'dist' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    help: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
if (
  values.help ||
  !Number.isInteger(runs) ||
  runs < 1 ||
  (values.entry !== 'dist' && values.entry !== 'source')
) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}
const root = new URL('..', import.meta.url);
const entry = new URL(values.entry === 'dist' ? 'dist/cli.js' : 'bin/sluice.js', root).pathname;
try {
  await access(entry);
} catch {
  process.stderr.write(`${entry} does not exist: run \`npm run build\` first, or pass --entry source\n`);
  process.exit(2);
}

/** The environment of a user's shell: none of this shell's database or sluice settings. */
function childEnv(databaseUrl: string | undefined): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(SLUICE_|DATABASE_URL$|LOG_)/.test(name)),
  );
  return databaseUrl === undefined ? env : { ...env, DATABASE_URL: databaseUrl };
}

// The child reports its own CPU time (user + system, start-up included) on fd 3 as it exits: on a
// machine whose cores are shared, wall time depends on the neighbours, CPU time much less.
const REPORT_CPU = `data:text/javascript,${encodeURIComponent(
  "import { writeSync } from 'node:fs'; process.on('exit', () => { const { user, system } = process.cpuUsage(); writeSync(3, String((user + system) / 1000)); });",
)}`;

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** One whole process, from spawn to exit; a failure stops the benchmark. */
function timeOnce(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [`--import=${REPORT_CPU}`, entry, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let cpu = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      cpu += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve({ wallMs, cpuMs: Number(cpu) });
      else reject(new Error(`sluice ${args.join(' ')} exited ${code}\n${stderr}`));
    });
  });
}

interface Row {
  command: string;
  database: string;
  /** Both sorted. */
  wallMs: number[];
  cpuMs: number[];
}

async function measure(command: string, database: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Row> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timeOnce(command.split(' '), cwd, env));
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  return {
    command: `sluice ${command}`,
    database,
    wallMs: sorted(samples.map((sample) => sample.wallMs)),
    cpuMs: sorted(samples.map((sample) => sample.cpuMs)),
  };
}

function median(sorted: number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

const work = await mkdtemp(join(tmpdir(), 'sluice-bench-cli-'));
const dbName = `sluice_bench_cli_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: values['pg-url'] });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const pgUrl = new URL(values['pg-url']);
pgUrl.pathname = `/${dbName}`;
const rows: Row[] = [];
try {
  const embedded = childEnv(undefined);
  const server = childEnv(pgUrl.toString());
  // One project for both databases: the embedded one lives in its .sluice/, PostgreSQL is DATABASE_URL.
  // A first run migrates and stores the sample, so the read-only commands below read real rows.
  await timeOnce(['init'], work, embedded);
  await timeOnce(['run', 'readings_csv'], work, embedded);
  await timeOnce(['run', 'readings_csv'], work, server);
  rows.push(await measure('--version', '–', work, embedded));
  rows.push(await measure('--help', '–', work, embedded));
  for (const command of ['runs', 'status']) {
    rows.push(await measure(command, 'PGlite', work, embedded));
    rows.push(await measure(command, 'PostgreSQL', work, server));
  }
  // Beside a serve holding the embedded database, read-only commands go through its API.
  const serve = spawn(process.execPath, [entry, 'serve', '--port', '0', '--json'], {
    cwd: work,
    env: embedded,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = once(serve, 'exit');
  try {
    await Promise.race([
      once(serve.stdout, 'data'),
      exited.then(() => Promise.reject(new Error('serve exited'))),
    ]);
    for (const command of ['runs', 'status'])
      rows.push(await measure(command, 'PGlite, beside serve', work, embedded));
  } finally {
    serve.kill('SIGTERM');
    await exited;
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  await rm(work, { recursive: true, force: true });
}

const header = ['command', 'database', 'min s', 'median s', 'max s', 'CPU median s'];
const body = rows.map((row) => [
  row.command,
  row.database,
  seconds(row.wallMs[0] ?? 0),
  seconds(median(row.wallMs)),
  seconds(row.wallMs.at(-1) ?? 0),
  seconds(median(row.cpuMs)),
]);
const widths = header.map((title, column) =>
  Math.max(title.length, ...body.map((cells) => cells[column]?.length ?? 0)),
);
const line = (cells: string[]) =>
  `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
const load = loadavg()
  .map((value) => value.toFixed(1))
  .join(' ');
process.stdout.write(
  `${`$ npm run bench:cli -- ${process.argv.slice(2).join(' ')}`.trimEnd()}\n` +
    `${runs} runs each of ${values.entry === 'dist' ? 'dist/cli.js' : 'bin/sluice.js'} on Node ${process.version}: ` +
    `wall time from spawn to exit, CPU time user + system; load average ${load} on ${availableParallelism()} cores\n\n` +
    `${[line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n')}\n`,
);
