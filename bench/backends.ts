// npm run bench:backends — append, read and flush through each storage backend,
// beside raw node:fs (writeSync / readSync on one descriptor) measured in the
// same run as the limit; the level backend beside raw LevelDB instead
// (classic-level puts of the same bytes, iterator reads of the same ranges,
// a synced batch for a flush: bench/raw-level.ts). Ratios are backend ÷ raw.
//
// Raw fs and the backend are measured in alternating rounds of 4 MiB over
// files of the same size, taking turns to go first: this machine's write speed swings several fold
// within minutes as the page cache writes back, and alternating makes both
// sides meet the same conditions (measured one after the other, the same code
// came out anywhere between 51% and 89% of raw from run to run).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogDirectory, StorageObject } from '../storage/backend/index.js';
import { BACKEND_NAMES, createBackend } from '../storage/backend/index.js';
import { mbps, printTable, ratio, Split } from './measure.js';
import { RawLevel } from './raw-level.js';

const TOTAL = 64 * 1024 * 1024;
const ROUND = 4 * 1024 * 1024;
const WRITE_SIZES = [1024, 16 * 1024, 1024 * 1024];
const READ_SIZE = 64 * 1024;
/** The append case whose file the read cases then read. */
const READ_FILE_SIZE = 16 * 1024;
const RANDOM_READ_SIZE = 4096;
const RANDOM_READS_PER_ROUND = 1000;

interface Figures {
  append: Array<[number, number]>;
  seqRead: [number, number];
  sliceRead: [number, number];
  randomRead: [number, number];
  flushMs: [number, number];
}

/** Raw fs and the backend over bytes [0, total) in alternating rounds of ROUND bytes; each body does its side of [at, end). */
async function overRounds(total: number, raw: (at: number, end: number) => unknown, backend: (at: number, end: number) => unknown): Promise<Split> {
  const split = new Split();
  for (let at = 0, round = 0; at < total; at += ROUND, round++) {
    const end = Math.min(total, at + ROUND);
    await split.round(
      round,
      () => raw(at, end),
      () => backend(at, end),
    );
  }
  return split;
}

/** The limit one append case's file is measured against: writes and reads of the same bytes. */
interface Raw {
  /** Writes [at, end) in `chunk`-sized writes; ends with the bytes in the file system or LevelDB. */
  write(at: number, end: number, chunk: Buffer): unknown;
  readInto(position: number, target: Buffer): unknown;
  /** Appends `record` and makes it durable. */
  flush(position: number, record: Buffer): unknown;
  close(): Promise<void>;
}

async function openRaw(name: string, path: string, size: number): Promise<Raw> {
  if (name === 'level') {
    const raw = await RawLevel.open(path, size);
    return {
      write: async (at, end, chunk) => {
        for (let p = at; p < end; p += chunk.length) await raw.put(chunk);
        await raw.write();
      },
      readInto: (position, target) => raw.readInto(position, target),
      flush: async (_position, record) => {
        await raw.put(record);
        await raw.write(true);
      },
      close: async () => {
        await raw.close();
        fs.rmSync(path, { recursive: true, force: true });
      },
    };
  }
  const fd = fs.openSync(path, 'w+');
  return {
    write: (at, end, chunk) => {
      for (let p = at; p < end; p += chunk.length) fs.writeSync(fd, chunk, 0, chunk.length, p);
    },
    readInto: (position, target) => fs.readSync(fd, target, 0, target.length, position),
    flush: (position, record) => {
      fs.writeSync(fd, record, 0, record.length, position);
      fs.fdatasyncSync(fd);
    },
    close: async () => {
      fs.closeSync(fd);
      fs.rmSync(path);
    },
  };
}

async function appendCase(
  name: string,
  directory: LogDirectory,
  dir: string,
  size: number,
  total: number,
): Promise<{ rates: [number, number]; object: StorageObject; raw: Raw }> {
  spawnSync('sync');
  const chunk = Buffer.alloc(size, 7);
  const object = await directory.open(`append-${size}`, { create: true });
  const raw = await openRaw(name, join(dir, `raw-${size}`), size);
  const split = await overRounds(
    total,
    (at, end) => raw.write(at, end, chunk),
    // The log appends through appendSync where a backend offers it (file, mmap), so that is what is measured.
    // Level's round ends once LevelDB holds its bytes, as raw's does (a directory listing waits for the writes behind).
    async (at, end) => {
      if (object.appendSync) for (let p = at; p < end; p += size) object.appendSync(chunk);
      else {
        for (let p = at; p < end; p += size) await object.append(chunk);
        await directory.list();
      }
    },
  );
  return { rates: split.rates(total), object, raw };
}

async function measure(name: string, dir: string): Promise<Figures> {
  let directory = await createBackend(name).openDirectory(join(dir, name));
  // LevelDB writes everything twice (log, then tables): a smaller run keeps the bench short.
  const total = name === 'level' ? TOTAL / 4 : TOTAL;
  const append: Array<[number, number]> = [];
  let source: StorageObject | undefined;
  let raw: Raw | undefined;
  for (const size of WRITE_SIZES) {
    const run = await appendCase(name, directory, dir, size, total);
    append.push(run.rates);
    if (size === READ_FILE_SIZE) {
      source = run.object;
      raw = run.raw;
      continue;
    }
    // Only the 16 KiB files are read later; the others go, so their cached pages do not slow the next case.
    await run.object.close();
    await directory.delete(`append-${size}`);
    await run.raw.close();
  }
  let object = source!;
  const limit = raw!;
  if (name === 'level') {
    // Read as after a restart, by a backend whose chunk cache is empty: from LevelDB, not from the chunks cached as they were written.
    await object.close();
    await directory.close();
    directory = await createBackend(name, {}).openDirectory(join(dir, name));
    object = await directory.open(`append-${READ_FILE_SIZE}`);
  }
  const target = Buffer.allocUnsafe(READ_SIZE);

  // Raw fs reads are system calls: not awaited, so they pay no microtask each.
  const rawRead = async (at: number, end: number) => {
    for (let p = at; p < end; p += READ_SIZE) {
      const read = limit.readInto(p, target);
      if (read instanceof Promise) await read;
    }
  };
  // Copying reads into the caller's buffer, against reads into one buffer.
  const seq = await overRounds(total, rawRead, async (at, end) => {
    for (let p = at; p < end; p += READ_SIZE) await object.readInto(p, target);
  });
  // `read`, as the log's fetches use it: a slice of the mapping on mmap, a pooled buffer on file;
  // the bytes are copied out once, as a socket write would, so every page is touched.
  const slice = await overRounds(total, rawRead, async (at, end) => {
    for (let p = at; p < end; p += READ_SIZE) {
      const read = await object.read(p, READ_SIZE);
      target.set(read.bytes);
      read.release();
    }
  });

  const random = new Split();
  const small = Buffer.allocUnsafe(RANDOM_READ_SIZE);
  const rounds = name === 'level' ? 2 : 20;
  const randomPosition = () => Math.floor(Math.random() * (total - RANDOM_READ_SIZE));
  for (let r = 0; r < rounds; r++) {
    await random.round(
      r,
      async () => {
        for (let i = 0; i < RANDOM_READS_PER_ROUND; i++) {
          const read = limit.readInto(randomPosition(), small);
          if (read instanceof Promise) await read;
        }
      },
      async () => {
        for (let i = 0; i < RANDOM_READS_PER_ROUND; i++) await object.readInto(randomPosition(), small);
      },
    );
  }

  const flush = new Split();
  const record = Buffer.alloc(1024, 1);
  for (let i = 0; i < 20; i++) {
    await flush.round(
      i,
      () => limit.flush(total + i * record.length, record),
      async () => {
        await object.append(record);
        await object.flush();
      },
    );
  }
  await object.close();
  await directory.close();
  await limit.close();
  const ms = (ns: bigint) => Number(ns) / 1e6 / 20;
  return {
    append,
    seqRead: seq.rates(total),
    sliceRead: slice.rates(total),
    randomRead: random.rates(rounds * RANDOM_READS_PER_ROUND * RANDOM_READ_SIZE),
    flushMs: [ms(flush.backend), ms(flush.raw)],
  };
}

/**
 * Each backend is measured in a process of its own (this script again, with
 * SAMSA_BENCH_ONE naming it), so none inherits another's heap, pooled buffers
 * or mappings waiting for GC: run in one process, mmap's 16 KiB appends came
 * out at 70–83% after the file backend's cases and 95–112% when first.
 */
async function measureOne(name: string): Promise<void> {
  const dir = fs.mkdtempSync(join(tmpdir(), 'samsa-bench-backends-'));
  try {
    spawnSync('sync');
    process.stdout.write(`${JSON.stringify(await measure(name, dir))}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function measureInChild(name: string): Figures {
  process.stdout.write(`measuring ${name} beside ${name === 'level' ? 'raw LevelDB' : 'raw fs'}…\n`);
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, SAMSA_BENCH_ONE: name },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`measuring ${name} failed (exit ${child.status})`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Figures;
}

if (process.env.SAMSA_BENCH_ONE) {
  await measureOne(process.env.SAMSA_BENCH_ONE);
} else {
  const rows: string[][] = [];
  const pair = ([value, limit]: [number, number]) => [mbps(value), ratio(value, limit)];
  // SAMSA_BENCH_BACKENDS=file,mmap measures only those.
  const chosen = process.env.SAMSA_BENCH_BACKENDS?.split(',') ?? BACKEND_NAMES;
  for (const name of BACKEND_NAMES.filter((n) => chosen.includes(n))) {
    const f = measureInChild(name);
    const raw = (pairs: Array<[number, number]>) => pairs.flatMap(([, limit]) => [mbps(limit), '100%']);
    rows.push([
      `${name === 'level' ? 'raw LevelDB' : 'raw fs'} (beside ${name})`,
      ...raw([...f.append, f.seqRead, f.sliceRead, f.randomRead]),
      f.flushMs[1].toFixed(2),
    ]);
    rows.push([name, ...f.append.flatMap(pair), ...pair(f.seqRead), ...pair(f.sliceRead), ...pair(f.randomRead), f.flushMs[0].toFixed(2)]);
  }
  console.log(
    `\nStorage backends (MB/s; % of raw node:fs, level's of raw LevelDB, measured in alternating rounds; ${TOTAL >> 20} MiB per case, LevelDB a quarter)\n`,
  );
  printTable(['backend', 'append 1K', '%', 'append 16K', '%', 'append 1M', '%', 'seq read', '%', 'slice read', '%', 'rand 4K read', '%', 'flush ms'], rows);
  console.log("\nappend: appendSync on file and mmap (the log's path), append on level; seq read: readInto 64 KiB into one buffer;");
  console.log('slice read: read() 64 KiB (a mapped slice on mmap) copied out once; raw fs: writeSync / readSync;');
  console.log('raw LevelDB: puts of the same sizes in 1 MiB batches, one iterator seek and nextv per read, a synced batch per flush.');
}
