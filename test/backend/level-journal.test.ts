// The level backend's journal (level-journal.ts): an append answered before
// its LevelDB batch is written survives a process crash, cuts inside and
// below the chunk being filled are replayed in order, entries the database
// holds wholly or in part are applied only as far as it lacks them, and a
// torn entry or one past what is stored is left out.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackend } from '../../storage/backend/index.js';
import { chunkPuts } from '../../storage/backend/level-chunks.js';
import { JOURNAL_FILES, JOURNAL_KEY, LevelJournal, replayJournal } from '../../storage/backend/level-journal.js';
import { chunkRange, encodeSize, metaKey, storedSize, writeBatch } from '../../storage/backend/level-keys.js';
import { Cleanup, stopChild } from '../cleanup.js';
import { packageRoot } from '../package-root.js';
import { withDatabase } from './level-database.js';
import { pattern } from './pattern.js';
import { coveredBySync, recordingSync, syncsStarted } from './sync-events.js';

const root = packageRoot(import.meta.url);

describe('level journal', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-level-journal-'));
    cleanup.add(dir, (d) => rmSync(d, { recursive: true, force: true }));
    return dir;
  }

  async function crashChild(dir: string, scenario: string): Promise<number[]> {
    const child = spawn(process.execPath, ['dist/test/backend/journal-child.js', dir, scenario], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    cleanup.add(child, stopChild);
    let output = '';
    child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, s) => resolve(s)));
    expect(signal).toBe('SIGKILL');
    return output.trim().split(' ').map(Number);
  }

  for (const [scenario, expected, what] of [
    ['tail', 7000, 'with a cut inside the chunk being filled'],
    ['below', 800, 'with a cut below the chunk being filled'],
    ['rotate', 6_005_000, "across changes of the journal's files"],
  ] as const) {
    it(`keeps appends answered before a SIGKILL, ${what}`, async () => {
      const dir = tempDir();
      const [dataSize, otherSize] = await crashChild(dir, scenario);
      expect([dataSize, otherSize]).toEqual([expected, 300]);
      const warnings: string[] = [];
      const directory = await createBackend('level', { chunkBytes: 4096 }).openDirectory(dir, { warn: (m) => warnings.push(m) });
      try {
        expect(warnings.join('\n')).toMatch(/applied \d+ journal entries/);
        const data = await directory.open('data.log');
        expect(data.size).toBe(expected);
        expect((await data.read(0, expected)).bytes.equals(pattern(0, expected))).toBe(true);
        const other = await directory.open('other.log');
        expect((await other.read(0, 300)).bytes.equals(pattern(0, 300))).toBe(true);
        await data.close();
        await other.close();
      } finally {
        await directory.close();
      }
      // Closed with everything written: no journal is left, and a second open applies nothing.
      for (const name of JOURNAL_FILES) expect(existsSync(join(dir, name))).toBe(false);
      const again: string[] = [];
      const reopened = await createBackend('level', { chunkBytes: 4096 }).openDirectory(dir, { warn: (m) => again.push(m) });
      expect((await reopened.open('data.log')).size).toBe(expected);
      await reopened.close();
      expect(again).toEqual([]);
    });
  }

  async function replay(db: Level<Buffer, Buffer>, dir: string): Promise<{ last: number; warnings: string[] }> {
    const warnings: string[] = [];
    const last = await replayJournal(db, dir, { chunkBytes: 4096, forget: () => undefined, warn: (m) => warnings.push(m) });
    return { last, warnings };
  }

  async function stored(db: Level<Buffer, Buffer>, name: string): Promise<Buffer> {
    const chunks = await db.iterator(chunkRange(name)).all();
    return Buffer.concat(chunks.map(([, value]) => value));
  }

  it('stops at a torn entry and applies the whole ones before it', () =>
    withDatabase('samsa-level-journal-', async (db, dir) => {
      await db.put(metaKey('a.log'), encodeSize(0));
      const journal = new LevelJournal(dir, 0);
      journal.append('a.log', 0, pattern(0, 100), 'a');
      journal.append('a.log', 100, pattern(100, 50), 'a');
      journal.close(false);
      const file = join(dir, JOURNAL_FILES[0]);
      truncateSync(file, readFileSync(file).length - 1);
      const { last, warnings } = await replay(db, dir);
      expect(last).toBe(1);
      expect(await storedSize(db, 'a.log')).toBe(100);
      expect((await stored(db, 'a.log')).equals(pattern(0, 100))).toBe(true);
      expect(warnings).toEqual([expect.stringMatching(/applied 1 journal entries/)]);
      expect(Number((await db.get(JOURNAL_KEY))!.readBigUInt64BE(0))).toBe(1);
    }));

  // A short and a long entry: each one's bytes are covered by its CRC to the last.
  for (const damaged of [40, 3000]) {
    it(`stops at an entry whose bytes are damaged (${damaged} bytes long) and applies the whole ones before it`, () =>
      withDatabase('samsa-level-journal-', async (db, dir) => {
        await db.put(metaKey('a.log'), encodeSize(0));
        const journal = new LevelJournal(dir, 0);
        journal.append('a.log', 0, pattern(0, 2000), 'a');
        journal.append('a.log', 2000, pattern(2000, damaged), 'a');
        const secondEnd = journal.sizes[0]!;
        journal.append('a.log', 2000 + damaged, pattern(2000 + damaged, 30), 'a');
        journal.close(false);
        const file = join(dir, JOURNAL_FILES[0]);
        const bytes = readFileSync(file);
        bytes[secondEnd - 1]! ^= 0xff; // the second entry's last byte
        writeFileSync(file, bytes);
        const { last } = await replay(db, dir);
        expect(last).toBe(1);
        expect(await storedSize(db, 'a.log')).toBe(2000);
        expect((await stored(db, 'a.log')).equals(pattern(0, 2000))).toBe(true);
      }));
  }

  it('leaves out entries before the mark and entries past what the database holds', () =>
    withDatabase('samsa-level-journal-', async (db, dir) => {
      await db.put(metaKey('a.log'), encodeSize(0));
      await db.put(metaKey('b.log'), encodeSize(0));
      const journal = new LevelJournal(dir, 0);
      journal.append('a.log', 0, pattern(0, 10), 'a'); // seq 1: before the mark below
      journal.append('b.log', 0, pattern(0, 20), 'b'); // seq 2: applied
      journal.append('b.log', 500, pattern(500, 20), 'b'); // seq 3: a gap, left out
      journal.append('b.log', 20, pattern(20, 30), 'b'); // seq 4: follows seq 2
      journal.close(false);
      await db.put(JOURNAL_KEY, encodeSize(1));
      const { last, warnings } = await replay(db, dir);
      expect(last).toBe(4);
      expect(await storedSize(db, 'a.log')).toBe(0);
      expect(await storedSize(db, 'b.log')).toBe(50);
      expect((await stored(db, 'b.log')).equals(pattern(0, 50))).toBe(true);
      expect(warnings).toEqual([expect.stringMatching(/applied 2 journal entries.*left out 1/)]);
      // Marked: the same files applied again change nothing.
      expect((await replay(db, dir)).warnings).toEqual([]);
    }));

  // No batch records which entries it covers: whatever the database took of them, replay ends where the process did.
  // The journal: A = 0..4000 of one pattern, a cut to 1000, B = 1000..6000 of another.
  const other = (at: number, length: number) => pattern(at + 777_777, length);
  const final = Buffer.concat([pattern(0, 1000), other(1000, 5000)]);
  for (const [held, bytes] of [
    ['nothing', Buffer.alloc(0)],
    ['part of A', pattern(0, 2500)],
    ['all of A', pattern(0, 4000)],
    ['A cut, and part of B', final.subarray(0, 3000)],
    ['everything', final],
  ] as const) {
    it(`replays appends and a cut over a database holding ${held} of them`, () =>
      withDatabase('samsa-level-journal-', async (db, dir) => {
        await writeBatch(db, [{ type: 'put', key: metaKey('a.log'), value: encodeSize(0) }, ...chunkPuts('a.log', 0, bytes, 4096)]);
        const journal = new LevelJournal(dir, 0);
        journal.append('a.log', 0, pattern(0, 4000), 'a');
        journal.truncate('a.log', 1000, 'a');
        journal.append('a.log', 1000, other(1000, 5000), 'a');
        journal.close(false);
        const { warnings } = await replay(db, dir);
        expect(await storedSize(db, 'a.log')).toBe(6000);
        expect((await stored(db, 'a.log')).equals(final)).toBe(true);
        expect(warnings.join('\n')).not.toMatch(/left out/);
      }));
  }

  it("applies an earlier layout's entries for objects that are now files to the files", () =>
    withDatabase('samsa-level-journal-', async (db, dir) => {
      writeFileSync(join(dir, '0.index'), pattern(0, 100));
      const journal = new LevelJournal(dir, 0);
      journal.append('0.index', 0, pattern(0, 100), 'i'); // held already
      journal.append('0.index', 100, pattern(100, 60), 'i'); // missing
      journal.truncate('0.index', 150, 'i');
      journal.append('gone.index', 0, pattern(0, 10), 'g'); // no such file: left out
      journal.close(false);
      const { warnings } = await replay(db, dir);
      expect(readFileSync(join(dir, '0.index')).equals(pattern(0, 150))).toBe(true);
      expect(warnings).toEqual([expect.stringMatching(/applied 2 journal entries.*left out 1/)]);
    }));

  it("changes files over once the current one holds enough and the batch that took the other's entries is written", () => {
    const dir = tempDir();
    const entry = 28 + 1 + 100; // a 28-byte header, the name, the bytes
    const journal = new LevelJournal(dir, 0, { rotateBytes: 2 * entry });
    try {
      journal.append('a', 0, pattern(0, 100), 'a');
      expect(journal.plan(0, 0)).toEqual({ rotate: false, sync: false }); // one entry: not yet
      journal.append('a', 100, pattern(100, 100), 'a');
      expect(journal.plan(0, 0)).toEqual({ rotate: true, sync: false }); // the other file holds nothing
      journal.rotated(1); // batch 1 takes every held-back chunk: it covers file 0
      journal.append('a', 200, pattern(200, 100), 'a');
      journal.append('a', 300, pattern(300, 100), 'a');
      expect(journal.sizes).toEqual([2 * entry, 2 * entry]);
      expect(journal.plan(0, 0)).toEqual({ rotate: false, sync: false }); // batch 1 not written: file 0 is still needed
      expect(journal.plan(1, 0)).toEqual({ rotate: true, sync: false });
      journal.rotated(2);
      journal.append('a', 400, pattern(400, 100), 'a');
      expect(journal.sizes).toEqual([entry, 2 * entry]); // file 0 written over from its start
      expect(journal.mark().key.toString()).toBe('journal');
    } finally {
      journal.close(true);
    }
    for (const name of JOURNAL_FILES) expect(existsSync(join(dir, name))).toBe(false);
  });

  it('after a flush, writes over a file only once LevelDB has synced the batch that took its entries', async () => {
    const dir = tempDir();
    const entry = 28 + 1 + 100;
    const journal = new LevelJournal(dir, 0, { rotateBytes: entry });
    try {
      journal.append('a', 0, pattern(0, 100), 'a');
      await journal.sync('a'); // file 0's entry is now durable there only
      expect(journal.plan(0, 0)).toEqual({ rotate: true, sync: false });
      journal.rotated(1);
      journal.append('a', 100, pattern(100, 100), 'a');
      // Batch 1 written but not synced: file 0 is kept, and the batch sealed now is to be synced.
      expect(journal.plan(1, 0)).toEqual({ rotate: false, sync: true });
      expect(journal.plan(2, 2)).toEqual({ rotate: true, sync: false });
      journal.rotated(3);
      journal.append('a', 200, pattern(200, 100), 'a');
      expect(journal.sizes).toEqual([entry, entry]);
    } finally {
      journal.close(true);
    }
  });

  it('shares one fdatasync among the flushes waiting for it, each after its entry', async () => {
    const dir = tempDir();
    const events: string[] = [];
    const journal = new LevelJournal(dir, 0, { syncFile: recordingSync(events, 5) });
    try {
      const flushes: Array<Promise<void>> = [];
      for (let i = 0; i < 8; i++) {
        journal.append(`o${i}`, 0, pattern(0, 50), `o${i}`);
        events.push(`append ${i}`);
        flushes.push(journal.sync(`o${i}`).then(() => void events.push(`flushed ${i}`)));
        if (i === 3) await new Promise((resolve) => setTimeout(resolve, 1)); // the first sync is in flight for the rest
      }
      await Promise.all(flushes);
      expect(syncsStarted(events)).toBeGreaterThan(0);
      expect(syncsStarted(events)).toBeLessThanOrEqual(2 * 2); // two rounds, each of at most both files
      // Each flush answered after a sync that started after its entry.
      for (let i = 0; i < 8; i++) expect(coveredBySync(events, `append ${i}`, `flushed ${i}`), events.join(', ')).toBe(true);
      const before = syncsStarted(events);
      await journal.sync('o0');
      expect(syncsStarted(events)).toBe(before); // nothing new: no sync
    } finally {
      journal.close(true);
    }
  });
});
