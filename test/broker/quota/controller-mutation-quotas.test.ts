import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../../src/clients/admin/admin.js';
import { ThrottlingQuotaExceededError } from '../../../src/clients/network/errors.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { expectError, expectRejected } from '../../errors.js';
import { startBroker, type TestBroker } from '../harness.js';
import { RawClient } from '../raw-client.js';

const REFUSED = { errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED };
const MESSAGE = /The throttling quota has been exceeded/;
const NO_RETRY = { retryOnQuotaViolation: false };

describe('controller mutation quotas (controller_mutation_rate)', () => {
  let b: TestBroker;
  let admin: Admin;
  /** Admins of client ids under a quota: a refusal mutes its connection, so each step that expects one gets a new admin. */
  let admins: Admin[] = [];

  const adminAs = (clientId: string) => {
    const a = new Admin({ 'bootstrap.servers': b.bootstrap, 'client.id': clientId });
    admins.push(a);
    return a;
  };
  const setRate = (clientId: string, rate: number) =>
    admin.alterClientQuotas([{ entity: { 'client-id': clientId }, ops: [{ key: 'controller_mutation_rate', value: rate }] }]);
  const partitionsOf = (topic: string) => b.broker.context.topics.get(topic)?.replicas.length;

  beforeAll(async () => {
    b = await startBroker();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
  });

  afterEach(async () => {
    await Promise.all(admins.map((a) => a.close()));
    admins = [];
  });

  afterAll(async () => {
    await admin?.close();
    await b?.stop();
  });

  it('take a topic whole under the rate, then refuse what follows THROTTLING_QUOTA_EXCEEDED (CreateTopics v6+, DeleteTopics v5+, CreatePartitions v3+); another client id is not held', async () => {
    await setRate('mutator', 1); // a partition a second, a burst of 11
    const results = await adminAs('mutator')
      .createTopics(
        [
          { name: 'm-big', numPartitions: 40, replicationFactor: 1 },
          { name: 'm-small', numPartitions: 1, replicationFactor: 1 },
        ],
        NO_RETRY,
      )
      .settled();
    // The first topic found the bucket full and took 40 partitions; the second found it 29 below zero.
    const [big, small] = results;
    expect(big).toMatchObject({ ok: true, value: { name: 'm-big', numPartitions: 40 } });
    const refused = expectError(small?.ok === false ? small.error : undefined, ThrottlingQuotaExceededError, REFUSED, MESSAGE);
    expect(refused.throttleTimeMs).toBeGreaterThan(20_000);
    expect(refused.throttleTimeMs).toBeLessThanOrEqual(29_000);
    expect(partitionsOf('m-small')).toBeUndefined();

    await expectRejected(adminAs('mutator').deleteTopics(['m-big'], NO_RETRY), ThrottlingQuotaExceededError, REFUSED, MESSAGE);
    await expectRejected(adminAs('mutator').createPartitions({ 'm-big': 41 }, NO_RETRY), ThrottlingQuotaExceededError, REFUSED, MESSAGE);
    expect(partitionsOf('m-big')).toBe(40);

    const [other] = await adminAs('other').createTopics([{ name: 'm-other', numPartitions: 40, replicationFactor: 1 }], NO_RETRY);
    expect(other!.numPartitions).toBe(40);
  });

  it("let samsa's Admin wait out the throttle and try again, as Java's retryOnQuotaViolation does", async () => {
    await setRate('patient', 10);
    await adminAs('patient').createTopics([{ name: 'p-big', numPartitions: 150, replicationFactor: 1 }]); // 40 below zero: 4 s to refill
    await expectRejected(
      adminAs('patient').createTopics([{ name: 'p-next', numPartitions: 1, replicationFactor: 1 }], NO_RETRY),
      ThrottlingQuotaExceededError,
      REFUSED,
      MESSAGE,
    );
    const [created] = await adminAs('patient').createTopics([{ name: 'p-next', numPartitions: 1, replicationFactor: 1 }]);
    expect(created!.numPartitions).toBe(1);
    expect(partitionsOf('p-next')).toBe(1);
  });

  it('take every topic from versions before THROTTLING_QUOTA_EXCEEDED and throttle the client instead (CreateTopics v4)', async () => {
    await setRate('old-admin', 1);
    const old = await RawClient.connect(b.port, 'old-admin');
    try {
      const topic = (name: string, numPartitions: number) => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] });
      const response = await old.request('CreateTopics', 4, { topics: [topic('old-a', 15), topic('old-b', 5)], timeoutMs: 5000, validateOnly: false });
      expect(response.topics.map((t: { name: string; errorCode: number }) => [t.name, t.errorCode])).toEqual([
        ['old-a', ErrorCode.NONE],
        ['old-b', ErrorCode.NONE],
      ]);
      // 11 tokens less 20 partitions: 9 s at a partition a second, less what the creations took.
      expect(response.throttleTimeMs).toBeGreaterThan(8_000);
      expect(response.throttleTimeMs).toBeLessThanOrEqual(9_000);
      expect([partitionsOf('old-a'), partitionsOf('old-b')]).toEqual([15, 5]);
    } finally {
      old.close();
    }
  });

  it('count the topics a Metadata request creates, without throttling it', async () => {
    await setRate('auto', 1);
    const client = await RawClient.connect(b.port, 'auto');
    try {
      // Twenty topics of num.partitions (1): nine below zero.
      const topics = Array.from({ length: 20 }, (_, i) => ({ name: `auto-${i}` }));
      const response = await client.request('Metadata', 9, { topics, allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
      expect(response.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual(topics.map(() => ErrorCode.NONE));
      expect(response.throttleTimeMs).toBe(0);
    } finally {
      client.close();
    }
    await expectRejected(
      adminAs('auto').createTopics([{ name: 'auto-next', numPartitions: 1, replicationFactor: 1 }], NO_RETRY),
      ThrottlingQuotaExceededError,
      REFUSED,
      MESSAGE,
    );
  });
});
