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
    const line = JSON.stringify({ id: i, user: `user-${(i * 31) % 977}`, event: ['click', 'view', 'buy', 'scroll'][i % 4], at: 1700000000000 + i * 17, score: (i * 7919) % 1000, tag: `t${(i * 13) % 101}` });
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join('\n')).subarray(0, size);
}
