// Opens the project for a command and always closes it, whatever the command does.

import { ErrorCode, SluiceError } from '../../domain/errors.ts';
import type { OpenOptions, Sluice } from '../../main.ts';
import type { Settings } from '../config/settings.ts';
import type { CommandIo, ParsedArgs } from './command.ts';
import type { ReadOnlyApp } from './served-app.ts';
import { embeddedDataDir, readServedProject } from './served-project.ts';

/** How withSluice opens the project: openSluice, or what a test injects through CommandIo. */
export type OpenProject = (options: OpenOptions) => Promise<Sluice>;

export async function withSluice<T>(
  args: ParsedArgs,
  io: CommandIo,
  fn: (sluice: Sluice) => Promise<T>,
): Promise<T> {
  // The command prints its own summary; run log lines show with LOG_LEVEL=info or debug.
  const settings = await settingsOf(io);
  // Loaded here, not at the top: they bring pino, pg, PGlite and the readers, which --help never needs.
  const [{ openSluice }, { createLogger }] = await Promise.all([
    import('../../main.ts'),
    import('../log/logger.ts'),
  ]);
  const logger = createLogger({ level: settings.logLevel ?? 'warn', json: settings.logJson });
  const open = io.openSluice ?? openSluice;
  const sluice = await open({ configPath: args.config, cwd: io.cwd, logger, settings }).catch(
    async (error: unknown) => {
      throw await explainLocked(error, args, io, settings);
    },
  );
  try {
    return await fn(sluice);
  } finally {
    await sluice.close();
  }
}

/** The settings main() parsed, or the environment's now for a command called directly (tests). */
export async function settingsOf(io: CommandIo): Promise<Settings> {
  return io.settings ?? (await import('../config/settings.ts')).loadSettings();
}

/**
 * For read-only commands: through the running `sluice serve` that holds the embedded database
 * (it published its address and a credential in the data directory), else on the database itself.
 * A project opened by an injected opener (tests) is always opened.
 */
export async function withReadOnlyApp<T>(
  args: ParsedArgs,
  io: CommandIo,
  fn: (app: ReadOnlyApp) => Promise<T>,
): Promise<T> {
  const settings = await settingsOf(io);
  if (settings.databaseUrl === undefined && io.openSluice === undefined) {
    const served = await readServedProject(embeddedDataDir(settings, args.config, io.cwd));
    if (served) {
      const { servedApp } = await import('./served-app.ts');
      return fn(servedApp(served));
    }
  }
  return withSluice(args, io, ({ app }) =>
    fn({
      runs: app.runs,
      status: app.status,
      assertPipeline: (name) => {
        app.project.pipeline(name);
      },
    }),
  );
}

/** A lock held by a serve that published itself: say which commands work beside it, and that this one does not. */
async function explainLocked(
  error: unknown,
  args: ParsedArgs,
  io: CommandIo,
  settings: Settings,
): Promise<unknown> {
  if (!(error instanceof SluiceError) || error.code !== ErrorCode.dataDirLocked) return error;
  const served = await readServedProject(embeddedDataDir(settings, args.config, io.cwd));
  if (!served) return error;
  return new SluiceError(
    ErrorCode.dataDirLocked,
    `sluice serve (pid ${served.pid}, ${served.address}) holds the embedded database, and this command needs it to itself: stop that server first, or do this through its API. Beside it, sluice runs, status and stats work: they go through that API.`,
    { cause: error },
  );
}
