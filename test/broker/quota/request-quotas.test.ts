import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../../../src/broker/security/kafka-principal.js';
import { Admin } from '../../../src/clients/admin/admin.js';
import { startBroker, type TestBroker } from '../harness.js';
import { fetchBody, RawClient } from '../raw-client.js';

const TOPIC = 'req-quota';
const ALL_TOPICS = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };

describe('request quotas (request_percentage)', () => {
  let b: TestBroker;
  let admin: Admin;

  beforeAll(async () => {
    b = await startBroker();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    await admin.createTopics([{ name: TOPIC, numPartitions: 1, replicationFactor: 1 }]);
  });

  afterAll(async () => {
    await admin?.close();
    await b?.stop();
  });

  it('throttle a client over its share of request time for at most one window and stop reading its connection as long; another client id is not', async () => {
    // 0.001% of a thread over the ten-second minimum span is 0.1 ms of request time: a few requests pass it.
    await admin.alterClientQuotas([{ entity: { 'client-id': 'busy' }, ops: [{ key: 'request_percentage', value: 0.001 }] }]);
    const busy = await RawClient.connect(b.port, 'busy');
    const idle = await RawClient.connect(b.port, 'idle');
    try {
      let throttle = 0;
      let requests = 0;
      while (throttle < 500 && requests < 1000) {
        throttle = (await busy.request('Metadata', 9, ALL_TOPICS)).throttleTimeMs;
        requests++;
      }
      expect(throttle).toBeGreaterThanOrEqual(500);
      // Kafka's bound for request time: one quota.window.size.seconds.
      expect(throttle).toBeLessThanOrEqual(1000);
      // The connection was muted: the next request is not read before the throttle has (mostly) passed.
      const sent = performance.now();
      expect((await busy.request('Metadata', 9, ALL_TOPICS)).throttleTimeMs).toBeGreaterThan(0);
      expect(performance.now() - sent).toBeGreaterThan(throttle / 2);
      // Another client id has no quota: as many requests, never throttled.
      for (let i = 0; i < requests + 1; i++) expect((await idle.request('Metadata', 9, ALL_TOPICS)).throttleTimeMs).toBe(0);
      expect(b.broker.context.quotas.rate('request', ANONYMOUS.name, 'busy', Date.now())).toBeGreaterThan(0.001);
    } finally {
      busy.close();
      idle.close();
      await admin.alterClientQuotas([{ entity: { 'client-id': 'busy' }, ops: [{ key: 'request_percentage', value: null }] }]);
    }
  });

  it("count neither the APIs only brokers send nor a follower's fetch, as Kafka's; a consumer's fetch counts", async () => {
    await admin.alterClientQuotas([{ entity: { 'client-id': 'broker-like' }, ops: [{ key: 'request_percentage', value: 1 }] }]);
    const client = await RawClient.connect(b.port, 'broker-like');
    const measured = () => b.broker.context.quotas.rate('request', ANONYMOUS.name, 'broker-like', Date.now());
    try {
      expect((await client.request('WriteTxnMarkers', 1, { markers: [] })).markers).toEqual([]);
      const follower = await client.request('Fetch', 11, fetchBody(TOPIC, 0, { replicaId: 1 }));
      expect(follower.responses).toHaveLength(1);
      expect(measured()).toBe(0);
      await client.request('Fetch', 11, fetchBody(TOPIC, 0));
      expect(measured()).toBeGreaterThan(0);
    } finally {
      client.close();
      await admin.alterClientQuotas([{ entity: { 'client-id': 'broker-like' }, ops: [{ key: 'request_percentage', value: null }] }]);
    }
  });
});
