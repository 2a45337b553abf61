// A real `sluice serve` for the browser suites: spawned on a project directory, its address and
// one-time sign-in code read from its output, stopped with SIGTERM and expected to exit 0.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { SLUICE_BIN } from '../support/cli.ts';

export const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const BUILD = fileURLToPath(new URL('../../scripts/build.ts', import.meta.url));
const DIST = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));

/** The suites test what `npm install` built; a checkout without web/dist/ gets it built here. */
export async function ensureDashboardBuilt(): Promise<void> {
  if (!existsSync(DIST)) execFileSync(process.execPath, [BUILD, '--web'], { stdio: 'inherit' });
  await mkdir(SCREENSHOTS, { recursive: true });
}

export interface Server {
  url: string;
  /** The one-time sign-in code of the `Dashboard: …?code=` line. */
  code: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Collects a child's stdout; `waitFor` resolves with the first match of a pattern, now or later. */
function outputOf(child: ChildProcess) {
  let text = '';
  const waiting = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const check of waiting) check();
  });
  return {
    waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`no ${pattern} in serve's output:\n${text}`));
        }, timeoutMs);
        const check = () => {
          const match = text.match(pattern);
          if (!match) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve(match);
        };
        waiting.add(check);
        check();
      });
    },
  };
}

export async function startServer(cwd: string, env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [SLUICE_BIN, 'serve', '--port', '0'], {
    cwd,
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit');
  const output = outputOf(child);
  const [, url = ''] = await output.waitFor(/listening on (http:\/\/[\d.:]+)/, 60_000);
  const [, code = ''] = await output.waitFor(/Dashboard: http:\/\/[\d.:]+\/\?code=([\w-]+)/, 10_000);
  return {
    url,
    code,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const [exitCode] = (await exited) as [number];
      assert.equal(exitCode, 0, stderr);
    },
  };
}

/** Follows the server's one-time link (usable once) and waits for the signed-in overview. */
export async function signInByCode(page: Page, server: Server): Promise<void> {
  await page.goto(`${server.url}/?code=${server.code}`);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.getByTestId('principal').waitFor();
}
