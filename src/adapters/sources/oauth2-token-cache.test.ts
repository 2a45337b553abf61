// Sealing of cached OAuth 2 tokens: readable with the client secret and row key only, and tamper-evident.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryTokenCache, sealToken, tokenCacheKey, unsealToken } from './oauth2-token-cache.ts';

const key = tokenCacheKey({
  tokenUrl: 'https://auth.example.com/token',
  clientId: 'client',
  grant: 'client_credentials',
  refreshToken: undefined,
  scope: undefined,
  audience: undefined,
});

describe('oauth2 token sealing', () => {
  it('opens with the same secret and key, and with nothing else', () => {
    const sealed = sealToken('at-Secret-Token', 'client-secret-1', key);
    assert.ok(!sealed.includes('at-Secret-Token'));
    assert.notEqual(sealToken('at-Secret-Token', 'client-secret-1', key), sealed, 'a fresh IV each time');
    assert.equal(unsealToken(sealed, 'client-secret-1', key), 'at-Secret-Token');
    // A rotated client secret or another row: unreadable, so a new token is fetched.
    assert.equal(unsealToken(sealed, 'client-secret-2', key), undefined);
    assert.equal(unsealToken(sealed, 'client-secret-1', `${key}0`), undefined);
    const [version, iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body as string, 'base64url');
    flipped[0] = (flipped[0] as number) ^ 1;
    assert.equal(
      unsealToken([version, iv, tag, flipped.toString('base64url')].join('.'), 'client-secret-1', key),
      undefined,
    );
    assert.equal(unsealToken('garbage', 'client-secret-1', key), undefined);
  });

  it('keys rows by everything that changes the token, never by the secret itself', () => {
    const other = (change: Partial<Parameters<typeof tokenCacheKey>[0]>) =>
      tokenCacheKey({
        tokenUrl: 'https://auth.example.com/token',
        clientId: 'client',
        grant: 'client_credentials',
        refreshToken: undefined,
        scope: undefined,
        audience: undefined,
        ...change,
      });
    assert.equal(other({}), key);
    for (const change of [
      { scope: 'read' },
      { audience: 'api' },
      { clientId: 'other' },
      { grant: 'refresh_token' },
    ])
      assert.notEqual(other(change), key, JSON.stringify(change));
    assert.match(key, /^[0-9a-f]{64}$/);
  });

  it('runs renewals of one key in turn in memory', async () => {
    const cache = createMemoryTokenCache();
    const order: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stored = { sealed: 's', refreshAt: new Date(0), expiresAt: new Date(0) };
    const first = cache.renew(key, 'u', async () => {
      order.push('first:start');
      await gate;
      order.push('first:end');
      return stored;
    });
    const second = cache.renew(key, 'u', async (current) => {
      order.push(`second:sees ${current === stored ? 'first' : 'nothing'}`);
      return stored;
    });
    release();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first:start', 'first:end', 'second:sees first']);
  });
});
