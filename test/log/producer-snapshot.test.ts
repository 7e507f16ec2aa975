import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES, createBackend, type LogDirectory } from '../../storage/backend/index.js';
import { LogConfig } from '../../storage/config/log-config.js';
import {
  CorruptSnapshotError,
  decodeProducerSnapshot,
  encodeProducerSnapshot,
  Log,
  OutOfOrderSequenceError,
  type ProducerSnapshotEntry,
} from '../../storage/log/index.js';
import { crc32c } from '../../storage/native/crc32c.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { expectThrown } from '../errors.js';

let clock = Date.now();
const idempotent = (producerId: number, sequence: number, count = 2, epoch = 0) =>
  buildRecordBatch(
    Array.from({ length: count }, (_, i) => ({ value: `p${producerId}-s${sequence + i}`.padEnd(60, '.'), timestamp: clock })),
    { producerId, producerEpoch: epoch, baseSequence: sequence },
  );

describe('producer snapshot files (Kafka format, version 1)', () => {
  const entry: ProducerSnapshotEntry = {
    producerId: 4001,
    epoch: 3,
    lastSequence: 41,
    lastOffset: 1_000_041,
    offsetDelta: 9,
    timestamp: 1_764_300_000_123,
    coordinatorEpoch: -1,
    currentTxnFirstOffset: -1,
  };

  it('lays out version, CRC-32C of the rest, and an int32-counted array of 46-byte entries', () => {
    const bytes = encodeProducerSnapshot([entry, { ...entry, producerId: 4002 }]);
    expect(bytes.length).toBe(2 + 4 + 4 + 2 * 46);
    expect(bytes.readInt16BE(0)).toBe(1);
    expect(bytes.readUInt32BE(2)).toBe(crc32c(bytes, 6));
    expect(bytes.readInt32BE(6)).toBe(2);
    expect(bytes.readBigInt64BE(10)).toBe(4001n);
    expect(bytes.readInt16BE(18)).toBe(3);
    expect(bytes.readInt32BE(20)).toBe(41);
    expect(bytes.readBigInt64BE(24)).toBe(1_000_041n);
    expect(bytes.readInt32BE(32)).toBe(9);
    expect(bytes.readBigInt64BE(36)).toBe(1_764_300_000_123n);
    expect(bytes.readInt32BE(44)).toBe(-1);
    expect(bytes.readBigInt64BE(48)).toBe(-1n);
    expect(bytes.readBigInt64BE(56)).toBe(4002n);
    expect(decodeProducerSnapshot(bytes, 'x.snapshot')).toEqual([entry, { ...entry, producerId: 4002 }]);
  });

  it('names what is wrong with a damaged file', () => {
    const bytes = encodeProducerSnapshot([entry]);
    const flipped = Buffer.from(bytes);
    flipped[30] ^= 1;
    expectThrown(
      () => decodeProducerSnapshot(flipped, '/d/00000000000000000007.snapshot'),
      CorruptSnapshotError,
      { path: '/d/00000000000000000007.snapshot' },
      /\/d\/00000000000000000007.snapshot: corrupt producer snapshot: crc/,
    );
    expect(() => decodeProducerSnapshot(bytes.subarray(0, 40), 'p')).toThrow(CorruptSnapshotError);
    expectThrown(() => decodeProducerSnapshot(bytes.subarray(0, 3), 'p'), CorruptSnapshotError, { path: 'p' }, /shorter than a snapshot header/);
    const version = Buffer.from(bytes);
    version.writeInt16BE(2, 0);
    expectThrown(() => decodeProducerSnapshot(version, 'p'), CorruptSnapshotError, { path: 'p' }, /version 2 is not supported/);
  });
});

// The same behaviour on every backend.
describe.each(BACKEND_NAMES.map((n) => [n] as const))('producer state across restarts on the %s backend', (name) => {
  let root: string;
  let dir: LogDirectory;
  const warnings: string[] = [];
  const config = LogConfig.from({ 'storage.backend': name, 'segment.bytes': 1200 });
  const open = (options: Parameters<typeof Log.open>[2] = {}) => Log.open(dir, config, { warn: (m) => warnings.push(m), now: () => clock, ...options });
  const snapshotNames = async () => (await dir.list()).filter((n) => n.endsWith('.snapshot'));

  beforeEach(async () => {
    clock = Date.now();
    root = mkdtempSync(join(tmpdir(), `samsa-snapshot-${name}-`));
    dir = await createBackend(name).openDirectory(root);
    warnings.length = 0;
  });
  afterEach(async () => {
    await dir.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** Two producers interleaved over several segments: producer 7 ends at sequence 19, producer 8 at 9. Returns producer 7's appends by first sequence. */
  async function fill(log: Log): Promise<Map<number, { baseOffset: number; lastOffset: number }>> {
    const appended7 = new Map<number, { baseOffset: number; lastOffset: number }>();
    for (let i = 0; i < 10; i++) {
      appended7.set(2 * i, await log.append(idempotent(7, 2 * i)));
      if (i < 5) await log.append(idempotent(8, 2 * i));
    }
    return appended7;
  }

  it('a clean restart loads the snapshot taken at the log end: retries are deduplicated, gaps refused', async () => {
    let log = await open();
    await fill(log);
    const end = log.logEndOffset;
    const lastOf7 = await log.append(idempotent(7, 20));
    expect(log.segmentCount).toBeGreaterThan(2);
    await log.close();
    expect(await snapshotNames()).toContain(`${String(end + 2).padStart(20, '0')}.snapshot`);

    log = await open();
    expect(log.producerState.producerCount).toBe(2);
    expect(await log.append(idempotent(7, 20))).toMatchObject({ baseOffset: lastOf7.baseOffset, lastOffset: lastOf7.lastOffset });
    expect(log.logEndOffset).toBe(end + 2);
    await expect(log.append(idempotent(8, 30))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
    expect(await log.append(idempotent(8, 10))).toMatchObject({ baseOffset: end + 2 });
    await log.close();
  });

  it('after a crash, rebuilds from the snapshot of the last roll and the batches after it', async () => {
    const log = await open();
    const appended7 = await fill(log);
    const rollSnapshots = await snapshotNames();
    expect(rollSnapshots.length).toBe(log.segmentCount - 1); // one per roll, named for the new segment's base
    const end = log.logEndOffset;
    await log.flush();
    // A second log over the same files, without the first closing: what a restart after SIGKILL finds.
    const recovered = await open({ cleanShutdown: false });
    expect(recovered.producerState.producerCount).toBe(2);
    // Retries of producer 7's last batches come back with their first offsets (the last five are remembered).
    for (const sequence of [18, 16, 14]) expect(await recovered.append(idempotent(7, sequence))).toEqual({ ...appended7.get(sequence)!, logAppendTimeMs: -1 });
    expect(recovered.logEndOffset).toBe(end);
    await expect(recovered.append(idempotent(7, 24))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
    expect(await recovered.append(idempotent(7, 20))).toMatchObject({ baseOffset: end });
    await recovered.close();
    await log.close();
  });

  it('deletes a corrupt snapshot with a warning and rebuilds the state from the log', async () => {
    let log = await open();
    await fill(log);
    const last8 = await log.append(idempotent(8, 10));
    await log.close();
    const names = await snapshotNames();
    const newest = names[names.length - 1]!;
    await dir.writeAtomically(newest, Buffer.from('not a snapshot at all'));
    log = await open();
    expect(warnings.some((w) => w.includes(newest) && w.includes('corrupt producer snapshot'))).toBe(true);
    expect(await snapshotNames()).not.toContain(newest);
    expect(await log.append(idempotent(8, 10))).toMatchObject({ baseOffset: last8.baseOffset });
    await log.close();
  });

  it('truncation drops the state of the batches it cuts, and their snapshots', async () => {
    const log = await open();
    await fill(log);
    const cut = 8; // producer 7 then has sequences 0..5 (offsets 0-1, 4-5, 8-9 are its; cut at 8 keeps 0..3)
    await log.truncateTo(cut);
    expect((await snapshotNames()).every((n) => Number(n.slice(0, 20)) <= cut)).toBe(true);
    await expect(log.append(idempotent(7, 6))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
    expect(await log.append(idempotent(7, 4))).toMatchObject({ baseOffset: cut });
    await log.close();
  });

  it('sequences wrap from 2^31-1 to 0 as in Kafka: the snapshot holds them, the roll and the close succeed, the next sequence is 1', async () => {
    let log = await open();
    const wrapped = await log.append(idempotent(7, 0x7fffffff, 2)); // sequences 2147483647 and 0
    await expect(log.append(idempotent(7, 0x7fffffff, 2))).resolves.toMatchObject({ baseOffset: wrapped.baseOffset });
    await log.roll();
    const rolled = decodeProducerSnapshot(await dir.readAll(`${String(log.logEndOffset).padStart(20, '0')}.snapshot`), 'rolled');
    expect(rolled).toEqual([expect.objectContaining({ producerId: 7, lastSequence: 0, lastOffset: wrapped.lastOffset, offsetDelta: 1 })]);
    await log.close();

    log = await open();
    // The batch that wrapped is still recognised when retried (its first sequence comes back from the snapshot's last sequence and delta).
    expect(await log.append(idempotent(7, 0x7fffffff, 2))).toMatchObject({ baseOffset: wrapped.baseOffset, lastOffset: wrapped.lastOffset });
    await expect(log.append(idempotent(7, 0, 2))).rejects.toBeInstanceOf(OutOfOrderSequenceError); // 0 is taken; 1 comes next
    expect(await log.append(idempotent(7, 1, 2))).toMatchObject({ baseOffset: wrapped.lastOffset + 1 });
    await log.close();
  });

  it('forgets producers idle past producer.id.expiration.ms, at once and when loading a snapshot', async () => {
    let log = await open({ producerIdExpirationMs: 60_000 });
    await log.append(idempotent(7, 0));
    clock += 30_000;
    await log.append(idempotent(8, 0));
    clock += 40_000; // 7 is 70 s idle, 8 is 40 s
    log.removeExpiredProducers();
    expect(log.producerState.producerCount).toBe(1);
    await log.close();
    clock += 30_000; // 8 is now 70 s idle too: not loaded
    log = await open({ producerIdExpirationMs: 60_000 });
    expect(log.producerState.producerCount).toBe(0);
    expect(await log.append(idempotent(8, 5))).toMatchObject({ baseOffset: 4 }); // no state: any sequence starts it
    await log.close();
  });

  it('forgets producers whose batches DeleteRecords removed, with the snapshots of deleted segments', async () => {
    const log = await open();
    await fill(log);
    log.highWatermark = log.logEndOffset;
    const before = await snapshotNames();
    await log.deleteRecordsBefore(log.logEndOffset - 2); // only producer 7's last batch stays
    expect(log.producerState.producerCount).toBe(1);
    const after = await snapshotNames();
    expect(after.length).toBeLessThan(before.length);
    const firstBase = Number((await dir.list()).find((n) => n.endsWith('.log'))!.slice(0, 20));
    expect(after.every((n) => Number(n.slice(0, 20)) >= firstBase)).toBe(true);
    await log.close();
  });
});
