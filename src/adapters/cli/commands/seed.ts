// `sluice seed [<set> …] [--force]`: loads declared key sets from their seed files, only into
// empty sets unless forced; every file is read and checked before anything is written.
import { relative } from 'node:path';
import { UsageError } from '../../../domain/errors.ts';
import { declaredKeySet, type ResolvedKeySet } from '../../../domain/key-set.ts';
import type { KeyEntry } from '../../../domain/partition-definition.ts';
import type { Sluice } from '../../../main.ts';
import { SeedAction, type SeedOutcome, seedKeySet } from '../../postgres/key-set-store.ts';
import type { Command } from '../command.ts';
import { json } from '../format.ts';
import { withSluice } from '../open.ts';
import { describeChange } from './keys.ts';

export interface SeedResult extends SeedOutcome {
  keySet: string;
  /** The seed file relative to the config's directory. */
  seed: string;
}

/** The sets to seed: those named (each must declare a seed file), or every set that declares one. */
function setsToSeed(sluice: Sluice, names: readonly string[]): Array<ResolvedKeySet & { seed: string }> {
  const chosen =
    names.length > 0
      ? names.map((name) => declaredKeySet(name, sluice.config.keySets))
      : [...sluice.config.keySets.values()].filter((keySet) => keySet.seed !== undefined);
  return chosen.map((keySet) => {
    if (keySet.seed === undefined) {
      throw new UsageError(
        `key set "${keySet.name}" declares no seed file: add keySets.${keySet.name}.seed, or use \`sluice keys ${keySet.name} import <file>\``,
      );
    }
    return { ...keySet, seed: keySet.seed };
  });
}

export async function seedKeySets(
  sluice: Sluice,
  names: readonly string[],
  force: boolean,
): Promise<SeedResult[]> {
  const sets = setsToSeed(sluice, names);
  const files: Array<{ keySet: string; seed: string; entries: KeyEntry[] }> = [];
  // The file readers (csv-parse) load when there is a seed to read, not for --help.
  const { readKeySetFile } = await import('../../config/key-set-seed.ts');
  for (const set of sets) {
    const shown = relative(sluice.baseDir, set.seed);
    files.push({ keySet: set.name, seed: shown, entries: await readKeySetFile(set.seed, shown) });
  }
  // One transaction for all sets: a failure leaves every set as it was.
  return sluice.db.transaction(async (tx) => {
    const results: SeedResult[] = [];
    for (const file of files) {
      const outcome = await seedKeySet(tx, file.keySet, file.entries, { force });
      results.push({ keySet: file.keySet, seed: file.seed, ...outcome });
    }
    return results;
  });
}

const keys = (count: number) => `${count} ${count === 1 ? 'key' : 'keys'}`;

function describeSeed(result: SeedResult): string {
  if (result.action === SeedAction.kept) {
    return `${result.keySet}: kept (already has ${keys(result.before)}; use --force to replace them with ${result.seed})`;
  }
  if (result.action === SeedAction.seeded) {
    return `${result.keySet}: seeded ${keys(result.change.inserted)} from ${result.seed}`;
  }
  return `${result.keySet}: replaced from ${result.seed} (${describeChange(result.change)})`;
}

export const seedCommand: Command = {
  name: 'seed',
  summary: 'Load declared key sets from their seed files (only empty sets; --force replaces them).',
  usage: 'seed [<set> …] [--force]',
  options: {
    force: { type: 'boolean', description: 'replace sets that already have keys with their seed file' },
  },
  async run(args, io) {
    const force = args.values.force === true;
    const results = await withSluice(args, io, (sluice) => seedKeySets(sluice, args.positionals, force));
    if (args.json) io.stdout(json({ keySets: results }));
    else if (results.length === 0) io.stdout('no key set declares a seed file\n');
    else io.stdout(`${results.map(describeSeed).join('\n')}\n`);
    return 0;
  },
};
