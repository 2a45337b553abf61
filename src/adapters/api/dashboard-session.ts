// Dashboard sessions: opening one by token or one-time code, the cookie that carries it, its CSRF
// token, and resolving a cookie to a principal (or to why it no longer is one).
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Role } from '../../domain/roles.ts';
import type { Clock } from '../../engine/ports.ts';
import type { Queryable } from '../postgres/database.ts';
import {
  findSession,
  insertSession,
  insertSignInCode,
  pruneSessions,
  redeemSignInCode,
  revokeSession,
} from '../postgres/session-store.ts';
import { createToken, hashToken, listTokens, verifyToken } from '../postgres/token-store.ts';

/** Who a session acts as: the token it was opened with (auth.ts's Principal, without importing it back). */
export interface SessionPrincipal {
  name: string;
  role: Role;
}

export const SESSION_COOKIE = 'sluice_session';
export const CSRF_HEADER = 'x-csrf-token';

export const sessionDefaults = {
  /** Fixed lifetime from sign-in: using the session does not extend it. */
  sessionTtlMs: 12 * 60 * 60 * 1000,
  signInCodeTtlMs: 5 * 60 * 1000,
  /** The admin token that `sluice serve` ties its printed sign-in codes to. */
  dashboardTokenName: 'dashboard-admin',
} as const satisfies Record<string, number | string>;

export interface OpenedSession {
  principal: SessionPrincipal;
  /** The cookie value: shown to the browser once, stored as its hash only. */
  secret: string;
  csrfToken: string;
  expiresAt: Date;
}

export type SessionState =
  | { status: 'active'; principal: SessionPrincipal; csrfToken: string; expiresAt: Date; secret: string }
  | { status: 'expired' | 'revoked' | 'unknown' };

export type SignIn = { token: string } | { code: string };

export type SignInResult = { ok: true; session: OpenedSession } | { ok: false; detail: string };

export interface DashboardSessions {
  signIn(credentials: SignIn): Promise<SignInResult>;
  resolve(secret: string): Promise<SessionState>;
  /** Sign-out: the session is refused from now on, by every server on this database. */
  revoke(secret: string): Promise<void>;
}

/**
 * The CSRF token is derived from the session secret, so it needs no storage and the stored hash
 * does not reveal it; another origin cannot compute it without the HttpOnly cookie.
 */
export function csrfTokenOf(secret: string): string {
  return createHmac('sha256', secret).update('sluice csrf').digest('base64url');
}

export function csrfMatches(secret: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenOf(secret));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function createDashboardSessions(
  db: Queryable,
  options: { clock: Clock; sessionTtlMs?: number },
): DashboardSessions {
  const ttlMs = options.sessionTtlMs ?? sessionDefaults.sessionTtlMs;

  const open = async (tokenName: string): Promise<OpenedSession | undefined> => {
    const now = options.clock.now();
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + ttlMs);
    // Sign-in is rare: a good moment to forget what can only be refused (a day of grace keeps
    // "expired" distinguishable from "unknown" for a while).
    await pruneSessions(db, new Date(now.getTime() - 24 * 60 * 60 * 1000));
    const principal = await insertSession(db, {
      id: randomUUID(),
      tokenName,
      sessionHash: hashToken(secret),
      createdAt: now,
      expiresAt,
    });
    return principal && { principal, secret, csrfToken: csrfTokenOf(secret), expiresAt };
  };

  return {
    async signIn(credentials) {
      if ('token' in credentials) {
        const token = await verifyToken(db, credentials.token);
        const session = token && (await open(token.name));
        return session ? { ok: true, session } : { ok: false, detail: 'the token is unknown or revoked' };
      }
      const redeemed = await redeemSignInCode(db, hashToken(credentials.code), options.clock.now());
      if (redeemed.outcome !== 'redeemed') {
        const why = {
          used: 'the sign-in code was already used: codes work once; ask for a new link (restart sluice serve)',
          expired: `the sign-in code expired (codes are valid ${sessionDefaults.signInCodeTtlMs / 60_000} minutes); restart sluice serve for a new link`,
          unknown: 'the sign-in code is unknown',
        } as const;
        return { ok: false, detail: why[redeemed.outcome] };
      }
      const session = await open(redeemed.tokenName);
      return session
        ? { ok: true, session }
        : { ok: false, detail: 'the token behind this sign-in code was revoked' };
    },
    async resolve(secret) {
      const record = await findSession(db, hashToken(secret));
      if (!record) return { status: 'unknown' };
      if (record.revokedAt !== null || record.tokenRevokedAt !== null) return { status: 'revoked' };
      if (record.expiresAt.getTime() <= options.clock.now().getTime()) return { status: 'expired' };
      return {
        status: 'active',
        principal: { name: record.tokenName, role: record.role },
        csrfToken: csrfTokenOf(secret),
        expiresAt: record.expiresAt,
        secret,
      };
    },
    async revoke(secret) {
      await revokeSession(db, hashToken(secret), options.clock.now());
    },
  };
}

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

/**
 * A single-use sign-in code for the dashboard, tied to the local admin token `dashboard-admin`
 * (created on first use; its clear text is never shown, since the code stands in for it).
 */
export async function createSignInCode(
  db: Queryable,
  options: { clock: Clock; ttlMs?: number; tokenName?: string },
): Promise<{ code: string; expiresAt: Date }> {
  const tokenName = await dashboardToken(db, options.tokenName ?? sessionDefaults.dashboardTokenName);
  const code = randomBytes(18).toString('base64url');
  const now = options.clock.now();
  const expiresAt = new Date(now.getTime() + (options.ttlMs ?? sessionDefaults.signInCodeTtlMs));
  await insertSignInCode(db, { codeHash: hashToken(code), tokenName, createdAt: now, expiresAt });
  return { code, expiresAt };
}

/** The one-time sign-in link to print; a wildcard listen address is reached on the loopback interface. */
export async function signInLink(db: Queryable, address: string, clock: Clock): Promise<string> {
  const { code } = await createSignInCode(db, { clock });
  const url = new URL(address);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
  url.pathname = '/';
  url.search = '';
  url.searchParams.set('code', code);
  return url.toString();
}

/** The active admin token of that name, or a new one; a revoked one's name is taken, so a suffix. */
async function dashboardToken(db: Queryable, name: string): Promise<string> {
  const tokens = await listTokens(db);
  const ours = (token: { name: string }) =>
    token.name === name ||
    (token.name.startsWith(`${name}-`) && /^\d+$/.test(token.name.slice(name.length + 1)));
  const active = tokens.find((token) => ours(token) && token.role === 'admin' && !token.revokedAt);
  if (active) return active.name;
  const taken = new Set(tokens.map((token) => token.name));
  let candidate = name;
  for (let n = 2; taken.has(candidate); n += 1) candidate = `${name}-${n}`;
  return (await createToken(db, candidate, 'admin')).record.name;
}
