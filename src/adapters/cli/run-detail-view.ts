// `sluice runs <id>`: one run in full — its counts, warnings, rule tallies and whole error texts.
import type { RunDetail } from '../../engine/runs.ts';
import { duration, percent } from './format.ts';

export function describeRunDetail(run: RunDetail): string {
  const report = run.report;
  const partition = run.partitionKey === null ? '' : ` [${run.partitionKey}]`;
  const lines = [
    `run ${run.id}: ${run.pipeline}${partition} → ${run.dataset}`,
    `  status ${run.status}, trigger ${run.trigger}, attempt ${run.attempt}${run.provider ? `, served by ${run.provider}` : ''}`,
    `  queued ${run.queuedAt}, started ${run.startedAt ?? '-'}, finished ${run.finishedAt ?? '-'} (${duration(run.durationMs)})`,
  ];
  if (run.startedAt !== null) {
    const rate = report ? ` (error rate ${percent(report.quality.errorRate)})` : '';
    lines.push(
      `  fetched ${run.fetched}, produced ${run.produced}, valid ${run.valid}, rejected ${run.rejected}${rate}`,
      `  inserted ${run.inserted}, updated ${run.updated}, unchanged ${run.unchanged}, duplicate keys ${run.duplicateKeys}` +
        (report && report.filtered > 0 ? `, ${report.filtered} skipped by the transform` : ''),
    );
  }
  for (const warning of report?.warnings ?? []) lines.push(`  warning ${warning.code}: ${warning.message}`);
  for (const issue of report?.quality.issues ?? []) {
    lines.push(`  rejected ×${issue.count}: ${issue.code}${issue.path ? ` at ${issue.path}` : ''}`);
  }
  for (const issue of report?.quality.warnings ?? []) {
    lines.push(`  warned ×${issue.count}: ${issue.code}${issue.path ? ` at ${issue.path}` : ''}`);
  }
  for (const attempt of report?.providers ?? []) {
    lines.push(
      `  provider ${attempt.provider}: ${attempt.outcome}${attempt.message ? `: ${attempt.message}` : ''}`,
    );
  }
  // The whole text: this is the place tables send people to for it.
  for (const error of run.errors) lines.push(`  error [${error.code}] at ${error.at}:\n    ${error.message}`);
  if (run.rejected > 0) lines.push(`  rejected records: sluice quarantine --run ${run.id.slice(0, 8)}`);
  return lines.join('\n');
}
