import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../../src/clients/admin/admin.js';
import { KafkaApiError } from '../../../src/clients/network/errors.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { buildRecordBatch } from '../../../storage/record/record-batch-builder.js';
import { expectRejected } from '../../errors.js';
import { kcat } from '../../interop/kcat.js';
import { startBroker, type TestBroker } from '../harness.js';
import { fetchBody, RawClient } from '../raw-client.js';

const QUOTA = 100_000; // bytes per second

/** One batch of `kib` 1 KiB records. */
const batchOf = (kib: number) => buildRecordBatch(Array.from({ length: kib }, (_, i) => ({ value: Buffer.alloc(1024, i) })));
const produceBody = (topic: string, records: Buffer) => ({
  transactionalId: null,
  acks: 1,
  timeoutMs: 5000,
  topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
});

describe('client quotas', () => {
  let b: TestBroker;
  let admin: Admin;

  beforeAll(async () => {
    b = await startBroker();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    await admin.createTopics([
      { name: 'quota-raw', numPartitions: 1, replicationFactor: 1 },
      { name: 'quota-kcat', numPartitions: 1, replicationFactor: 1 },
    ]);
  });

  afterAll(async () => {
    await admin?.close();
    await b?.stop();
  });

  it('are set, described with filters, checked, and kept across a restart (AlterClientQuotas, DescribeClientQuotas)', async () => {
    await admin.alterClientQuotas([
      { entity: { user: 'alice', 'client-id': null }, ops: [{ key: 'consumer_byte_rate', value: 2048 }] },
      { entity: { user: null }, ops: [{ key: 'request_percentage', value: 25.5 }] },
      { entity: { 'client-id': 'app' }, ops: [{ key: 'producer_byte_rate', value: 4096 }] },
    ]);
    const all = await admin.describeClientQuotas();
    expect(all).toHaveLength(3);
    expect(all).toContainEqual({ entity: { user: 'alice', 'client-id': null }, values: { consumer_byte_rate: 2048 } });
    // Components: alice's entities, loosely (her pair) and strictly (none of hers has only a user).
    expect(await admin.describeClientQuotas({ components: [{ entityType: 'user', match: 'alice' }] })).toEqual([
      { entity: { user: 'alice', 'client-id': null }, values: { consumer_byte_rate: 2048 } },
    ]);
    expect(await admin.describeClientQuotas({ components: [{ entityType: 'user', match: 'alice' }], strict: true })).toEqual([]);
    expect(await admin.describeClientQuotas({ components: [{ entityType: 'user', match: null }], strict: true })).toEqual([
      { entity: { user: null }, values: { request_percentage: 25.5 } },
    ]);
    expect(await admin.describeClientQuotas({ components: [{ entityType: 'client-id', match: '*' }] })).toEqual([
      { entity: { 'client-id': 'app' }, values: { producer_byte_rate: 4096 } },
    ]);

    // Each bad entry fails alone, with INVALID_REQUEST; the good one in the same call is applied.
    const results = await admin
      .alterClientQuotas([
        { entity: { 'client-id': 'app' }, ops: [{ key: 'producer_byte_rate', value: null }] },
        { entity: { 'client-id': 'x' }, ops: [{ key: 'no_such_quota', value: 1 }] },
        { entity: { 'client-id': 'x' }, ops: [{ key: 'producer_byte_rate', value: -5 }] },
        { entity: { 'client-id': 'x' }, ops: [{ key: 'producer_byte_rate', value: 1.5 }] },
      ])
      .settled();
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false]);
    for (const r of results.slice(1)) expect(r.ok ? undefined : (r.error as KafkaApiError).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    await expectRejected(
      admin.alterClientQuotas([{ entity: { 'client-id': 'x' }, ops: [{ key: 'no_such_quota', value: 1 }] }]),
      KafkaApiError,
      { errorCode: ErrorCode.INVALID_REQUEST },
      /Unknown quota key no_such_quota/,
    );
    // validate_only checks without changing anything.
    await admin.alterClientQuotas([{ entity: { user: 'bob' }, ops: [{ key: 'producer_byte_rate', value: 1 }] }], { validateOnly: true });
    expect(await admin.describeClientQuotas({ components: [{ entityType: 'user', match: 'bob' }] })).toEqual([]);

    await admin.close();
    b = await b.restart();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    const kept = await admin.describeClientQuotas();
    expect(kept.map((d) => d.entity)).toEqual(expect.arrayContaining([{ user: 'alice', 'client-id': null }, { user: null }]));
    expect(kept).toHaveLength(2);
    await admin.alterClientQuotas(kept.map((d) => ({ entity: d.entity, ops: Object.keys(d.values).map((key) => ({ key, value: null })) })));
    expect(await admin.describeClientQuotas()).toEqual([]);
  });

  it('throttles a client over its producer_byte_rate as Kafka does, and tells it how long in throttle_time_ms; another client id is not', async () => {
    await admin.alterClientQuotas([{ entity: { 'client-id': 'capped' }, ops: [{ key: 'producer_byte_rate', value: QUOTA }] }]);
    const capped = await RawClient.connect(b.port, 'capped');
    const free = await RawClient.connect(b.port, 'free');
    try {
      const records = batchOf(400); // ~400 KB a request
      let sent = 0;
      const throttles: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await capped.request('Produce', 9, produceBody('quota-raw', records));
        expect(response.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
        sent += records.length;
        throttles.push(response.throttleTimeMs);
      }
      // Ten windows' worth is free (the rate is measured over at least ten seconds); past it, the excess over the quota.
      expect(throttles.slice(0, 2)).toEqual([0, 0]);
      const expected = (sent / QUOTA) * 1000 - 10_000;
      expect(throttles[2]).toBeGreaterThan(expected - 500);
      expect(throttles[2]).toBeLessThan(expected + 500);
      for (let i = 0; i < 3; i++) expect((await free.request('Produce', 9, produceBody('quota-raw', records))).throttleTimeMs).toBe(0);
    } finally {
      capped.close();
      free.close();
    }
  });

  it('throttles a consumer over its consumer_byte_rate', async () => {
    await admin.alterClientQuotas([{ entity: { 'client-id': 'slow-reader' }, ops: [{ key: 'consumer_byte_rate', value: QUOTA }] }]);
    const reader = await RawClient.connect(b.port, 'slow-reader');
    try {
      const body = fetchBody('quota-raw', 0, {
        maxBytes: 1_500_000,
        topics: [
          { topic: 'quota-raw', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1_500_000 }] },
        ],
      });
      const response = await reader.request('Fetch', 11, body);
      const bytes = response.responses[0].partitions[0].records.length;
      expect(bytes).toBeGreaterThan(1_100_000);
      const expected = (bytes / QUOTA) * 1000 - 10_000;
      expect(response.throttleTimeMs).toBeGreaterThan(expected - 500);
      expect(response.throttleTimeMs).toBeLessThan(expected + 500);
    } finally {
      reader.close();
    }
  });

  it('holds a librdkafka producer to its quota: kcat needs at least the time the quota allows after its first ten windows', { timeout: 60_000 }, async () => {
    const quota = 50_000;
    await admin.alterClientQuotas([{ entity: { 'client-id': 'kcat-capped' }, ops: [{ key: 'producer_byte_rate', value: quota }] }]);
    const lines = Array.from({ length: 900 }, (_, i) => `${String(i).padStart(4, '0')}:${'x'.repeat(995)}`);
    const started = performance.now();
    await kcat(['-b', b.bootstrap, '-P', '-t', 'quota-kcat', '-X', 'client.id=kcat-capped', '-X', 'batch.num.messages=10'], `${lines.join('\n')}\n`);
    const seconds = (performance.now() - started) / 1000;
    // ~900 KB: ten windows' worth (500 KB) go at once, the rest at no more than the quota (10% leeway for request overheads).
    const bytes = lines.length * 1000;
    expect(seconds).toBeGreaterThan((bytes - 11 * quota) / (quota * 1.1));
    const read = await kcat(['-b', b.bootstrap, '-C', '-t', 'quota-kcat', '-o', 'beginning', '-e', '-q', '-f', '%s\\n']);
    expect(read.split('\n').filter((l) => l !== '')).toEqual(lines);
  });
});
