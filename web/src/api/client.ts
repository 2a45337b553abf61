// Every request of the dashboard: same-origin with the session cookie, the CSRF header on writes, problems as ApiError.
import type { Problem } from './types.ts';

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.problem = problem;
  }
}

/** The codes with which the API says the session is gone; the page then returns to sign-in. */
export const SESSION_ENDED = ['unauthorized', 'session_expired', 'session_revoked'] as const;

interface ClientState {
  csrfToken: string | undefined;
  onSessionEnded: (problem: Problem) => void;
}

const state: ClientState = { csrfToken: undefined, onSessionEnded: () => {} };

export function configureClient(next: Partial<ClientState>): void {
  Object.assign(state, next);
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'status' in value && 'code' in value;
}

async function problemOf(response: Response): Promise<Problem> {
  const body: unknown = await response.json().catch(() => undefined);
  if (isProblem(body)) return body;
  return { title: response.statusText || 'Error', status: response.status, code: `http_${response.status}` };
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Sign-in and the session check handle a 401 themselves instead of ending the session. */
  sessionRequest?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  // Cookie-authenticated writes need the token the session answered with (web-contract: CSRF).
  if (method !== 'GET' && state.csrfToken) headers['x-csrf-token'] = state.csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError({ title: 'Network error', status: 0, code: 'network_error', detail: String(error) });
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && !options.sessionRequest) state.onSessionEnded(problem);
    throw new ApiError(problem);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
