import type { ClientQuotaStore } from './client-quota-store.js';
import type { QuotaEntity } from './quota-entity.js';
import { RateSensor } from './rate-sensor.js';

/** What a quota limits: produce bytes in (producer_byte_rate), fetch bytes out to consumers (consumer_byte_rate). */
export type QuotaKind = 'produce' | 'fetch';

const QUOTA_KEY: Readonly<Record<QuotaKind, string>> = { produce: 'producer_byte_rate', fetch: 'consumer_byte_rate' };

/** Sensors idle this long are dropped (Kafka expires inactive quota sensors after an hour). */
const SENSOR_EXPIRY_MS = 3_600_000;

export interface ClientQuotaManagerOptions {
  /** quota.window.num */
  samples: number;
  /** quota.window.size.seconds, in ms */
  windowMs: number;
}

/**
 * Kafka's ClientQuotaManager for byte rates: each produce request's bytes and
 * each consumer fetch response's bytes are recorded against the quota that
 * applies to the connection's user and client id (the store's lookup), on a
 * sensor per entity the quota names (a default entity's quota is measured
 * per user or client id, a named one's for everyone it names); a rate over
 * the quota answers the time to throttle, `(rate - quota) / quota` of the
 * measured window, at most a full set of windows.
 */
export class ClientQuotaManager {
  private readonly sensors = new Map<string, RateSensor>();
  private readonly maxThrottleMs: number;
  private lastSweepMs = 0;

  constructor(
    readonly store: ClientQuotaStore,
    private readonly options: ClientQuotaManagerOptions,
  ) {
    this.maxThrottleMs = options.samples * options.windowMs;
  }

  /** Records `bytes` for a connection and answers how long it must wait (0: within its quota, or none applies). */
  recordAndGetThrottleTimeMs(kind: QuotaKind, user: string, clientId: string, bytes: number, nowMs: number): number {
    const quota = this.store.quotaFor(QUOTA_KEY[kind], user, clientId);
    if (!quota) return 0;
    const sensorKey = sensorKeyOf(kind, quota.entity, user, clientId);
    let sensor = this.sensors.get(sensorKey);
    if (!sensor) {
      this.sweep(nowMs);
      this.sensors.set(sensorKey, (sensor = new RateSensor(this.options.samples, this.options.windowMs)));
    }
    sensor.record(bytes, nowMs);
    const rate = sensor.rate(nowMs);
    if (rate <= quota.value) return 0;
    return Math.min(this.maxThrottleMs, Math.round(((rate - quota.value) / quota.value) * sensor.spanMs(nowMs)));
  }

  /** The measured rate of a connection's quota, bytes per second (0 when no quota applies or nothing was recorded). */
  rate(kind: QuotaKind, user: string, clientId: string, nowMs: number): number {
    const quota = this.store.quotaFor(QUOTA_KEY[kind], user, clientId);
    if (!quota) return 0;
    return this.sensors.get(sensorKeyOf(kind, quota.entity, user, clientId))?.rate(nowMs) ?? 0;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < SENSOR_EXPIRY_MS / 10) return;
    this.lastSweepMs = nowMs;
    for (const [key, sensor] of this.sensors) if (nowMs - sensor.lastRecordMs > SENSOR_EXPIRY_MS) this.sensors.delete(key);
  }
}

/** The sensor a quota is measured on: the entity it was set for, a default part standing for the connection's own user or client id. */
function sensorKeyOf(kind: QuotaKind, entity: QuotaEntity, user: string, clientId: string): string {
  const part = (named: string | null | undefined, actual: string) => (named === undefined ? '' : encodeURIComponent(named ?? actual));
  return `${kind}|${part(entity.user, user)}|${part(entity.clientId, clientId)}`;
}
