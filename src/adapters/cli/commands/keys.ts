// `sluice keys`: the stored key sets and their keys; add, remove and import keys.
import { resolve } from 'node:path';
import { UsageError } from '../../../domain/errors.ts';
import { assertKeySetEntries, declaredKeySet, type KeySetChange } from '../../../domain/key-set.ts';
import {
  type KeyRecord,
  readKeySet,
  removeKey,
  replaceKeySet,
  upsertKeys,
} from '../../postgres/key-set-store.ts';
import { type KeySetSummary, summarizeKeySets } from '../../postgres/key-set-summary.ts';
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
      const sets = await withSluice(args, io, (sluice) =>
        summarizeKeySets(sluice.db, sluice.config.keySets, sluice.baseDir),
      );
      io.stdout(args.json ? json({ keySets: sets }) : describeKeySets(sets));
      return 0;
    }
    if (args.values.replace === true && action !== 'import')
      throw new UsageError('--replace goes with import');
    if (action === undefined) {
      const keys = await withSluice(args, io, (sluice) => {
        declaredKeySet(name, sluice.config.keySets);
        return readKeySet(sluice.db, name);
      });
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
      const change = await withSluice(args, io, (sluice) => {
        declaredKeySet(name, sluice.config.keySets);
        return upsertKeys(sluice.db, name, entry ? [entry] : []);
      });
      const what = change.inserted > 0 ? 'added' : change.updated > 0 ? 'updated' : 'unchanged';
      io.stdout(args.json ? json({ keySet: name, key, ...change }) : `${name}: key "${key}" ${what}\n`);
      return 0;
    }
    if (action === 'remove') {
      const [key] = rest;
      if (key === undefined) throw new UsageError(`name the key: sluice keys ${name} remove <key>`);
      await withSluice(args, io, (sluice) => {
        declaredKeySet(name, sluice.config.keySets);
        return removeKey(sluice.db, name, key);
      });
      io.stdout(args.json ? json({ keySet: name, removed: key }) : `${name}: key "${key}" removed\n`);
      return 0;
    }
    if (action === 'import') {
      const [file] = rest;
      if (file === undefined)
        throw new UsageError(`name the file: sluice keys ${name} import <file> [--replace]`);
      const replace = args.values.replace === true;
      const change = await withSluice(args, io, async (sluice) => {
        declaredKeySet(name, sluice.config.keySets);
        // The file readers (csv-parse) load for an import only.
        const { readKeySetFile } = await import('../../config/key-set-seed.ts');
        const entries = await readKeySetFile(resolve(io.cwd, file), file);
        return replace ? replaceKeySet(sluice.db, name, entries) : upsertKeys(sluice.db, name, entries);
      });
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
