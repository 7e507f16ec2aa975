import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES, createBackend, type LogDirectory } from '../../storage/backend/index.js';
import { LogConfig } from '../../storage/config/log-config.js';
import {
  type AppendOptions,
  AppendOrigin,
  decodeProducerSnapshot,
  InvalidProducerEpochError,
  InvalidTxnStateError,
  Log,
  OutOfOrderSequenceError,
  TransactionCoordinatorFencedError,
  type TransactionVerifier,
} from '../../storage/log/index.js';
import { buildEndTransactionMarkerBatch, buildRecordBatch, ControlRecordType, scanBatches } from '../../storage/record/index.js';
import { expectRejected } from '../errors.js';
import { committedRecords } from './read-committed.js';

/** A batch of `values` from producer `producerId`: transactional unless told otherwise, idempotent (sequences from `sequence`). */
const data = (producerId: number, epoch: number, sequence: number, values: string[], isTransactional = true) =>
  buildRecordBatch(
    values.map((value) => ({ key: value, value })),
    { producerId, producerEpoch: epoch, baseSequence: sequence, isTransactional },
  );
const plain = (...values: string[]) => buildRecordBatch(values.map((value) => ({ key: value, value })));
const marker = (type: ControlRecordType, producerId: number, epoch: number, coordinatorEpoch = 0) =>
  buildEndTransactionMarkerBatch({ type, coordinatorEpoch }, { producerId, producerEpoch: epoch });
const commit = (producerId: number, epoch: number, coordinatorEpoch = 0) => marker(ControlRecordType.Commit, producerId, epoch, coordinatorEpoch);
const abort = (producerId: number, epoch: number, coordinatorEpoch = 0) => marker(ControlRecordType.Abort, producerId, epoch, coordinatorEpoch);
/** How the transaction coordinator appends markers (WriteTxnMarkers). */
const coordinator: AppendOptions = { origin: AppendOrigin.Coordinator };
/** A producer's append whose transaction the (test's) coordinator verified. */
const admitted: AppendOptions = { origin: AppendOrigin.Client, verifyTransaction: () => true };
const client: AppendOptions = { origin: AppendOrigin.Client };

/** Kafka's AbortedTxn entry, version 0: 34 bytes. */
function abortedTxnBytes(producerId: number, firstOffset: number, lastOffset: number, lastStableOffset: number): Buffer {
  const bytes = Buffer.alloc(34);
  bytes.writeInt16BE(0, 0);
  bytes.writeBigInt64BE(BigInt(producerId), 2);
  bytes.writeBigInt64BE(BigInt(firstOffset), 10);
  bytes.writeBigInt64BE(BigInt(lastOffset), 18);
  bytes.writeBigInt64BE(BigInt(lastStableOffset), 26);
  return bytes;
}

const name = (offset: number, suffix: string) => `${String(offset).padStart(20, '0')}${suffix}`;

describe.each(BACKEND_NAMES.map((n) => [n] as const))('transactions in the log on the %s backend', (backend) => {
  let root: string;
  let dir: LogDirectory;
  const warnings: string[] = [];
  const config = (overrides: Record<string, unknown> = {}) => LogConfig.from({ 'storage.backend': backend, ...overrides });
  const open = (overrides: Record<string, unknown> = {}, options: Parameters<typeof Log.open>[2] = {}) =>
    Log.open(dir, config(overrides), { warn: (m) => warnings.push(m), ...options });
  /** What a broker does after an append on a single replica: the high watermark follows the log end. */
  const replicated = (log: Log) => {
    log.highWatermark = log.logEndOffset;
  };
  const txnIndexes = async () => (await dir.list()).filter((n) => n.endsWith('.txnindex'));
  /** What a read_committed consumer reads from `from` to the last stable offset, fetch after fetch (a fetch reads one segment). */
  const committedValues = async (log: Log, from = log.logStartOffset) => {
    const values: (string | null)[] = [];
    for (let offset = from; offset < log.lastStableOffset; ) {
      const read = await log.readCommitted(offset, 1 << 20);
      values.push(...committedRecords(read.bytes, read.abortedTransactions ?? []).map((r) => r.value));
      const batches = scanBatches(Buffer.from(read.bytes)).batches;
      offset = batches[batches.length - 1]!.nextOffset;
    }
    return values;
  };

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), `samsa-txn-${backend}-`));
    dir = await createBackend(backend).openDirectory(root);
    warnings.length = 0;
  });
  afterEach(async () => {
    await dir.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('holds the last stable offset at an open transaction past later records, and moves it once the COMMIT passes the high watermark', async () => {
    const log = await open();
    const asked: number[][] = [];
    const verify: TransactionVerifier = (producerId, epoch, sequence) => {
      asked.push([producerId, epoch, sequence]);
      return true;
    };
    expect(await log.append(data(100, 0, 0, ['t1', 't2']), { origin: AppendOrigin.Client, verifyTransaction: verify })).toMatchObject({
      baseOffset: 0,
      lastOffset: 1,
    });
    await log.append(plain('p1')); // 2
    // The transaction is open here now: its next batch needs no verification.
    await log.append(data(100, 0, 2, ['t3']), client); // 3
    await log.append(plain('p2')); // 4
    expect(asked).toEqual([[100, 0, 0]]);
    replicated(log);
    expect([log.highWatermark, log.lastStableOffset]).toEqual([5, 0]);
    expect(log.producerState.hasOngoingTransaction(100, 0)).toBe(true);
    expect(await log.readCommitted(0, 1 << 20)).toMatchObject({ bytes: Buffer.alloc(0), firstOffset: 0, abortedTransactions: [] });

    expect(await log.append(commit(100, 0), coordinator)).toMatchObject({ baseOffset: 5, lastOffset: 5 });
    // Written, but not yet past the high watermark: still unstable.
    expect(log.lastStableOffset).toBe(0);
    replicated(log);
    expect(log.lastStableOffset).toBe(6);
    expect(await committedValues(log)).toEqual(['t1', 't2', 'p1', 't3', 'p2']);
    expect((await log.readCommitted(0, 1 << 20)).abortedTransactions).toEqual([]);
    expect(await txnIndexes()).toEqual([]); // no aborted transaction, no .txnindex
    expect(log.producerState.activeProducers()).toEqual([
      { producerId: 100, producerEpoch: 0, lastSequence: 2, lastTimestamp: expect.any(Number), coordinatorEpoch: 0, currentTxnStartOffset: -1 },
    ]);
    await log.close();
  });

  it("records an aborted transaction in the segment's .txnindex as Kafka lays it out, and read_committed readers skip its records", async () => {
    const log = await open();
    await log.append(data(200, 0, 0, ['a1', 'a2']), admitted); // 0-1
    await log.append(data(300, 0, 0, ['c1']), admitted); // 2
    await log.append(plain('p1')); // 3
    await log.append(abort(200, 0), coordinator); // 4: producer 300's transaction is still open from 2
    replicated(log);
    expect(log.lastStableOffset).toBe(2);
    await log.append(commit(300, 0), coordinator); // 5
    replicated(log);
    expect(log.lastStableOffset).toBe(6);

    expect(await txnIndexes()).toEqual([name(0, '.txnindex')]);
    expect(await dir.readAll(name(0, '.txnindex'))).toEqual(abortedTxnBytes(200, 0, 4, 2));
    const read = await log.readCommitted(0, 1 << 20);
    expect(read.abortedTransactions).toEqual([{ producerId: 200, firstOffset: 0, lastOffset: 4, lastStableOffset: 2 }]);
    expect(committedRecords(read.bytes, read.abortedTransactions!).map((r) => r.value)).toEqual(['c1', 'p1']);
    // read_uncommitted sees everything but the markers.
    expect(committedRecords((await log.read(0, 1 << 20)).bytes, []).map((r) => r.value)).toEqual(['a1', 'a2', 'c1', 'p1']);
    await log.close();
  });

  it('lists only the aborted transactions overlapping the fetched range, bounded by the offset index as Kafka bounds it', async () => {
    const log = await open({ 'index.interval.bytes': 0 });
    for (const producerId of [1, 2, 3]) {
      await log.append(data(producerId, 0, 0, [`t${producerId}`]), admitted);
      await log.append(abort(producerId, 0), coordinator);
    }
    await log.append(plain('p'));
    replicated(log);
    // Offsets: 1 at 0 aborted at 1, 2 at 2 aborted at 3, 3 at 4 aborted at 5.
    const one = await log.readCommitted(2, 1); // the batch at 2 alone; the index's next entry is the marker at 3
    expect(one.firstOffset).toBe(2);
    expect(one.abortedTransactions!.map((t) => t.producerId)).toEqual([2]);
    const all = await log.readCommitted(1, 1 << 20);
    expect(all.abortedTransactions!.map((t) => t.producerId)).toEqual([1, 2, 3]);
    expect(committedRecords(all.bytes, all.abortedTransactions!).map((r) => r.value)).toEqual(['p']);
    // At the last stable offset there is nothing to read and no transaction to list.
    expect(await log.readCommitted(7, 1 << 20)).toMatchObject({ bytes: Buffer.alloc(0), firstOffset: 7, abortedTransactions: [] });
    await log.close();
  });

  it('finds a transaction aborted in a later segment than its records', async () => {
    const log = await open();
    await log.append(data(7, 0, 0, ['t']), admitted); // 0
    await log.roll();
    await log.append(plain('p')); // 1
    await log.append(abort(7, 0), coordinator); // 2, in segment 1
    replicated(log);
    const first = await log.readCommitted(0, 1 << 20); // reads segment 0 only
    expect(first.bytes.length).toBeGreaterThan(0);
    expect(first.abortedTransactions).toEqual([{ producerId: 7, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]);
    expect(await txnIndexes()).toEqual([name(1, '.txnindex')]);
    expect(await committedValues(log)).toEqual(['p']);
    await log.close();
  });

  it('refuses, writing nothing: an unverified transaction, a plain batch inside a transaction, stale producer and coordinator epochs', async () => {
    const log = await open();
    await expectRejected(
      log.append(data(5, 1, 0, ['x']), client),
      InvalidTxnStateError,
      { errorCode: 48, producerId: 5 },
      /no transaction of it is in progress/,
    );
    await expectRejected(
      log.append(data(5, 1, 0, ['x']), { origin: AppendOrigin.Client, verifyTransaction: () => false }),
      InvalidTxnStateError,
      { errorCode: 48 },
      /no transaction/,
    );
    expect(log.logEndOffset).toBe(0);

    await log.append(data(5, 1, 0, ['t1']), admitted); // 0
    await expectRejected(
      log.append(data(5, 1, 1, ['p'], false), client),
      InvalidTxnStateError,
      { errorCode: 48 },
      /non-transactional batch while its transaction from offset 0 is open/,
    );
    await log.append(commit(5, 1, 7), coordinator); // 1: coordinator epoch 7
    await log.append(data(5, 1, 1, ['t2']), admitted); // 2
    await expectRejected(
      log.append(abort(5, 0, 7), coordinator),
      InvalidProducerEpochError,
      { errorCode: 47, epoch: 0, currentEpoch: 1 },
      /older than the current epoch 1/,
    );
    await expectRejected(
      log.append(abort(5, 1, 6), coordinator),
      TransactionCoordinatorFencedError,
      { errorCode: 52, coordinatorEpoch: 6, currentCoordinatorEpoch: 7 },
      /coordinator epoch 6/,
    );
    expect(log.logEndOffset).toBe(3);
    expect(log.producerState.hasOngoingTransaction(5, 1)).toBe(true);
    // A producer may not write control batches at all.
    await expect(log.append(abort(5, 1, 7), client)).rejects.toMatchObject({ errorCode: 87 });
    await log.append(abort(5, 1, 7), coordinator);
    replicated(log);
    expect(log.lastStableOffset).toBe(4);
    await log.close();
  });

  it('answers a retry of a transactional batch already written with its offsets, before any verification, as Kafka does', async () => {
    const log = await open();
    const first = await log.append(data(12, 0, 0, ['t']), admitted);
    await log.append(commit(12, 0), coordinator);
    let asked = 0;
    const refusing: AppendOptions = {
      origin: AppendOrigin.Client,
      verifyTransaction: () => {
        asked++;
        return false;
      },
    };
    expect(await log.append(data(12, 0, 0, ['t']), refusing)).toEqual({ ...first, logAppendTimeMs: -1 });
    expect(asked).toBe(0);
    await expectRejected(log.append(data(12, 0, 1, ['next']), refusing), InvalidTxnStateError, { errorCode: 48 }, /no transaction/);
    expect(asked).toBe(1);
    expect(log.logEndOffset).toBe(2);
    await log.close();
  });

  it('a marker with a bumped epoch (the coordinator fencing a producer) ends its transaction, and the old epoch is refused after it', async () => {
    const log = await open();
    await log.append(data(9, 3, 0, ['zombie']), admitted);
    await log.append(abort(9, 4), coordinator);
    await expectRejected(
      log.append(data(9, 3, 1, ['late']), admitted),
      InvalidProducerEpochError,
      { errorCode: 47 },
      /epoch 3 is older than the current epoch 4/,
    );
    await log.append(data(9, 4, 0, ['fresh']), admitted);
    await log.append(commit(9, 4), coordinator);
    replicated(log);
    expect(await committedValues(log)).toEqual(['fresh']);
    await log.close();
  });

  it('checks several batches of one append each against the state the earlier ones leave', async () => {
    const log = await open();
    expect(await log.append(Buffer.concat([data(4, 0, 0, ['a', 'b'], false), data(4, 0, 2, ['c'], false)]))).toMatchObject({ baseOffset: 0, lastOffset: 2 });
    await expect(log.append(Buffer.concat([data(4, 0, 3, ['d'], false), data(4, 0, 5, ['e'], false)]))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
    // A coordinator's transactional batch then its marker in one append: the marker ends the transaction the batch started.
    await log.append(Buffer.concat([data(8, 0, -1, ['offsets']), commit(8, 0)]), coordinator);
    expect(log.logEndOffset).toBe(5);
    replicated(log);
    expect(log.lastStableOffset).toBe(5);
    await log.close();
  });

  it('a verification guard holds until a marker for its producer arrives (KIP-890: no transaction started by a stale verification)', async () => {
    const log = await open();
    const state = log.producerState;
    const stale = state.beginVerification(11, 0);
    await log.append(abort(11, 0), coordinator); // the coordinator ended the transaction meanwhile (an empty one here)
    const verifyWith = (guard: typeof stale): AppendOptions => ({ origin: AppendOrigin.Client, verifyTransaction: () => state.isVerificationValid(guard) });
    await expectRejected(log.append(data(11, 0, 0, ['x']), verifyWith(stale)), InvalidTxnStateError, { errorCode: 48 }, /no transaction/);
    const fresh = state.beginVerification(11, 0);
    await log.append(data(11, 0, 0, ['x']), verifyWith(fresh));
    expect(state.isVerificationValid(fresh)).toBe(false); // used up: the transaction started
    await log.close();
  });

  it("keeps an open transaction and the .txnindex across a clean restart, in Kafka's snapshot format", async () => {
    let log = await open();
    await log.append(data(21, 2, 0, ['gone']), admitted); // 0
    await log.append(abort(21, 2, 3), coordinator); // 1
    await log.append(data(22, 5, 0, ['open']), admitted); // 2
    await log.append(plain('p')); // 3
    const index = await dir.readAll(name(0, '.txnindex'));
    await log.close();
    const snapshot = decodeProducerSnapshot(await dir.readAll(name(4, '.snapshot')), 'snapshot');
    expect(snapshot).toEqual([
      {
        producerId: 21,
        epoch: 2,
        lastSequence: 0,
        lastOffset: 0,
        offsetDelta: 0,
        timestamp: expect.any(Number),
        coordinatorEpoch: 3,
        currentTxnFirstOffset: -1,
      },
      {
        producerId: 22,
        epoch: 5,
        lastSequence: 0,
        lastOffset: 2,
        offsetDelta: 0,
        timestamp: expect.any(Number),
        coordinatorEpoch: -1,
        currentTxnFirstOffset: 2,
      },
    ]);

    log = await open();
    expect(await dir.readAll(name(0, '.txnindex'))).toEqual(index);
    replicated(log);
    expect(log.lastStableOffset).toBe(2);
    await log.append(data(22, 5, 1, ['open2']), client); // its transaction is open: no verification needed
    await log.append(commit(22, 5), coordinator);
    replicated(log);
    expect(await committedValues(log)).toEqual(['open', 'p', 'open2']);
    await log.close();
  });

  it('rebuilds a lost .txnindex when recovering the segments past the recovery point after a crash, from the producer state at their start', async () => {
    let log = await open();
    await log.append(data(31, 0, 0, ['early']), admitted); // 0, segment 0
    await log.append(data(32, 0, 0, ['other']), admitted); // 1
    await log.roll(); // the roll's snapshot holds both open transactions
    await log.append(plain('p')); // 2, segment 2
    await log.append(abort(31, 0), coordinator); // 3
    await log.append(commit(32, 0), coordinator); // 4
    await log.append(data(33, 0, 0, ['late']), admitted); // 5
    await log.append(abort(33, 0), coordinator); // 6
    const index = await dir.readAll(name(2, '.txnindex'));
    expect(index).toEqual(Buffer.concat([abortedTxnBytes(31, 0, 3, 1), abortedTxnBytes(33, 5, 6, 7)]));
    await log.close();
    // The crash lost the index (it is written without a flush, like Kafka's).
    await dir.delete(name(2, '.txnindex'));
    log = await open({}, { cleanShutdown: false, recoveryPoint: 2 });
    expect(await dir.readAll(name(2, '.txnindex'))).toEqual(index);
    replicated(log);
    expect(await committedValues(log)).toEqual(['other', 'p']);
    await log.close();

    // A torn entry goes too: the next open keeps the whole ones.
    const torn = await dir.open(name(2, '.txnindex'));
    await torn.append(Buffer.alloc(10));
    await torn.close();
    log = await open({}, { cleanShutdown: true });
    expect(await dir.readAll(name(2, '.txnindex'))).toEqual(index);
    await log.close();
  });

  it('after a crash without a close, an open transaction is found again from the snapshot and the batches after it', async () => {
    const log = await open();
    await log.append(plain('p0'));
    await log.roll();
    await log.append(data(41, 0, 0, ['t']), admitted); // 1
    await log.append(plain('p1')); // 2
    await log.flush();
    const recovered = await open({}, { cleanShutdown: false });
    replicated(recovered);
    expect(recovered.lastStableOffset).toBe(1);
    expect(recovered.producerState.hasOngoingTransaction(41, 0)).toBe(true);
    await recovered.close();
    await log.close();
  });

  it('truncation takes the .txnindex entries of the markers it cuts, and their transactions are open again', async () => {
    const log = await open();
    await log.append(data(51, 0, 0, ['t']), admitted); // 0
    await log.append(abort(51, 0), coordinator); // 1
    await log.append(plain('p')); // 2
    replicated(log);
    expect(log.lastStableOffset).toBe(3);
    await log.truncateTo(1);
    expect(await dir.readAll(name(0, '.txnindex'))).toEqual(Buffer.alloc(0));
    expect(log.collectAbortedTransactions(0, 10)).toEqual([]);
    expect(log.lastStableOffset).toBe(0);
    expect(log.producerState.hasOngoingTransaction(51, 0)).toBe(true);
    await log.close();
  });

  it("a follower builds the same producer state and .txnindex from its leader's batches", async () => {
    const leader = await open();
    await leader.append(data(61, 0, 0, ['a']), admitted);
    await leader.append(data(62, 0, 0, ['b']), admitted);
    await leader.append(abort(61, 0), coordinator);
    await leader.append(plain('p'));
    replicated(leader);
    const followerRoot = mkdtempSync(join(tmpdir(), `samsa-txn-follower-${backend}-`));
    const followerDir = await createBackend(backend).openDirectory(followerRoot);
    try {
      const follower = await Log.open(followerDir, config(), { warn: (m) => warnings.push(m) });
      await follower.appendAsFollower(Buffer.from((await leader.read(0, 1 << 20)).bytes));
      follower.highWatermark = leader.highWatermark;
      expect(await followerDir.readAll(name(0, '.txnindex'))).toEqual(await dir.readAll(name(0, '.txnindex')));
      expect(follower.lastStableOffset).toBe(leader.lastStableOffset);
      expect(follower.lastStableOffset).toBe(1);
      expect(follower.producerState.activeProducers()).toEqual(leader.producerState.activeProducers());
      await follower.close();
    } finally {
      await followerDir.close();
      rmSync(followerRoot, { recursive: true, force: true });
    }
    await leader.close();
  });

  it("holds the last stable offset while a completed transaction's marker is above the high watermark, also when the high watermark is set lower after opening", async () => {
    let log = await open();
    await log.append(data(71, 0, 0, ['t']), admitted); // 0
    await log.append(plain('p')); // 1
    await log.append(commit(71, 0), coordinator); // 2
    log.highWatermark = 2; // the marker is not replicated yet
    expect(log.lastStableOffset).toBe(0);
    log.highWatermark = 3;
    expect(log.lastStableOffset).toBe(3);
    await log.flush();
    // After a crash a replica reopens at its checkpointed high watermark, below the marker: the replayed commit still holds the offset.
    const reopened = await open({}, { cleanShutdown: false });
    reopened.highWatermark = 2;
    expect(reopened.lastStableOffset).toBe(0);
    reopened.highWatermark = 3;
    expect(reopened.lastStableOffset).toBe(3);
    await reopened.close();
    await log.close();
    log = await open();
    expect(log.lastStableOffset).toBe(3);
    await log.close();
  });

  it("retention deletes a segment's .txnindex with it, and an open transaction whose records went holds the last stable offset at the log start", async () => {
    const log = await open({ 'retention.bytes': 1, 'file.delete.delay.ms': 0 });
    await log.append(data(81, 0, 0, ['t']), admitted); // 0
    await log.append(abort(81, 0), coordinator); // 1
    await log.append(data(82, 0, 0, ['open']), admitted); // 2
    await log.roll();
    await log.append(plain('p')); // 3
    await log.roll();
    replicated(log);
    expect(await txnIndexes()).toEqual([name(0, '.txnindex')]);
    expect(await log.deleteRetainedSegments()).toBe(1);
    expect(log.logStartOffset).toBe(3);
    expect(await txnIndexes()).toEqual([]);
    expect(log.producerState.hasOngoingTransaction(82, 0)).toBe(true); // never forgotten while open
    expect(log.lastStableOffset).toBe(3);
    await log.append(commit(82, 0), coordinator);
    replicated(log);
    expect(log.lastStableOffset).toBe(5);
    await log.close();
  });
});
