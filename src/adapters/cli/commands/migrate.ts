// `sluice migrate`: apply internal migrations and create or evolve the dataset tables.
import type { TableChange } from '../../../domain/table-evolution.ts';
import type { Command } from '../command.ts';
import { json } from '../format.ts';
import { withSluice } from '../open.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary:
    'Apply pending migrations and create or evolve every dataset table. Safe to run any number of times.',
  usage: 'migrate',
  options: {},
  async run(args, io) {
    const result = await withSluice(args, io, async (sluice) => ({
      database: { kind: sluice.db.kind, location: sluice.db.location },
      migrations: sluice.migrations,
      tables: sluice.tables,
    }));
    if (args.json) {
      io.stdout(json(result));
      return 0;
    }
    const lines = [
      result.migrations.length > 0
        ? `applied migrations: ${result.migrations.join(', ')}`
        : 'migrations: up to date',
    ];
    for (const table of result.tables) {
      if (table.created) lines.push(`created table for dataset ${table.dataset}`);
      for (const change of table.changes) {
        lines.push(`dataset ${table.dataset}: ${describeChange(change)}`);
      }
    }
    io.stdout(`${lines.join('\n')}\n`);
    return 0;
  },
};

function describeChange(change: TableChange): string {
  if (change.kind === 'add_column') return `added column ${change.column.name} (${change.column.type})`;
  if (change.kind === 'retype_system_column')
    return `column ${change.column} is now ${change.to} (was ${change.from})`;
  return `column ${change.column} is now nullable (${change.reason.replaceAll('_', ' ')})`;
}
