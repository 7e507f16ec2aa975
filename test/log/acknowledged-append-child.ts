// Run by acknowledged-crash.test.ts in a child process: a LogManager on the
// given backend with the default flush settings, eight writers appending
// concurrently, each printing `ack <writer> <seq> <offset>` once its append
// is answered; at the 2,000th answer the process kills itself with SIGKILL in
// the same tick, so whatever an answered append still had in memory is lost.
// Each line is written with writeSync: process.stdout may hold a line in memory
// while the pipe is full, and the kill would lose it (779 of 2,000 reached a
// loaded test run that way).
import { writeSync } from 'node:fs';
import { LogManager } from '../../storage/log/index.js';
import { buildRecordBatch } from '../../storage/record/index.js';

const [backend, dir] = process.argv.slice(2) as [string, string];
const manager = await LogManager.open({
  logDirs: [dir],
  defaults: { 'storage.backend': backend, 'segment.bytes': 64 * 1024 },
  retentionCheckIntervalMs: 0,
  cleanerEnable: false,
});
const log = await manager.getOrCreateLog('acknowledged', 0);
let answered = 0;
const writer = async (id: number) => {
  for (let seq = 0; ; seq++) {
    const { baseOffset } = await log.append(buildRecordBatch([{ value: `${id}:${seq}:0`.padEnd(100, '.') }]));
    writeSync(1, `ack ${id} ${seq} ${baseOffset}\n`);
    if (++answered === 2000) process.kill(process.pid, 'SIGKILL');
  }
};
for (let id = 0; id < 8; id++) void writer(id);
