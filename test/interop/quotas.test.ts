import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Admin as PlatformaticAdmin, ProtocolError } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { startBroker, type TestBroker } from '../broker/harness.js';

// Debian's interpreter: its dist-packages hold python3-confluent-kafka.
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/clients.py', import.meta.url));

function confluent(action: string, bootstrap: string, topic: string, ...args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, 'confluent-kafka', action, bootstrap, topic, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`confluent-kafka ${action} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

describe("real clients under samsa's controller mutation quotas", () => {
  let b: TestBroker;
  let admin: Admin;

  beforeAll(async () => {
    b = await startBroker();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
  });

  afterAll(async () => {
    await admin?.close();
    await b?.stop();
  });

  const setRate = (clientId: string, rate: number) =>
    admin.alterClientQuotas([{ entity: { 'client-id': clientId }, ops: [{ key: 'controller_mutation_rate', value: rate }] }]);

  it('@platformatic/kafka (CreateTopics v7) creates a topic under the rate and is refused THROTTLING_QUOTA_EXCEEDED past it', async () => {
    await setRate('plt-mutator', 1); // a burst of 11 partitions
    const plt = new PlatformaticAdmin({ clientId: 'plt-mutator', bootstrapBrokers: [b.bootstrap], retries: 0 });
    try {
      const created = await plt.createTopics({ topics: ['plt-big'], partitions: 40, replicas: 1 });
      expect(created.map((t) => [t.name, t.partitions])).toEqual([['plt-big', 40]]);
      const error = await plt.createTopics({ topics: ['plt-next'], partitions: 1, replicas: 1 }).then(
        () => undefined,
        (e: any) => e,
      );
      // The client reports the broker's per-topic error as a ProtocolError it may retry.
      const refused = error?.findBy?.('apiCode', ErrorCode.THROTTLING_QUOTA_EXCEEDED);
      expect(refused).toBeInstanceOf(ProtocolError);
      expect(refused).toMatchObject({ apiId: 'THROTTLING_QUOTA_EXCEEDED', canRetry: true });
      expect(b.broker.context.topics.get('plt-next')).toBeUndefined();
    } finally {
      await plt.close();
    }
  });

  it('confluent-kafka (librdkafka: CreateTopics v4, before the error existed) has its topic created and is throttled instead', async () => {
    await setRate('ck-mutator', 1);
    const { throttle_ms } = await confluent('create-throttled', b.bootstrap, 'ck-big', '30', 'ck-mutator');
    expect(b.broker.context.topics.get('ck-big')?.replicas).toHaveLength(30);
    // 11 tokens less 30 partitions: 19 s at a partition a second, less what the creation took.
    expect(throttle_ms).toBeGreaterThan(15_000);
    expect(throttle_ms).toBeLessThanOrEqual(19_000);
  });
});
