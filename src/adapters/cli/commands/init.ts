// `sluice init`: scaffold a project with one dataset, one pipeline and a sample file.
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../../../domain/errors.ts';
import { type Command, stringOption } from '../command.ts';
import { json } from '../format.ts';

const CONFIG = `// sluice project: datasets (typed tables) and the pipelines that fill them.
import { dataset, defineConfig, files, numberOrNull, pipeline, z } from 'sluice';

const readings = dataset('readings', {
  schema: z.object({
    station: z.string().min(1),
    observed_at: z.coerce.date(),
    temperature_c: z.number().min(-90).max(60).nullable(),
  }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
  write: 'merge',
});

export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('readings_csv', {
      source: files({ dir: 'data', glob: '*.csv' }),
      into: readings,
      // CSV cells are text: turn them into what the schema expects. Bad values are quarantined, not dropped.
      transform: (row) => {
        const cells = row as Record<string, string>;
        return {
          station: cells.station,
          observed_at: cells.observed_at,
          temperature_c: numberOrNull(cells.temperature_c),
        };
      },
    }),
  ],
});
`;

const SAMPLE = `station,observed_at,temperature_c
07015,2024-10-05T00:00:00Z,11.2
07015,2024-10-05T01:00:00Z,10.9
07015,2024-10-05T02:00:00Z,
00052,2024-10-05T00:00:00Z,9.4
`;

export const initCommand: Command = {
  name: 'init',
  summary: 'Create sluice.config.ts with an example dataset and pipeline, and a sample data file.',
  usage: 'init [--dir path] [--force]',
  options: {
    dir: { type: 'string', description: 'project directory (default: the current directory)' },
    force: { type: 'boolean', description: 'overwrite an existing sluice.config.ts' },
  },
  async run(args, io) {
    const dir = resolve(io.cwd, stringOption(args, 'dir') ?? '.');
    const configPath = join(dir, 'sluice.config.ts');
    const exists = await access(configPath).then(
      () => true,
      () => false,
    );
    if (exists && args.values.force !== true) {
      throw new UsageError(`${configPath} already exists; pass --force to overwrite it`);
    }
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(configPath, CONFIG);
    const samplePath = join(dir, 'data', 'readings.csv');
    await writeFile(samplePath, SAMPLE);
    const created = [configPath, samplePath];
    if (args.json) io.stdout(json({ created }));
    else {
      io.stdout(
        `created ${created.join(' and ')}\nnext: sluice run readings_csv   (then: sluice status, sluice runs)\n`,
      );
    }
    return 0;
  },
};
