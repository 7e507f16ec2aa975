/** How long a measuring period lasts at least (Kafka's cleaner throttler checks every 300 ms). */
const CHECK_INTERVAL_MS = 300;
/** setTimeout's longest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * log.cleaner.io.max.bytes.per.second (Kafka's Throttler): bounds the bytes
 * the cleaner reads and writes, all its threads together. Bytes are counted
 * over a period that ends after CHECK_INTERVAL_MS, or sooner once it counted
 * what the rate allows for that long (so a short cleaning cannot burst past
 * the rate unchecked, as a fast one could in Kafka's); a period that went
 * faster than the rate is followed by a pause until its bytes are within the
 * rate, and every caller waits the pause out. Kafka's default,
 * Double.MAX_VALUE, does not throttle.
 */
export class IoThrottler {
  private rate: number;
  private periodStart: number;
  private periodBytes = 0;
  private pause: { done: Promise<void>; end: () => void; timer: NodeJS.Timeout; started: number } | undefined;
  /** Milliseconds spent paused so far (statistics). */
  pausedMs = 0;

  constructor(
    bytesPerSecond: number = Number.MAX_VALUE,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.rate = bytesPerSecond;
    this.periodStart = clock();
  }

  /** Whether the cleaner is paused now, waiting to get back within the rate. */
  get pausing(): boolean {
    return this.pause !== undefined;
  }

  get bytesPerSecond(): number {
    return this.rate;
  }

  /** A new rate applies at once: a pause under the old one ends, and a new period starts. */
  set bytesPerSecond(rate: number) {
    if (rate === this.rate) return;
    this.rate = rate;
    this.endPause();
    this.newPeriod();
  }

  /** Counts `bytes` read or written, and waits if the cleaner is over its rate; rejects with the signal's reason once `signal` aborts. */
  async throttle(bytes: number, signal?: AbortSignal): Promise<void> {
    if (!(this.rate < Number.MAX_VALUE)) return;
    while (this.pause) await untilAborted(this.pause.done, signal);
    this.periodBytes += bytes;
    const elapsed = this.clock() - this.periodStart;
    if (elapsed < CHECK_INTERVAL_MS && this.periodBytes < (this.rate * CHECK_INTERVAL_MS) / 1000) return;
    // How far the period's bytes are ahead of the rate, in ms (a rate of 0 stops the cleaner, as in Kafka).
    const behind = (this.periodBytes * 1000) / this.rate - elapsed;
    if (!(behind >= 1)) {
      this.newPeriod();
      return;
    }
    let end!: () => void;
    const done = new Promise<void>((resolve) => (end = resolve));
    const timer = setTimeout(() => this.endPause(), Math.min(Math.ceil(behind), MAX_TIMER_MS));
    // The cleaner is background work: a pause never keeps the process alive.
    timer.unref();
    this.pause = { done, end, timer, started: this.clock() };
    await untilAborted(done, signal);
  }

  private endPause(): void {
    const pause = this.pause;
    if (!pause) return;
    clearTimeout(pause.timer);
    this.pause = undefined;
    this.pausedMs += this.clock() - pause.started;
    this.newPeriod();
    pause.end();
  }

  private newPeriod(): void {
    this.periodStart = this.clock();
    this.periodBytes = 0;
  }
}

/** `done`, or a rejection with the signal's reason as soon as `signal` aborts. */
function untilAborted(done: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return done;
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void done.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
