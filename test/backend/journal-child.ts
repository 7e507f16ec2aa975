// Run by level-journal.test.ts in a child process: appends to a level log
// directory, cuts and flushes as the scenario says, then kills itself with
// SIGKILL in the tick its last append is answered, before the writer's next
// batch (what the journal alone then holds).
import { writeSync } from 'node:fs';
import { createBackend } from '../../storage/backend/index.js';
import { pattern } from './pattern.js';

const [dir, scenario] = process.argv.slice(2) as [string, 'tail' | 'below' | 'rotate'];
const directory = await createBackend('level', { chunkBytes: 4096 }).openDirectory(dir);
const data = await directory.open('data.log', { create: true });
const other = await directory.open('other.log', { create: true });
await data.append(pattern(0, 5000));
await data.flush();
if (scenario === 'rotate') {
  // Six megabytes in appends of 1,000 bytes, over many turns: the journal's files change over
  // several times, each time taking the chunks being filled as pieces; the other object's, appended
  // first and never again, only so. The last chunk of each is held back at the kill.
  await other.append(pattern(0, 300));
  for (let at = 5000; at < 6_005_000; at += 1000) {
    await data.append(pattern(at, 1000));
    if (at % 64_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
} else if (scenario === 'tail') {
  // Inside the chunk being filled: a piece already written is cut by a later batch.
  await data.append(pattern(5000, 3000));
  await directory.list(); // waits for the batch holding it
  await data.truncate(4500);
  await data.append(pattern(4500, 2500));
} else {
  // Below it: a cut made once everything before it is written.
  await data.append(pattern(5000, 5000));
  await data.truncate(100);
  await data.append(pattern(100, 700));
}
if (scenario !== 'rotate') await other.append(pattern(0, 300));
// Written with writeSync: process.stdout may still hold it when the kill comes.
writeSync(1, `${data.size} ${other.size}\n`);
process.kill(process.pid, 'SIGKILL');
