// npm run bench:storage — the log engine on each backend, beside raw node:fs
// writes measured in the same run (the level backend beside raw LevelDB,
// driven through classic-level: bench/raw-level.ts): append throughput for 100 B and 1 KiB
// records in batches of 1, 100 and 1000, and 1 KiB x 16 (the 16 KiB batches
// of the target), uncompressed and per codec (on level, with the bytes
// LevelDB's compactions rewrote beside raw LevelDB's),
// sequential reads (level's beside raw LevelDB reads of the same ranges),
// offset and timestamp lookups, and recovery of one large segment. Prints a progress line per case, then a table; writes the figures
// to bench-storage.json (or the path in SAMSA_BENCH_OUT). SAMSA_BENCH_CASES picks
// some of append, read (with the lookups) and recovery.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPRESSION_NAMES, codecFor } from '../codecs/index.js';
import { BACKEND_NAMES, createBackend } from '../storage/backend/index.js';
import { LEVEL_DATABASE } from '../storage/backend/level-backend.js';
import { LogConfig } from '../storage/config/log-config.js';
import { Log } from '../storage/log/index.js';
import { buildRecordBatch } from '../storage/record/index.js';
import { compactionBytes } from './leveldb-compaction.js';
import { printTable, realisticPayload, Split } from './measure.js';
import { RawLevel } from './raw-level.js';

const APPEND_BYTES = Number(process.env.SAMSA_BENCH_APPEND_MB ?? 32) * 1024 * 1024;
const RECOVERY_BYTES = Number(process.env.SAMSA_BENCH_RECOVERY_MB ?? 1024) * 1024 * 1024;
const backends = process.env.SAMSA_BENCH_BACKENDS?.split(',') ?? BACKEND_NAMES;
const cases = process.env.SAMSA_BENCH_CASES?.split(',') ?? ['append', 'read', 'recovery'];
const results: Array<Record<string, string | number>> = [];
const work = fs.mkdtempSync(join(tmpdir(), 'samsa-bench-storage-'));

function elapsed(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function progress(line: string): void {
  process.stdout.write(`  ${line}\n`);
}

function makeBatch(recordSize: number, count: number, compression: string): Buffer {
  const payload = realisticPayload(recordSize * count);
  return buildRecordBatch(
    Array.from({ length: count }, (_, i) => ({
      key: `key-${i % 100}`,
      value: payload.subarray(i * recordSize, (i + 1) * recordSize),
      timestamp: 1_700_000_000_000 + i,
    })),
    { compression: codecFor(compression).type },
  );
}

/**
 * `fresh` opens the level backend with a chunk cache of its own, empty, as
 * after a restart: reads then come from LevelDB, not from chunks cached as
 * they were written.
 */
async function openLog(backend: string, name: string, overrides: Record<string, unknown> = {}, fresh = false) {
  const dir = await createBackend(backend, fresh && backend === 'level' ? {} : undefined).openDirectory(join(work, `${backend}-${name}`));
  const log = await Log.open(dir, LogConfig.from({ 'segment.bytes': 256 * 1024 * 1024, ...overrides }), { warn: () => undefined });
  return { dir, log };
}

// 1 KiB x 16 is the 16 KiB uncompressed batch the log engine's target is set on (≥ 70% of raw writes).
const APPEND_SHAPES: Array<[recordSize: number, count: number]> = [
  [100, 1],
  [100, 100],
  [100, 1000],
  [1024, 1],
  [1024, 16],
  [1024, 100],
  [1024, 1000],
];
const WARM_UP_APPENDS = 300;
const COMPACTED_COLUMN = 'compacted MB (level / raw)';
const ROUND_BYTES = 4 * 1024 * 1024;

/** The limit an append case is measured against: raw fs writes, or raw LevelDB for the level backend. */
interface RawWriter {
  name: string;
  write(bytes: Buffer): void | Promise<void>;
  /** Ends a round with its bytes written (LevelDB: the last batch gathered). */
  endRound(): void | Promise<void>;
  /** Closes the writer and removes what it wrote; returns the bytes LevelDB's compactions wrote (raw LevelDB only). */
  close(): Promise<number | undefined>;
}

async function rawWriter(backend: string, valueBytes: number): Promise<RawWriter> {
  const rawPath = join(work, 'raw');
  if (backend === 'level') {
    const raw = await RawLevel.open(rawPath, valueBytes);
    return {
      name: 'raw LevelDB',
      write: (bytes) => raw.put(bytes),
      endRound: () => raw.write(),
      close: async () => {
        await raw.close();
        const compacted = compactionBytes(rawPath);
        fs.rmSync(rawPath, { recursive: true, force: true });
        return compacted;
      },
    };
  }
  const fd = fs.openSync(rawPath, 'w');
  return {
    name: 'raw fs',
    write: (bytes) => {
      fs.writeSync(fd, bytes);
    },
    endRound: () => undefined,
    close: async () => {
      fs.closeSync(fd);
      fs.rmSync(rawPath);
      return undefined;
    },
  };
}

/**
 * Appends of one batch shape beside raw fs.writeSync of the same bytes in the
 * same write sizes (the limit; for the level backend, raw LevelDB puts of
 * them), measured in alternating rounds of 4 MiB, each
 * side going first in turn, so that page-cache write-back, which swings this machine's write speed several
 * fold within minutes, weighs on both alike. Both are warmed up first. A
 * level round ends once LevelDB holds its bytes, on both sides: raw's last
 * batch written, the backend's written-behind batches waited for (a
 * directory listing waits for them), so neither's writes run on in the
 * other's round.
 */
async function appendCase(backend: string, recordSize: number, count: number, compression: string): Promise<void> {
  const template = makeBatch(recordSize, count, compression);
  const records = APPEND_BYTES / (recordSize * count) > 200_000 ? 200_000 * count : Math.ceil(APPEND_BYTES / recordSize);
  const batches = Math.ceil(records / count);
  const perRound = Math.max(1, Math.floor(ROUND_BYTES / template.length));
  const { dir, log } = await openLog(backend, `append-${recordSize}-${count}-${compression}`);
  const raw = await rawWriter(backend, template.length);
  const settle = backend === 'level' ? () => dir.list() : () => undefined;
  // The same buffer is appended each time, as raw fs writes the same chunk: the log
  // rewrites base offset and leader epoch in place, and neither is under the CRC.
  for (let i = 0; i < WARM_UP_APPENDS; i++) {
    await log.append(template);
    await raw.write(template);
  }
  await raw.endRound();
  await settle();
  const split = new Split();
  for (let done = 0, round = 0; done < batches; done += perRound, round++) {
    const n = Math.min(perRound, batches - done);
    await split.round(
      round,
      async () => {
        for (let i = 0; i < n; i++) {
          const wrote = raw.write(template);
          if (wrote) await wrote;
        }
        await raw.endRound();
      },
      async () => {
        for (let i = 0; i < n; i++) await log.append(template);
        await settle();
      },
    );
  }
  const [, limitBytesPerSecond] = split.rates(batches * template.length);
  const rawCompacted = await raw.close();
  const seconds = Number(split.backend) / 1e9;
  const mbps = (batches * template.length) / seconds / 1e6;
  const limit = limitBytesPerSecond / 1e6;
  const row = {
    backend,
    case: `append ${recordSize} B x ${count} ${compression} (${formatSize(template.length)} batches)`,
    'records/s': Math.round((batches * count) / seconds),
    'MB/s': Math.round(mbps),
    [`${raw.name} MB/s`]: Math.round(limit),
    ratio: +(mbps / limit).toFixed(2),
  };
  await log.close();
  await dir.close();
  const logDir = join(work, `${backend}-append-${recordSize}-${count}-${compression}`);
  let compacted = '';
  if (rawCompacted !== undefined) {
    // Beside raw LevelDB's: what LevelDB rewrote of the same bytes in compactions (leveldb-compaction.ts).
    const figures = `${Math.round(compactionBytes(join(logDir, LEVEL_DATABASE)) / 1e6)} / ${Math.round(rawCompacted / 1e6)}`;
    Object.assign(row, { [COMPACTED_COLUMN]: figures });
    compacted = `; ${figures} MB compacted, level / raw`;
  }
  results.push(row);
  progress(`${backend}: ${row.case}: ${row['records/s']} records/s, ${row['MB/s']} MB/s (${Math.round(row.ratio * 100)}% of ${raw.name}${compacted})`);
  fs.rmSync(logDir, { recursive: true, force: true });
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
}

async function appendCases(backend: string): Promise<void> {
  for (const [recordSize, count] of APPEND_SHAPES) {
    for (const compression of COMPRESSION_NAMES) await appendCase(backend, recordSize, count, compression);
  }
}

const FETCH_BYTES = 1024 * 1024;
const FETCHES_PER_ROUND = 4;

async function readAndLookupCases(backend: string): Promise<void> {
  const overrides = { 'index.interval.bytes': 4096 };
  let { dir, log } = await openLog(backend, 'read', overrides);
  const template = makeBatch(1024, 16, 'none');
  const copy = Buffer.allocUnsafe(template.length);
  // The level backend's reads are measured beside raw LevelDB reads of the same bytes, stored as raw appends store them.
  const raw = backend === 'level' ? await RawLevel.open(join(work, 'raw-read'), template.length) : undefined;
  for (let written = 0; written < APPEND_BYTES; written += template.length) {
    template.copy(copy);
    await log.append(copy);
    await raw?.put(template);
  }
  await raw?.write(true);
  if (backend === 'level') {
    // Read after a restart, from LevelDB rather than from the chunks cached as they were written.
    await log.close();
    await dir.close();
    ({ dir, log } = await openLog(backend, 'read', overrides, true));
  }
  const split = new Split();
  const rawTarget = Buffer.allocUnsafe(FETCH_BYTES);
  let bytes = 0;
  let rawBytes = 0;
  for (let offset = 0, round = 0; offset < log.logEndOffset; round++) {
    await split.round(
      round,
      async () => {
        for (let i = 0; raw && i < FETCHES_PER_ROUND && rawBytes < raw.size; i++) rawBytes += await raw.readInto(rawBytes, rawTarget);
      },
      async () => {
        for (let i = 0; i < FETCHES_PER_ROUND && offset < log.logEndOffset; i++) {
          const read = await log.read(offset, FETCH_BYTES);
          bytes += read.bytes.length;
          offset = read.firstOffset + Math.max(1, Math.floor(read.bytes.length / template.length) * 16);
          // Done with the bytes: give the buffer back, as the broker's connection does once a fetch response is written.
          read.release();
        }
      },
    );
  }
  const readMbps = bytes / (Number(split.backend) / 1e9) / 1e6;
  if (raw) {
    const rawMbps = rawBytes / (Number(split.raw) / 1e9) / 1e6;
    results.push({
      backend,
      case: 'sequential read, 1 MiB fetches',
      'MB/s': Math.round(readMbps),
      'raw LevelDB MB/s': Math.round(rawMbps),
      ratio: +(readMbps / rawMbps).toFixed(2),
    });
    progress(
      `${backend}: sequential read ${Math.round(readMbps)} MB/s (${Math.round((readMbps / rawMbps) * 100)}% of raw LevelDB reads, ${Math.round(rawMbps)} MB/s)`,
    );
    await raw.close();
  } else {
    results.push({ backend, case: 'sequential read, 1 MiB fetches', 'MB/s': Math.round(readMbps) });
    progress(`${backend}: sequential read ${Math.round(readMbps)} MB/s`);
  }

  const segment = (log as unknown as { segments: Array<{ offsetIndex: { lookup(o: number): unknown }; timeIndex: { lookup(t: number): unknown } }> })
    .segments[0]!;
  const end = log.logEndOffset;
  const lookups = 2_000_000;
  let start = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++) segment.offsetIndex.lookup((i * 7919) % end);
  const offsetLookups = Math.round(lookups / elapsed(start));
  start = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++) segment.timeIndex.lookup(1_700_000_000_000 + (i % 16));
  const timeLookups = Math.round(lookups / elapsed(start));
  start = process.hrtime.bigint();
  const fullLookups = 20_000;
  for (let i = 0; i < fullLookups; i++) await log.read((i * 7919) % end, 1);
  const fetchLookups = Math.round(fullLookups / elapsed(start));
  results.push({ backend, case: 'offset index lookups', 'lookups/s': offsetLookups });
  results.push({ backend, case: 'time index lookups', 'lookups/s': timeLookups });
  results.push({ backend, case: 'offset → first batch (index + header scan)', 'lookups/s': fetchLookups });
  progress(`${backend}: ${offsetLookups} offset index lookups/s, ${timeLookups} time index lookups/s, ${fetchLookups} positioned fetches/s`);
  await log.close();
  await dir.close();
}

async function recoveryCase(backend: string): Promise<void> {
  const total = backend === 'level' ? RECOVERY_BYTES / 8 : RECOVERY_BYTES;
  const { dir, log } = await openLog(backend, 'recovery', { 'segment.bytes': 2 * 1024 * 1024 * 1024 - 1 });
  const template = makeBatch(1024, 16, 'none');
  const copy = Buffer.allocUnsafe(template.length);
  for (let written = 0; written < total; written += template.length) {
    template.copy(copy);
    await log.append(copy);
  }
  await log.close();
  await dir.close();
  spawnSync('sync');
  const start = process.hrtime.bigint();
  // Reopened as after a crash: on level, by a backend whose chunk cache is empty.
  const reopened = await createBackend(backend, backend === 'level' ? {} : undefined).openDirectory(join(work, `${backend}-recovery`));
  const recovered = await Log.open(reopened, LogConfig.from({ 'segment.bytes': 2 * 1024 * 1024 * 1024 - 1 }), { cleanShutdown: false, warn: () => undefined });
  const seconds = elapsed(start);
  results.push({
    backend,
    case: `recovery of a ${Math.round(total / 1024 / 1024)} MiB segment`,
    seconds: +seconds.toFixed(2),
    'MB/s': Math.round(total / seconds / 1e6),
  });
  progress(`${backend}: recovered ${Math.round(total / 1024 / 1024)} MiB in ${seconds.toFixed(2)} s (${recovered.logEndOffset} offsets)`);
  await recovered.close();
  await reopened.close();
  fs.rmSync(join(work, `${backend}-recovery`), { recursive: true, force: true });
}

try {
  for (const backend of BACKEND_NAMES.filter((b) => backends.includes(b))) {
    console.log(`${backend} backend`);
    if (cases.includes('append')) await appendCases(backend);
    if (cases.includes('read')) await readAndLookupCases(backend);
    if (cases.includes('recovery')) await recoveryCase(backend);
  }
  console.log('');
  const columns = ['backend', 'case', 'records/s', 'MB/s', 'raw fs MB/s', 'raw LevelDB MB/s', 'ratio', COMPACTED_COLUMN, 'lookups/s', 'seconds'];
  printTable(
    columns,
    results.map((r) => columns.map((c) => (r[c] === undefined ? '' : String(r[c])))),
  );
  const out = process.env.SAMSA_BENCH_OUT ?? 'bench-storage.json';
  fs.writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), appendBytes: APPEND_BYTES, recoveryBytes: RECOVERY_BYTES, results }, null, 2)}\n`);
  console.log(`\nresults written to ${out}`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
