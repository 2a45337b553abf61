// Raw pg-boss worker for bench:queue: the same queue settings as sluice's, a handler that does nothing.
import { PgBoss } from 'pg-boss';

const url = process.env.DATABASE_URL as string;
const boss = new PgBoss({
  connectionString: url,
  schema: 'bench_raw',
  useListenNotify: true,
  schedule: false,
  max: 4,
});
boss.on('error', (error) => process.stderr.write(`${error.message}\n`));
await boss.start();
// The same loop as sluice's workers: one worker per slot, woken right after each job.
for (let slot = 0; slot < Number(process.env.CONCURRENCY ?? 2); slot++) {
  let workerId = '';
  workerId = await boss.work(
    'raw',
    { batchSize: 1, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 5 },
    async () => {
      if (workerId) boss.notifyWorker(workerId);
    },
  );
}
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await boss.stop({ graceful: true, timeout: 2000 });
  process.exit(0);
});
