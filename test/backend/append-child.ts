// Run by conformance.test.ts in a child process: appends a known byte pattern
// to one object as fast as it can, flushing now and then and printing each
// flushed size, until the parent kills it with SIGKILL.
import { createBackend } from '../../storage/backend/index.js';
import { patternAt } from './pattern.js';

const [backendName, dir] = process.argv.slice(2) as [string, string];
const directory = await createBackend(backendName).openDirectory(dir);
const object = await directory.open('data.log', { create: true });
for (let i = 0; ; i++) {
  const chunk = Buffer.allocUnsafe(1 + ((i * 7919) % 8192));
  for (let j = 0; j < chunk.length; j++) chunk[j] = patternAt(object.size + j);
  await object.append(chunk);
  if (i % 16 === 15) {
    await object.flush();
    process.stdout.write(`flushed ${object.size}\n`);
  }
}
