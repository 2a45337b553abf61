// What a dataset table and its columns say about themselves in the catalog (COMMENT ON …).
import { z } from 'zod';
import { type DatasetDefinition, SystemColumn } from './dataset-definition.ts';

/** Comments on the columns sluice adds to every dataset table. */
export const systemColumnComments: Readonly<Record<string, string>> = {
  [SystemColumn.runId]: 'sluice: id of the run that last wrote this row (sluice.runs.id)',
  [SystemColumn.provider]: 'sluice: the source provider that served this row',
  [SystemColumn.firstSeenAt]: 'sluice: when this key was first written',
  [SystemColumn.lastChangedAt]: 'sluice: when a value of this row last changed',
};

export interface TableComments {
  table: string;
  /** Column name to comment; null removes a comment the field no longer has. */
  columns: Record<string, string | null>;
}

interface Wrapper {
  _zod: { def: { innerType?: unknown; in?: unknown } };
}

/** A field's description: `.describe()` / `.meta({ description })` on the field or a wrapped schema. */
function fieldDescription(schema: unknown): string | undefined {
  let current: unknown = schema;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    const description = z.globalRegistry.get(current as z.ZodType)?.description;
    if (typeof description === 'string' && description.length > 0) return description;
    const def = (current as Wrapper)._zod?.def;
    current = def?.innerType ?? def?.in;
  }
  return undefined;
}

export function datasetTableComments(dataset: DatasetDefinition): TableComments {
  const columns: Record<string, string | null> = {};
  for (const [field, schema] of Object.entries(dataset.schema.shape)) {
    columns[field] = fieldDescription(schema) ?? null;
  }
  Object.assign(columns, systemColumnComments);
  return { table: dataset.description ?? `sluice dataset "${dataset.name}"`, columns };
}
