import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BufferPool, createBackend, sharedBufferPool, unpooled } from '../../storage/backend/index.js';
import { LogConfig } from '../../storage/config/log-config.js';
import { Log } from '../../storage/log/index.js';
import { buildRecordBatch } from '../../storage/record/index.js';

const KiB = 1024;

describe('BufferPool', () => {
  it('lends large buffers and takes each back once, on its first release', () => {
    const pool = new BufferPool(64 * KiB, 1024 * KiB);
    const a = pool.acquire(100 * KiB);
    expect(a.bytes.length).toBe(100 * KiB);
    const store = a.bytes.buffer;
    a.release();
    expect(pool.idleBytes).toBe(128 * KiB); // capacities are powers of two
    a.release();
    expect(pool.idleBytes).toBe(128 * KiB);

    const b = pool.acquire(90 * KiB);
    expect(b.bytes.buffer).toBe(store); // the same memory, lent again
    expect(pool.idleBytes).toBe(0);
    a.release(); // a stale owner's release must not take b's buffer away from it
    expect(pool.idleBytes).toBe(0);
    expect(pool.acquire(90 * KiB).bytes.buffer).not.toBe(store);
    b.release();
    expect(pool.idleBytes).toBe(128 * KiB);
  });

  it('allocates small and oversized buffers plainly, and their release keeps nothing', () => {
    const pool = new BufferPool(64 * KiB, 256 * KiB);
    for (const size of [0, 10, 64 * KiB - 1, 300 * KiB]) {
      const plain = pool.acquire(size);
      expect(plain.bytes.length).toBe(size);
      plain.release();
      plain.release();
      expect(pool.idleBytes).toBe(0);
    }
    unpooled(Buffer.alloc(128 * KiB)).release();
    expect(pool.idleBytes).toBe(0);
  });

  it('keeps at most maxPooledBytes idle', () => {
    const pool = new BufferPool(64 * KiB, 256 * KiB);
    const lent = [pool.acquire(128 * KiB), pool.acquire(128 * KiB), pool.acquire(128 * KiB)];
    for (const bytes of lent) bytes.release();
    expect(pool.idleBytes).toBe(256 * KiB);
  });
});

describe('reads own their bytes', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a file backend's large read is a pooled buffer its release gives back; mmap's and LevelDB's releases keep nothing", async () => {
    dir = mkdtempSync(join(tmpdir(), 'samsa-buffer-pool-'));
    for (const name of ['file', 'mmap', 'level'] as const) {
      const directory = await createBackend(name).openDirectory(join(dir, name));
      try {
        const object = await directory.open('data', { create: true });
        await object.append(Buffer.alloc(200 * KiB, 7));
        const idle = sharedBufferPool.idleBytes;
        const read = await object.read(0, 150 * KiB);
        expect(read.bytes.length).toBe(150 * KiB);
        expect(read.bytes.every((b) => b === 7)).toBe(true);
        read.release();
        read.release();
        expect(sharedBufferPool.idleBytes - idle).toBe(name === 'file' ? 256 * KiB : 0);
        await object.close();
      } finally {
        await directory.close();
      }
    }
  });

  it("Log.read returns whole batches cut from one read, and releasing them gives that read's buffer back", async () => {
    dir = mkdtempSync(join(tmpdir(), 'samsa-buffer-pool-'));
    const directory = await createBackend('file').openDirectory(dir);
    const log = await Log.open(directory, LogConfig.from({}), { warn: () => undefined });
    try {
      const value = Buffer.alloc(40 * KiB, 3);
      for (let i = 0; i < 3; i++) await log.append(buildRecordBatch([{ value }]));
      const idle = sharedBufferPool.idleBytes;
      const read = await log.read(0, 100 * KiB); // two whole batches fit; the third is read but cut off
      expect(read.firstOffset).toBe(0);
      expect(read.bytes.length).toBeLessThan(100 * KiB);
      expect(read.bytes.length).toBeGreaterThan(80 * KiB);
      read.release();
      read.release();
      expect(sharedBufferPool.idleBytes - idle).toBe(128 * KiB);
      const end = await log.read(3, 100 * KiB);
      expect(end.bytes.length).toBe(0);
      end.release();
      expect(sharedBufferPool.idleBytes - idle).toBe(128 * KiB);
    } finally {
      await log.close();
      await directory.close();
    }
  });
});
