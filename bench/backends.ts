// npm run bench:backends — append, read and flush through each storage backend,
// beside raw node:fs (writeSync / readSync on one descriptor) measured in the
// same run as the limit. Ratios are backend ÷ raw fs.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND_NAMES, createBackend } from '../storage/backend/index.js';
import { mbps, printTable, ratio } from './measure.js';

const TOTAL = 64 * 1024 * 1024;
const WRITE_SIZES = [1024, 16 * 1024, 1024 * 1024];
const READ_SIZE = 64 * 1024;
/** The append case whose file the read cases then read. */
const READ_FILE_SIZE = 16 * 1024;
const RANDOM_READ_SIZE = 4096;

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

interface Figures {
  append: number[];
  seqRead: number;
  randomRead: number;
  flushMs: number;
}

function rawFs(dir: string): Figures {
  const append: number[] = [];
  for (const size of WRITE_SIZES) {
    spawnSync('sync');
    const chunk = Buffer.alloc(size, 7);
    const fd = fs.openSync(join(dir, `raw-${size}`), 'w+');
    const start = process.hrtime.bigint();
    for (let at = 0; at < TOTAL; at += size) fs.writeSync(fd, chunk, 0, size, at);
    append.push(TOTAL / seconds(start));
    fs.closeSync(fd);
    // Only the 16 KiB file is read later; the others go, so their cached pages do not slow the next case.
    if (size !== READ_FILE_SIZE) fs.rmSync(join(dir, `raw-${size}`));
  }
  const fd = fs.openSync(join(dir, `raw-${16 * 1024}`), 'r+');
  const target = Buffer.allocUnsafe(READ_SIZE);
  let start = process.hrtime.bigint();
  for (let at = 0; at < TOTAL; at += READ_SIZE) fs.readSync(fd, target, 0, READ_SIZE, at);
  const seqRead = TOTAL / seconds(start);
  const small = Buffer.allocUnsafe(RANDOM_READ_SIZE);
  const reads = 20000;
  start = process.hrtime.bigint();
  for (let i = 0; i < reads; i++) fs.readSync(fd, small, 0, RANDOM_READ_SIZE, Math.floor(Math.random() * (TOTAL - RANDOM_READ_SIZE)));
  const randomRead = (reads * RANDOM_READ_SIZE) / seconds(start);
  start = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) {
    fs.writeSync(fd, small, 0, 1024, i * 1024);
    fs.fdatasyncSync(fd);
  }
  const flushMs = (seconds(start) / 20) * 1000;
  fs.closeSync(fd);
  return { append, seqRead, randomRead, flushMs };
}

async function backend(name: string, dir: string): Promise<Figures> {
  const directory = await createBackend(name).openDirectory(join(dir, name));
  // LevelDB writes everything twice (log, then tables): a smaller run keeps the bench short.
  const total = name === 'level' ? TOTAL / 4 : TOTAL;
  const append: number[] = [];
  for (const size of WRITE_SIZES) {
    spawnSync('sync');
    const object = await directory.open(`append-${size}`, { create: true });
    const chunk = Buffer.alloc(size, 7);
    const start = process.hrtime.bigint();
    for (let at = 0; at < total; at += size) await object.append(chunk);
    append.push(total / seconds(start));
    await object.close();
    if (size !== READ_FILE_SIZE) await directory.delete(`append-${size}`);
  }
  const source = await directory.open(`append-${16 * 1024}`);
  const target = Buffer.allocUnsafe(READ_SIZE);
  let start = process.hrtime.bigint();
  for (let at = 0; at < total; at += READ_SIZE) await source.readInto(at, target);
  const seqRead = total / seconds(start);
  const reads = name === 'level' ? 2000 : 20000;
  start = process.hrtime.bigint();
  const small4k = Buffer.allocUnsafe(RANDOM_READ_SIZE);
  for (let i = 0; i < reads; i++) await source.readInto(Math.floor(Math.random() * (total - RANDOM_READ_SIZE)), small4k);
  const randomRead = (reads * RANDOM_READ_SIZE) / seconds(start);
  const small = Buffer.alloc(1024, 1);
  start = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) {
    await source.append(small);
    await source.flush();
  }
  const flushMs = (seconds(start) / 20) * 1000;
  await source.close();
  await directory.close();
  return { append, seqRead, randomRead, flushMs };
}

const dir = fs.mkdtempSync(join(tmpdir(), 'samsa-bench-backends-'));

/**
 * Leaves the page cache as the next measurement should find it: earlier cases'
 * files removed and their dirty pages written back. On this machine appends
 * slow down by half or more once a few hundred MB are waiting for writeback,
 * whichever code writes them; so each backend is measured right after its own
 * raw fs baseline, under the same conditions, and compared with that.
 */
function settle(): void {
  for (const entry of fs.readdirSync(dir)) fs.rmSync(join(dir, entry), { recursive: true, force: true });
  spawnSync('sync');
}

try {
  const rows: string[][] = [];
  const row = (label: string, f: Figures, raw: Figures) => [
    label,
    ...f.append.flatMap((v, i) => [mbps(v), ratio(v, raw.append[i]!)]),
    mbps(f.seqRead),
    ratio(f.seqRead, raw.seqRead),
    mbps(f.randomRead),
    ratio(f.randomRead, raw.randomRead),
    f.flushMs.toFixed(2),
  ];
  // SAMSA_BENCH_BACKENDS=file,mmap measures only those.
  const chosen = process.env.SAMSA_BENCH_BACKENDS?.split(',') ?? BACKEND_NAMES;
  for (const name of BACKEND_NAMES.filter((n) => chosen.includes(n))) {
    settle();
    process.stdout.write(`measuring raw fs, then ${name}…\n`);
    const raw = rawFs(dir);
    settle();
    const figures = await backend(name, dir);
    rows.push(row(`raw fs (for ${name})`, raw, raw), row(name, figures, raw));
  }
  console.log(`\nStorage backends (MB/s; % of raw node:fs measured just before, same conditions; ${TOTAL >> 20} MiB per case, LevelDB a quarter)\n`);
  printTable(
    ['backend', 'append 1K', '%', 'append 16K', '%', 'append 1M', '%', 'seq read', '%', 'rand 4K read', '%', 'flush ms'],
    rows,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
