/**
 * A rate over sliding sample windows, as Kafka's Rate over a SampledStat:
 * `samples` windows of `windowMs`, the oldest dropped once a full set has
 * passed. Measured as the total over the time the kept samples span, never
 * less than `samples - 1` windows, so a new client's first burst is spread
 * over that much time rather than throttled at once.
 */
export class RateSensor {
  private readonly starts: number[] = [];
  private readonly values: number[] = [];
  lastRecordMs = 0;

  constructor(
    private readonly samples: number,
    private readonly windowMs: number,
  ) {}

  record(value: number, nowMs: number): void {
    this.purge(nowMs);
    const last = this.starts.length - 1;
    if (last < 0 || nowMs - this.starts[last]! >= this.windowMs) {
      this.starts.push(nowMs);
      this.values.push(value);
      if (this.starts.length > this.samples) {
        this.starts.shift();
        this.values.shift();
      }
    } else {
      this.values[last]! += value;
    }
    this.lastRecordMs = nowMs;
  }

  /** Per second. */
  rate(nowMs: number): number {
    this.purge(nowMs);
    if (this.starts.length === 0) return 0;
    let total = 0;
    for (const v of this.values) total += v;
    return total / (this.spanMs(nowMs) / 1000);
  }

  /** The time the rate is measured over: since the oldest sample, at least samples - 1 full windows. */
  spanMs(nowMs: number): number {
    const elapsed = this.starts.length === 0 ? 0 : nowMs - this.starts[0]!;
    const fullWindows = Math.floor(elapsed / this.windowMs);
    const minimum = this.samples - 1;
    return fullWindows < minimum ? elapsed + (minimum - fullWindows) * this.windowMs : elapsed;
  }

  private purge(nowMs: number): void {
    const horizon = nowMs - this.samples * this.windowMs;
    while (this.starts.length > 0 && this.starts[0]! + this.windowMs <= horizon) {
      this.starts.shift();
      this.values.shift();
    }
  }
}
