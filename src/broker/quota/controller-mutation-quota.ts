import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { TokenBucket } from './token-bucket.js';

/** A mutation a strict quota refused (Kafka's ThrottlingQuotaExceededException), with its message. */
export class ThrottlingQuotaExceededError extends KafkaError {
  constructor(readonly throttleTimeMs: number) {
    super(ErrorCode.THROTTLING_QUOTA_EXCEEDED, 'The throttling quota has been exceeded.');
    this.name = 'ThrottlingQuotaExceededError';
  }
}

/**
 * The controller_mutation_rate quota (KIP-599) of one CreateTopics,
 * CreatePartitions or DeleteTopics request: each topic's partitions
 * created or deleted are recorded before the change is made.
 */
export interface ControllerMutationQuota {
  /** Counts `partitions` about to be mutated; a strict quota its client is already over refuses them, throwing ThrottlingQuotaExceededError. */
  record(partitions: number, nowMs: number): void;
  /** How long the client is to wait from `nowMs`: until its bucket is back at zero, as last measured (0: not throttled). */
  throttleTimeMs(nowMs: number): number;
}

/** No controller_mutation_rate applies: nothing is counted. */
export const UNBOUNDED_MUTATION_QUOTA: ControllerMutationQuota = {
  record: () => {},
  throttleTimeMs: () => 0,
};

/**
 * Kafka's strict and permissive quotas over a client's token bucket. Strict
 * (the versions that know THROTTLING_QUOTA_EXCEEDED): a mutation is refused
 * while the bucket is below zero, and one made while it is not is taken
 * whole, however many partitions; the throttle is that of the last refusal.
 * Permissive (older versions): every mutation is made, and the client is
 * throttled for however far below zero they took the bucket.
 */
export class BucketMutationQuota implements ControllerMutationQuota {
  private lastThrottleMs = 0;
  private measuredMs = 0;

  constructor(
    private readonly bucket: TokenBucket,
    private readonly quota: number,
    private readonly strict: boolean,
  ) {}

  record(partitions: number, nowMs: number): void {
    if (this.strict) {
      const tokens = this.bucket.tokensAt(this.quota, nowMs);
      if (tokens < 0) {
        this.measured(tokens, nowMs);
        throw new ThrottlingQuotaExceededError(this.lastThrottleMs);
      }
      this.bucket.record(partitions, this.quota, nowMs);
      return;
    }
    this.bucket.record(partitions, this.quota, nowMs);
    const tokens = this.bucket.tokensAt(this.quota, nowMs);
    if (tokens < 0) this.measured(tokens, nowMs);
  }

  throttleTimeMs(nowMs: number): number {
    // The response may go out a while after the measure (a creation waits for its leaders): that time is served already.
    return Math.max(0, this.lastThrottleMs - (nowMs - this.measuredMs));
  }

  /** Kafka's throttle for a bucket below zero: the time its rate takes to bring it back. */
  private measured(tokens: number, nowMs: number): void {
    this.lastThrottleMs = Math.round((-tokens / this.quota) * 1000);
    this.measuredMs = nowMs;
  }
}
