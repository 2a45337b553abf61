// `sluice keys`: the stored key sets and their keys; add, remove and import keys.
import { resolve } from 'node:path';
import { UsageError } from '../../../domain/errors.ts';
import { assertKeySetEntries, type KeySetChange } from '../../../domain/key-set.ts';
import type { KeyRecord, KeySetSummary } from '../../../engine/key-sets.ts';
import type { Command } from '../command.ts';
import { json, table } from '../format.ts';
import { withSluice } from '../open.ts';

export function describeChange(change: KeySetChange): string {
  return `inserted ${change.inserted}, updated ${change.updated}, unchanged ${change.unchanged}, removed ${change.removed}`;
}

function describeKeySets(sets: readonly KeySetSummary[]): string {
  if (sets.length === 0) {
    return "no key sets are declared: add defineConfig({ keySets: { sites: { seed: 'seeds/sites.json' } } })\n";
  }
  return `${table(
    ['key set', 'keys', 'seed', 'updated', 'description'],
    sets.map((set) => [
      set.declared ? set.name : `${set.name} (not declared)`,
      set.keys,
      set.seed,
      set.updatedAt,
      set.description,
    ]),
  )}\n`;
}

function describeKeys(name: string, keys: readonly KeyRecord[]): string {
  if (keys.length === 0) {
    return `key set "${name}" is empty: load it with \`sluice seed ${name}\` or \`sluice keys ${name} add <key> [attribute=value …]\`\n`;
  }
  const attributes = [...new Set(keys.flatMap((entry) => Object.keys(entry.attributes)))].sort();
  return `${table(
    ['key', ...attributes],
    keys.map((entry) => [entry.key, ...attributes.map((attribute) => entry.attributes[attribute] ?? null)]),
  )}\n`;
}

/** `romma_id=74010 lat=45.9` → `{ romma_id: '74010', lat: '45.9' }`; a value may itself contain `=`. */
function parseAttributeArgs(args: readonly string[]): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const arg of args) {
    const equals = arg.indexOf('=');
    if (equals <= 0) throw new UsageError(`attributes are name=value, got "${arg}"`);
    const name = arg.slice(0, equals);
    if (name === 'key') throw new UsageError('"key" is the key itself, not an attribute');
    if (Object.hasOwn(attributes, name)) throw new UsageError(`attribute "${name}" is given twice`);
    Object.defineProperty(attributes, name, { value: arg.slice(equals + 1), enumerable: true });
  }
  return attributes;
}

export const keysCommand: Command = {
  name: 'keys',
  summary: 'List key sets and their keys; add, remove or import keys of a declared key set.',
  usage:
    'keys | keys <set> | keys <set> add <key> [attribute=value …] | keys <set> remove <key> | keys <set> import <file.json|file.csv> [--replace]',
  options: {
    replace: {
      type: 'boolean',
      description: 'import: make the set exactly the file (keys not in it are removed)',
    },
  },
  async run(args, io) {
    const [name, action, ...rest] = args.positionals;
    if (name === undefined) {
      const sets = await withSluice(args, io, (sluice) => sluice.app.keySets.summary());
      io.stdout(args.json ? json({ keySets: sets }) : describeKeySets(sets));
      return 0;
    }
    if (args.values.replace === true && action !== 'import')
      throw new UsageError('--replace goes with import');
    if (action === undefined) {
      const keys = await withSluice(args, io, (sluice) => sluice.app.keySets.read(name));
      io.stdout(args.json ? json({ keySet: name, keys }) : describeKeys(name, keys));
      return 0;
    }
    if (action === 'add') {
      const [key, ...attributeArgs] = rest;
      if (key === undefined)
        throw new UsageError(`name the key: sluice keys ${name} add <key> [attribute=value …]`);
      const [entry] = assertKeySetEntries(
        `sluice keys ${name} add`,
        [{ ...parseAttributeArgs(attributeArgs), key }],
        {
          layout: 'flat',
          locate: () => 'arguments',
        },
      );
      const change = await withSluice(args, io, (sluice) =>
        sluice.app.keySets.upsert(name, entry ? [entry] : []),
      );
      const what = change.inserted > 0 ? 'added' : change.updated > 0 ? 'updated' : 'unchanged';
      io.stdout(args.json ? json({ keySet: name, key, ...change }) : `${name}: key "${key}" ${what}\n`);
      return 0;
    }
    if (action === 'remove') {
      const [key] = rest;
      if (key === undefined) throw new UsageError(`name the key: sluice keys ${name} remove <key>`);
      await withSluice(args, io, (sluice) => sluice.app.keySets.remove(name, key));
      io.stdout(args.json ? json({ keySet: name, removed: key }) : `${name}: key "${key}" removed\n`);
      return 0;
    }
    if (action === 'import') {
      const [file] = rest;
      if (file === undefined)
        throw new UsageError(`name the file: sluice keys ${name} import <file> [--replace]`);
      const replace = args.values.replace === true;
      const change = await withSluice(args, io, (sluice) =>
        sluice.app.keySets.import(name, { path: resolve(io.cwd, file), shown: file }, replace),
      );
      io.stdout(
        args.json
          ? json({ keySet: name, file, replace, ...change })
          : `${name}: imported ${file} (${describeChange(change)})\n`,
      );
      return 0;
    }
    throw new UsageError(`unknown keys action "${action}" (use: add, remove, import)`);
  },
};
