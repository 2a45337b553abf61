import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStateName, providerStateKey, providerStateName, renderScope } from './provider-scope.ts';
import { parseTemplate } from './template.ts';

describe('provider scopes', () => {
  it('keys unscoped state by the provider alone and scoped state by provider|scope', () => {
    assert.equal(providerStateKey('pioupiou', undefined), 'pioupiou');
    assert.equal(providerStateKey('pioupiou', 'site=annecy'), 'pioupiou|site=annecy');
    assert.equal(providerStateName('pioupiou', 'site=annecy'), 'pioupiou[site=annecy]');
  });

  it('renders the scope from the run parameters and refuses an empty one', () => {
    const scope = parseTemplate('site={{site}}');
    assert.equal(renderScope('p', scope, { site: 'annecy' }), 'site=annecy');
    assert.equal(renderScope('p', undefined, { site: 'annecy' }), undefined);
    assert.throws(() => renderScope('p', parseTemplate('{{site}}'), { site: '' }), /rendered empty/);
    assert.throws(() => renderScope('p', scope, {}), /\{\{site\}\} has no value/);
  });

  it('reads a stored key or a shown name back into provider and scope', () => {
    const declared = ['pioupiou', 'a', 'a|b'];
    assert.deepEqual(parseStateName('pioupiou', declared), { provider: 'pioupiou', scope: undefined });
    assert.deepEqual(parseStateName('pioupiou|annecy', declared), { provider: 'pioupiou', scope: 'annecy' });
    assert.deepEqual(parseStateName('pioupiou[annecy]', declared), { provider: 'pioupiou', scope: 'annecy' });
    // The longer declared name wins: `a|b|c` is scope c of provider a|b.
    assert.deepEqual(parseStateName('a|b|c', declared), { provider: 'a|b', scope: 'c' });
    assert.deepEqual(parseStateName('gone|x', declared), { provider: 'gone|x', scope: undefined });
  });
});
