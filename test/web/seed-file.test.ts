// The dashboard's seed file reader against the CLI's (src/adapters/config/key-set-seed.ts): the same
// files give the same keys, the same malformed files are refused, and the API's issues are located.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsvKeys, parseJsonKeys } from '../../src/adapters/config/key-set-seed.ts';
import { parseKeySetEntries } from '../../src/domain/key-set.ts';
import { issuesOf, parseSeedFile } from '../../web/src/pages/key-sets/seed-file.ts';

/** What the API would store of the browser's body: the nested layout checked as the route checks it. */
function stored(name: string, text: string) {
  const parsed = parseSeedFile(name, text);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  const entries = parseKeySetEntries(parsed.keys, {
    layout: 'nested',
    locate: (index) => `body.keys[${index}]`,
  });
  assert.ok(entries.ok, JSON.stringify(entries));
  return entries.entries;
}

const CSV_CASES: Record<string, string> = {
  plain: 'key,primary_beacon,backup_beacon\nannecy,B-101,B-102\nchambery,B-201,\n',
  'BOM, CRLF, blanks and empty lines': '\uFEFFkey , lat\r\n  annecy , 45.9 \r\n\r\nlyon,\r\n',
  quoted:
    'key,name,note\n"annecy","Annecy, Haute-Savoie","say ""hi""\nover two lines"\nlyon,  "  padded  "  ,x\n',
  'no final newline': 'key,a\nx,1',
};

describe('seed files read in the browser', () => {
  for (const [name, text] of Object.entries(CSV_CASES)) {
    it(`reads a CSV as the CLI does: ${name}`, () => {
      assert.deepEqual(stored('sites.csv', text), parseCsvKeys(text, 'sites.csv'));
    });
  }

  it('reads a JSON array of flat entries as the CLI does, values as they are', () => {
    const text = JSON.stringify([
      { key: 'annecy', primary_beacon: 'B-101', lat: 45.9, active: true },
      { key: 'lyon' },
    ]);
    assert.deepEqual(stored('sites.JSON', text), parseJsonKeys(text, 'sites.json'));
    const parsed = parseSeedFile('sites.json', text);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.keys[0], {
      key: 'annecy',
      attributes: { primary_beacon: 'B-101', lat: 45.9, active: true },
    });
    assert.deepEqual(parsed.locations, [{ index: 0 }, { index: 1 }]);
  });

  it('locates each CSV key by the line it ends on, as csv-parse counts', () => {
    const parsed = parseSeedFile('s.csv', CSV_CASES.quoted ?? '');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.locations, [{ line: 3 }, { line: 4 }]);
  });

  const refused: Array<[string, string, string, RegExp]> = [
    ['s.txt', 'key\nx\n', 'unknown_format', /must be \.json or \.csv/],
    ['s.json', '{"key": "x"}', 'not_an_array', /expected a JSON array/],
    ['s.json', '[{"key": "x"},', 'invalid_json', /not valid JSON/],
    ['s.json', '["x"]', 'not_an_object', /must be an object with a "key"/],
    ['s.csv', 'name,lat\nx,1\n', 'no_key_column', /needs a "key" column/],
    ['s.csv', 'key,a,a\nx,1,2\n', 'repeated_column', /column "a" appears twice/],
    ['s.csv', 'key,a\nx,1,2\n', 'record_length', /Invalid Record Length/],
    ['s.csv', 'key,a\nx,1"b\n', 'invalid_csv', /Invalid Opening Quote/],
    ['s.csv', 'key,a\nx,"1"b\n', 'invalid_csv', /Invalid Closing Quote/],
    ['s.csv', 'key,a\nx,"1\n', 'invalid_csv', /Quote Not Closed/],
  ];
  for (const [file, text, code, cli] of refused) {
    it(`refuses what the CLI refuses: ${code} (${JSON.stringify(text)})`, () => {
      const parsed = parseSeedFile(file, text);
      assert.equal(parsed.ok ? 'ok' : parsed.error.code, code);
      const read = file.endsWith('.csv') ? parseCsvKeys : file.endsWith('.json') ? parseJsonKeys : undefined;
      if (read) assert.throws(() => read(text, file), cli);
    });
  }

  it('puts where each refused entry is in the file beside the API’s body.keys[i]', () => {
    const detail =
      'body.keys[1], field "key": must be a non-empty string; body.keys.3.attributes.x: Invalid input';
    assert.deepEqual(
      issuesOf(detail, (index) => (index === 1 ? 'sites.csv line 3' : undefined)),
      [
        'body.keys[1] (sites.csv line 3), field "key": must be a non-empty string',
        'body.keys.3.attributes.x: Invalid input',
      ],
    );
    assert.deepEqual(issuesOf('keySet: not found'), ['keySet: not found']);
  });
});
