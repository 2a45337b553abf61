// The signed-in state of the page: checked at start, opened by token or one-time code, ended by sign-out or a 401.
import { useSyncExternalStore } from 'react';
import { ApiError, configureClient, request } from './client.ts';
import type { Problem, SessionResponse } from './types.ts';

/** Why the sign-in page is shown: it says so to the user. */
export type SignedOutReason = 'signed_out' | 'session_expired' | 'session_revoked' | 'unauthorized';

export type SessionState =
  | { kind: 'checking' }
  | { kind: 'signed-out'; reason: SignedOutReason | undefined }
  | { kind: 'signed-in'; session: SessionResponse };

let current: SessionState = { kind: 'checking' };
const listeners = new Set<() => void>();

function setState(next: SessionState): void {
  current = next;
  configureClient({ csrfToken: next.kind === 'signed-in' ? next.session.csrfToken : undefined });
  for (const listener of listeners) listener();
}

function reasonOf(problem: Problem): SignedOutReason {
  if (problem.code === 'session_expired' || problem.code === 'session_revoked') return problem.code;
  return 'unauthorized';
}

configureClient({
  onSessionEnded: (problem) => {
    if (current.kind === 'signed-in') setState({ kind: 'signed-out', reason: reasonOf(problem) });
  },
});

export function useSession(): SessionState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

/** GET /api/session: a page opened with a live cookie goes straight to the dashboard. */
export async function checkSession(): Promise<void> {
  try {
    setState({
      kind: 'signed-in',
      session: await request<SessionResponse>('/api/session', { sessionRequest: true }),
    });
  } catch (error) {
    if (!(error instanceof ApiError) || error.problem.status !== 401) throw error;
    // A first visit has no cookie: nothing to tell. An expired or revoked one is worth saying.
    const reason = reasonOf(error.problem);
    setState({ kind: 'signed-out', reason: reason === 'unauthorized' ? undefined : reason });
  }
}

/** POST /api/session with a pasted token or the code of a one-time link; throws ApiError on 401. */
export async function signIn(credentials: { token: string } | { code: string }): Promise<void> {
  const session = await request<SessionResponse>('/api/session', {
    method: 'POST',
    body: credentials,
    sessionRequest: true,
  });
  setState({ kind: 'signed-in', session });
}

export async function signOut(): Promise<void> {
  try {
    await request<void>('/api/session', { method: 'DELETE', sessionRequest: true });
  } finally {
    setState({ kind: 'signed-out', reason: 'signed_out' });
  }
}

/** After the live stream was refused: the session may have ended while the page was idle. */
export async function recheckSession(): Promise<void> {
  if (current.kind !== 'signed-in') return;
  try {
    await request<SessionResponse>('/api/session', { sessionRequest: true });
  } catch (error) {
    if (error instanceof ApiError && error.problem.status === 401) {
      setState({ kind: 'signed-out', reason: reasonOf(error.problem) });
    }
  }
}
