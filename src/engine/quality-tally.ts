// Counts rejections per rule and keeps the first samples, for the run's quality report.
import type { RecordIssue } from '../domain/source-item.ts';
import type { RejectedRecord, RuleCount } from './ports.ts';

export class QualityTally {
  readonly #counts = new Map<string, RuleCount>();
  readonly #samples: RejectedRecord[] = [];
  readonly #maxSamples: number;

  constructor(maxSamples = 10) {
    this.#maxSamples = maxSamples;
  }

  add(record: RejectedRecord): void {
    for (const issue of record.issues) this.#count(issue);
    if (this.#samples.length < this.#maxSamples) this.#samples.push(record);
  }

  #count(issue: RecordIssue): void {
    const path = issue.path.join('.');
    const id = `${issue.code}\u0000${path}`;
    const existing = this.#counts.get(id);
    if (existing) existing.count++;
    else this.#counts.set(id, { code: issue.code, path, count: 1 });
  }

  issues(): RuleCount[] {
    return [...this.#counts.values()].sort((a, b) => b.count - a.count);
  }

  samples(): RejectedRecord[] {
    return [...this.#samples];
  }
}
