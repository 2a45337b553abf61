// XML records: repeated elements at any level, a single child as an object, and parent context.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseSelector } from '../../domain/record-selector.ts';
import type { RunWarning } from '../../engine/ports.ts';
import { xmlRecords } from './xml-records.ts';

const fixture = fileURLToPath(
  new URL('../../../../shared/fixtures/upstream/ecb_eurofxref-daily_2025-05-09.xml', import.meta.url),
);
const origin = { provider: 'ecb', url: 'http://127.0.0.1/eurofxref-daily.xml' };

async function records(xml: string | Buffer, selector: string, warnings: RunWarning[] = []) {
  const input = (async function* () {
    yield typeof xml === 'string' ? Buffer.from(xml) : xml;
  })();
  const out: unknown[] = [];
  for await (const chunk of xmlRecords(input, parseSelector(selector), origin, (w) => warnings.push(w))) {
    for (const item of chunk) if (item.kind === 'record') out.push(item.value);
  }
  return out;
}

describe('xml records', () => {
  it('reads the real ECB daily file with the date of the Cube that holds each rate', async () => {
    const rates = (await records(await readFile(fixture), 'gesmes:Envelope.Cube.Cube.Cube')) as Array<{
      currency: string;
      rate: string;
      $parent: { time: string };
    }>;
    assert.equal(rates.length, 30);
    const { $parent, ...first } = rates[0]!;
    assert.deepEqual(first, { currency: 'USD', rate: '1.1252' });
    assert.ok(rates.every((r) => r.$parent.time === '2025-05-09'));
    // Above the day's Cube: the envelope's own values (its subject text, its namespaces).
    assert.equal(
      ($parent as { $parent?: Record<string, unknown> }).$parent?.['gesmes:subject'],
      'Reference rates',
    );
  });

  it('steps through repeated elements at every level (history files) and a single child', async () => {
    const history = `<Envelope><Cube>
      <Cube time="2025-05-09"><Cube currency="USD" rate="1.1252"/><Cube currency="JPY" rate="163.36"/></Cube>
      <Cube time="2025-05-08"><Cube currency="USD" rate="1.1297"/></Cube>
    </Cube></Envelope>`;
    const rates = (await records(history, 'Envelope.Cube.Cube.Cube')) as Array<Record<string, unknown>>;
    assert.deepEqual(
      rates.map((r) => `${(r.$parent as { time: string }).time} ${r.currency} ${r.rate}`),
      ['2025-05-09 USD 1.1252', '2025-05-09 JPY 163.36', '2025-05-08 USD 1.1297'],
    );
  });

  it('warns no_records when the selector matches nothing in a delivered document', async () => {
    const warnings: RunWarning[] = [];
    assert.deepEqual(await records('<a><b x="1"/></a>', 'a.c', warnings), []);
    assert.deepEqual(warnings, [
      {
        code: 'no_records',
        message: "the selector 'a.c' matched nothing in http://127.0.0.1/eurofxref-daily.xml",
      },
    ]);
  });
});
