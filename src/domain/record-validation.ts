// Checks one record against its dataset's schema and encodes it as a row of column texts.
import type { z } from 'zod';
import { encodeValue } from './column-type.ts';
import type { DatasetDefinition } from './dataset-definition.ts';
import type { RecordIssue } from './source-item.ts';

/** One row ready for the writer: the text of each column in `dataset.columns` order, null for NULL. */
export type EncodedRow = (string | null)[];

export type ValidationResult = { ok: true; row: EncodedRow } | { ok: false; issues: RecordIssue[] };

export function toRecordIssues(error: z.ZodError): RecordIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
    code: issue.code,
    message: issue.message,
  }));
}

export function validateRecord(dataset: DatasetDefinition, record: unknown): ValidationResult {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    const got = record === null ? 'null' : Array.isArray(record) ? 'array' : typeof record;
    return {
      ok: false,
      issues: [{ path: [], code: 'invalid_type', message: `expected a record object, got ${got}` }],
    };
  }
  const parsed = dataset.schema.safeParse(record);
  if (!parsed.success) return { ok: false, issues: toRecordIssues(parsed.error) };
  const data = parsed.data as Record<string, unknown>;
  const row: EncodedRow = new Array(dataset.columns.length);
  for (let index = 0; index < dataset.columns.length; index++) {
    const column = dataset.columns[index]!;
    row[index] = encodeValue(column.type, data[column.name]);
  }
  return { ok: true, row };
}
