import { ControlRecordType, type EndTransactionMarker, readEndTransactionMarker } from '../record/control-record.js';
import { decodeRecords } from '../record/record.js';
import type { RecordBatchView } from '../record/record-batch-view.js';
import { decrementSequence, incrementSequence } from '../record/sequence.js';
import { AppendOrigin } from './append-origin.js';
import { InvalidProducerEpochError, InvalidTxnStateError, OutOfOrderSequenceError, TransactionCoordinatorFencedError } from './log-errors.js';
import type { ProducerSnapshotEntry } from './producer-snapshot.js';

/** How many recent batches per producer are remembered to recognise a retried one (Kafka keeps 5, the most a producer has in flight). */
const RETAINED_BATCHES = 5;

interface BatchMetadata {
  firstSequence: number;
  lastSequence: number;
  baseOffset: number;
  lastOffset: number;
}

/** One producer as the log knows it (Kafka's ProducerStateEntry). */
interface ProducerEntry {
  epoch: number;
  /** Its last batches, oldest first; empty when only markers were seen in this epoch. */
  batches: BatchMetadata[];
  /** Max timestamp of its last batch or marker: the producer's age for producer.id.expiration.ms. */
  lastTimestamp: number;
  /** The epoch of the coordinator that wrote its last marker (-1 before any). */
  coordinatorEpoch: number;
  /** First offset of its transaction open in this partition, -1 when none. */
  currentTxnFirstOffset: number;
}

/** A retried batch the log already holds: the append answers with where it went the first time. */
export interface DuplicateBatch {
  baseOffset: number;
  lastOffset: number;
}

/** A transaction a marker just ended in this partition (Kafka's CompletedTxn): from its first data offset to the marker's. */
export interface CompletedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly isAborted: boolean;
}

/** A producer as DescribeProducers reports it. */
export interface ActiveProducer {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  currentTxnStartOffset: number;
}

/**
 * Asked during a producer's append (AppendOrigin.Client) whether its
 * transactional batch may start a transaction in this partition, i.e.
 * whether the transaction coordinator has this partition in the producer's
 * ongoing transaction with this epoch (KIP-890's verification). Called
 * synchronously, only for a transactional batch of a producer with no
 * transaction open here in that epoch (a retry of a batch already written is
 * answered as a duplicate first, as in Kafka), and nothing is written when it
 * answers false (INVALID_TXN_STATE). A verification that had to wait for a
 * remote coordinator can be made race-free with beginVerification /
 * isVerificationValid.
 */
export type TransactionVerifier = (producerId: number, producerEpoch: number, baseSequence: number) => boolean;

/**
 * Kafka's VerificationGuard (KIP-890): a token for one producer's pending
 * check with the transaction coordinator. A marker for the producer, a new
 * epoch of it or the start of its transaction here invalidates the token, so
 * a verification answered after the transaction ended cannot start another.
 */
export interface VerificationGuard {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly createdMs: number;
}

interface TxnSpan {
  producerId: number;
  firstOffset: number;
  /** The marker's offset once the transaction completed; -1 while open. */
  lastOffset: number;
}

/**
 * Producers' state in one partition (Kafka's ProducerStateManager):
 *
 * - idempotence: per producer id, the epoch and the sequence numbers of its
 *   last batches, so a retried batch is not written twice and a gap in
 *   sequences or an older epoch is refused;
 * - transactions: the first offset of each producer's open transaction. A
 *   transaction starts with the producer's first transactional batch and ends
 *   with its COMMIT or ABORT marker (a control batch with its producer id,
 *   written by the transaction coordinator). A completed transaction stays
 *   "unreplicated" until the high watermark passes its marker: the first
 *   offset of the earliest open or unreplicated transaction is the first
 *   unstable offset, which bounds the last stable offset.
 *
 * The log persists this in `.snapshot` files (producer-snapshot.ts), which
 * keep each producer's last batch and open transaction, as Kafka's do, and
 * rebuilds the rest from the batches after them. Checks run before an append
 * (`check`), updates after it is written (`update`, then `completeTxn` once a
 * marker's transaction is in the `.txnindex`).
 */
export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerEntry>();
  /** Open transactions, by first offset ascending. */
  private readonly ongoing: TxnSpan[] = [];
  /** Completed transactions whose markers the high watermark may not have passed. */
  private unreplicated: TxnSpan[] = [];
  private readonly verifications = new Map<number, VerificationGuard>();

  /**
   * Checks a leader's batches before they are written, as Kafka's
   * analyzeAndValidateProducerState and ProducerAppendInfo do for `origin`:
   * a retried batch of a producer (one batch, not from a coordinator) is
   * returned and must not be written again; a producer's transactional batch
   * needs its transaction open here or `verify`'s yes (KIP-890); then epochs
   * (data and markers), sequences (not for a coordinator's), coordinator
   * epochs of markers, and no plain batch inside an open transaction. Several
   * batches are checked each against the state the earlier ones leave.
   */
  check(batches: readonly RecordBatchView[], origin: AppendOrigin | undefined, verify?: TransactionVerifier): DuplicateBatch | undefined {
    if (batches.length === 1) {
      const batch = batches[0]!;
      return batch.producerId < 0 ? undefined : checkBatch(batch, origin, this.producers.get(batch.producerId), true, verify);
    }
    let staged: Map<number, ProducerEntry> | undefined;
    for (const batch of batches) {
      const producerId = batch.producerId;
      if (producerId < 0) continue;
      staged ??= new Map();
      let entry = staged.has(producerId) ? staged.get(producerId) : copyOf(this.producers.get(producerId));
      checkBatch(batch, origin, entry, false, verify);
      entry ??= newEntry();
      if (batch.isControl) {
        const marker = markerOf(batch, false);
        if (marker) applyMarker(entry, batch, marker, producerId);
      } else {
        applyData(entry, batch);
      }
      staged.set(producerId, entry);
    }
    return undefined;
  }

  /**
   * Records a batch just written (offsets assigned), a leader's or a
   * replica's (a follower's, or one replayed on open: never refused). A marker
   * ending a transaction returns it; it counts as open until `completeTxn`.
   */
  update(batch: RecordBatchView): CompletedTxn | undefined {
    const producerId = batch.producerId;
    if (producerId < 0) return undefined;
    let entry = this.producers.get(producerId);
    if (batch.isControl) {
      const marker = markerOf(batch, true);
      if (!marker) return undefined;
      if (!entry) this.producers.set(producerId, (entry = newEntry()));
      this.verifications.delete(producerId);
      return applyMarker(entry, batch, marker, producerId);
    }
    if (!entry) this.producers.set(producerId, (entry = newEntry()));
    if (batch.producerEpoch !== entry.epoch) this.verifications.delete(producerId);
    if (applyData(entry, batch)) {
      this.verifications.delete(producerId);
      insertByFirstOffset(this.ongoing, { producerId, firstOffset: batch.baseOffset, lastOffset: -1 });
    }
    return undefined;
  }

  /**
   * The last stable offset right after `completed` ends (Kafka's
   * lastStableOffset(CompletedTxn)), written into its `.txnindex` entry: the
   * first offset of the earliest other open transaction, else its marker's
   * offset + 1. Called before `completeTxn`.
   */
  lastStableOffsetAfter(completed: CompletedTxn): number {
    for (const txn of this.ongoing) if (txn.producerId !== completed.producerId) return txn.firstOffset;
    return completed.lastOffset + 1;
  }

  /** Marks a transaction complete; it holds the last stable offset until the high watermark passes its marker. */
  completeTxn(completed: CompletedTxn): void {
    const at = this.ongoing.findIndex((t) => t.firstOffset === completed.firstOffset && t.producerId === completed.producerId);
    if (at >= 0) this.ongoing.splice(at, 1);
    insertByFirstOffset(this.unreplicated, { producerId: completed.producerId, firstOffset: completed.firstOffset, lastOffset: completed.lastOffset });
  }

  /**
   * The first offset that is not stable at `highWatermark` (Kafka's
   * firstUnstableOffset): the earliest first offset of an open transaction or
   * of a completed one whose marker is at or past the high watermark.
   * Infinity when there is none.
   */
  firstUnstableOffset(highWatermark: number): number {
    let first = this.ongoing[0]?.firstOffset ?? Infinity;
    for (const txn of this.unreplicated) if (txn.lastOffset >= highWatermark && txn.firstOffset < first) first = txn.firstOffset;
    return first;
  }

  /** The earliest first offset of an open transaction, Infinity when none (Kafka's firstUndecidedOffset). */
  get firstUndecidedOffset(): number {
    return this.ongoing[0]?.firstOffset ?? Infinity;
  }

  /** Forgets completed transactions whose markers are below the high watermark: they no longer hold the last stable offset. */
  onHighWatermarkUpdated(highWatermark: number): void {
    if (this.unreplicated.length > 0) this.unreplicated = this.unreplicated.filter((t) => t.lastOffset >= highWatermark);
  }

  /** Whether the producer, in this epoch, has a transaction open in this partition: then its transactional batches need no verification (KIP-890). */
  hasOngoingTransaction(producerId: number, producerEpoch: number): boolean {
    return inOpenTransaction(this.producers.get(producerId), producerEpoch);
  }

  /**
   * Starts a verification of the producer's transaction with the coordinator
   * (Kafka's maybeStartTransactionVerification): the returned guard stays
   * valid, for `isVerificationValid`, until a marker for the producer, a new
   * epoch of it or the start of its transaction here.
   */
  beginVerification(producerId: number, producerEpoch: number, now = Date.now()): VerificationGuard {
    const current = this.verifications.get(producerId);
    if (current && current.producerEpoch === producerEpoch) return current;
    const guard: VerificationGuard = { producerId, producerEpoch, createdMs: now };
    this.verifications.set(producerId, guard);
    return guard;
  }

  /** Whether `guard` is still the producer's current verification (see beginVerification). */
  isVerificationValid(guard: VerificationGuard): boolean {
    return this.verifications.get(guard.producerId) === guard;
  }

  /** Forgets everything (after a truncation the remembered offsets may no longer exist). */
  clear(): void {
    this.producers.clear();
    this.ongoing.length = 0;
    this.unreplicated = [];
    this.verifications.clear();
  }

  /** Each producer's epoch, last batch and open transaction, for a snapshot file (Kafka writes producers with no batch as lastOffset -1). */
  snapshotEntries(): ProducerSnapshotEntry[] {
    const entries: ProducerSnapshotEntry[] = [];
    for (const [producerId, entry] of this.producers) {
      const last = entry.batches[entry.batches.length - 1];
      entries.push({
        producerId,
        epoch: entry.epoch,
        lastSequence: last?.lastSequence ?? -1,
        lastOffset: last?.lastOffset ?? -1,
        offsetDelta: last ? last.lastOffset - last.baseOffset : 0, // Kafka's: offsets, not sequences, which may have wrapped
        timestamp: entry.lastTimestamp,
        coordinatorEpoch: entry.coordinatorEpoch,
        currentTxnFirstOffset: entry.currentTxnFirstOffset,
      });
    }
    return entries;
  }

  /** Replaces the state with a snapshot's, leaving out producers idle for `expirationMs` or more with no open transaction. */
  load(entries: readonly ProducerSnapshotEntry[], now: number, expirationMs: number): void {
    this.clear();
    for (const e of entries) {
      const batches =
        e.lastOffset >= 0
          ? [
              {
                firstSequence: decrementSequence(e.lastSequence, e.offsetDelta),
                lastSequence: e.lastSequence,
                baseOffset: e.lastOffset - e.offsetDelta,
                lastOffset: e.lastOffset,
              },
            ]
          : [];
      this.producers.set(e.producerId, {
        epoch: e.epoch,
        batches,
        lastTimestamp: e.timestamp,
        coordinatorEpoch: e.coordinatorEpoch,
        currentTxnFirstOffset: e.currentTxnFirstOffset,
      });
      if (e.currentTxnFirstOffset >= 0) insertByFirstOffset(this.ongoing, { producerId: e.producerId, firstOffset: e.currentTxnFirstOffset, lastOffset: -1 });
    }
    this.removeExpired(now, expirationMs);
  }

  /**
   * Forgets producers whose last batch is older than producer.id.expiration.ms
   * (Kafka's removeExpiredProducers), never one with an open transaction, and
   * verifications begun that long ago.
   */
  removeExpired(now: number, expirationMs: number): void {
    for (const [producerId, entry] of this.producers) {
      if (entry.currentTxnFirstOffset < 0 && now - entry.lastTimestamp >= expirationMs) this.producers.delete(producerId);
    }
    for (const [producerId, guard] of this.verifications) if (now - guard.createdMs >= expirationMs) this.verifications.delete(producerId);
  }

  /**
   * Forgets producers whose last batch is below the log start offset (their
   * data is gone) unless a transaction of theirs is open, and completed
   * transactions ending below it.
   */
  removeBefore(logStartOffset: number): void {
    for (const [producerId, entry] of this.producers) {
      if (entry.currentTxnFirstOffset < 0 && (entry.batches[entry.batches.length - 1]?.lastOffset ?? -1) < logStartOffset) this.producers.delete(producerId);
    }
    if (this.unreplicated.length > 0) this.unreplicated = this.unreplicated.filter((t) => t.lastOffset >= logStartOffset);
  }

  /** The producers as DescribeProducers lists them (Kafka's UnifiedLog.activeProducers). */
  activeProducers(): ActiveProducer[] {
    const out: ActiveProducer[] = [];
    for (const [producerId, entry] of this.producers) {
      out.push({
        producerId,
        producerEpoch: entry.epoch,
        lastSequence: entry.batches[entry.batches.length - 1]?.lastSequence ?? -1,
        lastTimestamp: entry.lastTimestamp,
        coordinatorEpoch: entry.coordinatorEpoch,
        currentTxnStartOffset: entry.currentTxnFirstOffset,
      });
    }
    return out;
  }

  get producerCount(): number {
    return this.producers.size;
  }

  /** Open transactions in this partition. */
  get ongoingTransactionCount(): number {
    return this.ongoing.length;
  }
}

function newEntry(): ProducerEntry {
  return { epoch: -1, batches: [], lastTimestamp: -1, coordinatorEpoch: -1, currentTxnFirstOffset: -1 };
}

function copyOf(entry: ProducerEntry | undefined): ProducerEntry | undefined {
  return entry && { ...entry, batches: [...entry.batches] };
}

/** Keeps `txns` sorted by first offset (transactions usually start in order, so this appends). */
function insertByFirstOffset(txns: TxnSpan[], txn: TxnSpan): void {
  let at = txns.length;
  while (at > 0 && txns[at - 1]!.firstOffset > txn.firstOffset) at--;
  txns.splice(at, 0, txn);
}

/**
 * The ABORT or COMMIT marker of a control batch; undefined for an empty one
 * (a transaction the cleaner emptied). On a leader's append a control record
 * that is no marker is refused (CorruptRecordError); a replica's
 * (`lenient`) is passed over.
 */
function markerOf(batch: RecordBatchView, lenient: boolean): EndTransactionMarker | undefined {
  try {
    for (const record of decodeRecords(batch, { verifyCrc: false })) return readEndTransactionMarker(record);
  } catch (error) {
    if (!lenient) throw error;
  }
  return undefined;
}

/** A leader's batch checked against the producer's entry (undefined: a producer not seen yet), without changing it. */
function checkBatch(
  batch: RecordBatchView,
  origin: AppendOrigin | undefined,
  entry: ProducerEntry | undefined,
  findDuplicate: boolean,
  verify: TransactionVerifier | undefined,
): DuplicateBatch | undefined {
  const producerId = batch.producerId;
  const epoch = batch.producerEpoch;
  if (batch.isControl) {
    const marker = markerOf(batch, false);
    if (!marker || !entry) return undefined;
    if (epoch < entry.epoch) throw new InvalidProducerEpochError(producerId, epoch, entry.epoch);
    if (entry.coordinatorEpoch > marker.coordinatorEpoch)
      throw new TransactionCoordinatorFencedError(producerId, marker.coordinatorEpoch, entry.coordinatorEpoch);
    return undefined;
  }
  if (findDuplicate && entry && epoch === entry.epoch && origin !== AppendOrigin.Coordinator) {
    const duplicate = findDuplicateBatch(entry, batch);
    if (duplicate) return duplicate;
  }
  if (origin === AppendOrigin.Client && batch.isTransactional && !inOpenTransaction(entry, epoch) && verify?.(producerId, epoch, batch.baseSequence) !== true) {
    throw new InvalidTxnStateError(producerId, epoch);
  }
  if (!entry) return undefined;
  if (epoch < entry.epoch) throw new InvalidProducerEpochError(producerId, epoch, entry.epoch);
  if (entry.currentTxnFirstOffset >= 0 && !batch.isTransactional) {
    throw new InvalidTxnStateError(
      producerId,
      epoch,
      `wrote a non-transactional batch while its transaction from offset ${entry.currentTxnFirstOffset} is open`,
    );
  }
  // A coordinator's batches (offsets committed in a transaction) carry no sequences to check.
  if (origin === AppendOrigin.Coordinator) return undefined;
  const first = batch.baseSequence;
  if (epoch > entry.epoch) {
    if (first !== 0 && entry.epoch >= 0) throw new OutOfOrderSequenceError(producerId, first, 0);
    return undefined;
  }
  const previous = entry.batches[entry.batches.length - 1];
  if (!previous) return undefined;
  // After 2^31-1 comes 0 (Kafka's ProducerAppendInfo.inSequence).
  const expected = incrementSequence(previous.lastSequence, 1);
  if (first !== expected) throw new OutOfOrderSequenceError(producerId, first, expected);
  return undefined;
}

function inOpenTransaction(entry: ProducerEntry | undefined, epoch: number): boolean {
  return entry !== undefined && entry.currentTxnFirstOffset >= 0 && entry.epoch === epoch;
}

/** One of the producer's recent batches with the same sequences, in its current epoch: a retry. */
function findDuplicateBatch(entry: ProducerEntry, batch: RecordBatchView): DuplicateBatch | undefined {
  const first = batch.baseSequence;
  const last = batch.lastSequence;
  for (const seen of entry.batches)
    if (seen.firstSequence === first && seen.lastSequence === last) return { baseOffset: seen.baseOffset, lastOffset: seen.lastOffset };
  return undefined;
}

/** Applies a data batch to its producer's entry; true when it starts a transaction. */
function applyData(entry: ProducerEntry, batch: RecordBatchView): boolean {
  if (batch.producerEpoch !== entry.epoch) {
    entry.epoch = batch.producerEpoch;
    entry.batches.length = 0;
  }
  entry.lastTimestamp = batch.maxTimestamp;
  entry.batches.push({ firstSequence: batch.baseSequence, lastSequence: batch.lastSequence, baseOffset: batch.baseOffset, lastOffset: batch.lastOffset });
  if (entry.batches.length > RETAINED_BATCHES) entry.batches.shift();
  if (!batch.isTransactional || entry.currentTxnFirstOffset >= 0) return false;
  entry.currentTxnFirstOffset = batch.baseOffset;
  return true;
}

/** Applies a marker to its producer's entry; the transaction it ends, if one was open (a marker of an empty transaction ends none). */
function applyMarker(entry: ProducerEntry, batch: RecordBatchView, marker: EndTransactionMarker, producerId: number): CompletedTxn | undefined {
  const first = entry.currentTxnFirstOffset;
  if (batch.producerEpoch !== entry.epoch) {
    entry.epoch = batch.producerEpoch;
    entry.batches.length = 0;
  }
  entry.coordinatorEpoch = marker.coordinatorEpoch;
  entry.currentTxnFirstOffset = -1;
  entry.lastTimestamp = batch.maxTimestamp;
  return first < 0 ? undefined : { producerId, firstOffset: first, lastOffset: batch.baseOffset, isAborted: marker.type === ControlRecordType.Abort };
}
