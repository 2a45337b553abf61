// Hostile input: several processes opening the same embedded data directory at the same instant,
// with no lock, a stale lock of a dead process, an empty or a corrupt lock file. Exactly one may win.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { acquireDataDirLock, firstTakeoverMarker } from '../../src/adapters/postgres/data-dir-lock.ts';

const RACERS = 8;
const ROUNDS = 10;
const RACER = join(import.meta.dirname, 'data-dir-lock-racer.ts');

interface Answer {
  held?: boolean;
  code?: string;
  message?: string;
}

interface Racer {
  child: ChildProcess;
  send(command: object): Promise<Answer>;
}

function startRacer(): Racer {
  const child = spawn(process.execPath, [RACER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: Array<(answer: Answer) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.(JSON.parse(line)));
  return {
    child,
    send(command) {
      const answered = new Promise<Answer>((resolve) => waiting.push(resolve));
      child.stdin!.write(`${JSON.stringify(command)}\n`);
      return answered;
    },
  };
}

// A pid that was alive a moment ago and is not any more, as a crashed sluice leaves behind.
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid as number;

const deadOwner = () =>
  JSON.stringify({ pid: deadPid(), host: hostname(), command: 'serve', since: '2026-01-01T00:00:00Z' });

/** What each race finds in the data directory before it starts. */
const situations: Record<string, (dir: string) => Promise<void>> = {
  'no lock file': async () => {},
  'a stale lock of a dead process': (dir) => writeFile(join(dir, 'sluice.lock'), deadOwner()),
  'an empty lock file': (dir) => writeFile(join(dir, 'sluice.lock'), ''),
  'a corrupt lock file': (dir) => writeFile(join(dir, 'sluice.lock'), '{"pid": 12'),
  'a stale lock whose takeover died half-way (its marker left behind)': async (dir) => {
    await writeFile(join(dir, 'sluice.lock'), deadOwner());
    const marker = await firstTakeoverMarker(dir);
    assert.ok(marker);
    await writeFile(marker, deadOwner());
  },
};

describe('the embedded data-directory lock under a race of processes', () => {
  const racers: Racer[] = [];
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-lock-race-'));
    for (let index = 0; index < RACERS; index++) racers.push(startRacer());
    // A first round-trip proves every racer has loaded the lock module before the real races.
    const warmup = join(root, 'warmup');
    await Promise.all(racers.map((racer) => racer.send({ take: join(warmup, String(racer.child.pid)) })));
    await Promise.all(racers.map((racer) => racer.send({ release: true })));
  });

  after(async () => {
    for (const racer of racers) racer.child.stdin!.end();
    await Promise.all(
      racers.map((racer) => (racer.child.exitCode === null ? once(racer.child, 'exit') : null)),
    );
    await rm(root, { recursive: true, force: true });
  });

  for (const [situation, prepare] of Object.entries(situations)) {
    it(`${RACERS} processes racing over ${situation}: exactly one holds it, the others are told who does`, async () => {
      const failures: string[] = [];
      const holderCounts: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const dir = join(root, `${situation.replaceAll(/\W+/g, '-')}-${round}`);
        await mkdir(dir, { recursive: true });
        await prepare(dir);
        const answers = await Promise.all(racers.map((racer) => racer.send({ take: dir })));
        const holders = racers.filter((_, index) => answers[index]?.held);
        holderCounts.push(holders.length);
        const holder = holders[0]?.child.pid;
        for (const answer of answers.filter((candidate) => !candidate.held)) {
          if (answer.code !== 'data_dir_locked' || !answer.message?.includes(`in use by process ${holder} `))
            failures.push(`round ${round + 1}: a loser was told ${answer.code}: ${answer.message}`);
        }
        await Promise.all(racers.map((racer) => racer.send({ release: true })));
        const left = (await readdir(dir)).filter((name) => name.startsWith('sluice.lock'));
        if (left.length > 0) failures.push(`round ${round + 1}: left behind ${left.join(', ')}`);
      }
      assert.deepEqual(holderCounts, Array(ROUNDS).fill(1), `holders in each of ${ROUNDS} rounds`);
      assert.deepEqual(failures, []);
    });
  }
});

describe('an embedded data directory whose lock cannot be taken', () => {
  it('a directory where the lock file belongs: a precise error naming it, nothing left behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-lock-dir-'));
    try {
      await mkdir(join(dir, 'sluice.lock'));
      await assert.rejects(acquireDataDirLock(dir), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'database_error');
        assert.match(
          error.message,
          /could not lock the embedded database in .*EISDIR.*sluice\.lock must be a file/,
        );
        return true;
      });
      assert.deepEqual(await readdir(dir), ['sluice.lock']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
