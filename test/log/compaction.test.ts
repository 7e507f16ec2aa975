import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompressionType } from '../../codecs/index.js';
import { BACKEND_NAMES, type BackendName, createBackend, type LogDirectory } from '../../storage/backend/index.js';
import { CLEANER_OFFSET_CHECKPOINT } from '../../storage/checkpoint/offset-checkpoint.js';
import { LogConfig } from '../../storage/config/log-config.js';
import { Cleaner, cleanableRange, hashKey, Log, LogCleaner, LogCleaningAbortedError, LogManager, OffsetMap } from '../../storage/log/index.js';
import {
  buildEndTransactionMarkerBatch,
  buildRecordBatch,
  ControlRecordType,
  decodeRecords,
  type RecordBatchOptions,
  RecordBatchView,
  scanBatches,
} from '../../storage/record/index.js';
import { waitFor } from '../wait-for.js';

const T0 = 1_700_000_000_000;

interface Rec {
  key: string | null;
  value: string | null;
  ts?: number;
  headers?: { key: string; value: string | null }[];
}

function batchOf(records: Rec[], options: RecordBatchOptions = {}): Buffer {
  return buildRecordBatch(
    records.map((r) => ({ key: r.key, value: r.value, timestamp: r.ts ?? T0, headers: r.headers })),
    options,
  );
}

interface Stored {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

/** Every batch and record of the log, read the way a consumer would, from the log start to its end. */
async function readLog(log: Log): Promise<{ batches: RecordBatchView[]; records: Stored[] }> {
  const batches: RecordBatchView[] = [];
  const records: Stored[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { bytes } = await log.read(offset, 1 << 20);
    const scan = scanBatches(Buffer.from(bytes));
    if (scan.batches.length === 0) break;
    for (const batch of scan.batches) {
      batch.validate(); // the CRC of every rewritten batch is right
      batches.push(batch);
      for (const r of decodeRecords(batch)) {
        if (batch.isControl) continue;
        records.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp });
      }
    }
    offset = scan.batches[scan.batches.length - 1]!.nextOffset;
  }
  return { batches, records };
}

const pairs = (records: Stored[]) => records.map((r) => [r.offset, r.key, r.value]);

async function objectNames(dir: LogDirectory, suffix: string): Promise<string[]> {
  return (await dir.list()).filter((n) => n.endsWith(suffix));
}

/** Copies an object between two directories (any backend). */
async function copyObject(from: LogDirectory, to: LogDirectory, name: string, toName: string): Promise<void> {
  const bytes = await from.readAll(name);
  const target = await to.open(toName, { create: true });
  await target.truncate(0);
  await target.append(bytes);
  await target.flush();
  await target.close();
}

describe('OffsetMap and its key hash', () => {
  it('hashes keys as the reference MurmurHash3 x86 128-bit does', () => {
    const out = new Int32Array(4);
    const vectors: [string, number[]][] = [
      ['', [0, 0, 0, 0]],
      ['a', [-1483435204, 1431744539, 1431744539, 1431744539]],
      ['hello', [723797152, -611197193, -1696910922, -1696910922]],
      ['hello world!!!!!', [-1566454608, -1567335636, 1792834005, -1342537581]],
      ['The quick brown fox jumps over the lazy dog', [789939139, -319935385, 1568405100, -437707476]],
    ];
    for (const [text, expected] of vectors) {
      hashKey(Buffer.from(text), out);
      expect([...out]).toEqual(expected);
    }
    hashKey(Buffer.from(Array.from({ length: 37 }, (_, i) => i)), out);
    expect([...out]).toEqual([561981582, -869414210, -1113918013, -1562548544]);
  });

  it('keeps the latest offset per key, grows as keys arrive and says when it is full', () => {
    const map = new OffsetMap(24 * 16384, 0.5); // 16384 slots: full at 8192 keys
    expect(map.capacity).toBe(8192);
    for (let i = 0; i < 8000; i++) map.put(Buffer.from(`key-${i}`), i);
    map.put(Buffer.from('key-7'), 9000);
    map.put(Buffer.from('key-8'), 3); // an older offset does not replace a newer one
    expect(map.size).toBe(8000);
    expect(map.get(Buffer.from('key-7'))).toBe(9000);
    expect(map.get(Buffer.from('key-8'))).toBe(8);
    expect(map.get(Buffer.from('key-7999'))).toBe(7999);
    expect(map.get(Buffer.from('absent'))).toBe(-1);
    expect(map.isFull).toBe(false);
    for (let i = 8000; i < 8192; i++) map.put(Buffer.from(`key-${i}`), i);
    expect(map.isFull).toBe(true);
    map.clear();
    expect([map.size, map.get(Buffer.from('key-1')), map.latestOffset]).toEqual([0, -1, -1]);
  });
});

// Compaction runs on every backend: the same tests, once per backend, with the
// record work in the cleaner's worker thread; and once more on the file
// backend with it on the main thread (threads: 0, the fallback).
const MODES: [BackendName, 'worker thread' | 'main thread'][] = [
  ...BACKEND_NAMES.map((n) => [n, 'worker thread'] as [BackendName, 'worker thread']),
  ['file', 'main thread'],
];
describe.each(MODES)('log compaction on the %s backend, record work in the %s', (name: BackendName, mode) => {
  const threads = mode === 'worker thread' ? 1 : 0;
  let path: string;
  let dir: LogDirectory;
  let now: number;
  const warnings: string[] = [];
  const clock = () => now;
  const compactConfig = (overrides: Record<string, unknown> = {}) =>
    LogConfig.from({ 'storage.backend': name, 'cleanup.policy': 'compact', 'segment.bytes': 1 << 20, 'file.delete.delay.ms': 0, ...overrides });
  const open = (config: LogConfig, options = {}) => Log.open(dir, config, { warn: (m) => warnings.push(m), now: clock, ...options });
  const clean = (log: Log, checkpoint?: number) => LogCleaner.cleanLog(log, { checkpoint, now: clock, ioBufferSize: 4096, threads });
  /** Rolls so everything written is in inactive segments, and lets the cleaner see all of it. */
  const settle = async (log: Log) => {
    await log.roll();
    log.highWatermark = log.logEndOffset;
  };

  beforeEach(async () => {
    path = mkdtempSync(join(tmpdir(), `samsa-compact-${name}-`));
    dir = await createBackend(name).openDirectory(path);
    warnings.length = 0;
    now = T0 + 3_600_000;
  });
  afterEach(async () => {
    await dir.close();
    rmSync(path, { recursive: true, force: true });
  });

  it('keeps the latest value of each key at its original offset, and reads across the cleaned segments', async () => {
    const log = await open(compactConfig({ 'segment.bytes': 700, 'index.interval.bytes': 100 }));
    // Six rounds over ten keys, two keys per batch: key i of round r is offset 10r + i.
    for (let round = 0; round < 6; round++) {
      for (let j = 0; j < 5; j++) {
        await log.append(batchOf([0, 1].map((d) => ({ key: `k${2 * j + d}`, value: `r${round}-k${2 * j + d}`.padEnd(30, '.') }))));
      }
    }
    await settle(log);
    const segmentsBefore = log.segmentCount;
    const sizeBefore = log.sizeInBytes;
    expect(segmentsBefore).toBe(7); // six full segments and the active one

    const result = await clean(log);
    expect(result.firstDirtyOffset).toBe(0);
    expect(result.endOffset).toBe(60);
    expect(result.stats.recordsRead).toBe(60);
    expect(result.stats.recordsWritten).toBe(10);
    const expected = Array.from({ length: 10 }, (_, i) => [50 + i, `k${i}`, `r5-k${i}`.padEnd(30, '.')]);
    expect(pairs((await readLog(log)).records)).toEqual(expected);
    expect(log.sizeInBytes).toBeLessThan(sizeBefore / 4);
    expect(log.logEndOffset).toBe(60);
    expect(log.logStartOffset).toBe(0);

    // Reads that land in a gap get the next batch; reads inside a kept batch get that batch.
    expect((await log.read(0, 1 << 20)).firstOffset).toBe(50);
    expect((await log.read(25, 1 << 20)).firstOffset).toBe(50);
    expect((await log.read(53, 1 << 20)).firstOffset).toBe(52);
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 50, timestamp: T0 });
    expect(await objectNames(dir, '.cleaned')).toEqual([]);
    expect(await objectNames(dir, '.swap')).toEqual([]);
    expect(await objectNames(dir, '.deleted')).toEqual([]);

    // Appends go on at the same offsets; a second cleaning merges the shrunken segments.
    expect(await log.append(batchOf([{ key: 'k0', value: 'r6-k0' }]))).toMatchObject({ baseOffset: 60 });
    await settle(log);
    const second = await clean(log, result.endOffset);
    expect(second.firstDirtyOffset).toBe(60);
    expect(second.endOffset).toBe(61);
    // Five 139-byte batches filled each 700-byte segment, one per round. Groups stay within segment.bytes:
    // the emptied segments 0–40 with segment 50 (656 bytes once k0 left it), then segment 60 alone.
    expect(log.allSegments.map((s) => [s.baseOffset, s.size])).toEqual([
      [0, 656],
      [60, 75],
      [61, 0],
    ]);
    expect(log.segmentCount).toBeLessThan(segmentsBefore);
    expect(pairs((await readLog(log)).records)).toEqual([...expected.slice(1), [60, 'k0', 'r6-k0']]);

    // The cleaned log reopens as it was.
    await log.close();
    const reopened = await open(compactConfig({ 'segment.bytes': 700, 'index.interval.bytes': 100 }));
    expect(reopened.logEndOffset).toBe(61);
    expect(pairs((await readLog(reopened)).records)).toEqual([...expected.slice(1), [60, 'k0', 'r6-k0']]);
    await reopened.close();
    expect(warnings).toEqual([]);
  });

  it('rewrites a batch keeping offsets, timestamps, headers, producer fields and leader epoch; drops keyless records', async () => {
    const log = await open(compactConfig());
    const producer = { producerId: 7, producerEpoch: 3, baseSequence: 10 };
    await log.append(
      batchOf(
        [
          { key: 'a', value: 'a1', ts: T0 + 1, headers: [{ key: 'h', value: 'x' }] },
          { key: 'b', value: 'b1', ts: T0 + 2 },
          { key: null, value: 'no key', ts: T0 + 3 },
          { key: 'c', value: 'c1', ts: T0 + 4, headers: [{ key: 'trace', value: null }] },
          { key: 'b', value: 'b2', ts: T0 + 5 },
        ],
        producer,
      ),
      { leaderEpoch: 4 },
    );
    await log.append(batchOf([{ key: 'c', value: 'c2', ts: T0 + 6 }]), { leaderEpoch: 5 });
    await settle(log);
    const result = await clean(log);
    expect(result.stats.invalidRecords).toBe(1);

    const { batches } = await readLog(log);
    expect(batches.map((b) => [b.baseOffset, b.lastOffset, b.recordCount])).toEqual([
      [0, 4, 2],
      [5, 5, 1],
    ]);
    const rewritten = batches[0]!;
    expect([rewritten.producerId, rewritten.producerEpoch, rewritten.baseSequence, rewritten.partitionLeaderEpoch]).toEqual([7, 3, 10, 4]);
    expect(rewritten.hasDeleteHorizonMs).toBe(false);
    const kept = [...decodeRecords(rewritten)].map((r) => [
      r.offset,
      r.key!.toString(),
      r.value!.toString(),
      r.timestamp,
      r.headers.map((h) => [h.key, h.value?.toString() ?? null]),
    ]);
    expect(kept).toEqual([
      [0, 'a', 'a1', T0 + 1, [['h', 'x']]],
      [4, 'b', 'b2', T0 + 5, []],
    ]);
    expect(rewritten.maxTimestamp).toBe(T0 + 5);
    await log.close();
  });

  for (const codec of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    it(`keeps ${CompressionType[codec]} batches compressed with the same codec`, async () => {
      const log = await open(compactConfig());
      const first = batchOf(
        Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `first-${i}-`.repeat(8) })),
        { compression: codec },
      );
      await log.append(first);
      await log.append(
        batchOf(
          [
            { key: 'k3', value: 'second-3' },
            { key: 'k11', value: 'second-11' },
          ],
          { compression: codec },
        ),
      );
      await log.append(batchOf([{ key: 'z', value: 'untouched' }], { compression: codec }));
      await settle(log);
      const result = await clean(log);
      expect(result.stats.batchesRewritten).toBe(1);
      expect(result.stats.batchesCopied).toBe(2);

      const { batches, records } = await readLog(log);
      expect(batches.map((b) => b.compression)).toEqual([codec, codec, codec]);
      expect(batches[0]!.recordCount).toBe(18);
      expect(batches[0]!.sizeInBytes).toBeLessThan(first.length);
      expect(records.map((r) => r.offset)).toEqual([...Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 3 && i !== 11), 20, 21, 22]);
      expect(records.find((r) => r.key === 'k3')!.value).toBe('second-3');
      expect(records.find((r) => r.key === 'k4')!.value).toBe('first-4-'.repeat(8));
      await log.close();
    });
  }

  it('keeps tombstones until delete.retention.ms after their first cleaning, then removes them', async () => {
    const log = await open(compactConfig({ 'delete.retention.ms': 10_000 }));
    await log.append(
      batchOf([
        { key: 'gone', value: 'v1' },
        { key: 'stays', value: 's1' },
      ]),
    );
    await log.append(batchOf([{ key: 'gone', value: null }]));
    await settle(log);
    const cleanedAt = now;
    let result = await clean(log);
    let { batches, records } = await readLog(log);
    expect(pairs(records)).toEqual([
      [1, 'stays', 's1'],
      [2, 'gone', null],
    ]);
    // The batch holding the tombstone now carries its delete horizon (KIP-534).
    expect(batches[1]!.hasDeleteHorizonMs).toBe(true);
    expect(batches[1]!.deleteHorizonMs).toBe(cleanedAt + 10_000);
    expect(batches[0]!.hasDeleteHorizonMs).toBe(false);

    // Before the horizon, a later cleaning keeps it.
    now = cleanedAt + 9_999;
    await log.append(batchOf([{ key: 'other', value: 'o1' }]));
    await settle(log);
    result = await clean(log, result.endOffset);
    expect(pairs((await readLog(log)).records)).toEqual([
      [1, 'stays', 's1'],
      [2, 'gone', null],
      [3, 'other', 'o1'],
    ]);

    // From the horizon on, the next cleaning removes it.
    now = cleanedAt + 10_000;
    await log.append(batchOf([{ key: 'other', value: 'o2' }]));
    await settle(log);
    result = await clean(log, result.endOffset);
    expect(result.stats.deletesRemoved).toBe(1);
    ({ batches, records } = await readLog(log));
    expect(pairs(records)).toEqual([
      [1, 'stays', 's1'],
      [4, 'other', 'o2'],
    ]);
    await log.close();
  });

  it('leaves records younger than min.compaction.lag.ms uncleaned', async () => {
    const log = await open(compactConfig({ 'min.compaction.lag.ms': 60_000 }));
    await log.append(
      batchOf([
        { key: 'k', value: 'old', ts: now - 120_000 },
        { key: 'j', value: 'j-old', ts: now - 120_000 },
      ]),
    );
    await log.roll();
    await log.append(batchOf([{ key: 'k', value: 'young', ts: now - 1_000 }]));
    await log.append(batchOf([{ key: 'j', value: 'j-young', ts: now - 1_000 }]));
    await settle(log);
    let result = await clean(log);
    // Only the old segment was cleanable: the young one's newer values could not yet replace the old ones.
    expect(result.endOffset).toBe(2);
    expect(pairs((await readLog(log)).records)).toEqual([
      [0, 'k', 'old'],
      [1, 'j', 'j-old'],
      [2, 'k', 'young'],
      [3, 'j', 'j-young'],
    ]);
    now += 60_000;
    result = await clean(log, result.endOffset);
    expect(result.endOffset).toBe(4);
    expect(pairs((await readLog(log)).records)).toEqual([
      [2, 'k', 'young'],
      [3, 'j', 'j-young'],
    ]);
    await log.close();
  });

  it('never touches the active segment', async () => {
    const log = await open(compactConfig());
    await log.append(batchOf([{ key: 'k', value: '1' }]));
    await log.roll();
    await log.append(batchOf([{ key: 'k', value: '2' }]));
    await log.append(batchOf([{ key: 'k', value: '3' }]));
    log.highWatermark = log.logEndOffset;
    const active = log.allSegments[log.allSegments.length - 1]!;
    const activeSize = active.size;
    const result = await clean(log);
    expect(result.endOffset).toBe(1); // the active segment's base
    expect(log.allSegments[log.allSegments.length - 1]).toBe(active);
    expect(active.size).toBe(activeSize);
    // The cleaned range kept offset 0: nothing newer for 'k' lies in it.
    expect(pairs((await readLog(log)).records)).toEqual([
      [0, 'k', '1'],
      [1, 'k', '2'],
      [2, 'k', '3'],
    ]);
    await log.close();
  });

  it('does not clean past the high watermark', async () => {
    const log = await open(compactConfig());
    await log.append(batchOf([{ key: 'k', value: '1' }]));
    await log.roll();
    await log.append(batchOf([{ key: 'k', value: '2' }]));
    await log.roll();
    log.highWatermark = 1; // offset 1 is not yet replicated
    const result = await clean(log);
    expect(result.endOffset).toBe(1);
    expect(pairs((await readLog(log)).records).map((p) => p[2])).toEqual(['1', '2']);
    await log.close();
  });

  it("keeps an emptied batch as a header when it is its producer's last, so its sequence survives", async () => {
    const log = await open(compactConfig());
    await log.append(batchOf([{ key: 'k', value: 'from producer 5' }], { producerId: 5, producerEpoch: 2, baseSequence: 41 }));
    await log.append(batchOf([{ key: 'k', value: 'from another' }]));
    await log.append(batchOf([{ key: 'j', value: 'last of the round' }]));
    await settle(log);
    await clean(log);
    const { batches, records } = await readLog(log);
    expect(pairs(records)).toEqual([
      [1, 'k', 'from another'],
      [2, 'j', 'last of the round'],
    ]);
    expect(batches.map((b) => [b.baseOffset, b.recordCount, b.producerId, b.producerEpoch, b.baseSequence])).toEqual([
      [0, 0, 5, 2, 41],
      [1, 1, -1, -1, -1],
      [2, 1, -1, -1, -1],
    ]);
    expect(batches[0]!.maxTimestamp).toBe(T0);
    await log.close();
  });

  it("drops aborted transactions' records (never mapped) and stops before an undecided transaction", async () => {
    const log = await open(compactConfig());
    const txn = (producerId: number) => ({ producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true });
    const marker = (type: ControlRecordType, producerId: number) =>
      buildEndTransactionMarkerBatch({ type, coordinatorEpoch: 0 }, { producerId, producerEpoch: 0, timestamp: T0 });
    await log.append(batchOf([{ key: 'k1', value: 'a' }])); // 0
    await log.append(batchOf([{ key: 'k1', value: 'aborted' }], txn(9))); // 1
    await log.append(marker(ControlRecordType.Abort, 9)); // 2
    await log.append(batchOf([{ key: 'k2', value: 'c' }])); // 3
    await log.append(batchOf([{ key: 'k2', value: 'committed' }], txn(10))); // 4
    await log.append(marker(ControlRecordType.Commit, 10)); // 5
    await log.append(batchOf([{ key: 'k3', value: 'e' }])); // 6
    await settle(log);
    expect(log.collectAbortedTransactions(0, log.logEndOffset)).toEqual([{ producerId: 9, firstOffset: 1, lastOffset: 2, lastStableOffset: 3 }]);
    let result = await clean(log);
    expect(result.endOffset).toBe(7);
    let { batches, records } = await readLog(log);
    // 'a' survives: the aborted write does not count as newer, and goes (Kafka's cleaner drops aborted data). The committed one replaced 'c'.
    expect(pairs(records)).toEqual([
      [0, 'k1', 'a'],
      [4, 'k2', 'committed'],
      [6, 'k3', 'e'],
    ]);
    expect(result.stats.abortedRecordsRemoved).toBe(1);
    // The ABORT marker stays while its transaction had data in this pass, and so does its `.txnindex` entry, now the cleaned segment's.
    expect(batches.filter((b) => b.isControl).map((b) => b.baseOffset)).toEqual([2, 5]);
    expect(log.collectAbortedTransactions(0, log.logEndOffset)).toEqual([{ producerId: 9, firstOffset: 1, lastOffset: 2, lastStableOffset: 3 }]);

    await log.append(batchOf([{ key: 'k1', value: 'pending' }], txn(11))); // 7
    await log.append(batchOf([{ key: 'k1', value: 'g' }])); // 8
    await settle(log);
    result = await clean(log, result.endOffset);
    expect(log.lastStableOffset).toBe(7);
    expect(result.endOffset).toBe(7); // producer 11's transaction is undecided: nothing past it is cleaned
    expect((await readLog(log)).records.length).toBe(5);

    await log.append(marker(ControlRecordType.Commit, 11)); // 9
    await settle(log);
    result = await clean(log, result.endOffset);
    expect(result.endOffset).toBe(10);
    ({ batches, records } = await readLog(log));
    expect(pairs(records)).toEqual([
      [4, 'k2', 'committed'],
      [6, 'k3', 'e'],
      [8, 'k1', 'g'],
    ]);
    expect(batches.filter((b) => b.isControl).map((b) => [b.baseOffset, b.producerId])).toEqual([
      [2, 9],
      [5, 10],
      [9, 11],
    ]);
    // The aborted transaction has no data left: its marker waits out delete.retention.ms, its index entry went.
    expect(log.collectAbortedTransactions(0, log.logEndOffset)).toEqual([]);
    await log.close();
  });

  it("swaps the .txnindex with its segment: a cleaned segment keeps the entries of the ABORT markers it keeps, the replaced ones' go", async () => {
    const log = await open(compactConfig({ 'segment.bytes': 300 }));
    const txn = { producerId: 9, producerEpoch: 0, baseSequence: 0, isTransactional: true };
    await log.append(batchOf([{ key: 'k1', value: 'aborted' }], txn)); // 0
    await log.append(batchOf([{ key: 'k2', value: 'y' }])); // 1
    await log.append(
      buildEndTransactionMarkerBatch({ type: ControlRecordType.Abort, coordinatorEpoch: 0 }, { producerId: 9, producerEpoch: 0, timestamp: T0 }),
    ); // 2
    await log.roll();
    await log.append(batchOf([{ key: 'k2', value: 'z' }])); // 3
    await settle(log);
    const base = (offset: number) => `${String(offset).padStart(20, '0')}.txnindex`;
    const entry = await dir.readAll(base(0));
    expect(entry.length).toBe(34);
    expect(await objectNames(dir, '.txnindex')).toEqual([base(0)]);

    await clean(log);
    expect(pairs((await readLog(log)).records)).toEqual([[3, 'k2', 'z']]);
    // The first pass read the transaction's record (and dropped it): its marker and entry stay, in the cleaned segment's index.
    expect(await objectNames(dir, '.txnindex')).toEqual([base(0)]);
    expect(await dir.readAll(base(0))).toEqual(entry);
    expect([...(await objectNames(dir, '.cleaned')), ...(await objectNames(dir, '.swap')), ...(await objectNames(dir, '.deleted'))]).toEqual([]);

    await log.append(batchOf([{ key: 'k3', value: 'dirt' }]));
    await settle(log);
    await clean(log, 0);
    // The second found no data left: the entry went (the marker waits for delete.retention.ms).
    expect(await objectNames(dir, '.txnindex')).toEqual([]);
    expect((await readLog(log)).batches.filter((b) => b.isControl).map((b) => b.baseOffset)).toEqual([2]);
    await log.close();
  });

  it("drops an aborted transaction's records even when its ABORT marker lies past the cleaned segments (the .txnindex tells)", async () => {
    const log = await open(compactConfig());
    await log.append(batchOf([{ key: 'k1', value: 'aborted' }], { producerId: 5, producerEpoch: 0, baseSequence: 0, isTransactional: true })); // 0
    await log.append(batchOf([{ key: 'k2', value: 'kept' }])); // 1
    await log.roll();
    await log.append(
      buildEndTransactionMarkerBatch({ type: ControlRecordType.Abort, coordinatorEpoch: 0 }, { producerId: 5, producerEpoch: 0, timestamp: T0 }),
    ); // 2, in the active segment
    log.highWatermark = log.logEndOffset;
    const result = await clean(log);
    expect(result.endOffset).toBe(2);
    expect(pairs((await readLog(log)).records)).toEqual([[1, 'k2', 'kept']]);
    await log.close();
  });

  it("rebuilds a swapped-in segment's .txnindex when a crash interrupted the swap", async () => {
    let log = await open(compactConfig());
    const txn = { producerId: 4, producerEpoch: 0, baseSequence: 0, isTransactional: true };
    await log.append(batchOf([{ key: 'k', value: 'x' }], txn)); // 0
    await log.append(
      buildEndTransactionMarkerBatch({ type: ControlRecordType.Abort, coordinatorEpoch: 0 }, { producerId: 4, producerEpoch: 0, timestamp: T0 }),
    ); // 1
    await log.append(batchOf([{ key: 'k', value: 'y' }])); // 2
    await log.close();
    const index = await dir.readAll('00000000000000000000.txnindex');
    // The segment as a swap whose indexes are gone: a replacement the crash cut after step 3.
    await dir.rename('00000000000000000000.log', '00000000000000000000.log.swap');
    for (const n of ['00000000000000000000.index', '00000000000000000000.timeindex', '00000000000000000000.txnindex']) await dir.delete(n);
    log = await open(compactConfig());
    expect(warnings).toEqual([`${path}: completing the replacement of cleaned segment 0 that a crash interrupted`]);
    expect(await dir.readAll('00000000000000000000.txnindex')).toEqual(index);
    expect(log.collectAbortedTransactions(0, 3)).toEqual([{ producerId: 4, firstOffset: 0, lastOffset: 1, lastStableOffset: 2 }]);
    await log.close();
  });

  it('serves reads running during a cleaning: every record at its offset, from the old or the cleaned segments', async () => {
    const log = await open(compactConfig({ 'segment.bytes': 1500 }));
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 6; i++) await log.append(batchOf([{ key: `k${i}`, value: `r${round}-${i}`.padEnd(40, '.') }]));
    }
    await settle(log);
    const original = new Map((await readLog(log)).records.map((r) => [r.offset, r.value]));
    const readers = Array.from({ length: 8 }, async () => {
      const seen: Stored[][] = [];
      for (let i = 0; i < 6; i++) seen.push((await readLog(log)).records);
      return seen;
    });
    const [result, ...views] = await Promise.all([clean(log), ...readers]);
    expect(result.stats.groupsCleaned).toBeGreaterThan(2); // several swaps happened under the readers
    const latest = Array.from({ length: 6 }, (_, i) => 42 + i);
    for (const records of views.flat()) {
      const offsets = records.map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(new Set(offsets).size).toBe(offsets.length);
      for (const r of records) expect(r.value).toBe(original.get(r.offset));
      expect(offsets.slice(-6)).toEqual(latest);
    }
    expect((await readLog(log)).records.map((r) => r.offset)).toEqual(latest);
    await log.close();
  });

  it('lets truncation and close abort a cleaning, which leaves no .cleaned files and the data whole', async () => {
    const log = await open(compactConfig());
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 5; i++) await log.append(batchOf([{ key: `k${i}`, value: `r${round}-${i}`.padEnd(50, '.') }]));
    }
    await settle(log);
    const before = pairs((await readLog(log)).records);
    const events: string[] = [];
    const cleanAndThen = (interrupt: () => Promise<unknown>) => {
      let checks = 0;
      let interruption: Promise<void> | undefined;
      const cleaning = log.runCleaning(async (signal) => {
        const range = await cleanableRange(log, undefined, now);
        return new Cleaner({ ioBufferSize: 256, threads }).clean(log, range, now, () => {
          if (++checks === 4) interruption = interrupt().then(() => void events.push('interrupted'));
          signal.throwIfAborted();
        });
      });
      return {
        cleaning: cleaning.catch((e: unknown) => {
          events.push('cleaning stopped');
          return e;
        }),
        interruption: () => interruption,
      };
    };

    const first = cleanAndThen(() => log.truncateTo(24));
    expect(await first.cleaning).toBeInstanceOf(LogCleaningAbortedError);
    await first.interruption();
    expect(events).toEqual(['cleaning stopped', 'interrupted']);
    expect(await objectNames(dir, '.cleaned')).toEqual([]);
    expect(pairs((await readLog(log)).records)).toEqual(before.slice(0, 24));

    await settle(log); // truncation made segment 0 active again
    const second = cleanAndThen(() => log.close());
    expect(await second.cleaning).toBeInstanceOf(LogCleaningAbortedError);
    await second.interruption();
    expect(await objectNames(dir, '.cleaned')).toEqual([]);
    const reopened = await open(compactConfig());
    expect(pairs((await readLog(reopened)).records)).toEqual(before.slice(0, 24));
    await reopened.close();
    expect(warnings).toEqual([]);
  });

  it('removes the marker of a transaction whose records are all gone, delete.retention.ms after it was first found empty', async () => {
    const log = await open(compactConfig({ 'delete.retention.ms': 5_000 }));
    const txn = { producerId: 20, producerEpoch: 1, baseSequence: 0, isTransactional: true };
    const commit = () =>
      buildEndTransactionMarkerBatch({ type: ControlRecordType.Commit, coordinatorEpoch: 0 }, { producerId: 20, producerEpoch: 1, timestamp: T0 });
    await log.append(batchOf([{ key: 'k', value: 'in txn' }], txn)); // 0
    await log.append(commit()); // 1
    await log.append(batchOf([{ key: 'k', value: 'plain' }])); // 2
    await log.append(batchOf([{ key: 'j', value: 'later txn' }], { ...txn, baseSequence: 1 })); // 3
    await log.append(commit()); // 4: producer 20's last batch, which always stays
    const controls = async () =>
      (await readLog(log)).batches.filter((b) => b.isControl).map((b) => [b.baseOffset, b.hasDeleteHorizonMs ? b.deleteHorizonMs : null]);
    const pass = async (checkpoint: number | undefined, key: string) => {
      await log.append(batchOf([{ key, value: 'dirt' }]));
      await settle(log);
      return (await clean(log, checkpoint)).endOffset;
    };

    // First cleaning: the transaction's record goes, its marker stays (its data was still read).
    let checkpoint = await pass(undefined, 'x');
    expect(pairs((await readLog(log)).records).map((p) => p[0])).toEqual([2, 3, 5]);
    expect(await controls()).toEqual([
      [1, null],
      [4, null],
    ]);
    // Second: the marker closes an empty transaction, so it gets its delete horizon.
    const second = now;
    checkpoint = await pass(checkpoint, 'y');
    expect(await controls()).toEqual([
      [1, second + 5_000],
      [4, null],
    ]);
    // Past the horizon it goes; the producer's last marker stays.
    now = second + 5_000;
    await pass(checkpoint, 'z');
    expect(await controls()).toEqual([[4, null]]);
    expect(pairs((await readLog(log)).records).map((p) => p[0])).toEqual([2, 3, 5, 6, 7]);
    await log.close();
  });

  describe('crash recovery', () => {
    // Two logs written alike: the twin is cleaned for real, and its cleaned
    // segment planted in the first log's directory under a temporary suffix,
    // as a crash would leave it.
    let twinPath: string;
    let twin: LogDirectory;
    const config = () => compactConfig({ 'index.interval.bytes': 50 });
    const write = async (log: Log) => {
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 4; i++) await log.append(batchOf([{ key: `k${i}`, value: `r${round}-${i}` }]));
        await log.roll();
      }
      log.highWatermark = log.logEndOffset;
    };
    const compacted = [
      [8, 'k0', 'r2-0'],
      [9, 'k1', 'r2-1'],
      [10, 'k2', 'r2-2'],
      [11, 'k3', 'r2-3'],
    ];
    const uncompacted = Array.from({ length: 12 }, (_, o) => [o, `k${o % 4}`, `r${Math.floor(o / 4)}-${o % 4}`]);

    beforeEach(async () => {
      twinPath = mkdtempSync(join(tmpdir(), `samsa-compact-twin-${name}-`));
      twin = await createBackend(name).openDirectory(twinPath);
      const twinLog = await Log.open(twin, config(), { now: clock });
      await write(twinLog);
      await LogCleaner.cleanLog(twinLog, { now: clock, threads });
      await twinLog.close();
      const log = await open(config());
      await write(log);
      await log.close();
      expect((await objectNames(dir, '.log')).length).toBe(4);
    });
    afterEach(async () => {
      await twin.close();
      rmSync(twinPath, { recursive: true, force: true });
    });

    const plant = async (suffixes: { log: string; index: string; timeindex: string }) => {
      const base = '00000000000000000000';
      await copyObject(twin, dir, `${base}.log`, `${base}.log${suffixes.log}`);
      await copyObject(twin, dir, `${base}.index`, `${base}.index${suffixes.index}`);
      await copyObject(twin, dir, `${base}.timeindex`, `${base}.timeindex${suffixes.timeindex}`);
    };

    it('deletes a .cleaned segment left by a crash before the swap; the log keeps its old segments', async () => {
      await plant({ log: '.cleaned', index: '.cleaned', timeindex: '.cleaned' });
      const log = await open(config());
      expect(await objectNames(dir, '.cleaned')).toEqual([]);
      expect(pairs((await readLog(log)).records)).toEqual(uncompacted);
      expect(log.segmentCount).toBe(4);
      // And it can be cleaned again.
      log.highWatermark = log.logEndOffset;
      await clean(log);
      expect(pairs((await readLog(log)).records)).toEqual(compacted);
      await log.close();
      expect(warnings).toEqual([]);
    });

    it('undoes a swap whose .cleaned → .swap renames a crash cut short', async () => {
      await plant({ log: '.swap', index: '.cleaned', timeindex: '.cleaned' });
      const log = await open(config());
      expect([...(await objectNames(dir, '.cleaned')), ...(await objectNames(dir, '.swap'))]).toEqual([]);
      expect(pairs((await readLog(log)).records)).toEqual(uncompacted);
      await log.close();
    });

    it('completes a swap interrupted before the replaced segments were removed', async () => {
      await plant({ log: '.swap', index: '.swap', timeindex: '.swap' });
      const log = await open(config());
      expect(await objectNames(dir, '.swap')).toEqual([]);
      expect(pairs((await readLog(log)).records)).toEqual(compacted);
      expect(log.segmentCount).toBe(2);
      expect(warnings).toEqual([`${path}: completing the replacement of cleaned segment 0 that a crash interrupted`]);
      expect(await log.append(batchOf([{ key: 'k0', value: 'after' }]))).toMatchObject({ baseOffset: 12 });
      await log.close();
    });

    it('completes a swap interrupted halfway through its final renames', async () => {
      // Crash state: replaced segments already renamed .deleted, the indexes renamed final, the .log still .swap.
      for (const n of await dir.list())
        if (/^\d{20}\.(log|index|timeindex)$/.test(n) && !n.startsWith('00000000000000000012')) await dir.rename(n, `${n}.deleted`);
      await plant({ log: '.swap', index: '', timeindex: '' });
      const log = await open(config());
      expect([...(await objectNames(dir, '.swap')), ...(await objectNames(dir, '.deleted'))]).toEqual([]);
      expect(pairs((await readLog(log)).records)).toEqual(compacted);
      expect(await log.offsetForTimestamp(0)).toEqual({ offset: 8, timestamp: T0 });
      await log.close();
    });
  });

  describe('through the LogManager', () => {
    let manager: LogManager;
    const openManager = (defaults: Record<string, unknown> = {}) =>
      LogManager.open({
        logDirs: [path],
        defaults: { 'storage.backend': name, 'cleanup.policy': 'compact', 'file.delete.delay.ms': 0, ...defaults },
        retentionCheckIntervalMs: 0,
        cleanerEnable: false,
        cleanerThreads: threads,
        now: clock,
        warn: (m) => warnings.push(m),
      });
    const fill = async (log: Log, rounds: number, keys = 4, ts = T0) => {
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < keys; i++) await log.append(batchOf([{ key: `k${i}`, value: `value-${round}-${i}`, ts }]));
      }
      await settle(log);
    };

    beforeEach(async () => {
      // The manager opens the log dir itself.
      await dir.close();
    });
    afterEach(async () => {
      await manager.close();
      dir = await createBackend(name).openDirectory(path);
    });

    it('cleans only logs whose dirty ratio exceeds min.cleanable.dirty.ratio, the dirtiest first', async () => {
      manager = await openManager();
      const a = await manager.getOrCreateLog('a', 0);
      await fill(a, 2);
      expect((await manager.cleaner.cleanNow())?.key).toBe('a-0');
      expect((await readLog(a)).records.length).toBe(4);

      // A small dirty section: a third of the log, below the 0.5 ratio.
      await fill(a, 1, 2);
      const small = (await manager.cleaner.measure()).get('a-0')!;
      expect(small.cleanableRatio).toBeCloseTo(1 / 3, 5);
      expect(await manager.cleaner.cleanNow()).toBeUndefined();
      expect((await readLog(a)).records.length).toBe(6);

      // Past the ratio; a fresh log b is dirtier still (ratio 1) and goes first.
      await fill(a, 2);
      const b = await manager.getOrCreateLog('b', 0);
      await fill(b, 3);
      const ratios = await manager.cleaner.measure();
      expect(ratios.get('a-0')!.cleanableRatio).toBeGreaterThan(0.5);
      expect(ratios.get('b-0')!.cleanableRatio).toBe(1);
      expect((await manager.cleaner.cleanNow())?.key).toBe('b-0');
      expect((await manager.cleaner.cleanNow())?.key).toBe('a-0');
      expect(await manager.cleaner.cleanNow()).toBeUndefined();
      expect(pairs((await readLog(a)).records).map((p) => p[2])).toEqual(['value-1-0', 'value-1-1', 'value-1-2', 'value-1-3']);
      expect(pairs((await readLog(b)).records).map((p) => p[2])).toEqual(['value-2-0', 'value-2-1', 'value-2-2', 'value-2-3']);
    });

    it('cleans a log below the ratio once its oldest dirty record passes max.compaction.lag.ms', async () => {
      // A ratio of 1 is never exceeded: only max.compaction.lag.ms can make this log cleanable.
      manager = await openManager({ 'min.cleanable.dirty.ratio': 1, 'max.compaction.lag.ms': 60_000 });
      const log = await manager.getOrCreateLog('lagged', 0);
      await fill(log, 2, 4, now);
      now += 60_000;
      expect((await manager.cleaner.measure()).get('lagged-0')!.compactionDelayMs).toBe(0);
      expect(await manager.cleaner.cleanNow()).toBeUndefined();
      now += 1;
      expect((await manager.cleaner.measure()).get('lagged-0')!.compactionDelayMs).toBe(1);
      const outcome = await manager.cleaner.cleanNow();
      expect(outcome?.key).toBe('lagged-0');
      expect((await readLog(log)).records.map((r) => r.value)).toEqual(['value-1-0', 'value-1-1', 'value-1-2', 'value-1-3']);
    });

    it('writes cleaner-offset-checkpoint and starts from it after a restart', async () => {
      manager = await openManager();
      let log = await manager.getOrCreateLog('orders', 0);
      await fill(log, 3);
      const outcome = await manager.cleaner.cleanNow();
      expect(outcome).toMatchObject({ key: 'orders-0', firstDirtyOffset: 0, endOffset: 12 });
      await manager.close();

      const root = await createBackend(name).openDirectory(path);
      expect((await root.readAll(CLEANER_OFFSET_CHECKPOINT)).toString()).toBe('0\n1\norders 0 12\n');
      await root.close();

      manager = await openManager();
      log = manager.getLog('orders', 0)!;
      log.highWatermark = log.logEndOffset;
      const range = (await manager.cleaner.measure()).get('orders-0')!;
      expect(range.firstDirtyOffset).toBe(12);
      expect(range.cleanableBytes).toBe(0);
      expect(await manager.cleaner.cleanNow()).toBeUndefined(); // without the checkpoint the whole log would be dirty

      await fill(log, 2);
      const next = await manager.cleaner.cleanNow();
      expect(next).toMatchObject({ key: 'orders-0', firstDirtyOffset: 12, endOffset: 20 });
      expect(pairs((await readLog(log)).records).map((p) => p[0])).toEqual([16, 17, 18, 19]);

      // A deleted partition leaves the checkpoint, so a new one of the same name starts dirty.
      await fill(await manager.getOrCreateLog('audit', 3), 1);
      expect(await manager.cleaner.cleanNow()).toMatchObject({ key: 'audit-3', endOffset: 4 });
      await manager.deleteLog('orders', 0);
      await manager.close();
      const root2 = await createBackend(name).openDirectory(path);
      expect((await root2.readAll(CLEANER_OFFSET_CHECKPOINT)).toString()).toBe('0\n1\naudit 3 4\n');
      await root2.close();
      manager = await openManager();
    });

    it('cleans in the background when log.cleaner.enable is on', async () => {
      manager = await LogManager.open({
        logDirs: [path],
        defaults: { 'storage.backend': name, 'cleanup.policy': 'compact' },
        retentionCheckIntervalMs: 0,
        cleanerBackoffMs: 5,
        cleanerThreads: threads,
        now: clock,
      });
      const log = await manager.getOrCreateLog('background', 0);
      await fill(log, 3);
      await waitFor(() => manager.cleaner.checkpoints.get('background-0') === 12, 'the background cleaner to checkpoint offset 12');
      expect(manager.cleaner.checkpoints.get('background-0')).toBe(12);
      expect(pairs((await readLog(log)).records).map((p) => p[2])).toEqual(['value-2-0', 'value-2-1', 'value-2-2', 'value-2-3']);
    });

    it('applies retention and compaction under cleanup.policy=compact,delete', async () => {
      // Segments too big to merge, so the expired one stays on its own.
      manager = await openManager({ 'cleanup.policy': 'compact,delete', 'retention.ms': 600_000, 'segment.bytes': 150 });
      const log = await manager.getOrCreateLog('both', 0);
      // An expired segment, then two live ones holding duplicates.
      await log.append(batchOf([{ key: 'old', value: 'expired', ts: now - 900_000 }]));
      await log.roll();
      for (let i = 0; i < 2; i++) {
        await log.append(
          batchOf([
            { key: 'k', value: `v${i}`, ts: now - 1000 },
            { key: 'j', value: `j${i}`, ts: now - 1000 },
          ]),
        );
        await log.roll();
      }
      log.highWatermark = log.logEndOffset;
      const outcome = await manager.cleaner.cleanNow();
      expect(outcome?.key).toBe('both-0');
      expect(log.logStartOffset).toBe(1);
      expect(pairs((await readLog(log)).records)).toEqual([
        [3, 'k', 'v1'],
        [4, 'j', 'j1'],
      ]);
      expect(warnings).toEqual([]);
    });
  });
});

// Where the record work runs: the cleaner's worker thread, or the main thread
// (threads: 0, or when the worker cannot start). Both must clean alike.
describe("the cleaner's worker thread", () => {
  const paths: string[] = [];
  const dirs: LogDirectory[] = [];
  const now = T0 + 3_600_000;
  afterEach(async () => {
    for (const d of dirs.splice(0)) await d.close();
    for (const p of paths.splice(0)) rmSync(p, { recursive: true, force: true });
  });

  /** A log of plain, compressed, tombstoned and transactional records over several segments, all cleanable. */
  const writeLog = async () => {
    const path = mkdtempSync(join(tmpdir(), 'samsa-cleaner-thread-'));
    paths.push(path);
    const dir = await createBackend('file').openDirectory(path);
    dirs.push(dir);
    const log = await Log.open(dir, LogConfig.from({ 'cleanup.policy': 'compact', 'segment.bytes': 2000, 'delete.retention.ms': 0 }), { now: () => now });
    const txn = { producerId: 3, producerEpoch: 0, isTransactional: true };
    for (let round = 0; round < 6; round++) {
      const compression = [CompressionType.None, CompressionType.Gzip, CompressionType.Lz4][round % 3]!;
      await log.append(
        batchOf(
          Array.from({ length: 8 }, (_, i) => ({ key: `k${i}`, value: `r${round}-${i}`.repeat(3) })),
          { compression },
        ),
      );
      await log.append(
        batchOf([
          { key: `k${round}`, value: null },
          { key: null, value: 'keyless' },
        ]),
      );
      await log.append(batchOf([{ key: `t${round % 2}`, value: `txn-${round}` }], { ...txn, baseSequence: round }));
      const type = round % 2 === 0 ? ControlRecordType.Commit : ControlRecordType.Abort;
      await log.append(buildEndTransactionMarkerBatch({ type, coordinatorEpoch: 0 }, { producerId: 3, producerEpoch: 0, timestamp: T0 }));
    }
    await log.roll();
    log.highWatermark = log.logEndOffset;
    return { log, dir };
  };

  const cleanWith = async (log: Log, cleaner: Cleaner) => {
    try {
      return await log.runCleaning(async (signal) => cleaner.clean(log, await cleanableRange(log, undefined, now), now, () => signal.throwIfAborted()));
    } finally {
      cleaner.close();
    }
  };

  const segmentBytes = async (dir: LogDirectory) => {
    const names = (await dir.list()).filter((n) => n.endsWith('.log')).sort();
    return Promise.all(names.map(async (n) => [n, (await dir.readAll(n)).toString('hex')]));
  };

  it('cleans in the worker thread byte for byte as on the main thread', async () => {
    const inWorker = await writeLog();
    const inMain = await writeLog();
    const worker = new Cleaner({ ioBufferSize: 1024 });
    const main = new Cleaner({ ioBufferSize: 1024, threads: 0 });
    const [a, b] = [await cleanWith(inWorker.log, worker), await cleanWith(inMain.log, main)];
    expect([worker.usesWorker, main.usesWorker]).toEqual([true, false]);
    const { elapsedMs: _a, ...statsA } = a.stats;
    const { elapsedMs: _b, ...statsB } = b.stats;
    expect(statsA).toEqual(statsB);
    expect(a.endOffset).toBe(b.endOffset);
    expect(statsA.recordsWritten).toBeLessThan(statsA.recordsRead);
    expect(statsA.batchesRewritten).toBeGreaterThan(0);
    expect(await segmentBytes(inWorker.dir)).toEqual(await segmentBytes(inMain.dir));
    const records = pairs((await readLog(inWorker.log)).records);
    expect(records).toEqual(pairs((await readLog(inMain.log)).records));
    // The last round's values of k0–k7, but k5's tombstone written after it (kept by this first cleaning).
    expect(records.filter((r) => String(r[1]).startsWith('k')).map((r) => [r[1], r[2]])).toEqual([
      ...[0, 1, 2, 3, 4].map((i) => [`k${i}`, `r5-${i}`.repeat(3)]),
      ['k6', 'r5-6'.repeat(3)],
      ['k7', 'r5-7'.repeat(3)],
      ['k5', null],
    ]);
    await inWorker.log.close();
    await inMain.log.close();
  });

  it('says where it ran: the worker by default, the main thread with threads: 0', async () => {
    const { log } = await writeLog();
    const worker = new Cleaner();
    await log.runCleaning(async () => worker.clean(log, await cleanableRange(log, undefined, now), now));
    expect(worker.usesWorker).toBe(true);
    worker.close();
    const main = new Cleaner({ threads: 0 });
    await log.append(batchOf([{ key: 'k1', value: 'again' }]));
    await log.roll();
    log.highWatermark = log.logEndOffset;
    await log.runCleaning(async () => main.clean(log, await cleanableRange(log, undefined, now), now));
    expect(main.usesWorker).toBe(false);
    main.close();
    await log.close();
  });

  it('cleans on the main thread, with a warning, when the worker cannot start', async () => {
    const { log } = await writeLog();
    const warnings: string[] = [];
    const missing = new URL('./no-such-cleaner-worker.js', import.meta.url);
    const cleaner = new Cleaner({ workerScript: missing, warn: (m) => warnings.push(m) });
    const result = await cleanWith(log, cleaner);
    expect(cleaner.usesWorker).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/worker thread could not start .*no-such-cleaner-worker\.js does not exist.*; cleaning on the main thread/);
    expect(result.stats.recordsWritten).toBeLessThan(result.stats.recordsRead);
    expect((await readLog(log)).records.filter((r) => r.key === 'k7').map((r) => r.value)).toEqual(['r5-7'.repeat(3)]);
    await log.close();
  });

  for (const threads of [1, 0]) {
    it(`keeps a batch whose records do not match its header as it is, maps none of its keys, and cleans the rest (threads: ${threads})`, async () => {
      const { log, dir } = await writeLog();
      // A batch whose header claims two records where it holds one, with a matching CRC: appends accept it, decoding does not.
      const bad = batchOf([{ key: 'k0', value: 'x'.repeat(100) }]);
      bad.writeInt32BE(1, 23); // lastOffsetDelta
      bad.writeInt32BE(2, 57); // recordCount
      new RecordBatchView(bad).updateCrc();
      const { baseOffset } = await log.append(bad);
      await log.roll();
      log.highWatermark = log.logEndOffset;
      const warnings: string[] = [];
      const result = await LogCleaner.cleanLog(log, { now: () => now, threads, warn: (m) => warnings.push(m) });
      expect(result.stats.uncleanableBatches).toBe(1);
      expect(result.stats.recordsWritten).toBeLessThan(result.stats.recordsRead);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        new RegExp(
          `^${dir.path}: the batch at offsets ${baseOffset}\\.\\.${baseOffset + 1} cannot be cleaned \\(.*recordCount is 2 but the records end after 1\\); it is kept as it is`,
        ),
      );

      const k0: (string | null)[] = [];
      let kept: Buffer | undefined;
      for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
        const batches = scanBatches(Buffer.from((await log.read(offset, 1 << 20)).bytes)).batches;
        for (const batch of batches) {
          if (batch.baseOffset === baseOffset) kept = Buffer.from(batch.bytes);
          else if (!batch.isControl) for (const r of decodeRecords(batch)) if (r.key?.toString() === 'k0') k0.push(r.value?.toString() ?? null);
          offset = batch.nextOffset;
        }
      }
      expect(kept!.equals(bad)).toBe(true);
      // Its k0 was never mapped, so the readable k0 before it stays.
      expect(k0).toEqual(['r5-0'.repeat(3)]);
      expect(await objectNames(dir, '.cleaned')).toEqual([]);
      await log.close();
    });
  }

  it('survives its worker dying mid-cleaning: that cleaning fails, the log stays whole and cleanable, and the next starts a new worker', async () => {
    const { log, dir } = await writeLog();
    const before = pairs((await readLog(log)).records);
    const marker = join(paths[0]!, 'crashed');
    process.env.SAMSA_TEST_CLEANER_CRASH_MARKER = marker;
    const warnings: string[] = [];
    const cleaner = new LogCleaner(() => [['t-0', log] as const], undefined, {
      now: () => now,
      warn: (m) => warnings.push(m),
      workerScript: new URL('./fixtures/crashing-cleaner-worker.mjs', import.meta.url),
    });
    try {
      expect(await cleaner.cleanLog('t-0')).toBeUndefined();
      expect(existsSync(marker)).toBe(true);
      expect(warnings).toEqual(["cleaning log t-0 failed: the log cleaner's worker thread exited with code 3"]);
      expect(cleaner.uncleanablePartitions.size).toBe(0);
      expect(await objectNames(dir, '.cleaned')).toEqual([]);
      expect(pairs((await readLog(log)).records)).toEqual(before);

      const outcome = await cleaner.cleanLog('t-0');
      expect(outcome).toMatchObject({ key: 't-0', endOffset: log.logEndOffset });
      expect(outcome!.stats.recordsWritten).toBeLessThan(outcome!.stats.recordsRead);
      expect((await readLog(log)).records.filter((r) => r.key === 'k7').map((r) => r.value)).toEqual(['r5-7'.repeat(3)]);
      expect(warnings).toHaveLength(1);
    } finally {
      delete process.env.SAMSA_TEST_CLEANER_CRASH_MARKER;
      await cleaner.stop();
      await log.close();
    }
  });

  it('runs from the compiled dist/ output, its worker found beside the cleaner, and lets the process exit', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const path = mkdtempSync(join(tmpdir(), 'samsa-cleaner-dist-'));
    paths.push(path);
    const script = `
      import { createBackend, LogConfig, Log, Cleaner, cleanableRange, buildRecordBatch } from ${JSON.stringify(pathToFileURL(join(root, 'dist/storage/index.js')).href)};
      const dir = await createBackend('file').openDirectory(${JSON.stringify(path)});
      const log = await Log.open(dir, LogConfig.from({ 'cleanup.policy': 'compact' }), {});
      for (let i = 0; i < 100; i++) await log.append(buildRecordBatch([{ key: 'k' + (i % 10), value: 'v' + i }]));
      await log.roll();
      log.highWatermark = log.logEndOffset;
      const cleaner = new Cleaner();
      const result = await log.runCleaning(async () => cleaner.clean(log, await cleanableRange(log, undefined, Date.now()), Date.now()));
      console.log(JSON.stringify({ usesWorker: cleaner.usesWorker, written: result.stats.recordsWritten, endOffset: result.endOffset }));
      await log.close();
      await dir.close();
      // No close() of the cleaner and no process.exit(): an idle worker must not hold the process.
      // The event loop ran dry while the worker still lived (it stops itself after 10 s idle): it held nothing.
      process.once('beforeExit', () => console.log(JSON.stringify({ workersAtExit: process.report.getReport().workers.length })));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([{ usesWorker: true, written: 10, endOffset: 100 }, { workersAtExit: 1 }]);
  });
});
