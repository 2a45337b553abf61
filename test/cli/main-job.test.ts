// The main job (`npm start`): the weather example, twice, on a fresh embedded database. The first
// start is the real binary on an empty data directory, as a new user runs it; the second runs in process.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli, runCliInProcess } from '../support/cli.ts';

const exampleConfig = fileURLToPath(
  new URL('../../examples/weather-files/sluice.config.ts', import.meta.url),
);

describe('main job: examples/weather-files', () => {
  it('stores the Infoclimat export and the workbook, and the second run inserts nothing', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-main-'));
    try {
      const env = { SLUICE_DATA_DIR: dataDir };
      const first = await runCli(['start', '--config', exampleConfig, '--json'], { cwd: dataDir, env });
      assert.equal(first.code, 0, first.stderr);
      const one = JSON.parse(first.stdout);
      const [infoclimat, workbook] = one.runs;
      // 4 stations × 48 hourly entries; the 9 `_params` names are skipped by the transform.
      assert.deepEqual(infoclimat.counts, {
        fetched: 201,
        produced: 192,
        valid: 192,
        rejected: 0,
        inserted: 192,
        updated: 0,
        unchanged: 0,
      });
      assert.equal(infoclimat.filtered, 9);
      // 24 good rows; a humidity typo and a missing time are quarantined.
      assert.deepEqual(workbook.counts, {
        fetched: 26,
        produced: 26,
        valid: 24,
        rejected: 2,
        inserted: 24,
        updated: 0,
        unchanged: 0,
      });
      assert.equal(workbook.status, 'partial');
      assert.deepEqual(workbook.quality.issues.map((issue: { path: string }) => issue.path).sort(), [
        'humidity_pct',
        'observed_at',
      ]);
      assert.equal(one.status.datasets[0].rows, 216);
      assert.equal(one.status.database.kind, 'pglite');

      const second = await runCliInProcess(['start', '--config', exampleConfig], { cwd: dataDir, env });
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /This run stored nothing new/);
      assert.match(second.stdout, /weather_observations\s+public\.weather_observations\s+216/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
