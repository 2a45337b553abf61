// Opens the project for a command and always closes it, whatever the command does.
import { openSluice, type Sluice } from '../../main.ts';
import { createLogger } from '../log/logger.ts';
import type { CommandIo, ParsedArgs } from './command.ts';

export async function withSluice<T>(
  args: ParsedArgs,
  io: CommandIo,
  fn: (sluice: Sluice) => Promise<T>,
): Promise<T> {
  // The command prints its own summary; run log lines show with LOG_LEVEL=info or debug.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const sluice = await openSluice({ configPath: args.config, cwd: io.cwd, logger });
  try {
    return await fn(sluice);
  } finally {
    await sluice.close();
  }
}
