// Opens the project for a command and always closes it, whatever the command does.
import { openSluice, type Sluice } from '../../main.ts';
import type { CommandIo, ParsedArgs } from './command.ts';

export async function withSluice<T>(
  args: ParsedArgs,
  io: CommandIo,
  fn: (sluice: Sluice) => Promise<T>,
): Promise<T> {
  const sluice = await openSluice({ configPath: args.config, cwd: io.cwd });
  try {
    return await fn(sluice);
  } finally {
    await sluice.close();
  }
}
