// Data-quality rules beyond the schema: what they check, how severe, and how a record is judged.
import { parseDuration } from './duration.ts';
import { ConfigError } from './errors.ts';
import type { RecordIssue } from './source-item.ts';

export const Severity = { reject: 'reject', warn: 'warn' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

interface RuleBase {
  readonly name: string;
  readonly severity: Severity;
}

export type QualityRule =
  | (RuleBase & {
      readonly kind: 'range';
      readonly field: string;
      readonly min?: number;
      readonly max?: number;
    })
  | (RuleBase & { readonly kind: 'allowed'; readonly field: string; readonly values: readonly unknown[] })
  | (RuleBase & { readonly kind: 'not_null'; readonly field: string })
  | (RuleBase & { readonly kind: 'unique_key' })
  | (RuleBase & { readonly kind: 'time_bounds'; readonly maxFutureMs?: number; readonly maxAgeMs?: number })
  | (RuleBase & {
      readonly kind: 'check';
      readonly message: string;
      readonly predicate: (record: Readonly<Record<string, unknown>>) => boolean;
    });

export interface RuleOptions {
  /** @defaultValue 'reject' */
  severity?: Severity;
  /** Shown in reports and stored with issues. @defaultValue derived from the rule */
  name?: string;
}

const severityOf = (options?: RuleOptions): Severity => options?.severity ?? Severity.reject;

/** The rule builders users put in `dataset(…, { rules: [...] })`. */
export const rule = {
  range(field: string, bounds: { min?: number; max?: number }, options?: RuleOptions): QualityRule {
    return {
      kind: 'range',
      field,
      ...bounds,
      severity: severityOf(options),
      name: options?.name ?? `${field}_range`,
    };
  },
  allowed(field: string, values: readonly unknown[], options?: RuleOptions): QualityRule {
    return {
      kind: 'allowed',
      field,
      values,
      severity: severityOf(options),
      name: options?.name ?? `${field}_allowed`,
    };
  },
  notNull(field: string, options?: RuleOptions): QualityRule {
    return {
      kind: 'not_null',
      field,
      severity: severityOf(options),
      name: options?.name ?? `${field}_not_null`,
    };
  },
  /** A key seen twice in one run: the second and later records break it. */
  uniqueKey(options?: RuleOptions): QualityRule {
    return { kind: 'unique_key', severity: severityOf(options), name: options?.name ?? 'unique_key' };
  },
  /** The time column is not later than now + `future`, nor earlier than now − `horizon`. */
  timeBounds(bounds: { future?: string; horizon?: string }, options?: RuleOptions): QualityRule {
    return {
      kind: 'time_bounds',
      ...(bounds.future ? { maxFutureMs: parseDuration('timeBounds future', bounds.future) } : {}),
      ...(bounds.horizon ? { maxAgeMs: parseDuration('timeBounds horizon', bounds.horizon) } : {}),
      severity: severityOf(options),
      name: options?.name ?? 'time_bounds',
    };
  },
  check(
    name: string,
    predicate: (record: Readonly<Record<string, unknown>>) => boolean,
    message: string,
    options?: Omit<RuleOptions, 'name'>,
  ): QualityRule {
    return { kind: 'check', name, predicate, message, severity: severityOf(options) };
  },
};

/** Load-time check of one rule against the dataset's columns. */
export function assertRule(
  where: string,
  candidate: QualityRule,
  columns: ReadonlyMap<string, unknown>,
): void {
  if (!candidate || typeof candidate !== 'object' || !('kind' in candidate)) {
    throw new ConfigError(`${where}: expected a rule such as rule.range('field', { min: 0 })`);
  }
  if (candidate.severity !== 'reject' && candidate.severity !== 'warn') {
    throw new ConfigError(`${where}: severity must be "reject" or "warn"`);
  }
  if ('field' in candidate && !columns.has(candidate.field)) {
    throw new ConfigError(`${where} (${candidate.name}): field "${candidate.field}" is not in the schema`);
  }
  if (candidate.kind === 'check' && typeof candidate.predicate !== 'function') {
    throw new ConfigError(`${where} (${candidate.name}): predicate must be a function (record) => boolean`);
  }
}

export interface RuleContext {
  now: Date;
  time: string;
  keyOf: (record: Readonly<Record<string, unknown>>) => string;
  /** Keys seen so far in this run, for unique_key. */
  seenKeys: Set<string>;
}

export interface RuleVerdict {
  rejected: RecordIssue[];
  warned: RecordIssue[];
}

function asTime(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

function violation(
  current: QualityRule,
  record: Readonly<Record<string, unknown>>,
  context: RuleContext,
): RecordIssue | undefined {
  const issue = (path: string[], message: string) => ({ path, code: `rule:${current.name}`, message });
  switch (current.kind) {
    case 'range': {
      const value = record[current.field];
      if (value === null || value === undefined) return undefined;
      if (typeof value !== 'number')
        return issue([current.field], `expected a number for the range rule, got ${typeof value}`);
      if (current.min !== undefined && value < current.min)
        return issue([current.field], `${value} is below the minimum ${current.min}`);
      if (current.max !== undefined && value > current.max)
        return issue([current.field], `${value} is above the maximum ${current.max}`);
      return undefined;
    }
    case 'allowed': {
      const value = record[current.field];
      if (value === null || value === undefined || current.values.includes(value)) return undefined;
      return issue(
        [current.field],
        `${JSON.stringify(value)} is not one of ${JSON.stringify(current.values)}`,
      );
    }
    case 'not_null': {
      const value = record[current.field];
      return value === null || value === undefined ? issue([current.field], 'is null') : undefined;
    }
    case 'unique_key': {
      const key = context.keyOf(record);
      if (context.seenKeys.has(key)) return issue([], 'this key already appeared earlier in the run');
      context.seenKeys.add(key);
      return undefined;
    }
    case 'time_bounds': {
      const at = asTime(record[context.time]);
      if (at === undefined) return undefined;
      const now = context.now.getTime();
      if (current.maxFutureMs !== undefined && at > now + current.maxFutureMs) {
        return issue([context.time], `is ${Math.round((at - now) / 60_000)} min in the future`);
      }
      if (current.maxAgeMs !== undefined && at < now - current.maxAgeMs) {
        return issue(
          [context.time],
          `is older than the horizon (${Math.round((now - at) / 86_400_000)} days old)`,
        );
      }
      return undefined;
    }
    case 'check': {
      let ok: boolean;
      try {
        ok = current.predicate(record);
      } catch (error) {
        return issue([], `${current.message} (the check threw: ${(error as Error).message})`);
      }
      return ok ? undefined : issue([], current.message);
    }
  }
}

/** Applies every rule to one schema-valid record. */
export function evaluateRules(
  rules: readonly QualityRule[],
  record: Readonly<Record<string, unknown>>,
  context: RuleContext,
): RuleVerdict {
  const verdict: RuleVerdict = { rejected: [], warned: [] };
  for (const current of rules) {
    const found = violation(current, record, context);
    if (found) (current.severity === 'warn' ? verdict.warned : verdict.rejected).push(found);
  }
  return verdict;
}
