// What a user declares about where records come from; the readers live in adapters/sources.
import { ConfigError } from './errors.ts';
import { parseSelector, type RecordSelector } from './record-selector.ts';
import { parseTemplate, type TemplatePart } from './template.ts';

/** A value read from an environment variable when the source runs; never logged or stored. */
export interface SecretRef {
  readonly kind: 'secret';
  readonly env: string;
}

export function secret(env: string): SecretRef {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) {
    throw new ConfigError(`secret("${env}"): not a valid environment variable name`);
  }
  return { kind: 'secret', env };
}

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'secret';
}

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
}

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
}

export function files(options: FilesSourceOptions): FilesSourceDefinition {
  if (!options || typeof options.dir !== 'string' || options.dir === '') {
    throw new ConfigError('files(): `dir` is required (a directory relative to the config file)');
  }
  if (options.format !== undefined && !Object.values(FileFormat).includes(options.format)) {
    throw new ConfigError(`files(): unknown format "${options.format}" (use json, ndjson, csv or xlsx)`);
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
  };
}

export const HttpFormat = { json: 'json', csv: 'csv', xml: 'xml', auto: 'auto' } as const;
export type HttpFormat = (typeof HttpFormat)[keyof typeof HttpFormat];

export type TemplateValue = string | SecretRef;

export interface HttpSourceOptions {
  /** URL template; `{{name}}` placeholders come from the pipeline's parameters. */
  url: string;
  /** Query parameters appended to the URL; values may be templates or secrets. */
  query?: Record<string, TemplateValue>;
  headers?: Record<string, TemplateValue>;
  /** @defaultValue 'auto' (from the Content-Type) */
  format?: HttpFormat;
  /** Where records sit in the document (JSON or XML), dotted path with `*` wildcards. */
  records?: string;
  /** Whole-call timeout in milliseconds. @defaultValue 30000 */
  timeoutMs?: number;
  /** Largest accepted body in bytes. @defaultValue 50 MiB */
  maxBytes?: number;
  csv?: CsvOptions;
  /** Provider name recorded on runs and rows. @defaultValue the URL's host */
  name?: string;
}

export type ParsedValue = { template: TemplatePart[] } | SecretRef;

export interface HttpSourceDefinition {
  readonly kind: 'http';
  readonly name: string;
  readonly url: TemplatePart[];
  readonly urlSource: string;
  readonly query: ReadonlyArray<readonly [string, ParsedValue]>;
  readonly headers: ReadonlyArray<readonly [string, ParsedValue]>;
  readonly format: HttpFormat;
  readonly records: RecordSelector;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly csv: CsvOptions;
}

export const httpDefaults = {
  timeoutMs: 30_000,
  maxBytes: 50 * 1024 * 1024,
} satisfies Partial<HttpSourceOptions>;

export function http(options: HttpSourceOptions): HttpSourceDefinition {
  if (!options || typeof options.url !== 'string' || !/^https?:\/\//.test(options.url)) {
    throw new ConfigError(
      `http(): \`url\` must be an http(s) URL template, got ${JSON.stringify(options?.url)}`,
    );
  }
  const format = options.format ?? 'auto';
  if (!Object.values(HttpFormat).includes(format)) {
    throw new ConfigError(`http(): unknown format "${format}" (use json, csv, xml or auto)`);
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
  return {
    kind: 'http',
    name: options.name ?? host,
    url: parseTemplate(options.url),
    urlSource: options.url,
    query: parseValues('query parameter', options.query),
    headers: parseValues('header', options.headers),
    format,
    records: selectorOrConfigError('http()', options.records),
    timeoutMs: positive('timeoutMs', options.timeoutMs ?? httpDefaults.timeoutMs),
    maxBytes: positive('maxBytes', options.maxBytes ?? httpDefaults.maxBytes),
    csv: options.csv ?? {},
  };
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
    throw new ConfigError(`${where}: ${(error as Error).message}`);
  }
}

export type SourceDefinition = FilesSourceDefinition | HttpSourceDefinition;

/** Template variables a source uses, to check against the pipeline's parameters at load time. */
export function sourceTemplates(source: SourceDefinition): Array<{ where: string; parts: TemplatePart[] }> {
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
  return templates;
}
