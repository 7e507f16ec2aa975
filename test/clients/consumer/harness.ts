// What the consumer tests share: a broker of their own per test file with a
// KafkaJS admin and producer beside it, consumers and group members that are
// closed when a test ends, and waits on state the consumer or broker exposes.
import { execFile } from 'node:child_process';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Consumer, type ConsumerRebalanceListener, type ConsumerRecord, type TopicPartition } from '../../../src/clients/consumer/index.js';
import { readAllRecords } from '../../../storage/record/record.js';
import { validateBatches } from '../../../storage/record/record-batch-scan.js';
import { startBroker, type TestBroker } from '../../broker/harness.js';
import { registerSamsaCodecs } from '../../interop/kafkajs-codecs.js';
import { waitFor } from '../../wait-for.js';

export { waitFor };

registerSamsaCodecs();

export interface ConsumerTestEnv {
  readonly b: TestBroker;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
}

let env: ConsumerTestEnv | null = null;
const open: Consumer<any, any>[] = [];
/** Members' poll loops still running when a test ends (it failed midway): stopped before their consumers close. */
const members: Array<{ stop(): void }> = [];

/**
 * Starts this test file's broker before its tests and stops it after them;
 * closes every consumer and member a test made when the test ends. Call once,
 * at the top of a test file.
 */
export function useConsumerTestBroker(): ConsumerTestEnv {
  const handle = {} as { -readonly [K in keyof ConsumerTestEnv]: ConsumerTestEnv[K] };
  beforeAll(async () => {
    handle.b = await startBroker({ 'group.initial.rebalance.delay.ms': 0, 'auto.create.topics.enable': false });
    handle.kafka = new Kafka({ clientId: 'consumer-tests', brokers: [handle.b.bootstrap], logLevel: logLevel.NOTHING });
    handle.admin = handle.kafka.admin();
    await handle.admin.connect();
    handle.producer = handle.kafka.producer();
    await handle.producer.connect();
    env = handle;
  });
  afterEach(async () => {
    for (const m of members.splice(0)) m.stop();
    await Promise.all(open.splice(0).map((c) => c.close(5000).catch(() => undefined)));
  });
  afterAll(async () => {
    env = null;
    try {
      await handle.producer?.disconnect();
      await handle.admin?.disconnect();
    } finally {
      await handle.b?.stop();
    }
  });
  return handle;
}

function current(): ConsumerTestEnv {
  if (!env) throw new Error('useConsumerTestBroker() was not called in this test file');
  return env;
}

export async function createTopic(topic: string, numPartitions: number): Promise<void> {
  await current().admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
}

/** A consumer on the test broker with string keys and values unless told otherwise; closed after the test. */
export function consumer<K = string | null, V = string | null>(config: Record<string, unknown> = {}): Consumer<K, V> {
  const c = new Consumer<K, V>({
    'bootstrap.servers': current().b.bootstrap,
    'key.deserializer': 'string',
    'value.deserializer': 'string',
    'auto.offset.reset': 'earliest',
    'heartbeat.interval.ms': 100,
    'session.timeout.ms': 10_000,
    ...config,
  });
  open.push(c);
  return c;
}

export async function pollUntil<K, V>(c: Consumer<K, V>, count: number, timeoutMs = 15_000): Promise<ConsumerRecord<K, V>[]> {
  const out: ConsumerRecord<K, V>[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${out.length} of ${count} records in ${timeoutMs} ms`);
    for (const r of await c.poll(200)) out.push(r);
  }
  return out;
}

/** Waits until the broker holds a fetch on the partition (it found less than fetch.min.bytes): the consumer's poll is waiting for data. */
export async function waitForHeldFetch(topic: string, partition: number): Promise<void> {
  const p = current().b.broker.context.replicas.getPartition(topic, partition)!;
  await waitFor(() => p.waitingFetches > 0, `a fetch held on ${topic}-${partition}`, 20_000);
}

/** The group as the broker's coordinator holds it. */
export function brokerGroup(groupId: string) {
  return current().b.broker.context.groups!.group(groupId);
}

export function tp(topic: string, partition: number): TopicPartition {
  return { topic, partition };
}

export function names(list: readonly TopicPartition[]): string[] {
  return list.map((x) => `${x.topic}-${x.partition}`).sort();
}

export function partitionsOf(topic: string, n: number): string[] {
  return Array.from({ length: n }, (_, p) => `${topic}-${p}`);
}

export function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** The records the broker stored for a partition, decoded from its log. */
export async function stored(topic: string, partition: number) {
  const { bytes } = await current()
    .b.broker.context.replicas.getPartition(topic, partition)!
    .log.read(0, 1 << 24);
  return validateBatches(bytes).flatMap((batch) => readAllRecords(batch).map((r) => ({ ...r, batch })));
}

/** A group member polling in the background, recording its records and rebalance events. */
export class Member {
  readonly consumer: Consumer<string | null, string | null>;
  readonly records: ConsumerRecord<string | null, string | null>[] = [];
  readonly events: Array<{ type: 'revoked' | 'assigned' | 'lost'; partitions: string[] }> = [];
  readonly errors: unknown[] = [];
  private running = true;
  private loop: Promise<void>;

  constructor(
    readonly name: string,
    groupId: string,
    topics: string[] | RegExp,
    config: Record<string, unknown> = {},
  ) {
    const c = consumer({ 'group.id': groupId, ...config });
    this.consumer = c;
    const listener: ConsumerRebalanceListener = {
      onPartitionsRevoked: (p) => void this.events.push({ type: 'revoked', partitions: names(p) }),
      onPartitionsAssigned: (p) => void this.events.push({ type: 'assigned', partitions: names(p) }),
      onPartitionsLost: (p) => void this.events.push({ type: 'lost', partitions: names(p) }),
    };
    c.subscribe(topics, listener);
    members.push(this);
    this.loop = (async () => {
      while (this.running) {
        try {
          for (const r of await c.poll(100)) this.records.push(r);
        } catch (e) {
          this.errors.push(e);
          // A backoff before polling again, not a synchronisation.
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
  }

  assignment(): string[] {
    return names(this.consumer.assignment());
  }

  stop(): void {
    this.running = false;
  }

  async close(): Promise<void> {
    this.running = false;
    await this.consumer.close();
    await this.loop;
  }
}

/** Waits until the members' assignments cover `expected` exactly once each and `shape` holds. */
export async function waitForCoverage(
  members: Member[],
  expected: string[],
  shape: (sizes: number[]) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<Map<string, string[]>> {
  let last = '';
  await waitFor(
    () => {
      const all = members.flatMap((m) => m.assignment()).sort();
      last = members.map((m) => `${m.name}=[${m.assignment().join(',')}]`).join(' ');
      return JSON.stringify(all) === JSON.stringify([...expected].sort()) && shape(members.map((m) => m.assignment().length));
    },
    `coverage of ${expected.length} partitions`,
    timeoutMs,
  ).catch((e) => {
    throw new Error(`${(e as Error).message} (last: ${last}); errors: ${members.flatMap((m) => m.errors.map(String)).join('; ')}`);
  });
  return new Map(members.map((m) => [m.name, m.assignment()]));
}
