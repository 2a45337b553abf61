// What a user declares about an upstream that runs work asynchronously: submit, poll until done, fetch.

import { parseDuration } from './duration.ts';
import { ConfigError } from './errors.ts';
import type { JsonTemplate } from './json-template.ts';
import { assertKnownKeys, optionKeys } from './option-keys.ts';
import type { ResolvedRateLimit } from './resilience-policy.ts';
import {
  type CsvOptions,
  type HttpFormat,
  type HttpSourceDefinition,
  http,
  type TemplateValue,
} from './source-definition.ts';
import { parseTemplate, type TemplatePart } from './template.ts';

/** The template variable holding the upstream's execution id in poll and fetch requests. */
export const EXECUTION_ID_VARIABLE = 'executionId';

export const PollState = { running: 'running', succeeded: 'succeeded' } as const;
export type PollState = (typeof PollState)[keyof typeof PollState];
/** What a poll answer means: still working, done, or failed with the upstream's message. */
export type PollStatus = PollState | { failed: string };

export type { JsonTemplate };

interface AsyncJobRequestOptions {
  /** URL template: `{{param}}` from the pipeline's parameters, `{{executionId}}` for poll and fetch. */
  url: string;
  query?: Record<string, TemplateValue>;
  headers?: Record<string, TemplateValue>;
  /** @defaultValue 30000 */
  timeoutMs?: number;
}

export interface AsyncJobSubmitOptions extends AsyncJobRequestOptions {
  /** @defaultValue 'POST' */
  method?: 'POST' | 'PUT';
  body?: JsonTemplate;
  /** Where the execution id sits in the JSON answer: a dotted path ('data.id') or a function. */
  executionId: string | ((body: unknown) => unknown);
}

export interface AsyncJobPollOptions extends AsyncJobRequestOptions {
  /** Maps the upstream's states of the JSON answer to running, succeeded or `{ failed: message }`. */
  status: (body: unknown) => PollStatus;
}

export interface AsyncJobFetchOptions extends AsyncJobRequestOptions {
  /** @defaultValue 'auto' (from the Content-Type) */
  format?: HttpFormat;
  records?: string;
  csv?: CsvOptions;
  /** @defaultValue 50 MiB */
  maxBytes?: number;
  /** Largest CSV record in bytes. @defaultValue 16 MiB */
  maxLineBytes?: number;
}

export interface PollIntervalOptions {
  /** @defaultValue 1000 */
  initialMs?: number;
  /** The ceiling of the backoff. @defaultValue 60000 */
  maxMs?: number;
  /** @defaultValue 2 */
  factor?: number;
}

export interface AsyncJobOptions {
  /** Provider name recorded on runs and rows, and the key of its submission rate limit. */
  name: string;
  submit: AsyncJobSubmitOptions;
  poll: AsyncJobPollOptions;
  fetch: AsyncJobFetchOptions;
  pollInterval?: PollIntervalOptions;
  /** How long one attempt waits for the execution to finish, in ms or a duration ('2h'). */
  deadline: number | string;
  /** Submissions allowed in any interval of length `per`, across every process. */
  submitRateLimit?: { requests: number; per: number | string };
}

export interface AsyncJobSourceDefinition {
  readonly kind: 'asyncJob';
  readonly name: string;
  readonly submit: {
    readonly request: HttpSourceDefinition;
    readonly method: 'POST' | 'PUT';
    readonly body: JsonTemplate | undefined;
    readonly executionId: (body: unknown) => unknown;
  };
  readonly poll: { readonly request: HttpSourceDefinition; readonly status: (body: unknown) => PollStatus };
  readonly fetch: HttpSourceDefinition;
  readonly pollInterval: Required<PollIntervalOptions>;
  readonly deadlineMs: number;
  readonly submitRateLimit: ResolvedRateLimit | undefined;
  /** Templates to check against the pipeline's parameters (without `{{executionId}}`). */
  readonly templates: ReadonlyArray<{ where: string; parts: TemplatePart[] }>;
}

export const pollIntervalDefaults = {
  initialMs: 1000,
  maxMs: 60_000,
  factor: 2,
} satisfies Required<PollIntervalOptions>;

const REQUEST_KEYS = { url: true, query: true, headers: true, timeoutMs: true } as const;
const ASYNC_JOB_KEYS = optionKeys<AsyncJobOptions>({
  name: true,
  submit: true,
  poll: true,
  fetch: true,
  pollInterval: true,
  deadline: true,
  submitRateLimit: true,
});
const SUBMIT_KEYS = optionKeys<AsyncJobSubmitOptions>({
  ...REQUEST_KEYS,
  method: true,
  body: true,
  executionId: true,
});
const POLL_KEYS = optionKeys<AsyncJobPollOptions>({ ...REQUEST_KEYS, status: true });
const FETCH_KEYS = optionKeys<AsyncJobFetchOptions>({
  ...REQUEST_KEYS,
  format: true,
  records: true,
  csv: true,
  maxBytes: true,
  maxLineBytes: true,
});
const POLL_INTERVAL_KEYS = optionKeys<PollIntervalOptions>({ initialMs: true, maxMs: true, factor: true });

/** Reads a dotted path ('data.id') out of a parsed JSON document. */
export function valueAtPath(document: unknown, path: string): unknown {
  let value = document;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function positiveNumber(where: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
    throw new ConfigError(`${where} must be a number ≥ ${min}, got ${JSON.stringify(value)}`);
  return value;
}

function templatesOf(where: string, values: string[]): Array<{ where: string; parts: TemplatePart[] }> {
  return values.map((value) => ({
    where,
    parts: parseTemplate(value).filter(
      (part) => !('variable' in part && part.variable === EXECUTION_ID_VARIABLE),
    ),
  }));
}

function bodyStrings(body: JsonTemplate | undefined): string[] {
  if (typeof body === 'string') return [body];
  if (Array.isArray(body)) return body.flatMap(bodyStrings);
  if (typeof body === 'object' && body !== null) return Object.values(body).flatMap(bodyStrings);
  return [];
}

/**
 * Submits a query, persists the upstream's execution id on the run, polls it with backoff until it
 * is done (or the deadline passes), then downloads the result. A new attempt of the same run or queue
 * job resumes polling the stored execution instead of submitting again.
 */
export function asyncJob(options: AsyncJobOptions): AsyncJobSourceDefinition {
  if (!options || typeof options.name !== 'string' || options.name === '')
    throw new ConfigError('asyncJob(): `name` is required');
  const where = `asyncJob("${options.name}")`;
  assertKnownKeys(where, options, ASYNC_JOB_KEYS);
  assertKnownKeys(`${where}: submit`, options.submit, SUBMIT_KEYS);
  assertKnownKeys(`${where}: poll`, options.poll, POLL_KEYS);
  assertKnownKeys(`${where}: fetch`, options.fetch, FETCH_KEYS);
  assertKnownKeys(`${where}: pollInterval`, options.pollInterval, POLL_INTERVAL_KEYS);
  assertKnownKeys(`${where}: submitRateLimit`, options.submitRateLimit, ['requests', 'per']);
  const request = (step: 'submit' | 'poll' | 'fetch', extra: Partial<AsyncJobFetchOptions> = {}) => {
    const given = options[step];
    if (!given || typeof given !== 'object') throw new ConfigError(`${where}: \`${step}\` is required`);
    try {
      return http({
        url: given.url,
        query: given.query,
        headers: given.headers,
        timeoutMs: given.timeoutMs,
        name: options.name,
        ...extra,
      });
    } catch (error) {
      const message = (error as Error).message.replace(/^http\(\)( "[^"]*")?: /, '');
      throw new ConfigError(`${where}: ${step}: ${message}`, { cause: error });
    }
  };
  const submit = request('submit', { format: 'json' });
  const poll = request('poll', { format: 'json' });
  const { format, records, csv, maxBytes, maxLineBytes } = options.fetch ?? {};
  const fetch = request('fetch', { format, records, csv, maxBytes, maxLineBytes });

  const method = options.submit.method ?? 'POST';
  if (method !== 'POST' && method !== 'PUT')
    throw new ConfigError(`${where}: submit.method must be 'POST' or 'PUT'`);
  const idPath = options.submit.executionId;
  if (typeof idPath !== 'function' && (typeof idPath !== 'string' || idPath === '')) {
    throw new ConfigError(`${where}: submit.executionId must be a dotted path ('data.id') or a function`);
  }
  if (typeof options.poll.status !== 'function') {
    throw new ConfigError(
      `${where}: poll.status must be a function returning 'running', 'succeeded' or { failed: message }`,
    );
  }
  if (options.submit.body !== undefined) {
    try {
      JSON.stringify(options.submit.body);
    } catch (error) {
      throw new ConfigError(`${where}: submit.body must be JSON`, { cause: error });
    }
  }
  const interval = { ...pollIntervalDefaults, ...options.pollInterval };
  positiveNumber(`${where}: pollInterval.initialMs`, interval.initialMs);
  positiveNumber(`${where}: pollInterval.maxMs`, interval.maxMs, interval.initialMs);
  positiveNumber(`${where}: pollInterval.factor`, interval.factor);
  const deadlineMs =
    typeof options.deadline === 'string'
      ? parseDuration(`${where}: deadline`, options.deadline)
      : positiveNumber(`${where}: deadline`, options.deadline);
  const limit = options.submitRateLimit;
  const submitRateLimit = limit
    ? {
        requests: positiveNumber(`${where}: submitRateLimit.requests`, limit.requests),
        intervalMs:
          typeof limit.per === 'string'
            ? parseDuration(`${where}: submitRateLimit.per`, limit.per)
            : positiveNumber(`${where}: submitRateLimit.per`, limit.per),
      }
    : undefined;
  const submitUsesId = parseTemplate(options.submit.url).some(
    (part) => 'variable' in part && part.variable === EXECUTION_ID_VARIABLE,
  );
  if (submitUsesId)
    throw new ConfigError(`${where}: submit.url cannot use {{executionId}} (it has none yet)`);
  const valueTemplates = (step: 'submit' | 'poll' | 'fetch') => [
    ...Object.values(options[step].query ?? {}),
    ...Object.values(options[step].headers ?? {}),
  ];
  const stringsOf = (values: TemplateValue[]) => values.filter((value) => typeof value === 'string');
  return {
    kind: 'asyncJob',
    name: options.name,
    submit: {
      request: submit,
      method,
      body: options.submit.body,
      executionId: typeof idPath === 'function' ? idPath : (body) => valueAtPath(body, idPath),
    },
    poll: { request: poll, status: options.poll.status },
    fetch,
    pollInterval: interval,
    deadlineMs,
    submitRateLimit,
    templates: [
      ...templatesOf('submit', [options.submit.url, ...stringsOf(valueTemplates('submit'))]),
      ...templatesOf('submit body', bodyStrings(options.submit.body)),
      ...templatesOf('poll', [options.poll.url, ...stringsOf(valueTemplates('poll'))]),
      ...templatesOf('fetch', [options.fetch.url, ...stringsOf(valueTemplates('fetch'))]),
    ],
  };
}
