import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompressionType, CorruptRecordError } from '../../codecs/index.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../../codecs/limits.js';
import { BACKEND_NAMES, type BackendName } from '../../storage/backend/index.js';
import { type Log, LogManager } from '../../storage/log/index.js';
import { buildRecordBatch, decodeRecords, RECORD_BATCH_OVERHEAD, RecordBatchView, scanBatches, sizeOfVarint, writeVarint } from '../../storage/record/index.js';

const T0 = 1_700_000_000_000;
const GIB = 2 ** 30;

/**
 * A batch of one record, key 'bomb', whose value is 1 GiB of zeros, gzipped:
 * about 1 MiB that inflates to 1 GiB. Built as gzip members one after another
 * (gzip readers concatenate them), so making it takes one MiB of zeros, not a GiB.
 */
function bombBatch(): Buffer {
  const key = Buffer.from('bomb');
  const bodyLength = 1 + 1 + 1 + sizeOfVarint(key.length) + key.length + sizeOfVarint(GIB) + GIB + 1;
  const head = Buffer.alloc(16);
  let at = writeVarint(head, 0, bodyLength);
  head[at++] = 0; // attributes
  head[at++] = 0; // timestampDelta 0
  head[at++] = 0; // offsetDelta 0
  at = writeVarint(head, at, key.length);
  at += key.copy(head, at);
  at = writeVarint(head, at, GIB); // the value's length; its bytes follow
  const zeros = gzipSync(Buffer.alloc(1 << 20));
  const records = Buffer.concat([gzipSync(head.subarray(0, at)), ...Array.from({ length: GIB >> 20 }, () => zeros), gzipSync(Buffer.from([0]))]);
  const template = buildRecordBatch([{ key, value: 'x', timestamp: T0 }], { compression: CompressionType.Gzip });
  const batch = Buffer.concat([template.subarray(0, RECORD_BATCH_OVERHEAD), records]);
  batch.writeInt32BE(batch.length - 12, 8); // batchLength
  new RecordBatchView(batch).updateCrc();
  return batch;
}

interface Read {
  /** Every readable record as [offset, key, value]. */
  records: [number, string, string][];
  /** The stored bytes of the batches whose records could not be read, by base offset. */
  unreadable: Map<number, Buffer>;
}

async function readLog(log: Log): Promise<Read> {
  const read: Read = { records: [], unreadable: new Map() };
  for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
    const { bytes } = await log.read(offset, 4 << 20);
    const batches = scanBatches(Buffer.from(bytes)).batches;
    if (batches.length === 0) break;
    for (const batch of batches) {
      batch.validate();
      try {
        for (const r of decodeRecords(batch)) read.records.push([r.offset, r.key!.toString(), r.value!.toString()]);
      } catch (error) {
        expect(error).toBeInstanceOf(CorruptRecordError);
        read.unreadable.set(batch.baseOffset, Buffer.from(batch.bytes));
      }
      offset = batch.nextOffset;
    }
  }
  return read;
}

const MODES: [BackendName, number][] = [...BACKEND_NAMES.map((n) => [n, 1] as [BackendName, number]), ['file', 0]];

describe.each(MODES)('compaction of a log holding a decompression bomb, on the %s backend with log.cleaner.threads=%i', (backend, threads) => {
  let path: string;
  let manager: LogManager;
  const warnings: string[] = [];

  beforeEach(async () => {
    path = mkdtempSync(join(tmpdir(), `samsa-bomb-${backend}-`));
    warnings.length = 0;
    manager = await LogManager.open({
      logDirs: [path],
      // The bomb is most of the log's clean bytes: any dirty data at all makes the log cleanable.
      defaults: {
        'storage.backend': backend,
        'cleanup.policy': 'compact',
        'file.delete.delay.ms': 0,
        'max.message.bytes': 2 << 20,
        'min.cleanable.dirty.ratio': 0,
      },
      retentionCheckIntervalMs: 0,
      cleanerEnable: false,
      cleanerThreads: threads,
      now: () => T0 + 3_600_000,
      warn: (m) => warnings.push(m),
    });
  });
  afterEach(async () => {
    await manager.close();
    rmSync(path, { recursive: true, force: true });
  });

  const round = async (log: Log, r: number) => {
    for (let k = 0; k < 4; k++) await log.append(buildRecordBatch([{ key: `k${k}`, value: `v${r}-${k}`, timestamp: T0 }]));
  };
  const settle = async (log: Log) => {
    await log.roll();
    log.highWatermark = log.logEndOffset;
  };

  it('keeps the bomb batch as it is with a warning naming it, cleans the rest, and keeps cleaning the partition on later passes', async () => {
    const log = await manager.getOrCreateLog('bombs', 0);
    await round(log, 0); // offsets 0-3
    const { baseOffset: bombOffset } = await log.append(bombBatch()); // offset 4
    await round(log, 1); // offsets 5-8
    await settle(log);
    const bomb = (await readLog(log)).unreadable.get(bombOffset)!;
    expect(bomb.length).toBeLessThan(2 << 20);

    const first = await manager.cleaner.cleanNow();
    expect(first?.key).toBe('bombs-0');
    let read = await readLog(log);
    expect(read.records).toEqual([0, 1, 2, 3].map((k) => [5 + k, `k${k}`, `v1-${k}`]));
    expect([...read.unreadable.keys()]).toEqual([bombOffset]);
    expect(read.unreadable.get(bombOffset)!.equals(bomb)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('bombs-0');
    expect(warnings[0]).toContain(`offsets ${bombOffset}..${bombOffset}`);
    expect(warnings[0]).toContain(`beyond the ${DEFAULT_MAX_DECOMPRESSED_BYTES}-byte limit`);
    expect(first!.stats.uncleanableBatches).toBe(1);
    expect(manager.cleaner.uncleanablePartitions.size).toBe(0);

    // Later passes clean the partition again, the bomb still kept as it is, and warned about once.
    for (const r of [2, 3]) {
      await round(log, r);
      await settle(log);
      const later = await manager.cleaner.cleanNow();
      expect(later?.key).toBe('bombs-0');
      read = await readLog(log);
      const base = 9 + 4 * (r - 2);
      expect(read.records).toEqual([0, 1, 2, 3].map((k) => [base + k, `k${k}`, `v${r}-${k}`]));
      expect(read.unreadable.get(bombOffset)!.equals(bomb)).toBe(true);
      expect(later!.stats.uncleanableBatches).toBe(1);
    }
    expect(warnings).toHaveLength(1);
    expect(manager.cleaner.uncleanablePartitions.size).toBe(0);
  }, 60_000);
});
