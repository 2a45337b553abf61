// The ECB request: the daily, 90-day or full-history reference-rate file, with polite policies.
import { ConfigError } from '../../domain/errors.ts';
import type { RateLimitOptions } from '../../domain/resilience-policy.ts';
import { type HttpSourceDefinition, http, type ResponseCheck } from '../../domain/source-definition.ts';

export const ECB_URL = 'https://www.ecb.europa.eu/stats/eurofxref';

/** The three files the ECB publishes, by the name of their XML file. */
export const EcbFile = {
  /** The latest working day: `eurofxref-daily.xml`. */
  daily: 'daily',
  /** The last 90 days, newest first: `eurofxref-hist-90d.xml`. */
  hist90d: 'hist-90d',
  /** Every day since 1999-01-04, newest first: `eurofxref-hist.xml` (several MB). */
  hist: 'hist',
} as const;
export type EcbFile = (typeof EcbFile)[keyof typeof EcbFile];

export interface EcbOptions {
  /** @defaultValue 'daily' */
  file?: EcbFile;
  /** Quote currencies to keep; every currency of the file when left out. */
  symbols?: readonly string[];
  /** Where the files live; tests point it at a local server. @defaultValue ECB_URL */
  baseUrl?: string;
  /** Provider name on runs and rows, and the key of its breaker. @defaultValue 'ecb' */
  name?: string;
  /** The ECB documents no limit: this one is ours, to stay polite. @defaultValue 2 per second */
  rateLimit?: RateLimitOptions;
}

export const ecbDefaults = {
  file: EcbFile.daily,
  baseUrl: ECB_URL,
  name: 'ecb',
  rateLimit: { requests: 2, per: '1s' },
} satisfies EcbOptions;

const CODE = /^[A-Z]{3}$/;
export const ENVELOPE = 'gesmes:Envelope';

/**
 * The ECB has no error document: its failures are plain HTTP errors (HTML pages are refused by
 * every XML read). What parses but is not a `gesmes:Envelope` (a portal's XML, another feed) is
 * no rate file.
 */
export const ecbCheck: ResponseCheck = {
  record(document) {
    if (typeof document === 'object' && document !== null && ENVELOPE in document) return undefined;
    const root = typeof document === 'object' && document !== null ? Object.keys(document)[0] : undefined;
    return `the answer is not the ECB's reference rates (no ${ENVELOPE}${root ? `, root <${root}>` : ''})`;
  },
};

/** Bigger and slower for the full history (about 7,000 days × 30 currencies) than for one day. */
function limitsOf(file: EcbFile): { timeoutMs: number; maxBytes: number } {
  return file === EcbFile.hist
    ? { timeoutMs: 60_000, maxBytes: 64 * 1024 * 1024 }
    : { timeoutMs: 10_000, maxBytes: 8 * 1024 * 1024 };
}

/** Refuses a currency code the ECB cannot have; `where` names the caller in the message. */
export function assertCurrencyCodes(where: string, codes: readonly string[]): void {
  for (const code of codes) {
    if (typeof code !== 'string' || !CODE.test(code)) {
      throw new ConfigError(
        `${where}: currency ${JSON.stringify(code)} must be three capital letters, e.g. USD`,
      );
    }
  }
}

/** The http() source of one ECB file, read whole as one XML document (the transform flattens it). */
export function ecbSource(options: EcbOptions = {}): HttpSourceDefinition {
  const where = 'connectors.ecb';
  const file = options.file ?? ecbDefaults.file;
  if (!Object.values(EcbFile).includes(file)) {
    throw new ConfigError(`${where}: file ${JSON.stringify(file)} must be 'daily', 'hist-90d' or 'hist'`);
  }
  assertCurrencyCodes(where, options.symbols ?? []);
  const baseUrl = (options.baseUrl ?? ecbDefaults.baseUrl).replace(/\/+$/, '');
  return http({
    url: `${baseUrl}/eurofxref-${file}.xml`,
    format: 'xml',
    name: options.name ?? ecbDefaults.name,
    ...limitsOf(file),
    retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
    rateLimit: options.rateLimit ?? ecbDefaults.rateLimit,
    breaker: { threshold: 5, cooldownS: 60 },
    check: ecbCheck,
  });
}
