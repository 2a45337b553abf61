// What a CLI command is, and the argument parsing every command shares.
import { parseArgs } from 'node:util';
import { UsageError } from '../../domain/errors.ts';
import type { Settings } from '../config/settings.ts';
import type { OpenProject } from './open.ts';

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** The environment parsed at start-up by main(); a command run without it parses the environment itself. */
  settings?: Settings;
  /**
   * Opens the project for withSluice. @defaultValue openSluice. Tests pass one that keeps a project
   * open across the commands of a suite, which is most of a command's time on PGlite.
   */
  openSluice?: OpenProject;
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec & { description: string }>;
  /** Returns the exit code. */
  run(args: ParsedArgs, io: CommandIo): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  json: boolean;
  config: string | undefined;
}

export const commonOptions = {
  config: {
    type: 'string',
    short: 'c',
    description: 'path to sluice.config.ts (default: ./sluice.config.ts)',
  },
  json: { type: 'boolean', description: 'machine-readable JSON on stdout' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
} as const satisfies Command['options'];

export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  const options = Object.fromEntries(
    Object.entries({ ...commonOptions, ...command.options }).map(([name, { description: _d, ...spec }]) => [
      name,
      spec,
    ]),
  );
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return {
      values: values as ParsedArgs['values'],
      positionals,
      json: values.json === true,
      config: typeof values.config === 'string' ? values.config : undefined,
    };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${helpText(command)}`, { cause: error });
  }
}

export function helpText(command: Command): string {
  const all = { ...command.options, ...commonOptions };
  const lines = Object.entries(all).map(([name, spec]) => {
    const flag = `${'short' in spec && spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ' <value>' : ''}`;
    return `  ${flag.padEnd(28)} ${spec.description}`;
  });
  return `Usage: sluice ${command.usage}\n\n${command.summary}\n\nOptions:\n${lines.join('\n')}\n`;
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Parses a positive integer option, naming the option when it is not one. */
export function intOption(args: ParsedArgs, name: string, fallback: number, max = 1_000_000): number {
  const raw = stringOption(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new UsageError(`--${name} must be a whole number between 1 and ${max}, got "${raw}"`);
  }
  return value;
}
