// The README's consume-transform-produce example, run as written against this file's broker.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { waitFor } from '../wait-for.js';
import { readPartitions, waitForDecidedTransactions } from './read-partitions.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let b: TestBroker;
let admin: Admin;

beforeAll(async () => {
  b = await startBroker({ 'group.initial.rebalance.delay.ms': 0 });
  admin = new Admin({ 'bootstrap.servers': b.bootstrap });
});
afterAll(async () => {
  await admin?.close();
  await b?.stop();
});

it("runs the README's consume-transform-produce example as written: the prices and the group's offsets commit together", async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const clients = readme.slice(readme.indexOf('## Clients'));
  const code = /```js\n(import \{ Consumer, Producer, ProducerFencedError \} from 'samsa';[\s\S]*?)```/.exec(clients)?.[1];
  expect(code).toBeDefined();
  await admin.createTopics([
    { name: 'orders', numPartitions: 2 },
    { name: 'prices', numPartitions: 2 },
  ]);
  const orders = new Producer({ 'bootstrap.servers': b.bootstrap, 'value.serializer': 'json' });
  await Promise.all([
    orders.send({ topic: 'orders', partition: 0, key: 'order-1', value: { total: 42 } }),
    orders.send({ topic: 'orders', partition: 1, key: 'order-2', value: { total: 7 } }),
    orders.send({ topic: 'orders', partition: 1, key: 'order-3', value: { total: 1 } }),
  ]);
  await orders.close();
  // A scratch folder inside the package, so 'samsa' resolves to it by self-reference.
  const cwd = mkdtempSync(join(root, 'dist', 'readme-transactions-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'example.mjs'), code!.replaceAll('localhost:9092', b.bootstrap));
  const result = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['example.mjs'], { cwd, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as any).code ?? 1) : 0, stdout, stderr }),
    );
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toBe('priced 3 orders\n');
  // A read_committed reader sees every price once the markers are written; the group's offsets moved past every order.
  await waitForDecidedTransactions(b.bootstrap, 'prices', 2);
  const prices = (await readPartitions(b.bootstrap, 'prices', 2, { 'isolation.level': 'read_committed' })).flat();
  expect(prices.map((r) => `${r.key}=${r.value}`).sort()).toEqual(['order-1={"cents":4200}', 'order-2={"cents":700}', 'order-3={"cents":100}']);
  const committed = async () => (await admin.listConsumerGroupOffsets('pricing')).map((c) => [c.topic, c.partition, c.offset]).sort();
  await waitFor(async () => (await committed()).length === 2, "the group's offsets to be committed");
  expect(await committed()).toEqual([
    ['orders', 0, 1],
    ['orders', 1, 2],
  ]);
});
