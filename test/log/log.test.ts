import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../codecs/index.js';
import { BACKEND_NAMES, createBackend, type LogDirectory } from '../../storage/backend/index.js';
import { LogConfig } from '../../storage/config/log-config.js';
import { Log, OffsetOutOfRangeError, RecordTooLargeError } from '../../storage/log/index.js';
import { buildRecordBatch, decodeRecords, scanBatches } from '../../storage/record/index.js';
import { spyingDirectory } from './spying-directory.js';

function batch(first: number, count: number, timestamp = 1_700_000_000_000 + first, size = 10): Buffer {
  return buildRecordBatch(
    Array.from({ length: count }, (_, i) => ({ key: `k${first + i}`, value: `v${first + i}`.padEnd(size, '.'), timestamp: timestamp + i })),
  );
}

function valuesOf(bytes: Buffer): string[] {
  return scanBatches(bytes).batches.flatMap((b) => [...decodeRecords(b)].map((r) => r.value!.toString().replace(/\.+$/, '')));
}

/** `dir`, with the reads of each object it opens counted by the object's name. */
function countingReads(dir: LogDirectory, reads: Map<string, number>): LogDirectory {
  return spyingDirectory(dir, (name, _object, key) => {
    if (key === 'read' || key === 'readInto') reads.set(name, (reads.get(name) ?? 0) + 1);
    return undefined;
  });
}

// The log runs on every backend: the same tests, once per backend.
describe.each(BACKEND_NAMES.map((n) => [n] as const))('Log on the %s backend', (name) => {
  let path: string;
  let dir: LogDirectory;
  const warnings: string[] = [];
  const open = (config = LogConfig.from({ 'storage.backend': name }), options = {}) => Log.open(dir, config, { warn: (m) => warnings.push(m), ...options });

  beforeEach(async () => {
    path = mkdtempSync(join(tmpdir(), `samsa-log-${name}-`));
    dir = await createBackend(name).openDirectory(path);
    warnings.length = 0;
  });
  afterEach(async () => {
    await dir.close();
    rmSync(path, { recursive: true, force: true });
  });

  it('assigns offsets in place and reads back the stored batches', async () => {
    const log = await open();
    expect(await log.append(batch(0, 3))).toMatchObject({ baseOffset: 0, lastOffset: 2, logAppendTimeMs: -1 });
    expect(await log.append(Buffer.concat([batch(0, 2), batch(0, 1)]))).toMatchObject({ baseOffset: 3, lastOffset: 5 });
    expect(log.logEndOffset).toBe(6);
    const read = await log.read(0, 1 << 20);
    expect(valuesOf(read.bytes)).toEqual(['v0', 'v1', 'v2', 'v0', 'v1', 'v0']);
    const offsets = scanBatches(read.bytes).batches.map((b) => b.baseOffset);
    expect(offsets).toEqual([0, 3, 5]);
    const fromMiddle = await log.read(4, 1 << 20);
    expect(fromMiddle.firstOffset).toBe(3); // the batch holding offset 4, whole
    await log.close();
  });

  it('returns the first batch whole even when it exceeds maxBytes', async () => {
    const log = await open();
    await log.append(batch(0, 50, undefined, 200));
    await log.append(batch(50, 1));
    const read = await log.read(0, 10);
    expect(scanBatches(read.bytes).batches.length).toBe(1);
    expect(valuesOf(read.bytes).length).toBe(50);
    await log.close();
  });

  it('rejects a corrupt or oversized batch whole, writing nothing', async () => {
    const log = await open(LogConfig.from({ 'max.message.bytes': 2000 }));
    await log.append(batch(0, 1));
    const bad = Buffer.concat([batch(0, 1), batch(0, 1)]);
    bad[bad.length - 3] ^= 0xff; // inside the second batch's records
    await expect(log.append(bad)).rejects.toBeInstanceOf(CorruptRecordError);
    await expect(log.append(batch(0, 100, undefined, 100))).rejects.toBeInstanceOf(RecordTooLargeError);
    expect(log.logEndOffset).toBe(1);
    expect(valuesOf((await log.read(0, 1 << 20)).bytes)).toEqual(['v0']);
    await log.close();
  });

  it('says which offsets it holds when asked for others', async () => {
    const log = await open();
    await log.append(batch(0, 5));
    const error = await log.read(9, 100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect(error).toMatchObject({ logStartOffset: 0, logEndOffset: 5, errorCode: 1 });
    expect((await log.read(5, 100)).bytes.length).toBe(0);
    await log.close();
  });

  it('rolls segments by segment.bytes and reads across them, with Kafka file names', async () => {
    const log = await open(LogConfig.from({ 'segment.bytes': 2000, 'index.interval.bytes': 100 }));
    for (let i = 0; i < 40; i++) await log.append(batch(i, 1, undefined, 100));
    expect(log.segmentCount).toBeGreaterThan(3);
    const names = await dir.list();
    expect(names).toContain('00000000000000000000.log');
    expect(names.filter((n) => n.endsWith('.log')).every((n) => /^\d{20}\.log$/.test(n))).toBe(true);
    expect(names.filter((n) => n.endsWith('.timeindex')).length).toBe(log.segmentCount);
    const values: string[] = [];
    for (let offset = 0; offset < log.logEndOffset; ) {
      const read = await log.read(offset, 700);
      const scan = scanBatches(read.bytes);
      values.push(...valuesOf(read.bytes));
      offset = scan.batches[scan.batches.length - 1]!.nextOffset;
    }
    expect(values).toEqual(Array.from({ length: 40 }, (_, i) => `v${i}`));
    await log.close();
  });

  it('keeps appends in call order when they are not awaited, across rolls, new leader epochs and rejected batches', async () => {
    // On file and mmap most of these complete synchronously; a roll or a new epoch sends one down the
    // asynchronous path, and the appends called meanwhile must queue behind it, not overtake it.
    const log = await open(LogConfig.from({ 'storage.backend': name, 'segment.bytes': 3000, 'index.interval.bytes': 100 }));
    const calls: Array<Promise<unknown>> = [];
    const expected: string[] = [];
    for (let i = 0; i < 120; i++) {
      const corrupt = i % 17 === 5;
      const bytes = batch(i, 1, undefined, 50 + (i % 7) * 40);
      if (corrupt)
        bytes[bytes.length - 1] ^= 0xff; // the CRC no longer matches: rejected, nothing written
      else expected.push(`v${i}`);
      calls.push(
        log.append(bytes, { leaderEpoch: Math.floor(i / 30) }).then(
          (info) => info.baseOffset,
          (error: Error) => error,
        ),
      );
    }
    const results = await Promise.all(calls);
    const offsets = results.filter((r): r is number => typeof r === 'number');
    expect(offsets).toEqual(Array.from({ length: expected.length }, (_, i) => i));
    expect(results.filter((r) => r instanceof CorruptRecordError).length).toBe(120 - expected.length);
    expect(log.segmentCount).toBeGreaterThan(3);
    const values: string[] = [];
    for (let offset = 0; offset < log.logEndOffset; ) {
      const read = await log.read(offset, 1 << 20);
      values.push(...valuesOf(read.bytes));
      offset = scanBatches(read.bytes).batches.at(-1)!.nextOffset;
    }
    expect(values).toEqual(expected);
    expect(log.leaderEpochs.latestEpoch).toBe(3);
    await log.close();
  });

  it('finds offsets by timestamp through the time index', async () => {
    const log = await open(LogConfig.from({ 'segment.bytes': 3000, 'index.interval.bytes': 50 }));
    for (let i = 0; i < 60; i++) await log.append(batch(i, 2, 1000 + i * 10));
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(await log.offsetForTimestamp(1001)).toEqual({ offset: 1, timestamp: 1001 });
    expect(await log.offsetForTimestamp(1002)).toEqual({ offset: 2, timestamp: 1010 });
    expect(await log.offsetForTimestamp(1305)).toEqual({ offset: 62, timestamp: 1310 });
    expect(await log.offsetForTimestamp(99999)).toBeUndefined();
    expect(log.maxTimestampOffset()).toEqual({ offset: 119, timestamp: 1591 });
    await log.close();
  });

  it('stamps LogAppendTime when the topic asks for it', async () => {
    const log = await Log.open(dir, LogConfig.from({ 'message.timestamp.type': 'LogAppendTime' }), { now: () => 42_000 });
    expect((await log.append(batch(0, 2, 5))).logAppendTimeMs).toBe(42_000);
    const [stored] = scanBatches((await log.read(0, 1000)).bytes).batches;
    stored!.validate();
    expect([...decodeRecords(stored!)].map((r) => r.timestamp)).toEqual([42_000, 42_000]);
    await log.close();
  });

  it('reopens after a clean shutdown with the same end offset and data', async () => {
    const config = LogConfig.from({ 'segment.bytes': 1500, 'index.interval.bytes': 100 });
    let log = await open(config);
    for (let i = 0; i < 30; i++) await log.append(batch(i, 1, undefined, 80));
    await log.close();
    log = await open(config, { cleanShutdown: true, recoveryPoint: 30 });
    expect(log.logEndOffset).toBe(30);
    expect(await log.append(batch(0, 1))).toMatchObject({ baseOffset: 30 });
    // As in Kafka, one read serves one segment: follow the offsets to the end.
    const values: string[] = [];
    for (let offset = 25; offset < log.logEndOffset; ) {
      const read = await log.read(offset, 1 << 20);
      values.push(...valuesOf(read.bytes));
      const scan = scanBatches(read.bytes);
      offset = scan.batches[scan.batches.length - 1]!.nextOffset;
    }
    expect(values).toEqual(['v25', 'v26', 'v27', 'v28', 'v29', 'v0']);
    await log.close();
    expect(warnings).toEqual([]);
  });

  it('recovers from a torn tail after a crash: keeps whole batches, cuts the rest, says so', async () => {
    let log = await open();
    for (let i = 0; i < 10; i++) await log.append(batch(i, 1));
    await log.flush();
    await log.close();
    const data = await dir.open('00000000000000000000.log');
    const whole = data.size;
    await data.append(batch(10, 3).subarray(0, 40)); // a batch cut short by the crash
    await data.close();
    log = await open(undefined, { cleanShutdown: false, recoveryPoint: 0 });
    expect(log.logEndOffset).toBe(10);
    expect(warnings.some((w) => /recovery truncated 40 bytes/.test(w))).toBe(true);
    expect(await log.append(batch(0, 1))).toMatchObject({ baseOffset: 10 });
    await log.close();
    const reopened = await dir.open('00000000000000000000.log');
    expect(reopened.size).toBe(whole + batch(0, 1).length);
    await reopened.close();
  });

  it('recovery reads a segment of small batches a megabyte at a time, not once or twice per batch', async () => {
    let log = await open();
    for (let i = 0; i < 500; i++) await log.append(batch(i, 1));
    await log.close();
    const reads = new Map<string, number>();
    // On the level backend every read is two database seeks: a crashed broker's logs took minutes to recover.
    log = await Log.open(countingReads(dir, reads), LogConfig.from({ 'storage.backend': name }), {
      warn: (m) => warnings.push(m),
      cleanShutdown: false,
      recoveryPoint: 0,
    });
    expect(log.logEndOffset).toBe(500);
    expect(reads.get('00000000000000000000.log')).toBeLessThan(20);
    expect(valuesOf((await log.read(499, 1 << 20)).bytes)).toEqual(['v499']);
    await log.close();
  });

  it('recovery cuts at a batch damaged in the middle', async () => {
    let log = await open();
    for (let i = 0; i < 10; i++) await log.append(batch(i, 1));
    await log.close();
    const data = await dir.open('00000000000000000000.log');
    const batchSize = batch(0, 1).length;
    const { bytes: damaged } = await data.read(batchSize * 4 + 30, 1);
    await data.write(batchSize * 4 + 30, Buffer.from([damaged[0]! ^ 0xff]));
    await data.close();
    log = await open(undefined, { cleanShutdown: false });
    expect(log.logEndOffset).toBe(4);
    expect(warnings.some((w) => /truncated .* at offset 4/.test(w))).toBe(true);
    await log.close();
  });

  it('truncates, restarts and moves the log start offset', async () => {
    const log = await open(LogConfig.from({ 'segment.bytes': 1000 }));
    for (let i = 0; i < 30; i++) await log.append(batch(i, 1, undefined, 50));
    const segments = log.segmentCount;
    await log.truncateTo(12);
    expect(log.logEndOffset).toBe(12);
    expect(log.segmentCount).toBeLessThan(segments);
    expect(await log.append(batch(0, 1))).toMatchObject({ baseOffset: 12 });
    log.highWatermark = log.logEndOffset;
    expect(await log.deleteRecordsBefore(7)).toBe(7);
    await expect(log.read(3, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await log.truncateFullyAndStartAt(100);
    expect(log.logStartOffset).toBe(100);
    expect(await log.append(batch(0, 1))).toMatchObject({ baseOffset: 100 });
    expect((await dir.list()).filter((n) => n.endsWith('.log'))).toEqual(['00000000000000000100.log']);
    await log.close();
  });

  it('applies a truncation between the appends issued before and after it', async () => {
    const log = await open();
    await log.append(batch(0, 10), { leaderEpoch: 0 });
    // A new leader epoch takes every backend's asynchronous path: the first append is still being written when the truncation is issued.
    const before = log.append(batch(10, 5), { leaderEpoch: 1 });
    const truncation = log.truncateTo(10);
    const after = log.append(batch(20, 2), { leaderEpoch: 2 });
    expect(await before).toMatchObject({ baseOffset: 10, lastOffset: 14 });
    expect(await truncation).toBe(15);
    expect(await after).toMatchObject({ baseOffset: 10, lastOffset: 11 });
    expect(log.logEndOffset).toBe(12);
    expect(valuesOf((await log.read(0, 1 << 20)).bytes)).toEqual([...Array.from({ length: 10 }, (_, i) => `v${i}`), 'v20', 'v21']);
    expect(log.leaderEpochs.all).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
    ]);
    // Nothing past the offset: nothing to cut.
    expect(await log.truncateTo(12)).toBeUndefined();
    await log.close();
  });

  it('ignores foreign files with a warning and deletes nothing of them', async () => {
    const foreign = await dir.open('notes.txt', { create: true });
    await foreign.append(Buffer.from('keep me'));
    await foreign.close();
    const log = await open();
    expect(warnings).toEqual([`${path}: ignoring unexpected file notes.txt`]);
    expect((await dir.readAll('notes.txt')).toString()).toBe('keep me');
    await log.close();
  });
});

describe('retention', () => {
  let path: string;
  let dir: LogDirectory;
  beforeEach(async () => {
    path = mkdtempSync(join(tmpdir(), 'samsa-retention-'));
    dir = await createBackend('file').openDirectory(path);
  });
  afterEach(async () => {
    await dir.close();
    rmSync(path, { recursive: true, force: true });
  });

  it('deletes segments older than retention.ms, never the active one, via .deleted files', async () => {
    let now = 10_000_000;
    const log = await Log.open(dir, LogConfig.from({ 'segment.bytes': 1000, 'retention.ms': 60_000, 'file.delete.delay.ms': 60_000 }), { now: () => now });
    for (let i = 0; i < 30; i++) await log.append(batch(i, 1, now - 120_000 + i, 50));
    const segments = log.segmentCount;
    log.highWatermark = log.logEndOffset;
    now += 1000;
    expect(await log.deleteRetainedSegments()).toBe(segments - 1);
    expect(log.segmentCount).toBe(1);
    expect(log.logStartOffset).toBeGreaterThan(0);
    const names = await dir.list();
    expect(names.some((n) => n.endsWith('.log.deleted'))).toBe(true);
    await expect(log.read(0, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await log.close();
    expect((await dir.list()).some((n) => n.endsWith('.deleted'))).toBe(false);
  });

  it('keeps the log within retention.bytes, whole segments at a time', async () => {
    const log = await Log.open(dir, LogConfig.from({ 'segment.bytes': 1000, 'retention.bytes': 2500, 'retention.ms': -1, 'file.delete.delay.ms': 0 }));
    for (let i = 0; i < 40; i++) await log.append(batch(i, 1, undefined, 50));
    log.highWatermark = log.logEndOffset;
    await log.deleteRetainedSegments();
    expect(log.sizeInBytes).toBeLessThan(2500 + 1000);
    expect(log.sizeInBytes).toBeGreaterThanOrEqual(2500 - 1000);
    expect((await dir.list()).some((n) => n.endsWith('.deleted'))).toBe(false);
    await log.close();
  });

  it('keeps everything under cleanup.policy=compact', async () => {
    const log = await Log.open(dir, LogConfig.from({ 'segment.bytes': 1000, 'retention.bytes': 10, 'cleanup.policy': 'compact' }));
    for (let i = 0; i < 20; i++) await log.append(batch(i, 1, undefined, 50));
    log.highWatermark = log.logEndOffset;
    expect(await log.deleteRetainedSegments()).toBe(0);
    await log.close();
  });
});

describe('leader epochs', () => {
  it('records where each leader epoch starts, survives restarts and follows truncation', async () => {
    const path = mkdtempSync(join(tmpdir(), 'samsa-epochs-'));
    const dir = await createBackend('file').openDirectory(path);
    try {
      let log = await Log.open(dir, LogConfig.from());
      await log.append(batch(0, 3), { leaderEpoch: 0 });
      await log.append(batch(3, 2), { leaderEpoch: 0 });
      await log.append(batch(5, 4), { leaderEpoch: 2 });
      expect(log.leaderEpochs.all).toEqual([
        { epoch: 0, startOffset: 0 },
        { epoch: 2, startOffset: 5 },
      ]);
      expect(log.leaderEpochs.endOffsetFor(1, log.logEndOffset)).toEqual({ epoch: 0, endOffset: 5 });
      expect(log.leaderEpochs.endOffsetFor(2, log.logEndOffset)).toEqual({ epoch: 2, endOffset: 9 });
      const [stored] = scanBatches((await log.read(5, 1000)).bytes).batches;
      expect(stored!.partitionLeaderEpoch).toBe(2);
      await log.close();
      expect((await dir.readAll('leader-epoch-checkpoint')).toString()).toBe('0\n2\n0 0\n2 5\n');
      log = await Log.open(dir, LogConfig.from());
      expect(log.leaderEpochs.latestEpoch).toBe(2);
      await log.truncateTo(5);
      expect(log.leaderEpochs.all).toEqual([{ epoch: 0, startOffset: 0 }]);
      await log.close();
    } finally {
      await dir.close();
      rmSync(path, { recursive: true, force: true });
    }
  });
});

describe('durability', () => {
  it('group-commits: many concurrent durable appends share a few flushes', async () => {
    const path = mkdtempSync(join(tmpdir(), 'samsa-group-commit-'));
    const dir = await createBackend('file').openDirectory(path);
    try {
      const log = await Log.open(dir, LogConfig.from());
      const writers = Array.from({ length: 50 }, async (_, i) => {
        const { lastOffset } = await log.append(batch(i, 1));
        await log.syncTo(lastOffset + 1);
        expect(log.recoveryPoint).toBeGreaterThan(lastOffset);
      });
      await Promise.all(writers);
      expect(log.recoveryPoint).toBe(50);
      expect(log.flushCount).toBeGreaterThan(0);
      expect(log.flushCount).toBeLessThanOrEqual(3);
      await log.close();
    } finally {
      await dir.close();
      rmSync(path, { recursive: true, force: true });
    }
  });

  it('flushes by flush.messages and by flush.ms', async () => {
    const path = mkdtempSync(join(tmpdir(), 'samsa-flush-'));
    const dir = await createBackend('file').openDirectory(path);
    try {
      let now = 1000;
      const log = await Log.open(dir, LogConfig.from({ 'flush.messages': 5, 'flush.ms': 10_000 }), { now: () => now });
      for (let i = 0; i < 4; i++) await log.append(batch(i, 1));
      expect(log.flushCount).toBe(0);
      await log.append(batch(4, 1));
      expect(log.flushCount).toBe(1);
      expect(log.recoveryPoint).toBe(5);
      await log.append(batch(5, 1));
      await log.flushIfDue();
      expect(log.flushCount).toBe(1);
      now += 10_000;
      await log.flushIfDue();
      expect(log.flushCount).toBe(2);
      expect(log.recoveryPoint).toBe(6);
      await log.close();
    } finally {
      await dir.close();
      rmSync(path, { recursive: true, force: true });
    }
  });
});

describe('rolling', () => {
  let path: string;
  let dir: LogDirectory;
  beforeEach(async () => {
    path = mkdtempSync(join(tmpdir(), 'samsa-roll-'));
    dir = await createBackend('file').openDirectory(path);
  });
  afterEach(async () => {
    await dir.close();
    rmSync(path, { recursive: true, force: true });
  });

  it('rolls when an index is full', async () => {
    // 24 bytes = 3 offset-index entries (and 2 time-index entries); an entry per batch.
    const log = await Log.open(dir, LogConfig.from({ 'segment.index.bytes': 24, 'index.interval.bytes': 0 }));
    for (let i = 0; i < 12; i++) await log.append(batch(i, 1, 1000 + i));
    expect(log.segmentCount).toBeGreaterThanOrEqual(4);
    expect(valuesOf((await log.read(0, 1 << 20)).bytes)[0]).toBe('v0');
    await log.close();
  });

  it("rolls when segment.ms has passed between the first batch's timestamp and the incoming one's, also after a restart", async () => {
    const t0 = 1_700_000_000_000;
    let log = await Log.open(dir, LogConfig.from({ 'segment.ms': 60_000 }));
    await log.append(batch(0, 1, t0));
    await log.append(batch(1, 1, t0 + 30_000));
    expect(log.segmentCount).toBe(1);
    await log.close();
    // Reopened: the segment's clock is its first batch, not the time it was opened.
    log = await Log.open(dir, LogConfig.from({ 'segment.ms': 60_000 }));
    await log.append(batch(2, 1, t0 + 59_000));
    expect(log.segmentCount).toBe(1);
    await log.append(batch(3, 1, t0 + 61_000));
    expect(log.segmentCount).toBe(2);
    expect((await dir.list()).filter((n) => n.endsWith('.log'))).toEqual(['00000000000000000000.log', '00000000000000000003.log']);
    await log.close();
  });

  it('rolls by wall-clock age when records carry no timestamps', async () => {
    let now = Date.now();
    const log = await Log.open(dir, LogConfig.from({ 'segment.ms': 60_000 }), { now: () => now });
    await log.append(batch(0, 1, -1));
    now += 30_000;
    await log.append(batch(1, 1, -1));
    expect(log.segmentCount).toBe(1);
    now += 31_000;
    await log.append(batch(2, 1, -1));
    expect(log.segmentCount).toBe(2);
    await log.close();
  });

  it('rolls before a relative offset would overflow 32 bits', async () => {
    const log = await Log.open(dir, LogConfig.from());
    await log.truncateFullyAndStartAt(0);
    await log.append(batch(0, 1));
    // A batch claiming 2^31 offsets (lastOffsetDelta) cannot share a segment with offset 0's base.
    const huge = buildRecordBatch([{ value: 'x', timestamp: 1 }], { lastOffsetDelta: 2 ** 31 - 1 });
    await log.append(huge);
    expect(log.segmentCount).toBe(2);
    expect(log.logEndOffset).toBe(1 + 2 ** 31);
    await log.close();
  });
});
