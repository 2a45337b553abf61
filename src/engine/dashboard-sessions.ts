// Dashboard sessions: opened by API token or one-time code, a fixed lifetime, a CSRF token derived
// from the secret, and resolving a secret to a principal (or to why it no longer is one).
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Role } from '../domain/roles.ts';
import type { Clock } from './ports.ts';

/** Who a session acts as: the token it was opened with. */
export interface SessionPrincipal {
  name: string;
  role: Role;
}

export interface NewSession {
  id: string;
  tokenName: string;
  sessionHash: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A stored session with the state of the token behind it, judged against the clock here. */
export interface SessionRecord {
  id: string;
  tokenName: string;
  role: Role;
  expiresAt: Date;
  revokedAt: Date | null;
  tokenRevokedAt: Date | null;
}

export type CodeRedemption =
  | { outcome: 'redeemed'; tokenName: string }
  | { outcome: 'used' | 'expired' | 'unknown' };

/** Where sessions, codes and the tokens behind them are kept; secrets arrive hashed. */
export interface SessionStore {
  /** The principal of an active API token (the store hashes it), or undefined. */
  verifyToken(token: string): Promise<SessionPrincipal | undefined>;
  /** The name of an active admin token for sign-in codes, created under `name` (or `name-2`, …) when missing. */
  dashboardToken(name: string): Promise<string>;
  /** Opens a session on an active token; undefined when the token is unknown or revoked. */
  insertSession(session: NewSession): Promise<SessionPrincipal | undefined>;
  findSession(sessionHash: string): Promise<SessionRecord | undefined>;
  revokeSession(sessionHash: string, at: Date): Promise<boolean>;
  insertSignInCode(code: {
    codeHash: string;
    tokenName: string;
    createdAt: Date;
    expiresAt: Date;
  }): Promise<void>;
  /** Uses a code once, atomically: of two concurrent redemptions only one succeeds. */
  redeemSignInCode(codeHash: string, at: Date): Promise<CodeRedemption>;
  /** Forgets sessions and codes that expired before `before`. */
  pruneSessions(before: Date): Promise<void>;
}

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
  /** A single-use sign-in code tied to the local admin token (created on first use; its clear text is never shown). */
  createSignInCode(options?: { ttlMs?: number }): Promise<{ code: string; expiresAt: Date }>;
}

/** Secrets and codes are stored as SHA-256, like API tokens. */
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
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

const CODE_REFUSED = {
  used: 'the sign-in code was already used: codes work once; restart sluice serve for a new link',
  expired: `the sign-in code expired (codes are valid ${sessionDefaults.signInCodeTtlMs / 60_000} minutes); restart sluice serve for a new link`,
  unknown: 'the sign-in code is unknown',
} as const;

export function createDashboardSessions(
  store: SessionStore,
  options: { clock: Clock; sessionTtlMs?: number },
): DashboardSessions {
  const ttlMs = options.sessionTtlMs ?? sessionDefaults.sessionTtlMs;

  const open = async (tokenName: string): Promise<OpenedSession | undefined> => {
    const now = options.clock.now();
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + ttlMs);
    // Sign-in is rare: a good moment to forget what can only be refused (a day of grace keeps
    // "expired" distinguishable from "unknown" for a while).
    await store.pruneSessions(new Date(now.getTime() - 24 * 60 * 60 * 1000));
    const principal = await store.insertSession({
      id: randomUUID(),
      tokenName,
      sessionHash: hashSecret(secret),
      createdAt: now,
      expiresAt,
    });
    return principal && { principal, secret, csrfToken: csrfTokenOf(secret), expiresAt };
  };

  return {
    async signIn(credentials) {
      if ('token' in credentials) {
        const token = await store.verifyToken(credentials.token);
        const session = token && (await open(token.name));
        return session ? { ok: true, session } : { ok: false, detail: 'the token is unknown or revoked' };
      }
      const redeemed = await store.redeemSignInCode(hashSecret(credentials.code), options.clock.now());
      if (redeemed.outcome !== 'redeemed') return { ok: false, detail: CODE_REFUSED[redeemed.outcome] };
      const session = await open(redeemed.tokenName);
      return session
        ? { ok: true, session }
        : { ok: false, detail: 'the token behind this sign-in code was revoked' };
    },
    async resolve(secret) {
      const record = await store.findSession(hashSecret(secret));
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
      await store.revokeSession(hashSecret(secret), options.clock.now());
    },
    async createSignInCode(codeOptions = {}) {
      const tokenName = await store.dashboardToken(sessionDefaults.dashboardTokenName);
      const code = randomBytes(18).toString('base64url');
      const now = options.clock.now();
      const expiresAt = new Date(now.getTime() + (codeOptions.ttlMs ?? sessionDefaults.signInCodeTtlMs));
      await store.insertSignInCode({ codeHash: hashSecret(code), tokenName, createdAt: now, expiresAt });
      return { code, expiresAt };
    },
  };
}
