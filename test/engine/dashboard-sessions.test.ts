// The dashboard sessions use case on an in-memory store and a fake clock: sign-in by token and by
// code, the fixed lifetime, revocation, CSRF tokens and the dashboard admin token. No database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Role } from '../../src/domain/roles.ts';
import {
  type CodeRedemption,
  createDashboardSessions,
  csrfMatches,
  type SessionRecord,
  type SessionStore,
} from '../../src/engine/dashboard-sessions.ts';

function memoryStore(tokens: Map<string, { name: string; role: Role; revoked: boolean }>): SessionStore {
  const sessions = new Map<string, SessionRecord & { hash: string }>();
  const codes = new Map<string, { tokenName: string; expiresAt: Date; usedAt: Date | null }>();
  const active = (name: string) => [...tokens.values()].find((t) => t.name === name && !t.revoked);
  return {
    async verifyToken(token) {
      const found = tokens.get(token);
      return found && !found.revoked ? { name: found.name, role: found.role } : undefined;
    },
    async dashboardToken(name) {
      if (!active(name)) tokens.set(`secret-of-${name}`, { name, role: 'admin', revoked: false });
      return name;
    },
    async insertSession(session) {
      const token = active(session.tokenName);
      if (!token) return undefined;
      sessions.set(session.sessionHash, {
        hash: session.sessionHash,
        id: session.id,
        tokenName: token.name,
        role: token.role,
        expiresAt: session.expiresAt,
        revokedAt: null,
        tokenRevokedAt: null,
      });
      return { name: token.name, role: token.role };
    },
    async findSession(hash) {
      const found = sessions.get(hash);
      if (!found) return undefined;
      return { ...found, tokenRevokedAt: active(found.tokenName) ? null : new Date(0) };
    },
    async revokeSession(hash, at) {
      const found = sessions.get(hash);
      if (!found || found.revokedAt) return false;
      found.revokedAt = at;
      return true;
    },
    async insertSignInCode(code) {
      codes.set(code.codeHash, { tokenName: code.tokenName, expiresAt: code.expiresAt, usedAt: null });
    },
    async redeemSignInCode(hash, at): Promise<CodeRedemption> {
      const found = codes.get(hash);
      if (!found) return { outcome: 'unknown' };
      if (found.usedAt) return { outcome: 'used' };
      if (found.expiresAt <= at) return { outcome: 'expired' };
      found.usedAt = at;
      return { outcome: 'redeemed', tokenName: found.tokenName };
    },
    async pruneSessions() {},
  };
}

describe('dashboard sessions', () => {
  const start = Date.parse('2026-01-05T08:00:00Z');
  const setup = () => {
    let now = start;
    const tokens = new Map([['tok-viewer', { name: 'ops', role: 'viewer' as Role, revoked: false }]]);
    const sessions = createDashboardSessions(memoryStore(tokens), { clock: { now: () => new Date(now) } });
    return { sessions, tokens, advance: (ms: number) => (now += ms) };
  };

  it('opens a session by token for 12 h fixed, with a CSRF token only the secret gives', async () => {
    const { sessions, advance } = setup();
    const opened = await sessions.signIn({ token: 'tok-viewer' });
    assert.ok(opened.ok);
    const { session } = opened;
    assert.deepEqual(session.principal, { name: 'ops', role: 'viewer' });
    assert.equal(session.expiresAt.getTime(), start + 12 * 3600_000);
    assert.ok(csrfMatches(session.secret, session.csrfToken));
    assert.ok(!csrfMatches(session.secret, `${session.csrfToken}x`));
    assert.ok(!csrfMatches(session.secret, undefined));
    advance(11 * 3600_000);
    const later = await sessions.resolve(session.secret);
    assert.equal(later.status, 'active');
    assert.equal(later.status === 'active' && later.csrfToken, session.csrfToken);
    advance(3600_000);
    assert.equal((await sessions.resolve(session.secret)).status, 'expired', 'use does not extend it');
    assert.equal((await sessions.resolve('not-a-session')).status, 'unknown');
    assert.deepEqual(await sessions.signIn({ token: 'nope' }), {
      ok: false,
      detail: 'the token is unknown or revoked',
    });
  });

  it('ends on sign-out and when its token is revoked', async () => {
    const { sessions, tokens } = setup();
    const first = await sessions.signIn({ token: 'tok-viewer' });
    const second = await sessions.signIn({ token: 'tok-viewer' });
    assert.ok(first.ok && second.ok);
    await sessions.revoke(first.session.secret);
    assert.equal((await sessions.resolve(first.session.secret)).status, 'revoked');
    assert.equal((await sessions.resolve(second.session.secret)).status, 'active', 'only that one');
    (tokens.get('tok-viewer') as { revoked: boolean }).revoked = true;
    assert.equal((await sessions.resolve(second.session.secret)).status, 'revoked');
  });

  it('signs in once per code, as the dashboard admin, within 5 minutes', async () => {
    const { sessions, advance } = setup();
    const { code, expiresAt } = await sessions.createSignInCode();
    assert.equal(expiresAt.getTime(), start + 5 * 60_000);
    const first = await sessions.signIn({ code });
    assert.ok(first.ok);
    assert.deepEqual(first.session.principal, { name: 'dashboard-admin', role: 'admin' });
    const again = await sessions.signIn({ code });
    assert.ok(!again.ok && /already used/.test(again.detail));
    const late = await sessions.createSignInCode();
    advance(5 * 60_000);
    const expired = await sessions.signIn({ code: late.code });
    assert.ok(!expired.ok && /expired/.test(expired.detail));
    const unknown = await sessions.signIn({ code: 'made-up' });
    assert.ok(!unknown.ok && /unknown/.test(unknown.detail));
  });
});
