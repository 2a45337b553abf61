// Runs `sluice` commands and collects what they printed: the real binary, as a user would, or
// main() in this process where the process boundary is not what a test is about.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/adapters/cli/main.ts';

export const SLUICE_BIN = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CliResult> {
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
  options: { cwd: string; env?: Record<string, string | undefined> },
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
      });
      return { code, stdout, stderr };
    } finally {
      for (const [name, value] of saved) setEnv(name, value);
    }
  });
  queue = result.catch(() => {});
  return result;
}
