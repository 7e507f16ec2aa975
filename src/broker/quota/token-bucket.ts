/**
 * Kafka's TokenBucket, which controller mutation quotas (KIP-599) are
 * measured on: tokens come back at the quota's rate, up to a burst of
 * `samples` windows' worth, and each mutation takes one token a partition.
 * A bucket may go below zero; while it is, its client is over its quota.
 * The quota is passed in at each use, as it may change between them.
 */
export class TokenBucket {
  private tokens = 0;
  /** When the tokens were last brought up to date; undefined until first used. */
  private updatedMs: number | undefined;
  lastRecordMs = 0;

  constructor(
    private readonly samples: number,
    private readonly windowMs: number,
  ) {}

  /** The tokens left at `nowMs` (negative: over the quota). */
  tokensAt(quota: number, nowMs: number): number {
    this.refill(quota, nowMs);
    return this.tokens;
  }

  record(tokens: number, quota: number, nowMs: number): void {
    this.refill(quota, nowMs);
    this.tokens = Math.min(this.burst(quota), this.tokens - tokens);
    this.lastRecordMs = nowMs;
  }

  private refill(quota: number, nowMs: number): void {
    const burst = this.burst(quota);
    // A new bucket starts full, as Kafka's does (its first refill counts from time zero).
    const refilled = this.updatedMs === undefined ? burst : this.tokens + (quota * Math.max(0, nowMs - this.updatedMs)) / 1000;
    this.tokens = Math.min(burst, refilled);
    this.updatedMs = nowMs;
  }

  private burst(quota: number): number {
    return ((this.samples * this.windowMs) / 1000) * quota;
  }
}
