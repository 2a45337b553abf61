// The dashboard session's cookie (name, attributes, parsing), its CSRF header, and the printed
// sign-in link; the sessions themselves are engine/dashboard-sessions.ts.
import type { DashboardSessions } from '../../engine/dashboard-sessions.ts';

export const SESSION_COOKIE = 'sluice_session';
export const CSRF_HEADER = 'x-csrf-token';

/** The session cookie's value in a Cookie header, if any. */
export function sessionCookieOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at === -1 || part.slice(0, at).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(at + 1).trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}

/** Set-Cookie for an opened session; `Secure` when the request came over https. */
export function sessionCookie(secret: string, expiresAt: Date, now: Date, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000));
  return `${SESSION_COOKIE}=${secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** The one-time sign-in link to print; a wildcard listen address is reached on the loopback interface. */
export async function signInLink(sessions: DashboardSessions, address: string): Promise<string> {
  const { code } = await sessions.createSignInCode();
  const url = new URL(address);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
  url.pathname = '/';
  url.search = '';
  url.searchParams.set('code', code);
  return url.toString();
}
