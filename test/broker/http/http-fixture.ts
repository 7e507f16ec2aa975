import { Admin, Consumer, Producer } from '../../../src/index.js';
import { waitFor } from '../../wait-for.js';
import { startBroker, type TestBroker } from '../harness.js';

export const TOPIC = 'orders';
export const GROUP = 'billing';
/** Records produced per partition. */
export const PRODUCED: Readonly<Record<number, number>> = { 0: 10, 1: 6 };
/** What the group commits after reading everything: partition 0 processed only in part. */
export const COMMITTED: Readonly<Record<number, number>> = { 0: 4, 1: 6 };

/** A broker serving http.listeners, a topic with records, and a group that read them and committed partition 0 only in part (lag 6 there, 0 on partition 1). */
export interface HttpScenario {
  broker: TestBroker;
  /** http://127.0.0.1:<port> of the broker's HTTP listener. */
  http: string;
  /** The group's one member, still in the group. */
  consumer: Consumer<string | null, string | null>;
  /** Sends `count` more records to partition 0 (for throughput the console charts). */
  produce(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpScenario(): Promise<HttpScenario> {
  const broker = await startBroker({ 'http.listeners': 'http://127.0.0.1:0' });
  const bootstrap = broker.bootstrap;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer<string | null, string | null> | undefined;
  const close = async () => {
    await consumer?.close();
    await producer?.close();
    await admin?.close();
    await broker.stop();
  };
  try {
    admin = new Admin({ 'bootstrap.servers': bootstrap });
    await admin.createTopics([{ name: TOPIC, numPartitions: 2 }]);
    producer = new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 0 });
    const p = producer;
    const produce = async (partition: number, count: number) => {
      await Promise.all(Array.from({ length: count }, (_, i) => p.send({ topic: TOPIC, partition, key: `k${i}`, value: `order ${i} ${'x'.repeat(100)}` })));
    };
    for (const [partition, count] of Object.entries(PRODUCED)) await produce(Number(partition), count);
    consumer = new Consumer({
      'bootstrap.servers': bootstrap,
      'group.id': GROUP,
      'client.id': 'billing-worker',
      'key.deserializer': 'string',
      'value.deserializer': 'string',
      'auto.offset.reset': 'earliest',
      'enable.auto.commit': false,
    });
    const c = consumer;
    c.subscribe([TOPIC]);
    let read = 0;
    const total = Object.values(PRODUCED).reduce((a, b) => a + b, 0);
    await waitFor(async () => {
      read += (await c.poll(100)).count;
      return read >= total;
    }, `the group reading all ${total} records`);
    await c.commitSync(Object.entries(COMMITTED).map(([partition, offset]) => ({ topic: TOPIC, partition: Number(partition), offset })));
    return { broker, http: `http://127.0.0.1:${broker.broker.httpPorts[0]}`, consumer: c, produce: (count) => produce(0, count), close };
  } catch (e) {
    await close();
    throw e;
  }
}
