// Checks one record against its dataset's schema and encodes it as a row of column texts.
import type { z } from 'zod';
import { encodeValue } from './column-type.ts';
import type { DatasetDefinition } from './dataset-definition.ts';
import { evaluateRules, type RuleContext } from './quality-rules.ts';
import type { RecordIssue } from './source-item.ts';
import { findUnstorableText } from './storable-text.ts';

/** One row ready for the writer: the text of each column in `dataset.columns` order, null for NULL. */
export type EncodedRow = (string | null)[];

export type ValidationResult =
  | { ok: true; row: EncodedRow; warnings: RecordIssue[] }
  | { ok: false; issues: RecordIssue[]; stage: 'validate' | 'rule' };

export function toRecordIssues(error: z.ZodError): RecordIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
    code: issue.code,
    message: issue.message,
  }));
}

/** Checks the schema, then the dataset's rules (when a rule context is given), then encodes. */
export function validateRecord(
  dataset: DatasetDefinition,
  record: unknown,
  rules?: RuleContext,
): ValidationResult {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    const got = record === null ? 'null' : Array.isArray(record) ? 'array' : typeof record;
    return {
      ok: false,
      stage: 'validate',
      issues: [{ path: [], code: 'invalid_type', message: `expected a record object, got ${got}` }],
    };
  }
  const parsed = dataset.schema.safeParse(record);
  if (!parsed.success) return { ok: false, stage: 'validate', issues: toRecordIssues(parsed.error) };
  const data = parsed.data as Record<string, unknown>;
  // Checked per record: one NUL would otherwise fail the whole write batch in PostgreSQL.
  const unstorable = dataset.columns.flatMap((column) => {
    const issue = findUnstorableText(data[column.name], [column.name]);
    return issue ? [issue] : [];
  });
  if (unstorable.length > 0) return { ok: false, stage: 'validate', issues: unstorable };
  let warnings: RecordIssue[] = [];
  if (rules && dataset.rules.length > 0) {
    const verdict = evaluateRules(dataset.rules, data, rules);
    if (verdict.rejected.length > 0) return { ok: false, stage: 'rule', issues: verdict.rejected };
    warnings = verdict.warned;
  }
  const row: EncodedRow = new Array(dataset.columns.length);
  let keyBytes = 0;
  for (let index = 0; index < dataset.columns.length; index++) {
    const column = dataset.columns[index]!;
    const text = encodeValue(column.type, data[column.name]);
    row[index] = text;
    if (text !== null && dataset.key.includes(column.name)) keyBytes += Buffer.byteLength(text);
  }
  // The primary key's btree refuses an entry over ~2.7 kB (SQLSTATE 54000), which would fail the
  // whole write of the run: refuse the record instead, before it reaches the database.
  if (keyBytes > MAX_KEY_BYTES) {
    return {
      ok: false,
      stage: 'validate',
      issues: [
        {
          path: [dataset.key[0] ?? ''],
          code: KEY_TOO_LONG,
          message: `the key (${dataset.key.join(', ')}) is ${keyBytes} bytes long; PostgreSQL indexes at most ${MAX_KEY_BYTES} bytes of a key. A key this long is usually a whole document in a key column: key on a shorter field`,
        },
      ],
    };
  }
  return { ok: true, row, warnings };
}

/** Bytes of a record's key columns together: below the ~2,700 a btree entry may hold, with room for its overhead. */
export const MAX_KEY_BYTES = 2000;
export const KEY_TOO_LONG = 'key_too_long';
