// Structured logs with pino: JSON off a TTY (or LOG_FORMAT=json), readable on one; secrets scrubbed.
import pino from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../../engine/ports.ts';
import { secretRedactor } from './secret-redactor.ts';

export interface LoggerOptions {
  /** Usually Settings.logLevel (LOG_LEVEL). @defaultValue 'info' */
  level?: string | undefined;
  /** @defaultValue 'json' when stderr is not a TTY or `json` is set */
  format?: 'json' | 'pretty';
  /** JSON even on a terminal: Settings.logJson (LOG_FORMAT=json). */
  json?: boolean;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function createLogger(options: LoggerOptions = {}): Logger {
  const wanted = options.level ?? 'info';
  const level = LEVELS.has(wanted) ? wanted : 'info';
  const format = options.format ?? (options.json === true || !process.stderr.isTTY ? 'json' : 'pretty');
  const settings: pino.LoggerOptions = {
    level,
    base: { pid: process.pid },
    // Every line passes through the redactor, whatever field a secret hides in.
    hooks: { streamWrite: (line: string) => secretRedactor.redact(line) },
  };
  const destination =
    format === 'pretty'
      ? pretty({
          destination: 2,
          sync: true,
          colorize: true,
          ignore: 'pid,hostname',
          translateTime: 'HH:MM:ss.l',
        })
      : pino.destination({ dest: 2, sync: true });
  const logger = pino(settings, destination);
  if (!LEVELS.has(wanted)) logger.warn({ wanted }, 'LOG_LEVEL is not a pino level; using info');
  return logger as unknown as Logger;
}
