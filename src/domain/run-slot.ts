// The slot a run holds: one active run per pipeline, or per partition of a partitioned pipeline.

/** `pipeline`, or `pipeline|partition`: partitions of one pipeline run side by side. */
export function runSlot(pipeline: string, partition: string | null | undefined): string {
  return partition === undefined || partition === null ? pipeline : `${pipeline}|${partition}`;
}
