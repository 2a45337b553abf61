// Runs `sluice` commands and collects what they printed: the real binary, as a user would, or
// main() in this process where the process boundary is not what a test is about, opening the
// project per command or once per suite (cliSession).
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandIo } from '../../src/adapters/cli/command.ts';
import { main } from '../../src/adapters/cli/main.ts';
import { type OpenOptions, openSluice, type Sluice } from '../../src/main.ts';

export const SLUICE_BIN = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    Object.assign(env, options.env ?? {});
    const child = spawn(process.execPath, [SLUICE_BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let queue: Promise<unknown> = Promise.resolve();

function setEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/**
 * The same command through main() in this process: no Node boot and module loading per command,
 * which made the CLI suites the slowest of all. Commands read process.env themselves, so the
 * environment runCli would give the child is set on process.env for the duration of the call
 * and restored after, one call at a time. What differs from the binary: log lines (pino writes
 * to fd 2 directly) are not in `stderr`, and nothing here exercises bin/sluice.js, signals or
 * the process's own exit code; suites that depend on those use runCli.
 */
export function runCliInProcess(
  args: string[],
  options: CliOptions,
  openProject?: CommandIo['openSluice'],
): Promise<CliResult> {
  const result = queue.then(async () => {
    const wanted = { LOG_FORMAT: 'json', LOG_LEVEL: 'warn', DATABASE_URL: undefined, ...options.env };
    const saved = Object.keys(wanted).map((name) => [name, process.env[name]] as const);
    for (const [name, value] of Object.entries(wanted)) setEnv(name, value);
    let stdout = '';
    let stderr = '';
    try {
      const code = await main(args, {
        stdout: (text) => {
          stdout += text;
        },
        stderr: (text) => {
          stderr += text;
        },
        cwd: options.cwd,
        ...(openProject ? { openSluice: openProject } : {}),
      });
      return { code, stdout, stderr };
    } finally {
      for (const [name, value] of saved) setEnv(name, value);
    }
  });
  queue = result.catch(() => {});
  return result;
}

export interface CliSession {
  /** A command through main() in this process, on the project the session keeps open. */
  run(args: string[], options: CliOptions): Promise<CliResult>;
  /** A command through the real binary; the session first closes its project (PGlite allows one process). */
  spawn(args: string[], options: CliOptions): Promise<CliResult>;
  /** Closes the project the session holds open; call it before the project or its database goes. */
  close(): Promise<void>;
}

/** What decides whether an open project can serve the next command: the same config, as written, and settings. */
async function projectKey(options: OpenOptions): Promise<string> {
  const configPath = resolve(options.cwd ?? process.cwd(), options.configPath ?? 'sluice.config.ts');
  const written = await stat(configPath).then(
    (found) => `${found.mtimeMs}:${found.size}`,
    () => 'missing',
  );
  const { logger: _logger, ...rest } = options;
  return JSON.stringify([configPath, written, rest]);
}

/**
 * In-process commands that share one opened project: opening (PGlite's boot, migrations check,
 * dataset tables) is most of a command's time, so the session opens the project once and opens it
 * again only when the config file or the settings change. What differs from one process per
 * command: the sweep of stale runs and of orphan staging tables at open runs once, and state
 * sluice keeps per process (retry budgets, active launches) carries over; a suite about those
 * uses runCliInProcess, which opens the project for every command.
 */
export function cliSession(): CliSession {
  let current: { key: string; sluice: Promise<Sluice> } | undefined;
  const release = async () => {
    const held = current;
    current = undefined;
    if (held) await (await held.sluice.catch(() => undefined))?.close();
  };
  const openProject = async (options: OpenOptions): Promise<Sluice> => {
    const key = await projectKey(options);
    if (current?.key !== key) {
      await release();
      current = { key, sluice: openSluice(options) };
    }
    const held = current;
    const sluice = await held.sluice.catch((error: unknown) => {
      if (current === held) current = undefined;
      throw error;
    });
    // The command's withSluice closes what it opened; the session closes it instead.
    return { ...sluice, close: async () => {} };
  };
  return {
    run: (args, options) => runCliInProcess(args, options, openProject),
    async spawn(args, options) {
      await release();
      return runCli(args, options);
    },
    close: release,
  };
}
