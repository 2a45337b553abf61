import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quoteIdent } from './identifier.ts';
import { parseSelector, selectorMatches, selectRecords } from './record-selector.ts';
import { errorRate, finalStatus } from './run-status.ts';
import { planTableEvolution } from './table-evolution.ts';
import { parseTemplate, renderTemplate, templateVariables } from './template.ts';

describe('record selector', () => {
  it('selects array elements under wildcards', () => {
    const doc = { hourly: { a: [{ x: 1 }, { x: 2 }], b: [{ x: 3 }], _params: ['x'] } };
    assert.deepEqual([...selectRecords(parseSelector('hourly.*'), doc)], [{ x: 1 }, { x: 2 }, { x: 3 }, 'x']);
    assert.deepEqual([...selectRecords(parseSelector(''), [{ a: 1 }])], [{ a: 1 }]);
    assert.deepEqual([...selectRecords(parseSelector('$.data.0'), { data: [{ a: 1 }] })], [{ a: 1 }]);
    assert.ok(selectorMatches(parseSelector('hourly.*'), ['hourly', 'a']));
    assert.throws(() => parseSelector('a..b'), /empty segment/);
  });
});

describe('templates', () => {
  it('parses, lists and renders placeholders', () => {
    const parts = parseTemplate('https://x.test/{{ station }}/obs?d={{day}}');
    assert.deepEqual(templateVariables(parts), ['station', 'day']);
    assert.equal(
      renderTemplate(parts, { station: 'a b', day: '1' }, encodeURIComponent),
      'https://x.test/a%20b/obs?d=1',
    );
    assert.throws(() => parseTemplate('https://x.test/{{ bad'), /malformed placeholder/);
  });
});

describe('identifiers', () => {
  it('quotes only allow-listed names', () => {
    assert.equal(quoteIdent('weather_observations'), '"weather_observations"');
    assert.throws(() => quoteIdent('x"; drop table y; --'), /refusing to quote/);
  });
});

describe('run status', () => {
  const counts = { fetched: 10, produced: 10, valid: 8, rejected: 2, inserted: 8, updated: 0, unchanged: 0 };
  it('is partial with rejections, failed when the source failed, cancelled first', () => {
    assert.equal(finalStatus({ sourceFailed: false, cancelled: false, counts }), 'partial');
    assert.equal(finalStatus({ sourceFailed: true, cancelled: false, counts }), 'failed');
    assert.equal(finalStatus({ sourceFailed: true, cancelled: true, counts }), 'cancelled');
    assert.equal(
      finalStatus({ sourceFailed: false, cancelled: false, counts: { ...counts, rejected: 0 } }),
      'succeeded',
    );
    assert.equal(errorRate(counts), 0.2);
    assert.equal(errorRate({ valid: 0, rejected: 0 }), 0);
    // One JSON document fanned out into 3,000 records, 90 of them bad: 3 %, not 9,000 %.
    assert.equal(errorRate({ valid: 2910, rejected: 90 }), 0.03);
    assert.equal(errorRate({ valid: 0, rejected: 5 }), 1);
  });
});

describe('table evolution', () => {
  const dataset = { name: 'd', table: 'd', key: ['k'] };
  const k = { name: 'k', type: 'text' as const, nullable: false };
  it('adds optional columns, relaxes removed ones and refuses data-losing changes', () => {
    const plan = planTableEvolution(dataset, [k, { name: 'n', type: 'text', nullable: true }], {
      columns: [k, { name: 'gone', type: 'text', nullable: false }],
      primaryKey: ['k'],
      hasRows: true,
    });
    assert.deepEqual(plan.changes, [
      { kind: 'add_column', column: { name: 'n', type: 'text', nullable: true } },
      { kind: 'drop_not_null', column: 'gone', reason: 'removed_from_schema' },
    ]);
    assert.deepEqual(plan.problems, []);
    const keyChange = planTableEvolution({ ...dataset, key: ['n'] }, [k], {
      columns: [k],
      primaryKey: ['k'],
      hasRows: false,
    });
    assert.match(keyChange.problems[0] ?? '', /the key changed from \(k\) to \(n\)/);
  });
});
