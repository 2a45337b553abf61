// Key set files on disk: JSON arrays and CSV with a key column; a malformed file names file, line or
// index, and field.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCsvKeys, parseJsonKeys, readKeySetFile } from './key-set-seed.ts';

describe('key set files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-seed-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads a JSON array of flat objects', async () => {
    const path = join(dir, 'sites.json');
    await writeFile(path, '\uFEFF[{ "key": "annecy", "romma_id": "74010", "lat": 45.9 }, { "key": "lyon" }]');
    assert.deepEqual(await readKeySetFile(path, 'seeds/sites.json'), [
      { key: 'annecy', attributes: { romma_id: '74010', lat: '45.9' } },
      { key: 'lyon', attributes: {} },
    ]);
  });

  it('reads a CSV with a key column; an empty cell leaves the attribute out', async () => {
    const path = join(dir, 'sites.csv');
    await writeFile(path, 'key,primary,backup\r\nannecy,74010,74011\r\n\r\nlyon,69001,\r\n');
    assert.deepEqual(await readKeySetFile(path), [
      { key: 'annecy', attributes: { primary: '74010', backup: '74011' } },
      { key: 'lyon', attributes: { primary: '69001' } },
    ]);
  });

  it('names the CSV line and field of a bad key', () => {
    assert.throws(
      () => parseCsvKeys('key,primary\nannecy,1\nan necy,2\nannecy,3\n', 'seeds/sites.csv'),
      (error: Error) =>
        /^seeds\/sites\.csv is not valid \(2 problems; nothing was changed\):/.test(error.message) &&
        error.message.includes('seeds/sites.csv line 3, field "key": must be a non-empty string') &&
        error.message.includes(
          'seeds/sites.csv line 4, field "key": "annecy" is also at seeds/sites.csv line 2',
        ),
    );
  });

  it('names the JSON index and field of a bad attribute', () => {
    assert.throws(
      () => parseJsonKeys('[{"key":"a"},{"key":"b","coords":{"lat":1}}]', 'seeds/sites.json'),
      /seeds\/sites\.json \[1\], field "coords": must be a string, a number or a boolean/,
    );
  });

  it('refuses what is not a key list at all', async () => {
    assert.throws(() => parseJsonKeys('{"key":"a"}', 's.json'), /s\.json: expected a JSON array of keys/);
    assert.throws(() => parseJsonKeys('[{"key":', 's.json'), /s\.json: not valid JSON/);
    assert.throws(
      () => parseCsvKeys('site,lat\na,1\n', 's.csv'),
      /s\.csv: the header row needs a "key" column \(found: site, lat\)/,
    );
    assert.throws(() => parseCsvKeys('key,a,a\nx,1,2\n', 's.csv'), /column "a" appears twice/);
    assert.throws(() => parseCsvKeys('key,a\nx,1,2\n', 's.csv'), /s\.csv: not valid CSV: .*line 2/);
    await assert.rejects(
      readKeySetFile(join(dir, 'missing.json'), 'seeds/missing.json'),
      /seeds\/missing\.json: no such file/,
    );
    await assert.rejects(readKeySetFile(join(dir, 'sites.txt'), 'sites.txt'), /must be \.json or \.csv/);
  });
});
