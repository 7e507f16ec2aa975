import { describe, expect, it } from 'vitest';
import { ClientQuotaManager } from '../../../src/broker/quota/client-quota-manager.js';
import { ClientQuotaStore } from '../../../src/broker/quota/client-quota-store.js';
import { entitiesFor, entityKey, entityOfKey } from '../../../src/broker/quota/quota-entity.js';
import { RateSensor } from '../../../src/broker/quota/rate-sensor.js';

describe('RateSensor', () => {
  it('measures over at least samples - 1 windows, then over the windows it keeps', () => {
    const sensor = new RateSensor(11, 1000);
    sensor.record(1000, 0);
    // A first burst is spread over ten windows.
    expect(sensor.spanMs(0)).toBe(10_000);
    expect(sensor.rate(0)).toBe(100);
    for (let t = 1000; t <= 20_000; t += 1000) sensor.record(1000, t);
    // Eleven windows kept (10,000 … 20,000), measured from the oldest's start.
    expect(sensor.spanMs(20_500)).toBe(10_500);
    expect(sensor.rate(20_500)).toBeCloseTo(11_000 / 10.5, 6);
    // Idle longer than every window: nothing is left.
    expect(sensor.rate(60_000)).toBe(0);
  });
});

describe('client quota entities', () => {
  it("apply Kafka's precedence: user and client id, user with default client, user, default user with client id, …, default client", () => {
    const store = ClientQuotaStore.open(undefined);
    const set = (entity: Parameters<typeof entityKey>[0], value: number) => store.apply([{ entity, changes: [{ key: 'producer_byte_rate', value }] }]);
    set({ clientId: null }, 8);
    expect(store.quotaFor('producer_byte_rate', 'alice', 'app')?.value).toBe(8);
    set({ clientId: 'app' }, 7);
    set({ user: null }, 6);
    expect(store.quotaFor('producer_byte_rate', 'alice', 'app')?.value).toBe(6);
    set({ user: null, clientId: 'app' }, 4);
    set({ user: null, clientId: null }, 5);
    expect(store.quotaFor('producer_byte_rate', 'alice', 'app')?.value).toBe(4);
    set({ user: 'alice' }, 3);
    set({ user: 'alice', clientId: null }, 2);
    expect(store.quotaFor('producer_byte_rate', 'alice', 'app')?.value).toBe(2);
    set({ user: 'alice', clientId: 'app' }, 1);
    expect(store.quotaFor('producer_byte_rate', 'alice', 'app')).toEqual({ value: 1, entity: { user: 'alice', clientId: 'app' } });
    // Bob falls to the default user's entries, another client id of bob's to the default pair.
    expect(store.quotaFor('producer_byte_rate', 'bob', 'app')?.value).toBe(4);
    expect(store.quotaFor('producer_byte_rate', 'bob', 'other')?.value).toBe(5);
    expect(store.quotaFor('consumer_byte_rate', 'alice', 'app')).toBeUndefined();
    expect(entitiesFor('u', 'c')).toHaveLength(8);
  });

  it('name entities as ZooKeeper paths, names URL-encoded, and read them back', () => {
    for (const entity of [{ user: 'CN=a/b,O=x' }, { user: null, clientId: 'c 1' }, { clientId: null }, { user: 'u', clientId: 'c' }]) {
      expect(entityOfKey(entityKey(entity))).toEqual(entity);
    }
    expect(entityKey({ user: null, clientId: 'app' })).toBe('users/<default>/clients/app');
  });
});

describe('ClientQuotaManager', () => {
  it("throttles by Kafka's formula, (rate - quota) / quota of the window, on one sensor per default-quota user", () => {
    const store = ClientQuotaStore.open(undefined);
    store.apply([{ entity: { user: null }, changes: [{ key: 'producer_byte_rate', value: 1000 }] }]);
    const quotas = new ClientQuotaManager(store, { samples: 11, windowMs: 1000 });
    // 10 s worth at once is within the quota; 12 s worth is 2 s over it.
    expect(quotas.recordAndGetThrottleTimeMs('produce', 'alice', 'app', 10_000, 0)).toBe(0);
    expect(quotas.recordAndGetThrottleTimeMs('produce', 'alice', 'app', 2_000, 0)).toBe(2000);
    // Each user has a sensor of its own under a default quota.
    expect(quotas.recordAndGetThrottleTimeMs('produce', 'bob', 'app', 10_000, 0)).toBe(0);
    // Never more than every window (11 s).
    expect(quotas.recordAndGetThrottleTimeMs('produce', 'alice', 'app', 1_000_000, 0)).toBe(11_000);
    // Fetch has its own quota key: none set, never throttled.
    expect(quotas.recordAndGetThrottleTimeMs('fetch', 'alice', 'app', 1_000_000, 0)).toBe(0);
  });

  it('measures request time against request_percentage, throttled at most one window, and only while some entity sets one', () => {
    const store = ClientQuotaStore.open(undefined);
    const quotas = new ClientQuotaManager(store, { samples: 11, windowMs: 1000 });
    store.apply([{ entity: { clientId: 'app' }, changes: [{ key: 'producer_byte_rate', value: 1000 }] }]);
    expect(quotas.enabled('request')).toBe(false);
    store.apply([{ entity: { clientId: null }, changes: [{ key: 'request_percentage', value: 10 }] }]);
    expect(quotas.enabled('request')).toBe(true);
    // 10% of a thread over the ten-second minimum span is one second of request time (100 percent-seconds);
    // 1.05 s is 5% over it: half a second of the span.
    expect(quotas.recordAndGetThrottleTimeMs('request', 'u', 'app', 100, 0)).toBe(0);
    expect(quotas.recordAndGetThrottleTimeMs('request', 'u', 'app', 5, 0)).toBe(500);
    // Never more than one window (Kafka's bound for request time), however far over.
    expect(quotas.recordAndGetThrottleTimeMs('request', 'u', 'app', 1000, 0)).toBe(1000);
    // Time recorded without a throttle (a response's encoding) counts at the next request; each client id has its own sensor under the default.
    quotas.record('request', 'u', 'other', 105, 0);
    expect(quotas.recordAndGetThrottleTimeMs('request', 'u', 'other', 0, 0)).toBe(500);
    store.apply([{ entity: { clientId: null }, changes: [{ key: 'request_percentage', value: null }] }]);
    expect(quotas.enabled('request')).toBe(false);
    expect(quotas.recordAndGetThrottleTimeMs('request', 'u', 'app', 1000, 0)).toBe(0);
  });
});
