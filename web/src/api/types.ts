// The API's bodies under the names the pages use, all taken from the types generated from
// /api/openapi.json (openapi.gen.ts): a route change that breaks a page breaks `npm run typecheck`.
import type { components, operations } from './openapi.gen.ts';

type Responses<Op extends keyof operations> = operations[Op]['responses'];
type JsonOf<R> = R extends { content: { 'application/json': infer Body } } ? Body : never;
/** The JSON body of an operation's 2xx answer. */
export type Ok<
  Op extends keyof operations,
  S extends keyof Responses<Op> = 200 & keyof Responses<Op>,
> = JsonOf<Responses<Op>[S]>;
/** The JSON body an operation takes. */
export type BodyOf<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;

type ServerProblem = components['schemas']['Problem'];
/** application/problem+json as the API answers it, or as the client makes one (network error, non-JSON answer). */
export type Problem = Pick<ServerProblem, 'title' | 'status' | 'code'> & Partial<ServerProblem>;

/** POST and GET /api/session. */
export type SessionResponse = Ok<'getSession'>;
export type Role = SessionResponse['principal']['role'];

export type FreshnessResponse = Ok<'getFreshness'>;
export type DatasetFreshness = FreshnessResponse['datasets'][number];
export type SeriesFreshness = DatasetFreshness['series'][number];
export type FreshnessStatus = FreshnessResponse['status'];
export type SeriesStatus = SeriesFreshness['status'];

export type StatsResponse = Ok<'getStats'>;

export type RunsResponse = Ok<'listRuns'>;
export type RunSummary = RunsResponse['runs'][number];
export type RunStatus = RunSummary['status'];
export type RunError = RunSummary['errors'][number];

export type RunDetailResponse = Ok<'getRun'>;
export type RunReport = NonNullable<RunDetailResponse['run']['report']>;
export type RunQuality = NonNullable<RunDetailResponse['quality']>;
export type RuleCount = NonNullable<RunQuality['issues']>[number];
export type RejectedSample = RunDetailResponse['rejectedSamples'][number];

export type PipelinesResponse = Ok<'listPipelines'>;

export type BackfillsResponse = Ok<'listBackfills'>;
export type BackfillSummary = BackfillsResponse['backfills'][number];
export type BackfillStatus = BackfillSummary['status'];
export type PartitionState = Exclude<keyof BackfillSummary['counts'], 'total'>;

/** Every run status, in the order filters list them; the type fails if the API adds or drops one. */
export const RUN_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'partial',
  'failed',
  'skipped',
  'cancelled',
] as const satisfies readonly RunStatus[];
type Missing = Exclude<RunStatus, (typeof RUN_STATUSES)[number]>;
const everyStatus: [Missing] extends [never] ? true : Missing = true;
void everyStatus;

export type BackfillDetailResponse = Ok<'getBackfill'>;
export type BackfillPartition = BackfillDetailResponse['partitions'][number];
export type BackfillGrid = BackfillDetailResponse['grid'];
export type BackfillBody = Ok<'createBackfill', 201>;
export type CreateBackfillBody = BodyOf<'createBackfill'>;

/** Every partition state, in the order the grid's legend lists them. */
export const PARTITION_STATES = [
  'succeeded',
  'failed',
  'running',
  'pending',
  'skipped',
  'cancelled',
] as const satisfies readonly PartitionState[];
type MissingState = Exclude<PartitionState, (typeof PARTITION_STATES)[number]>;
const everyState: [MissingState] extends [never] ? true : MissingState = true;
void everyState;
export type PipelineEntry = PipelinesResponse['pipelines'][number];
export type PipelineSchedule = NonNullable<PipelineEntry['schedule']>;
export type PipelinePartitioning = NonNullable<PipelineEntry['partitioning']>;
export type RunQueued = Ok<'triggerRun', 202>;
export type RefreshStaleBody = BodyOf<'refreshStale'>;
export type RefreshStaleResult = Ok<'refreshStale'>;
export type DatasetsResponse = Ok<'listDatasets'>;
export type DatasetSummary = DatasetsResponse['datasets'][number];
export type DatasetColumn = DatasetSummary['columns'][number];
export type ColumnType = DatasetColumn['type'];
export type DatasetStats = StatsResponse['datasets'][number];
export type DatasetPreviewResponse = Ok<'previewDataset'>;
export type DatasetRecordsResponse = Ok<'listDatasetRecords'>;
/** One row of a dataset: its columns are whatever the dataset declares, so values are read by column type. */
export type DatasetRecord = DatasetRecordsResponse['records'][number];

export type QuarantineResponse = Ok<'listQuarantine'>;
export type QuarantinedRecord = QuarantineResponse['records'][number];
export type RejectionStage = QuarantinedRecord['stage'];
export type ReplayResult = Ok<'replayQuarantine'>;

/** Every rejection stage, in pipeline order; the type fails if the API adds or drops one. */
export const REJECTION_STAGES = [
  'read',
  'transform',
  'validate',
  'rule',
] as const satisfies readonly RejectionStage[];
type MissingStage = Exclude<RejectionStage, (typeof REJECTION_STAGES)[number]>;
const everyStage: [MissingStage] extends [never] ? true : MissingStage = true;
void everyStage;
export type SourcesResponse = Ok<'listSources'>;
export type SourceStatus = SourcesResponse['sources'][number];
export type BreakerState = NonNullable<SourceStatus['breaker']>['state'];
export type SourceResetResponse = Ok<'resetSource'>;

export type KeySetsResponse = Ok<'listKeySets'>;
export type KeySetSummary = KeySetsResponse['keySets'][number];
export type KeySetKeysResponse = Ok<'getKeySet'>;
export type StoredKey = KeySetKeysResponse['keys'][number];
/** The body of replaceKeySet and upsertKeys: `{ keys: [{ key, attributes }] }`. */
export type KeysBody = BodyOf<'upsertKeys'>;
export type KeyInput = KeysBody['keys'][number];
export type KeySetChange = Ok<'upsertKeys'>;
export type KeyRemovedResponse = Ok<'removeKey'>;
