/**
 * Shared timing helpers for the benchmarks: run a body repeatedly for a fixed
 * time and report bytes per second, so every figure is comparable to the
 * machine limit measured beside it.
 */
export function throughput(bytesPerRun: number, body: () => void, seconds = 0.5): number {
  for (let i = 0; i < 3; i++) body(); // warm up the JIT and any caches
  let runs = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  do {
    body();
    runs++;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return (bytesPerRun * runs) / (Number(elapsed) / 1e9);
}

export function mbps(bytesPerSecond: number): string {
  return (bytesPerSecond / 1e6).toFixed(0);
}

export function ratio(value: number, limit: number): string {
  return `${((value / limit) * 100).toFixed(0)}%`;
}

/** Prints rows as an aligned text table. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** JSON-like records, the payload Kafka batches usually carry. */
export function realisticPayload(size: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = JSON.stringify({
      id: i,
      user: `user-${(i * 31) % 977}`,
      event: ['click', 'view', 'buy', 'scroll'][i % 4],
      at: 1700000000000 + i * 17,
      score: (i * 7919) % 1000,
      tag: `t${(i * 13) % 101}`,
    });
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join('\n')).subarray(0, size);
}

/**
 * Nanoseconds spent by samsa and by the raw-fs limit, measured in alternating
 * rounds: this machine's write speed swings several fold within minutes as the
 * page cache writes back, and alternating makes both sides meet it alike.
 */
export class Split {
  raw = 0n;
  backend = 0n;
  static async time(body: () => unknown): Promise<bigint> {
    const start = process.hrtime.bigint();
    await body();
    return process.hrtime.bigint() - start;
  }
  /** One round of each; which goes first alternates by round, so neither always meets the other's write-back. */
  async round(index: number, raw: () => unknown, backend: () => unknown): Promise<void> {
    if (index % 2 === 0) this.raw += await Split.time(raw);
    this.backend += await Split.time(backend);
    if (index % 2 === 1) this.raw += await Split.time(raw);
  }
  /** backend and raw throughput in bytes/s for `bytes` done by each. */
  rates(bytes: number): [backend: number, raw: number] {
    return [bytes / (Number(this.backend) / 1e9), bytes / (Number(this.raw) / 1e9)];
  }
}
