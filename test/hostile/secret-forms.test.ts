// The redaction matcher on its own: each encoding of a secret, mixed encodings, a cut-off start,
// and ordinary text that must come through unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSecretMatcher } from '../../src/adapters/log/secret-forms.ts';

const SECRET = 'Zq9/Ab+Cd&Ef=Gh42';
const matcher = createSecretMatcher([SECRET]);

describe('secret forms', () => {
  it('mixed encodings in one echo (`\\/`, `%2B`, `&amp;`, `\\u003d`): redacted whole', () => {
    assert.equal(matcher.redact('key Zq9\\/Ab%2BCd&amp;Ef\\u003dGh42!'), 'key [redacted]!');
  });

  it('numeric entities with leading zeros (`&#047;`, `&#x002f;`): redacted', () => {
    assert.equal(matcher.redact('Zq9&#047;Ab&#x002b;Cd&#38;Ef&#x3d;Gh42'), '[redacted]');
  });

  it('ordinary text, and text near the key but not it: unchanged', () => {
    for (const text of ['Zq9/Ab+Cd&Ef=Gh43', 'nothing to see', 'Zq9/Ab', '{"a":"b\\/c"}']) {
      assert.equal(matcher.redact(text), text);
    }
  });

  it('a text cut inside the key (`... Zq9/Ab`): redactAndCut drops the start of the key', () => {
    assert.equal(matcher.redactAndCut('error key Zq9/Ab', 200), 'error key');
    assert.equal(matcher.redactAndCut('error key Zq9%2FAb%2', 200), 'error key');
    // Redacted before the cut: the cut can only shorten the marker, never expose the key.
    assert.equal(matcher.redactAndCut(`${'x'.repeat(10)}${SECRET}`, 14), `${'x'.repeat(10)}[red…`);
  });

  it('a secret shorter than 4 characters is never redacted (it would mangle text)', () => {
    assert.equal(createSecretMatcher(['abc']).redact('abcabc'), 'abcabc');
  });

  it('10,000 log lines with five secrets take well under a second', () => {
    const many = createSecretMatcher([
      'a1/b2+c3&d4=e5f6g7h8',
      'token-0123456789abcdef',
      'p@ss w0rd!',
      SECRET,
      'xyzw',
    ]);
    const line = JSON.stringify({
      level: 30,
      msg: 'http response',
      url: 'http://example.org/v1/data?x=1',
      status: 200,
    });
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) many.redact(line);
    assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
  });
});
