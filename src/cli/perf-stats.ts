// The numbers Kafka's perf tools print: ProducerPerformance's latency
// statistics (a window line every five seconds, then the total with
// percentiles), Java's printf formats, and the SimpleDateFormat patterns
// ConsumerPerformance prints times with.

/** Java's `%.Nf` (`%f` is six digits). */
export function fixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return value.toFixed(digits);
}

/** Java's SimpleDateFormat for the letters Kafka's default pattern uses (y, M, d, H, m, s, S), in local time; quoted text and other characters as they are. */
export function simpleDateFormat(pattern: string, ms: number): string {
  const d = new Date(ms);
  const fields: Record<string, number> = {
    y: d.getFullYear(),
    M: d.getMonth() + 1,
    d: d.getDate(),
    H: d.getHours(),
    m: d.getMinutes(),
    s: d.getSeconds(),
    S: d.getMilliseconds(),
  };
  return pattern.replace(/'([^']*)'|([yMdHmsS])\2*/g, (token, quoted: string | undefined, letter: string | undefined) => {
    if (quoted !== undefined) return quoted === '' ? "'" : quoted;
    const value = fields[letter!]!;
    return letter === 'y' && token.length === 2 ? String(value % 100).padStart(2, '0') : String(value).padStart(token.length, '0');
  });
}

/** ProducerPerformance.Stats: counts, bytes and latencies of acknowledged sends. */
export class ProducerStats {
  private readonly start = Date.now();
  private readonly latencies: Int32Array;
  private readonly sampling: number;
  private iteration = 0;
  private index = 0;
  private count = 0;
  private bytes = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private windowCount = 0;
  private windowMaxLatency = 0;
  private windowTotalLatency = 0;
  private windowBytes = 0;
  private windowStart = Date.now();
  private suppressed = false;

  constructor(
    numRecords: number,
    private readonly steadyState: boolean,
    private readonly print: (line: string) => void,
    private readonly reportingIntervalMs = 5000,
  ) {
    this.sampling = Math.floor(numRecords / Math.min(numRecords, 500_000));
    this.latencies = new Int32Array(Math.floor(numRecords / this.sampling) + 1);
  }

  record(latency: number, bytes: number, now: number): void {
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latency;
    this.maxLatency = Math.max(this.maxLatency, latency);
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowTotalLatency += latency;
    this.windowMaxLatency = Math.max(this.windowMaxLatency, latency);
    if (this.iteration % this.sampling === 0 && this.index < this.latencies.length) this.latencies[this.index++] = latency;
    if (now - this.windowStart >= this.reportingIntervalMs) {
      if (this.steadyState && this.count === this.windowCount) this.print('In steady state.');
      if (!this.suppressed) this.printWindow();
      this.newWindow();
    }
    this.iteration++;
  }

  suppressPrinting(): void {
    this.suppressed = true;
  }

  private printWindow(): void {
    const elapsed = Date.now() - this.windowStart;
    const recsPerSec = (1000 * this.windowCount) / elapsed;
    const mbPerSec = (1000 * this.windowBytes) / elapsed / (1024 * 1024);
    this.print(
      `${this.windowCount} records sent, ${fixed(recsPerSec, 1)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ` +
        `${fixed(this.windowTotalLatency / this.windowCount, 1)} ms avg latency, ${fixed(this.windowMaxLatency, 1)} ms max latency.`,
    );
  }

  private newWindow(): void {
    this.windowStart = Date.now();
    this.windowCount = 0;
    this.windowMaxLatency = 0;
    this.windowTotalLatency = 0;
    this.windowBytes = 0;
  }

  printTotal(): void {
    const elapsed = Date.now() - this.start;
    const recsPerSec = (1000 * this.count) / elapsed;
    const mbPerSec = (1000 * this.bytes) / elapsed / (1024 * 1024);
    const sorted = this.latencies.slice(0, this.index).sort();
    const percentile = (p: number) => sorted[Math.floor(p * sorted.length)] ?? 0;
    this.print(
      `${this.count}${this.steadyState ? ' steady state' : ''} records sent, ${fixed(recsPerSec, 6)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ` +
        `${fixed(this.totalLatency / this.count, 2)} ms avg latency, ${fixed(this.maxLatency, 2)} ms max latency, ` +
        `${percentile(0.5)} ms 50th, ${percentile(0.95)} ms 95th, ${percentile(0.99)} ms 99th, ${percentile(0.999)} ms 99.9th.`,
    );
  }
}
