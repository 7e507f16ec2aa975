import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BackendName, createBackend, type LogDirectory } from '../../storage/backend/index.js';
import { LogConfig } from '../../storage/config/log-config.js';
import { Cleaner, cleanableRange, Log } from '../../storage/log/index.js';
import { buildRecordBatch, decodeRecords, scanBatches } from '../../storage/record/index.js';
import { seededRandom } from '../record/random.js';

// A cleaning does its record work in the cleaner's worker thread (or, with
// threads: 0, on the main thread a request per turn) and gives the main
// thread's event loop back between chunks, so a long pass over a big log
// leaves the broker responsive. Checked on the backends whose I/O is
// synchronous under its async API (file, mmap), where nothing else would
// yield. How long the loop is held, and how busy the main thread is, are
// timings: `npm run bench:cleaner` measures them on a log of over 50 MB.

const RECORDS = 200_000;
const KEYS = 20_000;
const PER_BATCH = 250;
/** Small chunks, so the pass is some two hundred of them. */
const IO_BUFFER = 64 * 1024;
/** Chunks the cleaner has out at once (cleaner.ts): the most it reads before it must wait for a reply. */
const CHUNKS_IN_FLIGHT = 2;

const valueFor = (n: number) => `value-${n}`;

/**
 * What the main thread did while a cleaning ran: 'chunk' when the cleaner was
 * about to read a chunk (its checkDone), 'tick' for each turn of a
 * setImmediate loop standing for the broker's own work; and the most chunks
 * read in one callback of the event loop (a callback ends when the
 * process.nextTick queued at its first chunk runs).
 */
class MainThreadTrace {
  readonly events: ('chunk' | 'tick')[] = [];
  mostChunksPerCallback = 0;
  private chunksThisCallback = 0;
  private running = true;

  constructor() {
    const tick = () => {
      if (!this.running) return;
      this.events.push('tick');
      setImmediate(tick);
    };
    setImmediate(tick);
  }

  chunk(): void {
    this.events.push('chunk');
    if (this.chunksThisCallback++ === 0) process.nextTick(() => (this.chunksThisCallback = 0));
    this.mostChunksPerCallback = Math.max(this.mostChunksPerCallback, this.chunksThisCallback);
  }

  stop(): void {
    this.running = false;
  }

  get chunks(): number {
    return this.events.filter((e) => e === 'chunk').length;
  }

  /** Ticks between the first chunk and the last. */
  get ticksAmongChunks(): number {
    const first = this.events.indexOf('chunk');
    const last = this.events.lastIndexOf('chunk');
    return this.events.slice(first, last).filter((e) => e === 'tick').length;
  }
}

describe.each(['file', 'mmap'] as BackendName[])('a cleaning on the %s backend', (name) => {
  let path: string;
  let dir: LogDirectory | undefined;
  let log: Log | undefined;
  let cleaner: Cleaner | undefined;
  afterEach(async () => {
    cleaner?.close();
    await log?.close();
    await dir?.close();
    rmSync(path, { recursive: true, force: true });
  });

  const openLog = async (...args: Parameters<typeof Log.open>) => (log = await Log.open(...args));

  for (const threads of [1, 0]) {
    it(`gives the event loop back between chunks, record work ${threads ? 'in the worker thread' : 'on the main thread'}, and keeps the latest value of each key`, {
      timeout: 60_000,
    }, async () => {
      path = mkdtempSync(join(tmpdir(), `samsa-cleaner-loop-${name}-`));
      dir = await createBackend(name).openDirectory(path);
      const log = await openLog(dir, LogConfig.from({ 'storage.backend': name, 'cleanup.policy': 'compact', 'segment.bytes': 1 << 20 }), {});
      // Every key recurs about ten times, anywhere.
      const random = seededRandom(12345);
      const keys = Uint32Array.from({ length: RECORDS }, () => random.int(0, KEYS - 1));
      const keyBytes = Array.from({ length: KEYS }, (_, k) => Buffer.from(`key-${k}`));
      for (let n = 0; n < RECORDS; n += PER_BATCH) {
        const records = [];
        for (let i = n; i < n + PER_BATCH; i++) records.push({ key: keyBytes[keys[i]!]!, value: valueFor(i), timestamp: 1_700_000_000_000 });
        await log.append(buildRecordBatch(records));
      }
      await log.roll();
      log.highWatermark = log.logEndOffset;
      expect(log.segmentCount).toBeGreaterThan(4);

      cleaner = new Cleaner({ threads, ioBufferSize: IO_BUFFER });
      const trace = new MainThreadTrace();
      const now = Date.now();
      const result = await log.runCleaning(async (signal) =>
        cleaner!.clean(log, await cleanableRange(log, undefined, now), now, () => {
          signal.throwIfAborted();
          trace.chunk();
        }),
      );
      trace.stop();

      expect(cleaner.usesWorker).toBe(threads === 1);
      expect(trace.chunks).toBeGreaterThan(100); // a pass of many chunks: the log is read twice, 64 KiB at a time
      // Never more chunks in one callback than it may have out: between them the main thread is back in its event loop…
      expect(trace.mostChunksPerCallback).toBeLessThanOrEqual(CHUNKS_IN_FLIGHT);
      // …where the broker's work runs, all through the pass.
      expect(trace.ticksAmongChunks).toBeGreaterThan(0);

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
            if (record.key?.toString() !== `key-${keys[record.offset]}` || record.value?.toString() !== valueFor(record.offset)) {
              throw new Error(`offset ${record.offset} holds ${record.key?.toString()} = ${record.value?.toString()}`);
            }
          }
        }
        offset = batches[batches.length - 1]!.nextOffset;
      }
      expect(offsets).toEqual(expected);
      expect(log.logEndOffset).toBe(RECORDS);
    });
  }
});
