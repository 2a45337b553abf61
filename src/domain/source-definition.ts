// What a user declares about where records come from; the readers live in adapters/sources.
import type { AsyncJobSourceDefinition } from './async-job-definition.ts';
import { ConfigError } from './errors.ts';
import {
  type HttpBody,
  type HttpBodyOptions,
  type HttpMethod,
  httpBodyTemplates,
  parseHttpBody,
} from './http-body.ts';
import { type OAuth2Definition, parseHttpAuth } from './oauth2.ts';
import { assertKnownKeys, optionKeys } from './option-keys.ts';
import { parseSelector, type RecordSelector } from './record-selector.ts';
import { assertResilienceOptions, type ResilienceOptions } from './resilience-policy.ts';
import { isSecretRef, type SecretRef } from './secret.ts';
import { parseTemplate, type TemplatePart } from './template.ts';
import { encodingOption, TextEncodingName } from './text-encoding.ts';

export { isSecretRef, type SecretRef, secret } from './secret.ts';

export const FileFormat = { json: 'json', ndjson: 'ndjson', csv: 'csv', xlsx: 'xlsx' } as const;
export type FileFormat = (typeof FileFormat)[keyof typeof FileFormat];

const EXTENSION_FORMATS: Record<string, FileFormat> = {
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  csv: 'csv',
  tsv: 'csv',
  xlsx: 'xlsx',
};

/** The format a file name implies, or undefined when its extension is not one sluice reads. */
export function formatOfFile(fileName: string): FileFormat | undefined {
  const extension = fileName.toLowerCase().split('.').pop() ?? '';
  return EXTENSION_FORMATS[extension];
}

export interface CsvOptions {
  /** @defaultValue ',' (tab for .tsv files) */
  delimiter?: string;
}

export interface XlsxOptions {
  /** Worksheet name or 1-based index. @defaultValue the first worksheet */
  sheet?: string | number;
  /** Bytes the whole workbook (a zip) may unpack to; more fails the file as a zip bomb. @defaultValue 256 MiB */
  maxUnpackedBytes?: number;
  /** Bytes one part of the workbook (a worksheet, the shared strings) may unpack to. @defaultValue 64 MiB */
  maxEntryUnpackedBytes?: number;
}

export const xlsxDefaults = {
  maxUnpackedBytes: 256 * 1024 * 1024,
  maxEntryUnpackedBytes: 64 * 1024 * 1024,
} satisfies XlsxOptions;

export interface FilesSourceOptions {
  /** Directory to read, relative to the config file. */
  dir: string;
  /** Glob of file names inside `dir`. @defaultValue every file with a readable extension */
  glob?: string;
  /** Forces one format for every file; otherwise each file's extension decides. */
  format?: FileFormat;
  /** Where records sit in a JSON document (dotted path, `*` wildcard). */
  records?: string;
  csv?: CsvOptions;
  xlsx?: XlsxOptions;
  /** Largest NDJSON line or CSV record (a line, or the lines of one quoted field) in bytes. @defaultValue 16 MiB */
  maxLineBytes?: number;
  /** The text encoding of JSON, NDJSON, CSV files. @defaultValue 'utf-8' (checked) */
  encoding?: TextEncodingName;
  /** Provider name recorded on runs and rows. @defaultValue 'files' */
  name?: string;
}

export interface FilesSourceDefinition {
  readonly kind: 'files';
  readonly name: string;
  readonly dir: string;
  readonly glob: string;
  readonly format: FileFormat | undefined;
  readonly records: RecordSelector;
  readonly csv: CsvOptions;
  readonly xlsx: XlsxOptions;
  readonly maxLineBytes: number;
  readonly encoding: TextEncodingName;
}

const CSV_KEYS = optionKeys<CsvOptions>({ delimiter: true });
const XLSX_KEYS = optionKeys<XlsxOptions>({
  sheet: true,
  maxUnpackedBytes: true,
  maxEntryUnpackedBytes: true,
});
const FILES_KEYS = optionKeys<FilesSourceOptions>({
  dir: true,
  glob: true,
  format: true,
  records: true,
  csv: true,
  xlsx: true,
  maxLineBytes: true,
  encoding: true,
  name: true,
});

/** `files()`, or `files() "name"` once the source is named: where an option error points. */
function sourceLabel(kind: string, name: unknown): string {
  return typeof name === 'string' && name !== '' ? `${kind} "${name}"` : kind;
}

export function files(options: FilesSourceOptions): FilesSourceDefinition {
  const label = sourceLabel('files()', options?.name);
  assertKnownKeys(label, options, FILES_KEYS);
  assertKnownKeys(`${label}: csv`, options?.csv, CSV_KEYS);
  assertKnownKeys(`${label}: xlsx`, options?.xlsx, XLSX_KEYS);
  if (!options || typeof options.dir !== 'string' || options.dir === '') {
    throw new ConfigError('files(): `dir` is required (a directory relative to the config file)');
  }
  if (options.format !== undefined && !Object.values(FileFormat).includes(options.format)) {
    throw new ConfigError(`files(): unknown format "${options.format}" (use json, ndjson, csv or xlsx)`);
  }
  for (const key of ['maxUnpackedBytes', 'maxEntryUnpackedBytes'] as const) {
    const value = options.xlsx?.[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0))
      throw new ConfigError(`${label}: xlsx.${key} must be a positive whole number of bytes`);
  }
  const maxLineBytes = options.maxLineBytes;
  if (maxLineBytes !== undefined && !(Number.isSafeInteger(maxLineBytes) && maxLineBytes > 0)) {
    throw new ConfigError(`${label}: maxLineBytes must be a positive whole number of bytes`);
  }
  return {
    kind: 'files',
    name: options.name ?? 'files',
    dir: options.dir,
    glob: options.glob ?? '*',
    format: options.format,
    records: selectorOrConfigError('files()', options.records),
    csv: options.csv ?? {},
    xlsx: options.xlsx ?? {},
    maxLineBytes: options.maxLineBytes ?? lineDefaults.maxLineBytes,
    encoding: encodingOption(label, options.encoding) ?? TextEncodingName.utf8,
  };
}

export const HttpFormat = { json: 'json', csv: 'csv', xml: 'xml', auto: 'auto' } as const;
export type HttpFormat = (typeof HttpFormat)[keyof typeof HttpFormat];

export type TemplateValue = string | SecretRef;

/**
 * What a source does when the upstream redirects: follow within the same origin (scheme, host and
 * port) only, follow anywhere but without the declared headers and secret query values, or never.
 */
export const RedirectPolicy = { sameOrigin: 'same-origin', follow: 'follow', none: 'none' } as const;
export type RedirectPolicy = (typeof RedirectPolicy)[keyof typeof RedirectPolicy];

/**
 * Recognises an error that arrives as data (HTTP 200 with `{"status":"error"}`, a row of `N/D`):
 * return why, or undefined for data. A hit fails the call with that reason instead of producing records.
 */
export interface ResponseCheck {
  /** The whole body: the parsed document for JSON, the text otherwise. Bodies over 1 MiB are not checked. */
  body?: (body: unknown) => string | undefined;
  /** Every record the source yields (after `records` selection; CSV rows as objects). */
  record?: (record: unknown) => string | undefined;
}

/** Besides the request itself: retry, rateLimit, concurrency and breaker (see ResilienceOptions). */
export interface HttpSourceOptions extends ResilienceOptions {
  /** URL template; `{{name}}` placeholders come from the pipeline's parameters. */
  url: string;
  /** @defaultValue 'GET' */
  method?: HttpMethod;
  /**
   * What a POST sends: `{ json: {...} }` or `{ form: { name: value } }`; strings may hold `{{param}}`
   * placeholders, form values may be secret(). A redirect with 307/308 resends it to the same origin
   * only; 301/302/303 continue with a GET, as browsers do.
   */
  body?: HttpBodyOptions;
  /** Query parameters appended to the URL; values may be templates or secrets. */
  query?: Record<string, TemplateValue>;
  headers?: Record<string, TemplateValue>;
  /**
   * `oauth2({ tokenUrl, clientId, clientSecret })`: a bearer token fetched once, shared by every
   * worker through the database, renewed before it expires and once on a 401.
   */
  auth?: OAuth2Definition;
  /** @defaultValue 'auto' (from the Content-Type) */
  format?: HttpFormat;
  /** Where records sit in the document (JSON or XML), dotted path with `*` wildcards. */
  records?: string;
  /** Whole-call timeout in milliseconds. @defaultValue 30000 */
  timeoutMs?: number;
  /** Largest accepted body in bytes. @defaultValue 50 MiB */
  maxBytes?: number;
  /** Largest CSV record (a line, or the lines of one quoted field) in bytes. @defaultValue 16 MiB */
  maxLineBytes?: number;
  csv?: CsvOptions;
  check?: ResponseCheck;
  /**
   * Redirects to another origin would carry the declared headers and secrets there, so they are
   * refused unless set to 'follow' (which drops those headers and secret query values). @defaultValue 'same-origin'
   */
  redirects?: RedirectPolicy;
  /** The body's text encoding. @defaultValue the Content-Type's charset when it names one sluice reads, else 'utf-8' (checked) */
  encoding?: TextEncodingName;
  /** Provider name recorded on runs and rows, and the key of its shared breaker. @defaultValue the URL's host */
  name?: string;
  /**
   * Splits the provider's shared state (breaker, Retry-After deadline, rate limit, concurrency, stats)
   * per value of a template: `'{{site}}'` gives each site its own breaker and limit, across every
   * worker. Placeholders come from the pipeline's parameters and partition keys. @defaultValue one state per provider
   */
  scope?: string;
}

export type ParsedValue = { template: TemplatePart[] } | SecretRef;

export interface HttpSourceDefinition {
  readonly kind: 'http';
  readonly name: string;
  readonly url: TemplatePart[];
  readonly urlSource: string;
  readonly method: HttpMethod;
  readonly body: HttpBody | undefined;
  readonly query: ReadonlyArray<readonly [string, ParsedValue]>;
  readonly headers: ReadonlyArray<readonly [string, ParsedValue]>;
  readonly auth: OAuth2Definition | undefined;
  readonly format: HttpFormat;
  readonly records: RecordSelector;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxLineBytes: number;
  readonly csv: CsvOptions;
  readonly check: ResponseCheck;
  readonly redirects: RedirectPolicy;
  /** As declared; undefined: from the Content-Type's charset, else UTF-8. */
  readonly encoding: TextEncodingName | undefined;
  /** As declared; the environment's overrides apply when the source runs. */
  readonly resilience: ResilienceOptions;
  /** Rendered per call into the state key (see provider-scope.ts); undefined: one state for the provider. */
  readonly scope: TemplatePart[] | undefined;
}

/** The longest line (NDJSON) or record (CSV) a reader holds before giving up on the file. */
export const lineDefaults = { maxLineBytes: 16 * 1024 * 1024 } as const;

export const httpDefaults = {
  timeoutMs: 30_000,
  maxBytes: 50 * 1024 * 1024,
  redirects: 'same-origin',
  maxLineBytes: lineDefaults.maxLineBytes,
} satisfies Partial<HttpSourceOptions>;

const HTTP_KEYS = optionKeys<HttpSourceOptions>({
  url: true,
  method: true,
  body: true,
  query: true,
  headers: true,
  auth: true,
  format: true,
  records: true,
  timeoutMs: true,
  maxBytes: true,
  maxLineBytes: true,
  csv: true,
  check: true,
  redirects: true,
  encoding: true,
  name: true,
  scope: true,
  retry: true,
  rateLimit: true,
  concurrency: true,
  breaker: true,
});
const CHECK_KEYS = optionKeys<ResponseCheck>({ body: true, record: true });

export function http(options: HttpSourceOptions): HttpSourceDefinition {
  const label = sourceLabel('http()', options?.name);
  assertKnownKeys(label, options, HTTP_KEYS);
  assertKnownKeys(`${label}: csv`, options?.csv, CSV_KEYS);
  assertKnownKeys(`${label}: check`, options?.check, CHECK_KEYS);
  if (!options || typeof options.url !== 'string' || !/^https?:\/\//.test(options.url)) {
    throw new ConfigError(
      `http(): \`url\` must be an http(s) URL template, got ${JSON.stringify(options?.url)}`,
    );
  }
  const format = options.format ?? 'auto';
  if (!Object.values(HttpFormat).includes(format)) {
    throw new ConfigError(`http(): unknown format "${format}" (use json, csv, xml or auto)`);
  }
  const redirects = options.redirects ?? httpDefaults.redirects;
  if (!Object.values(RedirectPolicy).includes(redirects)) {
    throw new ConfigError(
      `${label}: unknown redirects ${JSON.stringify(redirects)} (use 'same-origin', 'follow' or 'none')`,
    );
  }
  const parseValues = (what: string, values: Record<string, TemplateValue> | undefined) =>
    Object.entries(values ?? {}).map(([name, value]) => {
      if (isSecretRef(value)) return [name, value] as const;
      if (typeof value !== 'string')
        throw new ConfigError(`http(): ${what} "${name}" must be a string or secret()`);
      return [name, { template: parseTemplate(value) }] as const;
    });
  let host = 'http';
  try {
    host = new URL(options.url.replace(/\{\{[^}]*\}\}/g, 'x')).host;
  } catch {
    throw new ConfigError(`http(): \`url\` "${options.url}" is not a valid URL`);
  }
  const name = options.name ?? host;
  const { retry, rateLimit, concurrency, breaker } = options;
  const resilience: ResilienceOptions = { retry, rateLimit, concurrency, breaker };
  assertResilienceOptions(`http() "${name}"`, resilience);
  for (const [what, check] of Object.entries(options.check ?? {})) {
    if (typeof check !== 'function')
      throw new ConfigError(`http(): check.${what} must be a function returning a reason or undefined`);
  }
  const request = parseHttpBody(`http() "${name}"`, options.method, options.body);
  const auth = parseHttpAuth(`http() "${name}"`, options.auth);
  if (auth && Object.keys(options.headers ?? {}).some((header) => header.toLowerCase() === 'authorization')) {
    throw new ConfigError(
      `http() "${name}": both \`auth\` and an Authorization header; keep one (auth sends "Authorization: Bearer <token>")`,
    );
  }
  const scope = parseScope(`http() "${name}"`, options.scope);
  return {
    kind: 'http',
    name,
    url: parseTemplate(options.url),
    urlSource: options.url,
    method: request.method,
    body: request.body,
    query: parseValues('query parameter', options.query),
    headers: parseValues('header', options.headers),
    auth,
    format,
    records: selectorOrConfigError('http()', options.records),
    timeoutMs: positive('timeoutMs', options.timeoutMs ?? httpDefaults.timeoutMs),
    maxBytes: positive('maxBytes', options.maxBytes ?? httpDefaults.maxBytes),
    maxLineBytes: positive('maxLineBytes', options.maxLineBytes ?? httpDefaults.maxLineBytes),
    csv: options.csv ?? {},
    check: options.check ?? {},
    redirects,
    encoding: encodingOption(label, options.encoding),
    resilience,
    scope,
  };
}

function parseScope(where: string, scope: string | undefined): TemplatePart[] | undefined {
  if (scope === undefined) return undefined;
  if (typeof scope !== 'string' || scope === '')
    throw new ConfigError(`${where}: scope must be a template such as '{{site}}'`);
  const parts = parseTemplate(scope);
  // Without a placeholder every call renders the same scope: that is a second name, not a scope.
  if (!parts.some((part) => 'variable' in part)) {
    throw new ConfigError(
      `${where}: scope "${scope}" has no {{parameter}}; to keep state apart from another provider, give this one its own \`name\``,
    );
  }
  return parts;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(`http(): ${name} must be a positive number`);
  return value;
}

function selectorOrConfigError(where: string, records: string | undefined): RecordSelector {
  try {
    return parseSelector(records);
  } catch (error) {
    throw new ConfigError(`${where}: ${(error as Error).message}`, { cause: error });
  }
}

export interface StaticSourceOptions {
  /** Recorded as `static:<name>` on runs and rows, so a last-resort value is never mistaken for a fetched one. */
  name: string;
  records: ReadonlyArray<Record<string, unknown>> | Record<string, unknown>;
  /** The date the values are from (e.g. a benchmark's publication date), 'YYYY-MM-DD' or ISO 8601. */
  asOf: string;
}

export interface StaticSourceDefinition {
  readonly kind: 'static';
  readonly name: string;
  readonly records: readonly unknown[];
  readonly asOf: string;
}

export const STATIC_PREFIX = 'static:';

/** Fixed records with the date they are from: the last resort of a fallback chain. */
const STATIC_KEYS = optionKeys<StaticSourceOptions>({ name: true, records: true, asOf: true });

export function staticValue(options: StaticSourceOptions): StaticSourceDefinition {
  assertKnownKeys(sourceLabel('staticValue()', options?.name), options, STATIC_KEYS);
  if (!options || typeof options.name !== 'string' || options.name === '') {
    throw new ConfigError('staticValue(): `name` is required');
  }
  const where = `staticValue("${options.name}")`;
  if (
    typeof options.asOf !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}/.test(options.asOf) ||
    Number.isNaN(Date.parse(options.asOf))
  ) {
    throw new ConfigError(`${where}: \`asOf\` must be the date the values are from, e.g. '2025-06-13'`);
  }
  const records = Array.isArray(options.records) ? options.records : [options.records];
  if (records.length === 0 || records.some((record) => typeof record !== 'object' || record === null)) {
    throw new ConfigError(`${where}: \`records\` must be an object or a non-empty array of objects`);
  }
  const name = options.name.startsWith(STATIC_PREFIX) ? options.name : `${STATIC_PREFIX}${options.name}`;
  return { kind: 'static', name, records, asOf: options.asOf };
}

/** What a fallback chain tries in order: anything but another chain. */
export type ProviderDefinition =
  | FilesSourceDefinition
  | HttpSourceDefinition
  | StaticSourceDefinition
  | AsyncJobSourceDefinition;

export interface FallbackSourceDefinition {
  readonly kind: 'fallback';
  readonly name: string;
  readonly providers: readonly ProviderDefinition[];
}

/**
 * Tries providers in order and the first that delivers serves the run; one whose breaker is
 * open is skipped without a request. Nested chains are flattened; a static value may only come last.
 */
export function fallback(
  ...providers: Array<ProviderDefinition | FallbackSourceDefinition>
): FallbackSourceDefinition {
  const flat = providers.flatMap((provider) =>
    provider?.kind === 'fallback' ? provider.providers : [provider],
  );
  if (flat.length < 2)
    throw new ConfigError('fallback(): give at least two providers, in the order to try them');
  const names = new Set<string>();
  for (const [index, provider] of flat.entries()) {
    if (!provider || !['files', 'http', 'static'].includes(provider.kind)) {
      throw new ConfigError(
        `fallback(): provider ${index + 1} is not a files(), http() or staticValue() definition`,
      );
    }
    if (names.has(provider.name)) {
      throw new ConfigError(
        `fallback(): two providers are named "${provider.name}"; give each a distinct \`name\` (it keys its breaker)`,
      );
    }
    names.add(provider.name);
    if (provider.kind === 'static' && index < flat.length - 1) {
      throw new ConfigError(
        `fallback(): ${provider.name} must come last (the providers after it would never run)`,
      );
    }
  }
  return { kind: 'fallback', name: flat.map((provider) => provider.name).join(' > '), providers: flat };
}

export type SourceDefinition =
  | FilesSourceDefinition
  | HttpSourceDefinition
  | StaticSourceDefinition
  | AsyncJobSourceDefinition
  | FallbackSourceDefinition;

/** The providers a source calls: itself, or each provider of its fallback chain in order. */
export function sourceProviders(source: SourceDefinition): readonly ProviderDefinition[] {
  return source.kind === 'fallback' ? source.providers : [source];
}

/** Template variables a source uses, to check against the pipeline's parameters at load time. */
/**
 * Refuses a files() glob that could reach outside its `dir`: an absolute pattern or a `..`
 * segment. Throws a ConfigError naming `where` (the pipeline), the source and the glob.
 */
export function assertGlobsInsideDir(where: string, source: SourceDefinition): void {
  if (source.kind === 'fallback') {
    for (const provider of source.providers) assertGlobsInsideDir(where, provider);
    return;
  }
  if (source.kind !== 'files') return;
  const pattern = source.glob;
  const absolute = pattern.startsWith('/') || pattern.startsWith('\\') || /^[a-zA-Z]:/.test(pattern);
  const climbs = pattern.split(/[\\/]/).some((segment) => segment === '..');
  if (absolute || climbs) {
    throw new ConfigError(
      `${where}: files source "${source.name}": glob "${pattern}" ${absolute ? 'is absolute' : "has a '..' segment"}; ` +
        'a glob matches files inside `dir` only: set `dir` to the folder that holds the files and keep the glob relative (e.g. "*.csv")',
    );
  }
}

export function sourceTemplates(source: SourceDefinition): Array<{ where: string; parts: TemplatePart[] }> {
  if (source.kind === 'fallback') {
    return source.providers.flatMap((provider) =>
      sourceTemplates(provider).map((entry) => ({ ...entry, where: `"${provider.name}" ${entry.where}` })),
    );
  }
  if (source.kind === 'asyncJob') return [...source.templates];
  if (source.kind !== 'http') return [];
  const templates = [{ where: 'url', parts: source.url }];
  for (const [what, entries] of [
    ['query parameter', source.query],
    ['header', source.headers],
  ] as const) {
    for (const [name, value] of entries) {
      if ('template' in value) templates.push({ where: `${what} "${name}"`, parts: value.template });
    }
  }
  templates.push(...httpBodyTemplates(source.body));
  if (source.scope) templates.push({ where: 'scope', parts: source.scope });
  return templates;
}
