// The level backend's journal (level-journal.ts): an append answered before
// its LevelDB batch is written survives a process crash, cuts inside and
// below the chunk being filled are replayed in order, and a torn entry, an
// entry already in the database or one that does not follow what is stored
// is left out.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackend } from '../../storage/backend/index.js';
import { JOURNAL_FILES, JOURNAL_KEY, LevelJournal, replayJournal } from '../../storage/backend/level-journal.js';
import { encodeSize, metaKey, storedSize } from '../../storage/backend/level-keys.js';
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

  for (const [scenario, expected] of [
    ['tail', 7000],
    ['below', 800],
  ] as const) {
    it(`keeps appends answered before a SIGKILL, with a cut ${scenario === 'tail' ? 'inside' : 'below'} the chunk being filled`, async () => {
      const dir = tempDir();
      const [dataSize, otherSize] = await crashChild(dir, scenario);
      expect([dataSize, otherSize]).toEqual([expected, 300]);
      const warnings: string[] = [];
      const directory = await createBackend('level', { chunkBytes: 4096 }).openDirectory(dir, { warn: (m) => warnings.push(m) });
      try {
        expect(warnings.join('\n')).toMatch(/applied \d+ journal entries/);
        const data = await directory.open('data');
        expect(data.size).toBe(expected);
        expect((await data.read(0, expected)).bytes.equals(pattern(0, expected))).toBe(true);
        const other = await directory.open('other');
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
      expect((await reopened.open('data')).size).toBe(expected);
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
    const chunks = await db.iterator({ gte: Buffer.from(`d${name}\0`), lt: Buffer.from(`d${name}\u0001`) }).all();
    return Buffer.concat(chunks.map(([, value]) => value));
  }

  it('stops at a torn entry and applies the whole ones before it', () =>
    withDatabase('samsa-level-journal-', async (db, dir) => {
      await db.put(metaKey('a'), encodeSize(0));
      const journal = new LevelJournal(dir, 0);
      journal.append('a', 0, pattern(0, 100), 1, 'a');
      journal.append('a', 100, pattern(100, 50), 1, 'a');
      journal.close(false);
      const file = join(dir, JOURNAL_FILES[0]);
      truncateSync(file, readFileSync(file).length - 1);
      const { last, warnings } = await replay(db, dir);
      expect(last).toBe(1);
      expect(await storedSize(db, 'a')).toBe(100);
      expect((await stored(db, 'a')).equals(pattern(0, 100))).toBe(true);
      expect(warnings).toEqual([expect.stringMatching(/applied 1 journal entries/)]);
      expect(Number((await db.get(JOURNAL_KEY))!.readBigUInt64BE(0))).toBe(1);
    }));

  // A short and a long entry: each one's bytes are covered by its CRC to the last.
  for (const damaged of [40, 3000]) {
    it(`stops at an entry whose bytes are damaged (${damaged} bytes long) and applies the whole ones before it`, () =>
      withDatabase('samsa-level-journal-', async (db, dir) => {
        await db.put(metaKey('a'), encodeSize(0));
        const journal = new LevelJournal(dir, 0);
        journal.append('a', 0, pattern(0, 2000), 1, 'a');
        journal.append('a', 2000, pattern(2000, damaged), 1, 'a');
        const secondEnd = journal.sizes[0]!;
        journal.append('a', 2000 + damaged, pattern(2000 + damaged, 30), 1, 'a');
        journal.close(false);
        const file = join(dir, JOURNAL_FILES[0]);
        const bytes = readFileSync(file);
        bytes[secondEnd - 1]! ^= 0xff; // the second entry's last byte
        writeFileSync(file, bytes);
        const { last } = await replay(db, dir);
        expect(last).toBe(1);
        expect(await storedSize(db, 'a')).toBe(2000);
        expect((await stored(db, 'a')).equals(pattern(0, 2000))).toBe(true);
      }));
  }

  it('leaves out entries the database already holds and entries that do not follow what it holds', () =>
    withDatabase('samsa-level-journal-', async (db, dir) => {
      await db.put(metaKey('a'), encodeSize(0));
      await db.put(metaKey('b'), encodeSize(0));
      const journal = new LevelJournal(dir, 0);
      journal.append('a', 0, pattern(0, 10), 1, 'a'); // seq 1: recorded as written below
      journal.append('b', 0, pattern(0, 20), 2, 'b'); // seq 2: applied
      journal.append('b', 500, pattern(500, 20), 2, 'b'); // seq 3: a gap, left out
      journal.append('b', 20, pattern(20, 30), 2, 'b'); // seq 4: follows seq 2
      journal.close(false);
      await db.put(JOURNAL_KEY, encodeSize(1));
      const { last, warnings } = await replay(db, dir);
      expect(last).toBe(4);
      expect(await storedSize(db, 'a')).toBe(0);
      expect(await storedSize(db, 'b')).toBe(50);
      expect((await stored(db, 'b')).equals(pattern(0, 50))).toBe(true);
      expect(warnings).toEqual([expect.stringMatching(/applied 2 journal entries.*left out 1/)]);
      // Recorded: the same files applied again change nothing.
      expect((await replay(db, dir)).warnings).toEqual([]);
    }));

  it('writes entries to the other file once the batches holding its entries are written', () => {
    const dir = tempDir();
    const journal = new LevelJournal(dir, 0);
    // A 28-byte header, the name, the bytes.
    const entry = 28 + 1 + 100;
    try {
      journal.append('a', 0, pattern(0, 100), 1, 'a');
      const ops: Parameters<LevelJournal['seal']>[0] = [];
      journal.seal(ops, 0, 0); // batch 1 sealed; the other file holds nothing yet
      expect(ops.map((op) => op.key.toString())).toEqual(['journal']);
      journal.append('a', 100, pattern(100, 100), 2, 'a');
      expect(journal.sizes).toEqual([entry, entry]);
      journal.seal([], 0, 0); // batch 2 sealed while batch 1 is not written: file 0 is still needed
      journal.append('a', 200, pattern(200, 100), 3, 'a');
      expect(journal.sizes).toEqual([entry, 2 * entry]);
      journal.seal([], 2, 0); // batches 1 and 2 written: file 0 is written over from its start
      journal.append('a', 300, pattern(300, 100), 4, 'a');
      expect(journal.sizes).toEqual([entry, 2 * entry]);
      const none: Parameters<LevelJournal['seal']>[0] = [];
      journal.seal(none, 2, 0);
      journal.seal(none, 4, 0); // nothing journaled since the last seal: nothing recorded
      expect(none.map((op) => op.key.toString())).toEqual(['journal']);
    } finally {
      journal.close(true);
    }
    for (const name of JOURNAL_FILES) expect(existsSync(join(dir, name))).toBe(false);
  });

  it('after a flush, writes over a file only once LevelDB has synced the batches holding its entries', async () => {
    const dir = tempDir();
    const entry = 28 + 1 + 100;
    // LevelDB is asked for a sync once the current file holds two entries.
    const journal = new LevelJournal(dir, 0, { syncedRotateBytes: 2 * entry });
    try {
      journal.append('a', 0, pattern(0, 100), 1, 'a');
      expect(journal.seal([], 0, 0)).toBe(false); // batch 1 sealed; file 1 is current
      await journal.sync('a'); // file 0's entry is now durable there only
      journal.append('a', 100, pattern(100, 100), 2, 'a');
      // Batch 1 written but not synced: file 0 is kept; file 1 holds one entry, so no sync is asked for yet.
      expect(journal.seal([], 1, 0)).toBe(false);
      journal.append('a', 200, pattern(200, 100), 3, 'a');
      expect(journal.seal([], 1, 0)).toBe(true); // now it is: the batch sealed now is to be synced
      expect(journal.sizes).toEqual([entry, 2 * entry]);
      // Batch 2 written with sync: file 0 is written over.
      expect(journal.seal([], 2, 2)).toBe(false);
      journal.append('a', 300, pattern(300, 100), 4, 'a');
      expect(journal.sizes).toEqual([entry, 2 * entry]);
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
        journal.append(`o${i}`, 0, pattern(0, 50), 1, `o${i}`);
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
