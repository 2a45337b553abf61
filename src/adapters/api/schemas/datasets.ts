// What the dataset routes answer: definitions with sizes, previews and pages of records (JSON or CSV).
import { z } from 'zod';
import { PgType } from '../../../domain/column-type.ts';
import { WriteMode } from '../../../domain/dataset-definition.ts';
import { instant } from './problem.ts';

/** A row of a user's dataset: its columns are whatever the dataset declares, plus the system columns. */
const datasetRecordSchema = z
  .record(z.string(), z.unknown())
  .describe('one row: the dataset’s columns and _run_id, _provider, _first_seen_at, _last_changed_at');

export const datasetStatsSchema = z
  .object({
    dataset: z.string(),
    table: z.string(),
    rows: z.number().int(),
    rowsInRange: z.number().int().describe('rows whose time column falls in the last days'),
    insertedInRange: z.number().int().describe('rows first stored in the last days'),
    firstTime: z.string().nullable(),
    lastTime: z.string().nullable(),
    lastChangedAt: instant.nullable(),
    quarantined: z.number().int(),
  })
  .meta({ id: 'DatasetStats' });

export const datasetListSchema = z.object({
  datasets: z.array(
    z.object({
      name: z.string(),
      description: z.string().nullable(),
      table: z.string().describe('schema.table'),
      key: z.array(z.string()).readonly(),
      time: z.string().describe('the time column'),
      write: z.enum(Object.values(WriteMode) as [WriteMode, ...WriteMode[]]),
      columns: z.array(
        z.object({
          name: z.string(),
          type: z.enum(Object.values(PgType) as [PgType, ...PgType[]]),
          nullable: z.boolean(),
        }),
      ),
      stats: datasetStatsSchema.optional().describe('always present'),
    }),
  ),
});

export const datasetPreviewSchema = z.object({
  dataset: z.string(),
  key: z.array(z.string()).readonly(),
  time: z.string(),
  providers: z.array(z.object({ provider: z.string().nullable(), records: z.array(datasetRecordSchema) })),
});

export const datasetRecordsSchema = z.object({
  dataset: z.string(),
  records: z.array(datasetRecordSchema),
  nextCursor: z.string().nullable().describe('pass as cursor for the next page; null on the last'),
});

/** The records page as JSON, or with format=csv as CSV (the next cursor then in X-Next-Cursor). */
export const datasetRecordsResponse = {
  description: 'A page of records; with format=csv a CSV file, the next cursor in the X-Next-Cursor header',
  content: {
    'application/json': { schema: datasetRecordsSchema },
    'text/csv': { schema: z.string().describe('RFC 4180 with a header row') },
  },
};
