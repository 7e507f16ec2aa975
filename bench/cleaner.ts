// npm run bench:cleaner — what a compaction costs the main thread. A log of
// over 50 MB (1.8M records, 150,000 keys each recurring about twelve times) is
// cleaned on each backend whose I/O is synchronous under its async API (file,
// mmap: nothing but the cleaner's own yielding lets the event loop run), once
// with the record work in the cleaner's worker thread and once on the main
// thread (threads: 0), while a 10 ms timer stands for the broker's own work.
// Beside each figure, its limit measured in the same run: cleaning MB/s beside
// raw fs reads of the same segment files, the timer's longest gap beside its
// longest gap over an idle second, and the main thread's busy share beside the
// main-thread cleaning's. The worker's targets (a stall under 200 ms and under
// a quarter of the pass, the main thread under 60% busy) are marked met or
// missed. Writes the figures to bench-cleaner.json (or SAMSA_BENCH_OUT).
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { type BackendName, createBackend } from '../storage/backend/index.js';
import { LogConfig } from '../storage/config/log-config.js';
import { Log, LogCleaner } from '../storage/log/index.js';
import { buildRecordBatch } from '../storage/record/index.js';
import { printTable } from './measure.js';

const RECORDS = 1_800_000;
const KEYS = 150_000;
const PER_BATCH = 250;
const READ_CHUNK = 4 * 1024 * 1024;
const TIMER_MS = 10;
const backends = (process.env.SAMSA_BENCH_BACKENDS?.split(',') ?? ['file', 'mmap']) as BackendName[];
const work = fs.mkdtempSync(join(tmpdir(), 'samsa-bench-cleaner-'));

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

async function writeLog(backend: BackendName, path: string, keys: Uint32Array) {
  const dir = await createBackend(backend).openDirectory(path);
  const log = await Log.open(dir, LogConfig.from({ 'storage.backend': backend, 'cleanup.policy': 'compact', 'segment.bytes': 8 << 20 }), {
    warn: () => undefined,
  });
  const keyBytes = Array.from({ length: KEYS }, (_, k) => Buffer.from(`key-${k}`));
  for (let n = 0; n < RECORDS; n += PER_BATCH) {
    const records = [];
    for (let i = n; i < n + PER_BATCH; i++) records.push({ key: keyBytes[keys[i]!]!, value: `value-${i}`, timestamp: 1_700_000_000_000 });
    await log.append(buildRecordBatch(records));
  }
  await log.roll();
  log.highWatermark = log.logEndOffset;
  return { dir, log };
}

/** The limit for cleaning throughput: every segment file read once with readSync in 4 MiB chunks (the cleaner reads the dirty ones twice). */
function rawReadBytesPerSecond(path: string): number {
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  let bytes = 0;
  const start = performance.now();
  for (const name of fs.readdirSync(path).filter((n) => n.endsWith('.log'))) {
    const fd = fs.openSync(join(path, name), 'r');
    for (let read: number; (read = fs.readSync(fd, buffer, 0, READ_CHUNK, null)) > 0; ) bytes += read;
    fs.closeSync(fd);
  }
  return bytes / ((performance.now() - start) / 1e3);
}

/** A 10 ms timer's ticks while `body` runs: the longest gap between them is how long the event loop was held. */
async function underTimer(body: () => Promise<unknown>) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  let last = performance.now();
  let longestGap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    longestGap = Math.max(longestGap, t - last);
    last = t;
    ticks++;
  }, TIMER_MS);
  delay.enable();
  const utilizationBefore = performance.eventLoopUtilization();
  const started = performance.now();
  await body();
  const tookMs = performance.now() - started;
  const busy = performance.eventLoopUtilization(utilizationBefore).utilization;
  clearInterval(timer);
  delay.disable();
  longestGap = Math.max(longestGap, performance.now() - last);
  return { tookMs, longestGap, loopDelayMaxMs: delay.max / 1e6, busy, ticks };
}

const results: Array<Record<string, string | number>> = [];
const rows: string[][] = [];
const targets: string[] = [];
try {
  const keys = keysOf(RECORDS);
  const distinctKeys = new Set(keys).size;
  for (const backend of backends) {
    const idle = await underTimer(() => new Promise((resolve) => setTimeout(resolve, 1000)));
    for (const threads of [1, 0]) {
      const path = join(work, `${backend}-${threads}`);
      const { dir, log } = await writeLog(backend, path, keys);
      const bytes = log.sizeInBytes;
      const raw = rawReadBytesPerSecond(path);
      let written = 0;
      const run = await underTimer(async () => (written = (await LogCleaner.cleanLog(log, { threads })).stats.recordsWritten));
      if (written !== distinctKeys) throw new Error(`the cleaning kept ${written} records for ${distinctKeys} keys`);
      await log.close();
      await dir.close();
      fs.rmSync(path, { recursive: true, force: true });
      const where = threads ? 'worker thread' : 'main thread';
      const mbps = bytes / (run.tookMs / 1e3) / 1e6;
      const row = {
        backend,
        'record work': where,
        MB: +(bytes / 1e6).toFixed(1),
        ms: Math.round(run.tookMs),
        'MB/s': Math.round(mbps),
        'raw read MB/s': Math.round(raw / 1e6),
        ratio: +(mbps / (raw / 1e6)).toFixed(3),
        'longest gap ms': +run.longestGap.toFixed(1),
        'idle gap ms': +idle.longestGap.toFixed(1),
        'loop delay max ms': +run.loopDelayMaxMs.toFixed(1),
        'busy %': Math.round(run.busy * 100),
        ticks: run.ticks,
      };
      results.push(row);
      rows.push(Object.values(row).map(String));
      console.log(
        `  ${backend}, ${where}: ${row.MB} MB in ${row.ms} ms (${row['MB/s']} MB/s, raw read ${row['raw read MB/s']} MB/s); longest timer gap ${row['longest gap ms']} ms (idle ${row['idle gap ms']} ms); main thread busy ${row['busy %']}%`,
      );
      if (threads) {
        const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
        targets.push(
          `${backend}: longest gap < 200 ms ${met(run.longestGap < 200)}, < a quarter of the pass ${met(run.longestGap < run.tookMs / 4)}; ` +
            `timer ran through the pass (ticks > a quarter of ${TIMER_MS} ms periods) ${met(run.ticks > run.tookMs / TIMER_MS / 4)}; main thread busy < 60% ${met(run.busy < 0.6)}`,
        );
      }
    }
  }
  console.log('');
  printTable(Object.keys(results[0] ?? {}), rows);
  console.log(`\nworker-thread targets\n${targets.map((t) => `  ${t}`).join('\n')}`);
  const out = process.env.SAMSA_BENCH_OUT ?? 'bench-cleaner.json';
  fs.writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), records: RECORDS, keys: KEYS, results, targets }, null, 2)}\n`);
  console.log(`\nresults written to ${out}`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
