import { describe, expect, it } from 'vitest';
import { ClientQuotaManager } from '../../../src/broker/quota/client-quota-manager.js';
import { ClientQuotaStore } from '../../../src/broker/quota/client-quota-store.js';
import { ThrottlingQuotaExceededError, UNBOUNDED_MUTATION_QUOTA } from '../../../src/broker/quota/controller-mutation-quota.js';
import type { QuotaEntity } from '../../../src/broker/quota/quota-entity.js';
import { TokenBucket } from '../../../src/broker/quota/token-bucket.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { expectThrown } from '../../errors.js';

/** A manager with one controller_mutation_rate set; the clock is the `nowMs` each call is given. */
function quotasWith(entity: QuotaEntity, rate: number, windows: { controllerSamples?: number; controllerWindowMs?: number } = {}): ClientQuotaManager {
  const store = ClientQuotaStore.open(undefined);
  store.apply([{ entity, changes: [{ key: 'controller_mutation_rate', value: rate }] }]);
  return new ClientQuotaManager(store, { samples: 11, windowMs: 1000, ...windows });
}

const refused = (record: () => void, throttleTimeMs: number) =>
  expectThrown(
    record,
    ThrottlingQuotaExceededError,
    { errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, throttleTimeMs },
    'The throttling quota has been exceeded.',
  );

describe('TokenBucket', () => {
  it('starts full with its windows of the quota, goes below zero, and refills at the quota up to that burst', () => {
    const bucket = new TokenBucket(11, 1000);
    expect(bucket.tokensAt(2, 5_000)).toBe(22);
    bucket.record(30, 2, 5_000);
    expect(bucket.tokensAt(2, 5_000)).toBe(-8);
    expect(bucket.tokensAt(2, 7_000)).toBe(-4);
    expect(bucket.tokensAt(2, 60_000)).toBe(22);
  });
});

describe('controller mutation quotas (controller_mutation_rate)', () => {
  it('strict: take a whole mutation while the bucket is not below zero, then refuse with the time the rate needs to refill it', () => {
    const quotas = quotasWith({ clientId: 'admin' }, 2);
    const first = quotas.controllerMutationQuota('u', 'admin', true, 0);
    first.record(30, 0); // 22 tokens: all 30 partitions taken, the bucket at -8
    expect(first.throttleTimeMs(0)).toBe(0); // nothing refused: no throttle
    // The bucket is below zero before the next mutation: refused, even in the same request (Kafka counts topic by topic).
    refused(() => first.record(1, 0), 4_000);
    const second = quotas.controllerMutationQuota('u', 'admin', true, 1_000);
    refused(() => second.record(1, 1_000), 3_000); // -8 + 2 tokens: 3 s at 2 a second
    expect(second.throttleTimeMs(1_500)).toBe(2_500); // served as time passes
    // Once the bucket is back at zero the next request is taken, whatever its size.
    quotas.controllerMutationQuota('u', 'admin', true, 4_000).record(5, 4_000);
    refused(() => quotas.controllerMutationQuota('u', 'admin', true, 4_000).record(1, 4_000), 2_500);
  });

  it('permissive (older versions): take every mutation and throttle for how far below zero they took the bucket', () => {
    const quotas = quotasWith({ clientId: 'admin' }, 2);
    const quota = quotas.controllerMutationQuota('u', 'admin', false, 0);
    quota.record(20, 0);
    expect(quota.throttleTimeMs(0)).toBe(0);
    quota.record(10, 0);
    expect(quota.throttleTimeMs(0)).toBe(4_000);
    expect(quota.throttleTimeMs(1_000)).toBe(3_000);
  });

  it('apply per client id under a default entity, with controller.quota.window.* for the burst, and not at all without a rate', () => {
    const quotas = quotasWith({ clientId: null }, 1, { controllerSamples: 5, controllerWindowMs: 2_000 });
    quotas.controllerMutationQuota('u', 'a', true, 0).record(11, 0); // a burst of 10 tokens
    refused(() => quotas.controllerMutationQuota('u', 'a', true, 0).record(1, 0), 1_000);
    quotas.controllerMutationQuota('u', 'b', true, 0).record(10, 0); // b has a bucket of its own
    const none = quotasWith({ clientId: 'someone-else' }, 1).controllerMutationQuota('u', 'a', true, 0);
    expect(none).toBe(UNBOUNDED_MUTATION_QUOTA);
    none.record(1_000_000, 0);
    expect(none.throttleTimeMs(0)).toBe(0);
  });
});
