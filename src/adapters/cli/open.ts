// Opens the project for a command and always closes it, whatever the command does.
import type { OpenOptions, Sluice } from '../../main.ts';
import type { Settings } from '../config/settings.ts';
import type { CommandIo, ParsedArgs } from './command.ts';

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
  const sluice = await open({ configPath: args.config, cwd: io.cwd, logger, settings });
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
