// The asyncJob source: submit (or resume) an upstream execution, poll it with backoff, then fetch its result.
import { request } from 'undici';
import type {
  AsyncJobSourceDefinition,
  JsonTemplate,
  PollStatus,
} from '../../domain/async-job-definition.ts';
import { ErrorCode, isSluiceError, SourceError } from '../../domain/errors.ts';
import { renderJsonTemplate } from '../../domain/json-template.ts';
import type { HttpSourceDefinition } from '../../domain/source-definition.ts';
import type { SourceChunk } from '../../domain/source-item.ts';
import { type SourceContext, systemClock } from '../../engine/ports.ts';
import { prepareRequest } from './http-request.ts';
import { isRetryableStatus, readHttpSource } from './http-source.ts';
import { sleep } from './process-limits.ts';
import type { ProviderStore } from './provider-store.ts';
import { waitForRateLimit } from './rate-limit-grant.ts';
import { USER_AGENT } from './user-agent.ts';

export interface AsyncJobDeps {
  /** Keeps the submission rate limit (shared between processes when it is the PostgreSQL store). */
  store: ProviderStore;
}

/** Control-plane answers (submit, status) are small; anything larger is not one. */
const MAX_CONTROL_BYTES = 1024 * 1024;
/** Polls in a row that may fail transiently (5xx, network) before the run gives up. */
const MAX_POLL_FAILURES = 5;

/** One control-plane call (submit or status) answered with JSON; failures say whether to try again. */
async function requestJson(
  definition: HttpSourceDefinition,
  params: Readonly<Record<string, string>>,
  context: SourceContext,
  send?: { method: 'POST' | 'PUT'; body: JsonTemplate | undefined },
): Promise<unknown> {
  const prepared = prepareRequest(definition, params);
  const shown = prepared.shownUrl;
  const timeout = AbortSignal.timeout(definition.timeoutMs);
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(prepared.url, {
      method: send?.method ?? 'GET',
      headers: {
        accept: 'application/json',
        'user-agent': USER_AGENT,
        ...(send?.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...prepared.headers,
      },
      body: send?.body !== undefined ? JSON.stringify(renderJsonTemplate(send.body, params)) : undefined,
      signal: AbortSignal.any([timeout, context.signal]),
    });
  } catch (error) {
    // The cause keeps the failure but not its text unredacted: undici's messages can carry the URL.
    const message = prepared.redact(error instanceof Error ? error.message : String(error));
    const cause = new Error(message);
    if (context.signal.aborted) throw new SourceError(ErrorCode.cancelled, `${shown}: cancelled`, { cause });
    if (timeout.aborted) {
      throw new SourceError(ErrorCode.timeout, `${shown}: no answer within ${definition.timeoutMs} ms`, {
        retryable: true,
        cause,
      });
    }
    throw new SourceError(ErrorCode.source, `${shown}: request failed: ${message}`, {
      retryable: true,
      cause,
    });
  }
  const { statusCode, body } = response;
  let text: string;
  try {
    text = await body.text();
  } catch (error) {
    throw new SourceError(ErrorCode.source, `${shown}: the answer could not be read`, {
      retryable: true,
      cause: error instanceof Error ? new Error(prepared.redact(error.message)) : undefined,
    });
  }
  if (statusCode < 200 || statusCode >= 300) {
    const snippet = prepared.redactAndCut(text.replace(/\s+/g, ' ').trim(), 200);
    throw new SourceError(
      ErrorCode.upstreamHttp,
      `${shown} answered HTTP ${statusCode}${snippet ? `: ${snippet}` : ''}`,
      { retryable: isRetryableStatus(statusCode), status: statusCode },
    );
  }
  if (text.length > MAX_CONTROL_BYTES) {
    throw new SourceError(ErrorCode.sourceFormat, `${shown}: the answer is larger than 1 MiB`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new SourceError(
      ErrorCode.sourceFormat,
      `${shown}: expected JSON, got "${prepared.redactAndCut(text, 80)}"`,
    );
  }
}

/** Waits until the provider's submission rate limit grants one more submission. */
async function takeSubmission(source: AsyncJobSourceDefinition, deps: AsyncJobDeps, context: SourceContext) {
  const limit = source.submitRateLimit;
  if (!limit) return;
  // Only submissions count: polls and downloads do not start work upstream.
  await waitForRateLimit(deps.store, source.name, limit, {
    signal: context.signal,
    log: context.logger,
    what: 'a submission',
  });
}

async function submit(source: AsyncJobSourceDefinition, context: SourceContext): Promise<string> {
  const { request: definition, method, body, executionId } = source.submit;
  const answer = await requestJson(definition, context.params, context, { method, body });
  let id: unknown;
  try {
    id = executionId(answer);
  } catch (error) {
    throw new SourceError(ErrorCode.sourceFormat, `asyncJob "${source.name}": submit.executionId threw`, {
      retryable: false,
      cause: error,
    });
  }
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') {
    throw new SourceError(
      ErrorCode.sourceFormat,
      `asyncJob "${source.name}": the submit answer holds no execution id (submit.executionId gave ${JSON.stringify(id)})`,
    );
  }
  return String(id);
}

function statusOf(source: AsyncJobSourceDefinition, answer: unknown): PollStatus {
  let status: unknown;
  try {
    status = source.poll.status(answer);
  } catch (error) {
    throw new SourceError(ErrorCode.sourceFormat, `asyncJob "${source.name}": poll.status threw`, {
      retryable: false,
      cause: error,
    });
  }
  if (status === 'running' || status === 'succeeded') return status;
  if (typeof status === 'object' && status !== null && 'failed' in status) {
    return { failed: String((status as { failed: unknown }).failed) };
  }
  throw new SourceError(
    ErrorCode.sourceFormat,
    `asyncJob "${source.name}": poll.status returned ${JSON.stringify(status)}, not 'running', 'succeeded' or { failed }`,
  );
}

/** Polls until the execution succeeded; fails on the upstream's failure state or at the deadline. */
async function awaitExecution(source: AsyncJobSourceDefinition, context: SourceContext, executionId: string) {
  const clock = context.clock ?? systemClock;
  const deadline = clock.now().getTime() + source.deadlineMs;
  const params = { ...context.params, executionId };
  const { initialMs, maxMs, factor } = source.pollInterval;
  let delayMs = initialMs;
  let failures = 0;
  for (let poll = 1; ; poll++) {
    let status: PollStatus | undefined;
    try {
      status = statusOf(source, await requestJson(source.poll.request, params, context));
      failures = 0;
    } catch (error) {
      const transient = error instanceof SourceError && error.retryable && ++failures < MAX_POLL_FAILURES;
      if (!transient) throw error;
      context.logger.warn(
        { provider: source.name, executionId, err: error },
        'status poll failed; polling on',
      );
    }
    if (status === 'succeeded') return;
    if (typeof status === 'object') {
      const redact = prepareRequest(source.poll.request, params).redact;
      throw new SourceError(
        ErrorCode.source,
        `asyncJob "${source.name}": upstream execution ${executionId} failed: ${redact(status.failed)}`,
      );
    }
    const remaining = deadline - clock.now().getTime();
    if (remaining <= 0) {
      throw new SourceError(
        ErrorCode.timeout,
        `asyncJob "${source.name}": upstream execution ${executionId} did not finish within ${source.deadlineMs} ms (${poll} polls)`,
      );
    }
    await sleep(Math.min(delayMs, remaining), context.signal);
    delayMs = Math.min(maxMs, delayMs * factor);
  }
}

export async function* readAsyncJobSource(
  source: AsyncJobSourceDefinition,
  context: SourceContext,
  deps: AsyncJobDeps,
): AsyncGenerator<SourceChunk> {
  const log = context.logger;
  try {
    let executionId = await context.execution?.previous();
    if (executionId) {
      log.info({ provider: source.name, executionId }, 'resuming the stored upstream execution');
      // A retried queue job runs in a new row: it shows the execution it resumed too.
      await context.execution?.save(executionId);
    } else {
      await takeSubmission(source, deps, context);
      executionId = await submit(source, context);
      // Stored before the first poll: an attempt that dies while polling leaves the id to resume.
      await context.execution?.save(executionId);
      log.info({ provider: source.name, executionId }, 'upstream execution submitted');
    }
    await awaitExecution(source, context, executionId);
    log.info({ provider: source.name, executionId }, 'upstream execution succeeded; fetching the result');
    yield* readHttpSource(source.fetch, { ...context, params: { ...context.params, executionId } });
  } catch (error) {
    if (context.signal.aborted && !(isSluiceError(error) && error.code === ErrorCode.cancelled)) {
      throw new SourceError(ErrorCode.cancelled, `asyncJob "${source.name}": cancelled`, {
        retryable: false,
        cause: error,
      });
    }
    throw error;
  }
}
