import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { compactionBytes } from '../../bench/leveldb-compaction.js';

// bench:storage prints what LevelDB's compactions rewrote beside raw LevelDB's:
// read here from a real database's LOG, one whose tables overlap and one whose keys came in order.
describe('LevelDB compaction bytes', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function database(write: (db: Level<Buffer, Buffer>) => Promise<void>): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-compaction-'));
    dirs.push(dir);
    // Small write buffers: each 64 KiB of puts becomes a table.
    const db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', writeBufferSize: 64 * 1024 });
    await db.open();
    await write(db);
    await db.close();
    return dir;
  }

  const key = (n: number) => Buffer.from(n.toString().padStart(8, '0'));
  // Incompressible, so the bytes LevelDB writes are the bytes put.
  const value = () => randomBytes(1024);

  it('counts the bytes rewritten when tables overlap, across the LOG of earlier opens too', async () => {
    const dir = await database(async (db) => {
      // Every round spans the whole key range, so each table overlaps all the others.
      for (let round = 0; round < 8; round++) {
        for (let n = round; n < 512; n += 8) await db.put(key(n), value());
      }
      // classic-level's, which the level package's browser-compatible type leaves out.
      await (db as unknown as { compactRange(start: Buffer, end: Buffer): Promise<void> }).compactRange(key(0), key(512));
    });
    const first = compactionBytes(dir);
    // All of it rewritten at least once.
    expect(first).toBeGreaterThan(512 * 1024);
    // Reopened, LevelDB keeps the first open's LOG as LOG.old.
    const db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    await db.close();
    expect(compactionBytes(dir)).toBe(first);
  });

  it('counts nothing where keys arrive in order and tables move down whole', async () => {
    const dir = await database(async (db) => {
      for (let n = 0; n < 512; n++) await db.put(key(n), value());
    });
    expect(compactionBytes(dir)).toBe(0);
  });

  it('counts nothing for a directory without a LevelDB log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-compaction-'));
    dirs.push(dir);
    expect(compactionBytes(dir)).toBe(0);
  });
});
