// A config that does not load names file, line and column, and shows the offending line with a caret.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errorCode } from '../../domain/errors.ts';
import { loadConfig } from './load-config.ts';

async function loadError(dir: string, file: string): Promise<{ code: string; message: string }> {
  try {
    await loadConfig(file, dir);
  } catch (error) {
    return { code: errorCode(error), message: (error as Error).message };
  }
  throw new Error(`${file} loaded`);
}

describe('loading a config that does not parse or throws at import', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-load-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a JavaScript syntax error in the config: file:line:column, the line, a caret under the column', async () => {
    await writeFile(
      join(dir, 'js-syntax.config.ts'),
      "import { defineConfig } from 'sluice';\nexport default defineConfig({\n  pipelines: [\n    foo(1,\n    }),\n  ],\n});\n",
    );
    const { code, message } = await loadError(dir, 'js-syntax.config.ts');
    assert.equal(code, 'config_error');
    const [first, line, caret] = message.split('\n');
    assert.match(first ?? '', new RegExp(`^${join(dir, 'js-syntax.config.ts')}:5:5: SyntaxError: \\S`));
    assert.equal(line, '  5 |     }),');
    assert.equal(caret, '    |     ^');
  });

  it('a V8 syntax error the type stripping lets through, on a tab-indented line', async () => {
    await writeFile(
      join(dir, 'redeclared.config.ts'),
      'const a: number = 1;\n\tlet b = 2;\n\tlet b = 3;\nexport default a;\n',
    );
    const { message } = await loadError(dir, 'redeclared.config.ts');
    const [first, line, caret] = message.split('\n');
    assert.equal(
      first,
      `${join(dir, 'redeclared.config.ts')}:3:6: SyntaxError: Identifier 'b' has already been declared`,
    );
    assert.equal(line, '  3 | \tlet b = 3;');
    assert.equal(caret, '    | \t    ^');
  });

  it('TypeScript-only syntax: an unsupported enum and a dangling `as`', async () => {
    await writeFile(
      join(dir, 'enum.config.ts'),
      'interface X {\n  a: number;\n}\nenum E { A }\nexport default {};\n',
    );
    const enumError = await loadError(dir, 'enum.config.ts');
    assert.match(enumError.message, /enum\.config\.ts:4:1: SyntaxError: TypeScript enum is not supported/);
    assert.match(enumError.message, /\n {2}4 \| enum E \{ A \}\n {4}\| \^{12}$/);
    await writeFile(join(dir, 'as.config.ts'), 'const x = 1;\nconst y = x as;\nexport default {};\n');
    const asError = await loadError(dir, 'as.config.ts');
    assert.match(asError.message, /as\.config\.ts:2:15: SyntaxError: Unexpected token `;`/);
    assert.match(asError.message, /\n {2}2 \| const y = x as;\n {4}\| {15}\^$/);
  });

  it('a syntax error or a throw in a file the config imports names that file, then the config', async () => {
    await writeFile(join(dir, 'broken-part.ts'), 'export const part = {\n  a: (1 + ),\n};\n');
    await writeFile(
      join(dir, 'nested-syntax.config.ts'),
      "import { part } from './broken-part.ts';\nexport default part;\n",
    );
    const syntax = await loadError(dir, 'nested-syntax.config.ts');
    assert.match(syntax.message, new RegExp(`^${join(dir, 'broken-part.ts')}:2:11: SyntaxError: `));
    assert.match(syntax.message, /\n {2}2 \| {3}a: \(1 \+ \),\n/);
    assert.match(syntax.message, /imported while loading .*nested-syntax\.config\.ts\)$/);

    await writeFile(
      join(dir, 'throwing-part.ts'),
      "export const part = {};\nif (true) throw new TypeError('no token set');\n",
    );
    await writeFile(
      join(dir, 'nested-throw.config.ts'),
      "import { part } from './throwing-part.ts';\nexport default part;\n",
    );
    const thrown = await loadError(dir, 'nested-throw.config.ts');
    const [first, line, caret] = thrown.message.split('\n');
    assert.equal(first, `${join(dir, 'throwing-part.ts')}:2:17: TypeError: no token set`);
    assert.equal(line, "  2 | if (true) throw new TypeError('no token set');");
    assert.equal(caret, `    | ${' '.repeat(16)}^`);
  });

  it('without a location (a missing import) the message stays Node’s', async () => {
    await writeFile(join(dir, 'missing.config.ts'), "import x from './nowhere.ts';\nexport default x;\n");
    const { message } = await loadError(dir, 'missing.config.ts');
    assert.match(message, /^cannot load .*missing\.config\.ts: Cannot find module .*nowhere\.ts/);
  });
});
