// Opens the project for a command and always closes it, whatever the command does.
import { type OpenOptions, openSluice, type Sluice } from '../../main.ts';
import { loadSettings, type Settings } from '../config/settings.ts';
import { createLogger } from '../log/logger.ts';
import type { CommandIo, ParsedArgs } from './command.ts';

/** How withSluice opens the project: openSluice, or what a test injects through CommandIo. */
export type OpenProject = (options: OpenOptions) => Promise<Sluice>;

export async function withSluice<T>(
  args: ParsedArgs,
  io: CommandIo,
  fn: (sluice: Sluice) => Promise<T>,
): Promise<T> {
  // The command prints its own summary; run log lines show with LOG_LEVEL=info or debug.
  const settings = settingsOf(io);
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
export function settingsOf(io: CommandIo): Settings {
  return io.settings ?? loadSettings();
}
