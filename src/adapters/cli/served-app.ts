// The read-only part of the application, answered by a running `sluice serve` over its REST API:
// what `runs`, `status` and `stats` call when that server holds the embedded database.
import { ErrorCode, SluiceError } from '../../domain/errors.ts';
import type { RunDetail, RunRecord } from '../../engine/run-record.ts';
import type { Runs } from '../../engine/runs.ts';
import type { ProjectStats, Status, StatusSummary } from '../../engine/status.ts';
import type { ServedProject } from './served-project.ts';

export interface ReadOnlyApp {
  runs: Pick<Runs, 'list' | 'get'>;
  status: Pick<Status, 'summary' | 'stats'>;
  /** A NotFoundError for a pipeline the config does not define (through a server, its routes check). */
  assertPipeline(name: string): void;
}

/** The API's page size limit: longer lists are read page by page. */
const PAGE_LIMIT = 500;

const knownCodes = new Set<string>(Object.values(ErrorCode));

/** A problem+json answer as the error the command would have thrown on the database itself. */
async function problemError(response: Response, served: ServedProject): Promise<SluiceError> {
  let problem: { code?: unknown; detail?: unknown } = {};
  try {
    problem = (await response.json()) as typeof problem;
  } catch {}
  const detail = typeof problem.detail === 'string' ? problem.detail : response.statusText;
  if (response.status === 401 || response.status === 403) {
    return new SluiceError(
      ErrorCode.dataDirLocked,
      `sluice serve (pid ${served.pid}, ${served.address}) holds the embedded database and refused this command's credential (${detail}); restart it, or stop it and run the command again`,
    );
  }
  const code = typeof problem.code === 'string' && knownCodes.has(problem.code) ? problem.code : undefined;
  return new SluiceError((code as ErrorCode | undefined) ?? ErrorCode.internal, detail);
}

export function servedApp(served: ServedProject): ReadOnlyApp {
  const get = async <T>(path: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(new URL(path, served.address), {
        headers: { authorization: `Bearer ${served.token}`, accept: 'application/json' },
      });
    } catch (error) {
      throw new SluiceError(
        ErrorCode.dataDirLocked,
        `sluice serve (pid ${served.pid}) holds the embedded database but does not answer at ${served.address}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (!response.ok) throw await problemError(response, served);
    return (await response.json()) as T;
  };
  return {
    assertPipeline: () => {},
    runs: {
      async list(filter) {
        const runs: RunRecord[] = [];
        let cursor: string | null = null;
        do {
          const query = new URLSearchParams({
            limit: String(Math.min(PAGE_LIMIT, filter.limit - runs.length)),
          });
          if (filter.pipeline !== undefined) query.set('pipeline', filter.pipeline);
          if (filter.status !== undefined) query.set('status', filter.status);
          if (filter.from) query.set('from', filter.from.toISOString());
          if (filter.to) query.set('to', filter.to.toISOString());
          if (cursor !== null) query.set('cursor', cursor);
          const page: { runs: RunRecord[]; nextCursor: string | null } = await get(`/api/runs?${query}`);
          runs.push(...page.runs);
          cursor = page.nextCursor;
        } while (cursor !== null && runs.length < filter.limit);
        // The cursor's parts stay the server's: the CLI prints no next page.
        return { runs, next: null };
      },
      async get(idOrPrefix) {
        const body = await get<{ run: RunDetail }>(`/api/runs/${encodeURIComponent(idOrPrefix)}`);
        return body.run;
      },
    },
    status: {
      summary: () => get<StatusSummary>('/api/status'),
      stats: (days) => get<ProjectStats>(`/api/stats?days=${days}`),
    },
  };
}
