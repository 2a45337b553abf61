// The Infoclimat open-data request: which stations and days, with a token, polite limits and a status check.
import { ConfigError } from '../../domain/errors.ts';
import type { RateLimitOptions } from '../../domain/resilience-policy.ts';
import {
  type HttpSourceDefinition,
  http,
  type ResponseCheck,
  type SecretRef,
  secret,
} from '../../domain/source-definition.ts';
import { parseTemplate, templateVariables } from '../../domain/template.ts';

export const INFOCLIMAT_URL = 'https://www.infoclimat.fr/opendata/';

export interface InfoclimatOptions {
  /** Station ids as Infoclimat writes them: `07015` (SYNOP), `00052`, `STATIC0010` (amateur). */
  stations: readonly string[];
  /** First day, `YYYY-MM-DD` or a template of the pipeline's parameters (`{{start_date}}`). */
  start: string;
  /** Last day, inclusive, likewise (`{{end_date}}`). */
  end: string;
  /** The open-data token Infoclimat hands out on sign-up. @defaultValue secret('INFOCLIMAT_TOKEN') */
  token?: string | SecretRef;
  /** @defaultValue INFOCLIMAT_URL */
  baseUrl?: string;
  /** Provider name on runs and rows, and the key of its breaker. @defaultValue 'infoclimat' */
  name?: string;
  /** Infoclimat documents no limit: this one is ours. @defaultValue 1 per second */
  rateLimit?: RateLimitOptions;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const STATION = /^[A-Za-z0-9_-]+$/;

export const infoclimatDefaults = {
  baseUrl: INFOCLIMAT_URL,
  name: 'infoclimat',
  rateLimit: { requests: 1, per: '1s' },
} satisfies Partial<InfoclimatOptions>;

/** `status` is `"OK"` on success; anything else is the upstream saying no, with its `errors`. */
export const infoclimatCheck: ResponseCheck = {
  body(body) {
    const document = body as { status?: unknown; errors?: unknown; hourly?: unknown } | null;
    if (typeof document !== 'object' || document === null) return 'the answer is not an Infoclimat export';
    const errors = Array.isArray(document.errors) && document.errors.length > 0 ? document.errors : undefined;
    if (document.status === 'OK' && errors === undefined) return undefined;
    const status = typeof document.status === 'string' ? document.status : 'no status';
    return `Infoclimat answered ${status}${errors ? `: ${JSON.stringify(errors)}` : ''}`;
  },
};

/** The http() source of one export; ConfigError names a station or day it cannot send. */
export function infoclimatSource(options: InfoclimatOptions): HttpSourceDefinition {
  const where = 'connectors.infoclimat';
  const stations = options?.stations ?? [];
  if (stations.length === 0) throw new ConfigError(`${where}: stations must list at least one station id`);
  for (const station of stations) {
    if (!STATION.test(station)) {
      throw new ConfigError(
        `${where}: station ${JSON.stringify(station)} must be letters and digits, e.g. 07015`,
      );
    }
  }
  for (const [what, day] of [
    ['start', options.start],
    ['end', options.end],
  ] as const) {
    if (typeof day !== 'string' || (!DAY.test(day) && templateVariables(parseTemplate(day)).length === 0)) {
      throw new ConfigError(`${where}: ${what} ${JSON.stringify(day)} must be YYYY-MM-DD or a {{template}}`);
    }
  }
  const base = new URL(options.baseUrl ?? infoclimatDefaults.baseUrl);
  // stations[] repeats, which a query object cannot say: the fixed part of the query lives in the URL.
  base.search = [
    'version=2',
    'method=get',
    'format=json',
    ...stations.map((station) => `stations[]=${station}`),
  ].join('&');
  return http({
    url: base.toString(),
    query: { start: options.start, end: options.end, token: options.token ?? secret('INFOCLIMAT_TOKEN') },
    format: 'json',
    // Each station's rows, one record each; `hourly._params` (field names) rides along and is skipped.
    records: 'hourly.*',
    name: options.name ?? infoclimatDefaults.name,
    // A month of 10-minute rows for a few stations is several MB; the server builds it first.
    timeoutMs: 60_000,
    maxBytes: 64 * 1024 * 1024,
    retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
    rateLimit: options.rateLimit ?? infoclimatDefaults.rateLimit,
    breaker: { threshold: 5, cooldownS: 120 },
    check: infoclimatCheck,
  });
}
