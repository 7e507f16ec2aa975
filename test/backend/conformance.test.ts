import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { BACKEND_NAMES, createBackend, type LogDirectory, StorageError } from '../../storage/backend/index.js';
import { Cleanup, stopChild } from '../cleanup.js';
import { expectThrown } from '../errors.js';
import { seededRandom } from '../record/random.js';
import { pattern } from './pattern.js';

// One suite, run for every backend (as abstract-level's suite is run by each level implementation).
const root = fileURLToPath(new URL('../..', import.meta.url));

function errorOf(run: () => unknown): Promise<unknown> {
  return Promise.resolve()
    .then(run)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
}

describe.each(BACKEND_NAMES.map((n) => [n] as const))('%s backend', (name) => {
  const backend = createBackend(name);
  let path: string;
  let dir: LogDirectory;

  const cleanup = new Cleanup();

  beforeEach(async () => {
    path = mkdtempSync(join(tmpdir(), `samsa-${name}-`));
    dir = await backend.openDirectory(path);
  });
  afterEach(async () => {
    await cleanup.stopAll();
    await dir.close();
    rmSync(path, { recursive: true, force: true });
  });

  it('appends and reads back at random sizes and positions', async () => {
    const object = await dir.open('00000000000000000000.log', { create: true });
    const random = seededRandom(36);
    let size = 0;
    for (let i = 0; i < 200; i++) {
      const length = random.int(0, 4999);
      expect(await object.append(pattern(size, length))).toBe(size);
      size += length;
    }
    expect(object.size).toBe(size);
    for (let i = 0; i < 200; i++) {
      const position = random.int(0, size - 1);
      const length = random.int(0, 19_999);
      const { bytes: got } = await object.read(position, length);
      expect(got.equals(pattern(position, Math.min(length, size - position)))).toBe(true);
    }
    await object.close();
  });

  it('reads into a reused buffer', async () => {
    const object = await dir.open('r.log', { create: true });
    await object.append(pattern(0, 50000));
    const target = Buffer.alloc(4096);
    expect(await object.readInto(1000, target)).toBe(4096);
    expect(target.equals(pattern(1000, 4096))).toBe(true);
    expect(await object.readInto(49000, target, 96, 2000)).toBe(1000);
    expect(target.subarray(96, 1096).equals(pattern(49000, 1000))).toBe(true);
    await object.close();
  });

  it('reads large ranges into a buffer, at offsets and past the end (mmap copies these by pread)', async () => {
    const object = await dir.open('big.log', { create: true });
    const size = 300_000;
    for (let at = 0; at < size; at += 16384) await object.append(pattern(at, Math.min(16384, size - at)));
    const target = Buffer.alloc(200_000);
    expect(await object.readInto(12345, target)).toBe(200_000);
    expect(target.equals(pattern(12345, 200_000))).toBe(true);
    expect(await object.readInto(250_000, target, 1000, 100_000)).toBe(50_000);
    expect(target.subarray(1000, 51_000).equals(pattern(250_000, 50_000))).toBe(true);
    expect(await object.readInto(size, target)).toBe(0);
    await object.close();
  });

  it('reads past the end return only what exists', async () => {
    const object = await dir.open('a.log', { create: true });
    await object.append(pattern(0, 100));
    expect((await object.read(90, 50)).bytes.length).toBe(10);
    expect((await object.read(100, 50)).bytes.length).toBe(0);
    expect((await object.read(5000, 50)).bytes.length).toBe(0);
    await object.close();
  });

  // On LevelDB a .log is segment data in the database, an .index a file beside it.
  it.each(['a.log', 'a.index'])('truncates %s, and appends continue from the cut', async (objectName) => {
    const object = await dir.open(objectName, { create: true });
    await object.append(pattern(0, 10000));
    await object.truncate(4321);
    expect(object.size).toBe(4321);
    expect((await object.read(4000, 1000)).bytes.equals(pattern(4000, 321))).toBe(true);
    expect(await object.append(pattern(4321, 100))).toBe(4321);
    await object.flush();
    await object.close();
    const again = await dir.open(objectName);
    expect(again.size).toBe(4421);
    expect((await again.read(0, 5000)).bytes.equals(pattern(0, 4421))).toBe(true);
    await again.close();
  });

  it('after close and reopen, holds exactly the flushed bytes', async () => {
    const object = await dir.open('b', { create: true, preallocate: 1024 * 1024 });
    await object.append(pattern(0, 70000));
    await object.flush();
    await object.close();
    await dir.close();
    dir = await backend.openDirectory(path);
    const reopened = await dir.open('b');
    expect(reopened.size).toBe(70000);
    expect((await reopened.read(0, 100000)).bytes.equals(pattern(0, 70000))).toBe(true);
    await reopened.close();
  });

  it('overwrites inside an object', async () => {
    const object = await dir.open('idx', { create: true });
    await object.append(Buffer.alloc(64));
    await object.write(8, Buffer.from([1, 2, 3, 4]));
    const { bytes: got } = await object.read(0, 64);
    expect([...got.subarray(6, 14)]).toEqual([0, 0, 1, 2, 3, 4, 0, 0]);
    expect(object.size).toBe(64);
    await object.close();
  });

  it('keeps many objects apart, lists, renames and deletes them', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `${String(i * 1000).padStart(20, '0')}.log`);
    for (const [i, n] of names.entries()) {
      const o = await dir.open(n, { create: true });
      await o.append(pattern(i, 100 + i));
      await o.close();
    }
    expect(await dir.list()).toEqual([...names].sort());
    await dir.rename(names[0]!, `${names[0]}.deleted`);
    expect(await dir.exists(names[0]!)).toBe(false);
    expect((await dir.readAll(`${names[0]}.deleted`)).equals(pattern(0, 100))).toBe(true);
    await dir.delete(`${names[0]}.deleted`);
    await dir.delete(names[1]!);
    expect((await dir.list()).length).toBe(48);
    for (const [i, n] of names.entries()) {
      if (i < 2) continue;
      expect((await dir.readAll(n)).equals(pattern(i, 100 + i))).toBe(true);
    }
  });

  // On LevelDB, between segment data in the database and a file beside it (the log engine never does this, but the interface allows it).
  it('renames an object to a name of the other kind and back', async () => {
    const object = await dir.open('e.log', { create: true });
    await object.append(pattern(0, 70_000));
    await object.close();
    await dir.rename('e.log', 'e.bin');
    expect(await dir.list()).toEqual(['e.bin']);
    expect((await dir.readAll('e.bin')).equals(pattern(0, 70_000))).toBe(true);
    await dir.writeAtomically('f.log', Buffer.from('replaced'));
    await dir.rename('e.bin', 'f.log');
    expect(await dir.list()).toEqual(['f.log']);
    const back = await dir.open('f.log');
    expect(back.size).toBe(70_000);
    expect((await back.read(0, 70_000)).bytes.equals(pattern(0, 70_000))).toBe(true);
    await back.close();
  });

  it('replaces checkpoint files atomically', async () => {
    await dir.writeAtomically('recovery-point-offset-checkpoint', Buffer.from('0\n1\nt 0 5\n'));
    await dir.writeAtomically('recovery-point-offset-checkpoint', Buffer.from('0\n1\nt 0 9\n'));
    expect((await dir.readAll('recovery-point-offset-checkpoint')).toString()).toBe('0\n1\nt 0 9\n');
    expect(await dir.list()).toEqual(['recovery-point-offset-checkpoint']);
  });

  it('replaces a checkpoint written by several callers at once with the last one, each write whole', async () => {
    // Unawaited, as a checkpoint timer and a shutdown may write the same file: they share its temporary file.
    const writes = Array.from({ length: 20 }, (_, i) => dir.writeAtomically('replication-offset-checkpoint', Buffer.from(`0\n1\nt 0 ${i}\n`)));
    await Promise.all(writes);
    expect((await dir.readAll('replication-offset-checkpoint')).toString()).toBe('0\n1\nt 0 19\n');
    expect(await dir.list()).toEqual(['replication-offset-checkpoint']);
  });

  it('serves concurrent readers while one appender writes', async () => {
    const object = await dir.open('c.log', { create: true });
    const random = seededRandom(164);
    let stop = false;
    const writer = (async () => {
      for (let i = 0; i < 300; i++) await object.append(pattern(object.size, 1000 + (i % 7) * 333));
      stop = true;
    })();
    const readers = Array.from({ length: 4 }, async () => {
      let checks = 0;
      while (!stop) {
        const size = object.size;
        if (size > 0) {
          const position = random.int(0, size - 1);
          const { bytes: got } = await object.read(position, 4096);
          expect(got.equals(pattern(position, got.length))).toBe(true);
          expect(got.length).toBeGreaterThan(0);
          checks++;
        }
        await new Promise((r) => setImmediate(r));
      }
      return checks;
    });
    await writer;
    const counts = await Promise.all(readers);
    expect(counts.reduce((a, b) => a + b)).toBeGreaterThan(0);
    await object.close();
  });

  it('refuses use after close with a typed error', async () => {
    const object = await dir.open('d.log', { create: true });
    await object.close();
    const error = await errorOf(() => object.append(Buffer.from('x')));
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('CLOSED');
  });

  it('names the path of a missing object', async () => {
    const error = await errorOf(() => dir.open('missing.log'));
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('NOT_FOUND');
    expect((error as Error).message).toContain(join(path, 'missing.log'));
    expect(await errorOf(() => dir.open('../escape', { create: true }))).toBeInstanceOf(StorageError);
  });

  it('refuses a second opener of a locked directory, in this process and in another', async () => {
    const error = await errorOf(() => backend.openDirectory(path));
    expect((error as StorageError).code).toBe('LOCKED');
    const child = spawnSync(process.execPath, ['dist/test/backend/lock-child.js', name, path], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(child.stdout).toMatch(/^LOCKED: log directory is locked by process \d+/);
  });

  it('keeps everything flushed when the writer is killed mid-append (SIGKILL)', async () => {
    await dir.close();
    const child = spawn(process.execPath, ['dist/test/backend/append-child.js', name, path], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    cleanup.add(child, stopChild);
    let flushed = 0;
    let lines = 0;
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`the append child exited (${code ?? signal}) after ${lines} flushes`)));
      child.stdout!.on('data', (data: Buffer) => {
        for (const m of data.toString().matchAll(/flushed (\d+)/g)) {
          flushed = Number(m[1]);
          if (++lines === 20) resolve();
        }
      });
    });
    await stopChild(child); // SIGKILL, mid-append
    dir = await backend.openDirectory(path); // the dead child's lock is stale and taken over
    const object = await dir.open('data.log');
    expect(object.size).toBeGreaterThanOrEqual(flushed);
    const { bytes: all } = await object.read(0, object.size);
    expect(all.subarray(0, flushed).equals(pattern(0, flushed))).toBe(true);
    // Past the last flush: written bytes where the kill let them land, zeros (mmap's
    // preallocated tail, or a copy cut short) elsewhere — never foreign bytes.
    const tail = all.subarray(flushed);
    const expected = pattern(flushed, tail.length);
    const foreign = tail.findIndex((b, i) => b !== expected[i] && b !== 0);
    expect(foreign).toBe(-1);
    await object.close();
  });
});

describe('choosing a backend', () => {
  it('lists the valid names for an unknown one', () => {
    expectThrown(
      () => createBackend('tape'),
      StorageError,
      { code: 'BAD_CONFIG', errorCode: ErrorCode.KAFKA_STORAGE_ERROR },
      /unknown storage backend 'tape'; valid backends are file, mmap, level/,
    );
  });
});

describe('faults', () => {
  it('a corrupt LevelDB is a typed error naming its path', async () => {
    const path = mkdtempSync(join(tmpdir(), 'samsa-corrupt-'));
    try {
      const dir = await createBackend('level').openDirectory(path);
      const o = await dir.open('x.log', { create: true });
      await o.append(Buffer.alloc(1000, 1));
      await dir.close();
      const db = join(path, 'samsa.leveldb');
      for (const f of readdirSync(db)) if (f.startsWith('MANIFEST') || f === 'CURRENT') writeFileSync(join(db, f), 'garbage');
      const error = await errorOf(() => createBackend('level').openDirectory(path));
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toContain(db);
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });

  const mountPoint = join(tmpdir(), `samsa-tmpfs-${process.pid}`);
  mkdirSync(mountPoint, { recursive: true });
  const canMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]).status === 0;
  if (canMount) spawnSync('umount', ['-l', mountPoint]);
  else rmSync(mountPoint, { recursive: true, force: true });
  afterAll(() => rmSync(mountPoint, { recursive: true, force: true }));

  /** A tmpfs of `size` at mountPoint around each test of the block. */
  function onTmpfs(size: string): void {
    beforeEach(() => {
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountPoint]).status).toBe(0);
    });
    afterEach(() => {
      // Lazy: a mapping not yet collected by GC would keep a plain umount busy.
      expect(spawnSync('umount', ['-l', mountPoint]).status).toBe(0);
    });
  }

  describe.skipIf(!canMount)('on a 4 MiB tmpfs', () => {
    onTmpfs('4m');

    it.each(BACKEND_NAMES.map((n) => [n] as const))(
      '%s: appends resume once space is freed, with appends and reads in flight, and what was written survives a reopen',
      async (name) => {
        const path = join(mountPoint, 'log');
        const dir = await createBackend(name).openDirectory(path, { warn: () => {} });
        const objects = await Promise.all(['a', 'b', 'c'].map((n) => dir.open(`${n}.log`, { create: true })));
        const filler = join(mountPoint, 'filler');
        const fs = statfsSync(mountPoint);
        writeFileSync(filler, Buffer.alloc(fs.bavail * fs.bsize - 512 * 1024));
        let error: unknown;
        for (let i = 0; i < 100 && !error; i++) {
          const object = objects[i % objects.length]!;
          error = await errorOf(() => object.append(pattern(object.size, 32 * 1024)));
        }
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).code).toBe('ENOSPC');
        // Still full: appends at once on every object all fail (LevelDB has no room to reopen), reads beside them go on.
        const whileFull = await Promise.all(objects.map((o) => Promise.all([errorOf(() => o.append(pattern(o.size, 64 * 1024))), o.read(0, o.size)])));
        for (const [i, [failed, read]] of whileFull.entries()) {
          expect((failed as StorageError).code).toBe('ENOSPC');
          expect(read.bytes.equals(pattern(0, objects[i]!.size))).toBe(true);
        }

        rmSync(filler);
        // Each object appends one chunk after another, read back beside each append (LevelDB reopens under them).
        await Promise.all(
          objects.map(async (object) => {
            for (let round = 0; round < 4; round++) {
              const size = object.size;
              const [, read] = await Promise.all([object.append(pattern(size, 16 * 1024)), object.read(0, size)]);
              expect(read.bytes.equals(pattern(0, size))).toBe(true);
            }
          }),
        );
        const sizes = objects.map((o) => o.size);
        for (const object of objects) {
          await object.flush();
          await object.close();
        }
        await dir.close();

        const reopened = await createBackend(name).openDirectory(path);
        try {
          for (const [i, n] of ['a', 'b', 'c'].entries()) {
            const object = await reopened.open(`${n}.log`);
            expect(object.size).toBe(sizes[i]);
            expect((await object.read(0, object.size)).bytes.equals(pattern(0, object.size))).toBe(true);
            await object.close();
          }
        } finally {
          await reopened.close();
        }
      },
    );
  });

  describe.skipIf(!canMount)('on a 1 MiB tmpfs', () => {
    onTmpfs('1m');

    it.each(BACKEND_NAMES.map((n) => [n] as const))('%s: a full disk is ENOSPC, and what fit stays readable', async (name) => {
      const dir = await createBackend(name).openDirectory(join(mountPoint, 'log'), { warn: () => {} });
      const object = await dir.open('full.log', { create: true });
      let error: unknown;
      let written = 0;
      for (let i = 0; i < 64 && !error; i++) {
        error = await errorOf(() => object.append(pattern(object.size, 64 * 1024)));
        if (!error) written = object.size;
      }
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('ENOSPC');
      expect((error as Error).message).toContain('full.log');
      expect((await object.read(0, written)).bytes.equals(pattern(0, written))).toBe(true);
      await object.close().catch(() => undefined);
      await dir.close();
    });

    it.each(BACKEND_NAMES.filter((n) => n !== 'level').map((n) => [n] as const))(
      '%s: an append cut short by a full disk leaves the file as it was',
      async (name) => {
        const dir = await createBackend(name).openDirectory(join(mountPoint, 'log'));
        const object = await dir.open('full.log', { create: true });
        let error: unknown;
        for (let i = 0; i < 64 && !error; i++) error = await errorOf(() => object.append(pattern(object.size, 48 * 1024)));
        expect((error as StorageError).code).toBe('ENOSPC');
        // Else a restart would take the part that fit for data.
        expect(statSync(join(mountPoint, 'log', 'full.log')).size).toBe(object.size);
        await object.close().catch(() => undefined);
        await dir.close();
      },
    );

    it('a read-only file system is EROFS on create', async () => {
      mkdirSync(join(mountPoint, 'log'), { recursive: true });
      expect(spawnSync('mount', ['-o', 'remount,ro', mountPoint]).status).toBe(0);
      const error = await errorOf(() => createBackend('file').openDirectory(join(mountPoint, 'log')));
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('EROFS');
    });
  });
});
