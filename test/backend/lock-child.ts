// Run by conformance.test.ts: tries to open a log directory another process
// holds and prints the error code it gets.
import { createBackend, StorageError } from '../../storage/backend/index.js';

const [backendName, dir] = process.argv.slice(2) as [string, string];
try {
  const directory = await createBackend(backendName).openDirectory(dir);
  await directory.close();
  process.stdout.write('opened\n');
} catch (error) {
  process.stdout.write(`${error instanceof StorageError ? error.code : 'other'}: ${(error as Error).message}\n`);
}
