import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES, type BackendName, createBackend, type LogDirectory } from '../../storage/backend/index.js';
import { indexFileName, LogManager, logFileName, timeIndexFileName } from '../../storage/log/index.js';
import { buildRecordBatch, scanBatches, validateBatches } from '../../storage/record/index.js';
import { type Random, seededRandom } from '../record/random.js';

// After a clean shutdown the log engine skips recovery, so it must not trust what it loads: each
// damage below is done to the files of a cleanly closed log, which is then opened again.

const BATCHES = 40; // of 2 records each: offsets 0..79
const END = 2 * BATCHES;
const TIMESTAMP = 1_700_000_000_000;
const settings = { 'index.interval.bytes': 100, 'segment.bytes': 3000 };

/** Batch i: offsets 2i and 2i+1, at timestamp TIMESTAMP + i, sizes varying with i. */
const batch = (i: number) => buildRecordBatch([{ value: `v-${i}-${'x'.repeat(i)}` }, { value: `w-${i}` }], { now: TIMESTAMP + i });

interface Layout {
  /** Segment base offsets, oldest first. */
  bases: number[];
  /** Batch start positions in each segment's .log. */
  positions: Map<number, number[]>;
}

/** What a damage does to the closed log's files, through the backend (LevelDB keeps them inside its database). */
type Damage = (dir: LogDirectory, layout: Layout, random: Random) => Promise<void>;

async function change(dir: LogDirectory, name: string, edit: (bytes: Buffer) => Buffer | undefined): Promise<void> {
  const object = await dir.open(name);
  try {
    const bytes = Buffer.from((await object.read(0, object.size)).bytes);
    const edited = edit(bytes) ?? bytes;
    if (edited.length < object.size) await object.truncate(edited.length);
    await object.write(0, edited);
  } finally {
    await object.close();
  }
}

/** Overwrites the last entry of a segment's .index (relative offset, position). */
const lastIndexEntry = (dir: LogDirectory, base: number, edit: (relative: number, position: number) => [number, number]) =>
  change(dir, indexFileName(base), (bytes) => {
    const at = bytes.length - 8;
    const [relative, position] = edit(bytes.readInt32BE(at), bytes.readInt32BE(at + 4));
    bytes.writeInt32BE(relative, at);
    bytes.writeInt32BE(position, at + 4);
  });

const last = (layout: Layout) => layout.bases[layout.bases.length - 1]!;

interface Case {
  name: string;
  damage: Damage;
  /** The log end once reopened: damaged data is cut, anything else kept. */
  end: number;
  /** What the log says of it: the check that failed at open, or the index entry passed over while reading. */
  warning?: RegExp;
}

const CHECK_FAILED = /fails its checks after a clean shutdown, so it is recovered/;

/** Flips `flips` random bits in every index file (seeded: the test prints its seed when it fails). */
const bitFlips =
  (flips: number): Damage =>
  async (dir, layout, random) => {
    for (const base of layout.bases) {
      for (const name of [indexFileName(base), timeIndexFileName(base)]) {
        await change(dir, name, (bytes) => {
          for (let i = 0; i < flips; i++) bytes[random.int(0, bytes.length - 1)]! ^= 1 << random.int(0, 7);
        });
      }
    }
  };

const CASES: Case[] = [
  {
    name: 'a torn tail: the last batch cut short',
    damage: (dir, layout) => change(dir, logFileName(last(layout)), (bytes) => bytes.subarray(0, bytes.length - 20)),
    end: END - 2,
    warning: CHECK_FAILED,
  },
  {
    name: 'zeros after the last batch (a file extended but never written)',
    damage: (dir, layout) => change(dir, logFileName(last(layout)), (bytes) => Buffer.concat([bytes, Buffer.alloc(4096)])),
    end: END,
    warning: CHECK_FAILED,
  },
  {
    name: 'the last index entry pointing past the data',
    damage: (dir, layout) => lastIndexEntry(dir, last(layout), (relative, position) => [relative, position + 100_000]),
    end: END,
    warning: CHECK_FAILED,
  },
  {
    name: 'the last index entry a few bytes off',
    damage: (dir, layout) => lastIndexEntry(dir, last(layout), (relative, position) => [relative, position + 9]),
    end: END,
    warning: CHECK_FAILED,
  },
  {
    name: 'the last index entry at a negative position (SIGBUS on mmap)',
    damage: (dir, layout) => lastIndexEntry(dir, last(layout), (relative) => [relative, -4096]),
    end: END,
    warning: CHECK_FAILED,
  },
  {
    name: 'the last index entry naming offsets past the segment',
    damage: (dir, layout) => lastIndexEntry(dir, last(layout), (relative, position) => [relative + 3, position]),
    end: END,
    warning: CHECK_FAILED,
  },
  {
    name: "an older segment's last index entry pointing past its data",
    damage: (dir, layout) => lastIndexEntry(dir, layout.bases[0]!, (relative, position) => [relative, position + 100_000]),
    end: END,
    warning: CHECK_FAILED,
  },
  {
    name: 'a middle index entry pointing one batch too far (lookups would skip that batch)',
    damage: async (dir, layout) => {
      const base = layout.bases[0]!;
      const positions = layout.positions.get(base)!;
      await change(dir, indexFileName(base), (bytes) => {
        const at = 8; // the second entry, kept in order: a batch start between its own and the next entry's
        const position = bytes.readInt32BE(at + 4);
        bytes.writeInt32BE(positions[positions.indexOf(position) + 1]!, at + 4);
      });
    },
    end: END,
    warning: /entry 1 .* does not point at a batch ending by its offset; lookups pass over such entries/,
  },
  { name: 'a random bit flipped in every .index and .timeindex', damage: bitFlips(1), end: END },
  { name: 'random bits flipped in every .index and .timeindex (4 each)', damage: bitFlips(4), end: END },
  { name: 'random bits flipped in every .index and .timeindex (16 each)', damage: bitFlips(16), end: END },
  {
    name: 'a bit flipped in the last batch (its CRC fails)',
    damage: (dir, layout) => change(dir, logFileName(last(layout)), (bytes) => void (bytes[bytes.length - 5]! ^= 0x10)),
    end: END - 2,
    warning: CHECK_FAILED,
  },
];

describe.each(BACKEND_NAMES)('a cleanly closed log damaged on disk, then reopened (%s)', (backend: BackendName) => {
  let base: string;
  const warnings: string[] = [];
  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
    warnings.length = 0;
  });
  const open = () =>
    LogManager.open({
      logDirs: [base],
      defaults: { ...settings, 'storage.backend': backend },
      retentionCheckIntervalMs: 0,
      cleanerEnable: false,
      warn: (m) => warnings.push(m),
    });

  /** Writes the log and closes it cleanly; returns where its batches are. */
  async function writeLog(): Promise<Layout> {
    base = mkdtempSync(join(tmpdir(), `samsa-damage-${backend}-`));
    const manager = await open();
    const log = await manager.getOrCreateLog('orders', 0);
    for (let i = 0; i < BATCHES; i++) await log.append(batch(i));
    const bases = log.allSegments.map((s) => s.baseOffset);
    expect(bases.length).toBeGreaterThan(1);
    await manager.close();
    const dir = await createBackend(backend).openDirectory(join(base, 'orders-0'));
    const positions = new Map<number, number[]>();
    try {
      for (const b of bases) {
        const object = await dir.open(logFileName(b));
        const bytes = Buffer.from((await object.read(0, object.size)).bytes);
        await object.close();
        positions.set(
          b,
          scanBatches(bytes).batches.map((v) => v.start),
        );
      }
    } finally {
      await dir.close();
    }
    return { bases, positions };
  }

  it.each(CASES)('$name', async (c) => {
    const { damage, end, warning } = c;
    const layout = await writeLog();
    const dir = await createBackend(backend).openDirectory(join(base, 'orders-0'));
    try {
      await damage(dir, layout, seededRandom(1313 + CASES.indexOf(c)));
    } finally {
      await dir.close();
    }

    let manager = await open();
    try {
      const log = manager.getLog('orders', 0)!;
      expect(log.logEndOffset).toBe(end);
      // Every offset reads from the batch holding it, and the batches read to the end in order, whole.
      let next = 0;
      while (next < end) {
        const { bytes } = await log.read(next, 1 << 20);
        const batches = validateBatches(Buffer.from(bytes));
        expect(batches[0]!.baseOffset).toBe(next);
        next = batches[batches.length - 1]!.nextOffset;
      }
      expect(next).toBe(end);
      for (let offset = 0; offset < end; offset++) {
        const { bytes } = await log.read(offset, 1);
        const [first] = validateBatches(Buffer.from(bytes));
        expect([first!.baseOffset, first!.lastOffset]).toEqual([offset & ~1, offset | 1]);
      }
      for (let i = 0; i < end / 2; i++) expect(await log.offsetForTimestamp(TIMESTAMP + i)).toEqual({ offset: 2 * i, timestamp: TIMESTAMP + i });
      expect((await log.append(batch(BATCHES))).baseOffset).toBe(end);
      if (warning) expect(warnings.join('\n')).toMatch(warning);
    } finally {
      await manager.close();
    }
    // The log opens again, with what it held (checkpoints and all).
    manager = await open();
    try {
      expect(manager.getLog('orders', 0)!.logEndOffset).toBe(end + 2);
    } finally {
      await manager.close();
    }
  });

  it('a log closed cleanly and not damaged opens without a warning', async () => {
    await writeLog();
    const manager = await open();
    try {
      expect(manager.getLog('orders', 0)!.logEndOffset).toBe(END);
    } finally {
      await manager.close();
    }
    expect(warnings).toEqual([]);
  });
});
