import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackend, type BackendName, type LogDirectory } from '../../storage/backend/index.js';
import { LogConfig } from '../../storage/config/log-config.js';
import { Log, LogCleaner } from '../../storage/log/index.js';
import { buildRecordBatch, decodeRecords, scanBatches } from '../../storage/record/index.js';

// A cleaning does its record work in the cleaner's worker thread and yields
// the main thread's event loop between chunks, so a long pass over a big log
// leaves the broker responsive. Measured on the backends whose I/O is
// synchronous under its async API (file, mmap), where nothing else would
// yield. (LevelDB's I/O is asynchronous; its rename of a cleaned segment,
// one large write batch, is its own longest stall.)

const RECORDS = 1_800_000;
const KEYS = 150_000;
const PER_BATCH = 250;
const PADDING = '';

/** Key of the record at offset n: a fixed pseudo-random sequence, so every key recurs about twelve times, anywhere. */
function keysOf(count: number): Uint32Array {
  const keys = new Uint32Array(count);
  let state = 12345;
  for (let n = 0; n < count; n++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    keys[n] = (state >>> 8) % KEYS;
  }
  return keys;
}

const valueOf = (n: number) => `value-${n}${PADDING}`;

describe.each(['file', 'mmap'] as BackendName[])('a cleaning on the %s backend', (name) => {
  let path: string;
  let dir: LogDirectory | undefined;
  afterEach(async () => {
    await dir?.close();
    rmSync(path, { recursive: true, force: true });
  });

  it('leaves the event loop responsive while it cleans a log of over 50 MB', { timeout: 120_000 }, async () => {
    path = mkdtempSync(join(tmpdir(), `samsa-cleaner-loop-${name}-`));
    dir = await createBackend(name).openDirectory(path);
    const log = await Log.open(dir, LogConfig.from({ 'storage.backend': name, 'cleanup.policy': 'compact', 'segment.bytes': 8 << 20 }), {});
    const keys = keysOf(RECORDS);
    const keyBytes = Array.from({ length: KEYS }, (_, k) => Buffer.from(`key-${k}`));
    for (let n = 0; n < RECORDS; n += PER_BATCH) {
      const records = [];
      for (let i = n; i < n + PER_BATCH; i++) records.push({ key: keyBytes[keys[i]!]!, value: valueOf(i), timestamp: 1_700_000_000_000 });
      await log.append(buildRecordBatch(records));
    }
    await log.roll();
    log.highWatermark = log.logEndOffset;
    const sizeBefore = log.sizeInBytes;
    expect(sizeBefore).toBeGreaterThan(50_000_000);

    // A timer every 10 ms, as a broker's own work would be: the longest gap between its ticks is how long the loop was held.
    const delay = monitorEventLoopDelay({ resolution: 5 });
    let last = performance.now();
    let longestGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const t = performance.now();
      longestGap = Math.max(longestGap, t - last);
      last = t;
      ticks++;
    }, 10);
    delay.enable();
    const utilizationBefore = performance.eventLoopUtilization();
    const started = performance.now();
    const result = await LogCleaner.cleanLog(log);
    const took = performance.now() - started;
    const utilization = performance.eventLoopUtilization(utilizationBefore).utilization;
    clearInterval(timer);
    delay.disable();
    longestGap = Math.max(longestGap, performance.now() - last);
    console.log(
      `${name}: cleaned ${(sizeBefore / 1e6).toFixed(1)} MB in ${took.toFixed(0)} ms; longest timer gap ${longestGap.toFixed(1)} ms over ${ticks} ticks, ` +
        `event loop delay max ${(delay.max / 1e6).toFixed(1)} ms, main thread busy ${(utilization * 100).toFixed(0)}%`,
    );

    expect(took).toBeGreaterThan(500);
    expect(longestGap).toBeLessThan(200);
    expect(longestGap).toBeLessThan(took / 4);
    expect(ticks).toBeGreaterThan(took / 10 / 4); // the timer ran through the pass, not just around it
    // The record work ran elsewhere: the main thread was idle most of the pass (it is busy throughout with threads: 0).
    expect(utilization).toBeLessThan(0.6);

    // The latest value of every key, at its original offset, and nothing else.
    const latest = new Map<number, number>();
    for (let n = 0; n < RECORDS; n++) latest.set(keys[n]!, n);
    const expected = [...latest.values()].sort((a, b) => a - b);
    expect(result.endOffset).toBe(RECORDS);
    expect(result.stats.recordsRead).toBe(RECORDS);
    expect(result.stats.recordsWritten).toBe(expected.length);
    const offsets: number[] = [];
    let offset = 0;
    while (offset < log.logEndOffset) {
      const { bytes } = await log.read(offset, 4 << 20);
      const batches = scanBatches(bytes).batches;
      for (const batch of batches) {
        for (const record of decodeRecords(batch)) {
          offsets.push(record.offset);
          if (record.key?.toString() !== `key-${keys[record.offset]}` || record.value?.toString() !== valueOf(record.offset)) {
            throw new Error(`offset ${record.offset} holds ${record.key?.toString()} = ${record.value?.toString()}`);
          }
        }
      }
      offset = batches[batches.length - 1]!.nextOffset;
    }
    expect(offsets).toEqual(expected);
    expect(log.logEndOffset).toBe(RECORDS);
    await log.close();
  });
});
