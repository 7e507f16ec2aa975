import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { partitionForKey } from '../../src/clients/producer/murmur2.js';
import { startBroker, type TestBroker } from '../broker/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let b: TestBroker;

beforeAll(async () => {
  b = await startBroker();
});
afterAll(async () => {
  await b.stop();
});

it("runs the README's Clients example as written (against the test's broker)", async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const code = /## Clients[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  // A scratch folder inside the package, so 'samsa' resolves to it by self-reference.
  const cwd = mkdtempSync(join(root, 'dist', 'readme-clients-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'example.mjs'), code!.replaceAll('localhost:9092', b.bootstrap));
  // Asynchronously: the broker runs in this process.
  const run = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['example.mjs'], { cwd, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as any).code ?? 1) : 0, stdout, stderr }),
    );
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  // Each key's partition is murmur2's; a record's offset counts the earlier records of its partition.
  const partitions = ['order-1', 'order-2', 'order-3'].map((k) => partitionForKey(Buffer.from(k), 3));
  const offset = (i: number) => partitions.slice(0, i).filter((p) => p === partitions[i]).length;
  const counts = [0, 1, 2].map((p) => partitions.filter((x) => x === p).length);
  expect(run.stdout).toBe(
    `order-3 is in partition ${partitions[2]} at offset ${offset(2)}\n` +
      `order-2 is in partition ${partitions[1]} at offset ${offset(1)}\n` +
      `records per partition: ${counts.join(', ')}\n`,
  );
});
