// The CLI entry: pick the command, run it, map what went wrong to a message and an exit code.
import { errorCode, errorMessage, UsageError } from '../../domain/errors.ts';
import type { Settings } from '../config/settings.ts';
import { secretRedactor } from '../log/secret-redactor.ts';
import { type Command, type CommandIo, helpText, parseCommandArgs } from './command.ts';
import { backfillCommand } from './commands/backfill.ts';
import { freshnessCommand, refreshCommand } from './commands/freshness.ts';
import { initCommand } from './commands/init.ts';
import { keysCommand } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { quarantineCommand } from './commands/quarantine.ts';
import { runCommand } from './commands/run.ts';
import { runsCommand } from './commands/runs.ts';
import { scheduleCommand, triggerCommand } from './commands/schedule.ts';
import { seedCommand } from './commands/seed.ts';
import { serveCommand, workerCommand } from './commands/serve.ts';
import { sourcesCommand } from './commands/sources.ts';
import { startCommand } from './commands/start.ts';
import { statsCommand } from './commands/stats.ts';
import { statusCommand } from './commands/status.ts';
import { tokensCommand } from './commands/tokens.ts';
import { ExitCode, exitCodeForError } from './exit-codes.ts';
import { json } from './format.ts';

export const commands: readonly Command[] = [
  initCommand,
  migrateCommand,
  runCommand,
  runsCommand,
  quarantineCommand,
  statsCommand,
  statusCommand,
  freshnessCommand,
  refreshCommand,
  sourcesCommand,
  keysCommand,
  seedCommand,
  startCommand,
  serveCommand,
  workerCommand,
  triggerCommand,
  backfillCommand,
  scheduleCommand,
  tokensCommand,
];

function overview(): string {
  const lines = commands.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`);
  return `Usage: sluice <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nEvery command takes --config <file>, --json and --help.\nExit codes: 0 success, 1 failure, 2 usage or config error, 3 run partial (records rejected).\n`;
}

const defaultIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
};

export async function main(argv: string[], io: CommandIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const command = commands.find((candidate) => candidate.name === rest[0]);
    io.stdout(command ? helpText(command) : overview());
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = commands.find((candidate) => candidate.name === name);
  const wantsJson = rest.includes('--json');
  let settings: Settings | undefined;
  try {
    if (!command) throw new UsageError(`unknown command "${name}"\n\n${overview()}`);
    const args = parseCommandArgs(command, rest);
    if (args.values.help === true) {
      io.stdout(helpText(command));
      return ExitCode.ok;
    }
    // Every variable is checked here, once: a bad value stops the command before it does anything.
    // Imported here: the settings schema brings zod and croner, which --help does not need.
    settings = io.settings ?? (await import('../config/settings.ts')).loadSettings();
    return await command.run(args, { ...io, settings });
  } catch (error) {
    const message = secretRedactor.redact(errorMessage(error));
    const code = errorCode(error);
    if (wantsJson) io.stdout(json({ error: { code, message } }));
    io.stderr(`sluice ${name}: ${message}\n`);
    if (code === 'internal_error' && settings?.logLevel === 'debug' && error instanceof Error) {
      io.stderr(`${error.stack ?? ''}\n`);
    }
    return exitCodeForError(error);
  }
}
