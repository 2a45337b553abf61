// A process that races for an embedded data-directory lock when told to, for data-dir-lock.test.ts.
// Reads one JSON command a line on stdin: {"take": dir} or {"release": true}; answers one JSON line each.
import { createInterface } from 'node:readline';
import { acquireDataDirLock, type DataDirLock } from '../../src/adapters/postgres/data-dir-lock.ts';
import { SluiceError } from '../../src/domain/errors.ts';

let held: DataDirLock | undefined;
const answer = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { take?: string; release?: boolean };
  if (command.take !== undefined) {
    try {
      held = await acquireDataDirLock(command.take);
      answer({ held: true });
    } catch (error) {
      answer({
        held: false,
        code: error instanceof SluiceError ? error.code : undefined,
        message: String((error as Error).message),
      });
    }
  } else if (command.release) {
    await held?.release();
    held = undefined;
    answer({ released: true });
  }
}
