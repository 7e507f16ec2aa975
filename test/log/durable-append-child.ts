// Run by durable-crash.test.ts in a child process: a LogManager on the given
// backend with flush.messages=1 and small segments, eight writers appending
// concurrently, each printing `ack <writer> <seq> <offset>` once its append
// is answered (synced), and checkpoints now and then, until the parent kills
// it with SIGKILL.
import { LogManager } from '../../storage/log/index.js';
import { buildRecordBatch } from '../../storage/record/index.js';

const [backend, dir] = process.argv.slice(2) as [string, string];
const manager = await LogManager.open({
  logDirs: [dir],
  defaults: { 'storage.backend': backend, 'flush.messages': 1, 'segment.bytes': 16 * 1024 },
  retentionCheckIntervalMs: 0,
  cleanerEnable: false,
});
const log = await manager.getOrCreateLog('durable', 0);
setInterval(() => void manager.checkpoint(), 50);
const writer = async (id: number) => {
  for (let seq = 0; ; seq++) {
    const records = Array.from({ length: 1 + (seq % 3) }, (_, i) => ({ value: `${id}:${seq}:${i}`.padEnd(64 + ((seq * 37) % 200), '.') }));
    const { baseOffset } = await log.append(buildRecordBatch(records));
    process.stdout.write(`ack ${id} ${seq} ${baseOffset}\n`);
  }
};
for (let id = 0; id < 8; id++) void writer(id);
