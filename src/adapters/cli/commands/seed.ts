// `sluice seed [<set> …] [--force]`: loads declared key sets from their seed files, only into
// empty sets unless forced; every file is read and checked before anything is written.
import type { SluiceApp } from '../../../engine/app.ts';
import { SeedAction, type SeedResult } from '../../../engine/key-sets.ts';
import type { Command } from '../command.ts';
import { json } from '../format.ts';
import { withSluice } from '../open.ts';
import { describeChange } from './keys.ts';

/** Seeds through the key sets section (every file read and checked before anything is written). */
export function seedKeySets(
  sluice: { app: SluiceApp },
  names: readonly string[],
  force: boolean,
): Promise<SeedResult[]> {
  return sluice.app.keySets.seed(names, force);
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
