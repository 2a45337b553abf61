// Long-running sluice processes (serve, worker) for multi-process tests: start, wait ready, stop.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { SLUICE_BIN } from './cli.ts';

export interface SluiceProcess {
  child: ChildProcess;
  /** What it printed on stdout when ready (the --json ready line). */
  ready: { listening: string | null; pid: number };
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startSluice(
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined> },
): Promise<SluiceProcess> {
  const child = spawn(process.execPath, [SLUICE_BIN, ...args, '--json'], {
    cwd: options.cwd,
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit');
  const first = once(child.stdout!, 'data') as Promise<[Buffer]>;
  const result = await Promise.race([first, exited.then(() => undefined)]);
  if (!result) throw new Error(`sluice ${args.join(' ')} exited before it was ready:\n${stderr}`);
  const ready = JSON.parse(result[0].toString().split('\n')[0] as string);
  return {
    child,
    ready,
    output: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
