import type { ClientQuotaStore } from './client-quota-store.js';
import { BucketMutationQuota, type ControllerMutationQuota, UNBOUNDED_MUTATION_QUOTA } from './controller-mutation-quota.js';
import type { QuotaEntity } from './quota-entity.js';
import { RateSensor } from './rate-sensor.js';
import { TokenBucket } from './token-bucket.js';

/**
 * What a rate quota limits: produce bytes in (producer_byte_rate), fetch
 * bytes out to consumers (consumer_byte_rate), the time spent answering a
 * client's requests (request_percentage: percent of one thread, recorded in
 * hundredths of a second).
 */
export type QuotaKind = 'produce' | 'fetch' | 'request';

const QUOTA_KEY: Readonly<Record<QuotaKind, string>> = { produce: 'producer_byte_rate', fetch: 'consumer_byte_rate', request: 'request_percentage' };
const MUTATION_QUOTA_KEY = 'controller_mutation_rate';

/** Sensors idle this long are dropped (Kafka expires inactive quota sensors after an hour). */
const SENSOR_EXPIRY_MS = 3_600_000;

export interface ClientQuotaManagerOptions {
  /** quota.window.num */
  samples: number;
  /** quota.window.size.seconds, in ms */
  windowMs: number;
  /** controller.quota.window.num (quota.window.num's default when not given) */
  controllerSamples?: number;
  /** controller.quota.window.size.seconds, in ms (windowMs when not given) */
  controllerWindowMs?: number;
}

/**
 * Kafka's client quota managers. Rates (ClientQuotaManager for bytes,
 * ClientRequestQuotaManager for request time): each amount is recorded
 * against the quota that applies to the connection's user and client id
 * (the store's lookup), on a sensor per entity the quota names (a default
 * entity's quota is measured per user or client id, a named one's for
 * everyone it names); a rate over the quota answers the time to throttle,
 * `(rate - quota) / quota` of the measured window, at most a full set of
 * windows for bytes and one window for request time. Controller mutations
 * (ControllerMutationQuotaManager) are counted on a token bucket per entity
 * in the same way.
 */
export class ClientQuotaManager {
  private readonly sensors = new Map<string, RateSensor>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly maxThrottleMs: Readonly<Record<QuotaKind, number>>;
  private lastSweepMs = 0;

  constructor(
    readonly store: ClientQuotaStore,
    private readonly options: ClientQuotaManagerOptions,
  ) {
    const all = options.samples * options.windowMs;
    this.maxThrottleMs = { produce: all, fetch: all, request: options.windowMs };
  }

  /** Whether some entity has a quota of this kind: when none has, nothing of that kind need be measured. */
  enabled(kind: QuotaKind): boolean {
    return this.store.uses(QUOTA_KEY[kind]);
  }

  /** Records `amount` for a connection and answers how long it must wait (0: within its quota, or none applies). */
  recordAndGetThrottleTimeMs(kind: QuotaKind, user: string, clientId: string, amount: number, nowMs: number): number {
    const quota = this.store.quotaFor(QUOTA_KEY[kind], user, clientId);
    if (!quota) return 0;
    const sensor = this.sensorFor(kind, quota.entity, user, clientId, nowMs);
    sensor.record(amount, nowMs);
    const rate = sensor.rate(nowMs);
    if (rate <= quota.value) return 0;
    return Math.min(this.maxThrottleMs[kind], Math.round(((rate - quota.value) / quota.value) * sensor.spanMs(nowMs)));
  }

  /** Records `amount` without throttling for it now: it counts towards the connection's next throttle (Kafka's recordNoThrottle). */
  record(kind: QuotaKind, user: string, clientId: string, amount: number, nowMs: number): void {
    const quota = this.store.quotaFor(QUOTA_KEY[kind], user, clientId);
    if (quota) this.sensorFor(kind, quota.entity, user, clientId, nowMs).record(amount, nowMs);
  }

  /** The measured rate of a connection's quota, per second (0 when no quota applies or nothing was recorded). */
  rate(kind: QuotaKind, user: string, clientId: string, nowMs: number): number {
    const quota = this.store.quotaFor(QUOTA_KEY[kind], user, clientId);
    if (!quota) return 0;
    return this.sensors.get(sensorKeyOf(kind, quota.entity, user, clientId))?.rate(nowMs) ?? 0;
  }

  /**
   * The controller mutation quota of one request of a connection: strict for
   * the versions that answer THROTTLING_QUOTA_EXCEEDED, permissive before
   * (Kafka's newQuotaFor), unbounded when no controller_mutation_rate applies.
   */
  controllerMutationQuota(user: string, clientId: string, strict: boolean, nowMs: number): ControllerMutationQuota {
    const quota = this.store.quotaFor(MUTATION_QUOTA_KEY, user, clientId);
    if (!quota) return UNBOUNDED_MUTATION_QUOTA;
    const key = sensorKeyOf('mutation', quota.entity, user, clientId);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      this.sweep(nowMs);
      const { samples, windowMs, controllerSamples = samples, controllerWindowMs = windowMs } = this.options;
      this.buckets.set(key, (bucket = new TokenBucket(controllerSamples, controllerWindowMs)));
    }
    // A bucket is kept from expiring while requests use it, whether or not they mutate anything.
    bucket.lastRecordMs = nowMs;
    return new BucketMutationQuota(bucket, quota.value, strict);
  }

  private sensorFor(kind: QuotaKind, entity: QuotaEntity, user: string, clientId: string, nowMs: number): RateSensor {
    const key = sensorKeyOf(kind, entity, user, clientId);
    let sensor = this.sensors.get(key);
    if (!sensor) {
      this.sweep(nowMs);
      this.sensors.set(key, (sensor = new RateSensor(this.options.samples, this.options.windowMs)));
    }
    return sensor;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < SENSOR_EXPIRY_MS / 10) return;
    this.lastSweepMs = nowMs;
    for (const [key, sensor] of this.sensors) if (nowMs - sensor.lastRecordMs > SENSOR_EXPIRY_MS) this.sensors.delete(key);
    for (const [key, bucket] of this.buckets) if (nowMs - bucket.lastRecordMs > SENSOR_EXPIRY_MS) this.buckets.delete(key);
  }
}

/** The sensor a quota is measured on: the entity it was set for, a default part standing for the connection's own user or client id. */
function sensorKeyOf(kind: QuotaKind | 'mutation', entity: QuotaEntity, user: string, clientId: string): string {
  const part = (named: string | null | undefined, actual: string) => (named === undefined ? '' : encodeURIComponent(named ?? actual));
  return `${kind}|${part(entity.user, user)}|${part(entity.clientId, clientId)}`;
}
