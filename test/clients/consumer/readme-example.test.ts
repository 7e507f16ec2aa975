// The README's consumer example, run as written against this file's broker.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it, onTestFinished } from 'vitest';
import { consumer, createTopic, tp, useConsumerTestBroker } from './harness.js';

const env = useConsumerTestBroker();

it("runs the README's consumer example as written (against the test's broker)", async () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const clients = readme.slice(readme.indexOf('## Clients'));
  const code = /```js\n(import \{ Consumer \} from 'samsa';[\s\S]*?)```/.exec(clients)?.[1];
  expect(code).toBeDefined();
  await createTopic('orders', 3);
  await env.producer.send({
    topic: 'orders',
    messages: [
      { partition: 0, key: 'order-1', value: JSON.stringify({ total: 42 }) },
      { partition: 2, key: 'order-2', value: JSON.stringify({ total: 7 }) },
      { partition: 2, key: 'order-3', value: JSON.stringify({ total: 1 }) },
    ],
  });
  // A scratch folder inside the package, so 'samsa' resolves to it by self-reference.
  const cwd = mkdtempSync(join(root, 'dist', 'readme-consumer-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'example.mjs'), code!.replaceAll('localhost:9092', env.b.bootstrap));
  const result = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['example.mjs'], { cwd, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as any).code ?? 1) : 0, stdout, stderr }),
    );
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toBe('assigned orders-0, orders-1, orders-2\norder-1: 42, order-2: 7, order-3: 1\n');
  // It committed what it read, and left the group.
  const check = consumer({ 'group.id': 'billing', 'enable.auto.commit': false });
  expect((await check.committed([tp('orders', 0), tp('orders', 1), tp('orders', 2)])).map((o) => o.offset)).toEqual([1, 0, 2]);
});
