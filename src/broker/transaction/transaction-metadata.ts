import { ErrorCode } from '../../protocol/error-codes.js';
import { type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import { isValidTransition, stateName, TransactionState } from './transaction-state.js';

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
const MAX_EPOCH = 32767;

/** Kafka keeps the last epoch, Short.MaxValue, for fencing: a producer at MaxValue - 1 gets a new producer id instead of a bump. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_EPOCH - 1;
}

/**
 * What a transactional id is to become (Kafka's TxnTransitMetadata): written
 * to __transaction_state first, and only once in the log does it become the
 * metadata (`completeTransitionTo`).
 */
export interface TxnTransitMetadata {
  readonly producerId: number;
  readonly lastProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TransactionState;
  readonly partitions: ReadonlyMap<string, TopicPartition>;
  readonly txnStartTimestamp: number;
  readonly txnLastUpdateTimestamp: number;
}

/** A transition the metadata does not allow: a bug, never a client's doing. */
export class IllegalTransitionError extends Error {}

/**
 * One transactional id as its coordinator holds it (Kafka's
 * TransactionMetadata): producer id and epoch (and the previous ones, for
 * KIP-360 retries), timeout, state and the partitions of the ongoing
 * transaction. Changes go in two steps: a `prepare…` call checks the
 * transition and marks it pending (requests meanwhile get
 * CONCURRENT_TRANSACTIONS), the coordinator writes the result to the log,
 * and `completeTransitionTo` applies it, or the pending mark is cleared on failure.
 */
export class TransactionMetadata {
  pendingState: TransactionState | undefined;
  /** An epoch fence whose write failed: the bumped epoch may be in the log, so the next fence does not bump again. */
  hasFailedEpochFence = false;
  readonly partitions = new Map<string, TopicPartition>();

  constructor(
    readonly transactionalId: string,
    public producerId: number,
    public lastProducerId: number,
    public producerEpoch: number,
    public lastProducerEpoch: number,
    public txnTimeoutMs: number,
    public state: TransactionState,
    partitions: Iterable<TopicPartition>,
    public txnStartTimestamp: number,
    public txnLastUpdateTimestamp: number,
  ) {
    for (const tp of partitions) this.partitions.set(tpKey(tp.topic, tp.partition), tp);
  }

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== undefined;
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  /** A transaction whose markers are not all written yet. */
  get hasPendingTransaction(): boolean {
    return this.state === TransactionState.Ongoing || this.state === TransactionState.PrepareAbort || this.state === TransactionState.PrepareCommit;
  }

  hasPartition(topic: string, partition: number): boolean {
    return this.partitions.has(tpKey(topic, partition));
  }

  /** The partitions as a snapshot (the marker writer removes them as their markers land). */
  partitionList(): TopicPartition[] {
    return [...this.partitions.values()];
  }

  /** A partition's marker is written (only while the transaction is being completed). */
  removePartition(tp: TopicPartition): void {
    if (this.state !== TransactionState.PrepareCommit && this.state !== TransactionState.PrepareAbort) {
      throw new IllegalTransitionError(
        `transactional id ${this.transactionalId} is ${stateName(this.state)}; its partitions are removed only while its markers are written`,
      );
    }
    this.partitions.delete(tpKey(tp.topic, tp.partition));
  }

  // --- preparing transitions -----------------------------------------------

  /** Fencing the current producer: the epoch bumped (once, however often the fence's write fails), the transaction then aborted with it. */
  prepareFenceProducerEpoch(): TxnTransitMetadata {
    if (this.producerEpoch === MAX_EPOCH) throw new IllegalTransitionError(`cannot fence producer ${this.producerId} at epoch ${MAX_EPOCH}`);
    const bumped = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepareTransitionTo(
      TransactionState.PrepareEpochFence,
      this.producerId,
      bumped,
      NO_PRODUCER_EPOCH,
      this.txnTimeoutMs,
      this.partitions,
      this.txnStartTimestamp,
      this.txnLastUpdateTimestamp,
    );
  }

  /**
   * InitProducerId on a transactional id with no transaction open: the epoch
   * bumped. With the producer's current epoch (KIP-360) the previous one is
   * remembered, so a retry of the same call gets the same answer; an epoch
   * matching neither is a fenced producer (PRODUCER_FENCED).
   */
  prepareIncrementProducerEpoch(newTxnTimeoutMs: number, expectedEpoch: number | undefined, now: number): TxnTransitMetadata | number {
    if (this.isProducerEpochExhausted) throw new IllegalTransitionError(`producer ${this.producerId} has no epochs left`);
    const bumped = this.producerEpoch + 1;
    let next: number;
    let last: number;
    if (expectedEpoch === undefined) {
      next = bumped;
      last = NO_PRODUCER_EPOCH;
    } else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === this.producerEpoch) {
      next = bumped;
      last = this.producerEpoch;
    } else if (expectedEpoch === this.lastProducerEpoch) {
      // A retry of a bump that succeeded: the same epoch again.
      next = this.producerEpoch;
      last = this.lastProducerEpoch;
    } else {
      return ErrorCode.PRODUCER_FENCED;
    }
    return this.prepareTransitionTo(TransactionState.Empty, this.producerId, next, last, newTxnTimeoutMs, new Map(), -1, now);
  }

  /** The epochs of this producer id are used up: a new producer id at epoch 0. */
  prepareProducerIdRotation(newProducerId: number, newTxnTimeoutMs: number, now: number, recordLastEpoch: boolean): TxnTransitMetadata {
    if (this.hasPendingTransaction) throw new IllegalTransitionError(`cannot rotate the producer id of ${this.transactionalId} with a transaction pending`);
    return this.prepareTransitionTo(
      TransactionState.Empty,
      newProducerId,
      0,
      recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH,
      newTxnTimeoutMs,
      new Map(),
      -1,
      now,
    );
  }

  /** AddPartitionsToTxn / AddOffsetsToTxn: the transaction goes on with these partitions too (and starts now if none was open). */
  prepareAddPartitions(added: Iterable<TopicPartition>, now: number): TxnTransitMetadata {
    const starting = this.state === TransactionState.Empty || this.state === TransactionState.CompleteAbort || this.state === TransactionState.CompleteCommit;
    const partitions = new Map(this.partitions);
    for (const tp of added) partitions.set(tpKey(tp.topic, tp.partition), tp);
    return this.prepareTransitionTo(
      TransactionState.Ongoing,
      this.producerId,
      this.producerEpoch,
      this.lastProducerEpoch,
      this.txnTimeoutMs,
      partitions,
      starting ? now : this.txnStartTimestamp,
      now,
    );
  }

  prepareAbortOrCommit(newState: TransactionState.PrepareCommit | TransactionState.PrepareAbort, now: number): TxnTransitMetadata {
    return this.prepareTransitionTo(
      newState,
      this.producerId,
      this.producerEpoch,
      this.lastProducerEpoch,
      this.txnTimeoutMs,
      this.partitions,
      this.txnStartTimestamp,
      now,
    );
  }

  /** Every marker is written: the transaction is complete. */
  prepareComplete(now: number): TxnTransitMetadata {
    const state = this.state === TransactionState.PrepareCommit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort;
    // The end of the transaction is in the log: a later fence bumps the epoch again.
    this.hasFailedEpochFence = false;
    return this.prepareTransitionTo(
      state,
      this.producerId,
      this.producerEpoch,
      this.lastProducerEpoch,
      this.txnTimeoutMs,
      new Map(),
      this.txnStartTimestamp,
      now,
    );
  }

  /** transactional.id.expiration.ms: the id is about to be removed (a tombstone is written, the metadata dropped). */
  prepareDead(): TxnTransitMetadata {
    return this.prepareTransitionTo(
      TransactionState.Dead,
      this.producerId,
      this.producerEpoch,
      this.lastProducerEpoch,
      this.txnTimeoutMs,
      new Map(),
      this.txnStartTimestamp,
      this.txnLastUpdateTimestamp,
    );
  }

  private prepareTransitionTo(
    state: TransactionState,
    producerId: number,
    producerEpoch: number,
    lastProducerEpoch: number,
    txnTimeoutMs: number,
    partitions: ReadonlyMap<string, TopicPartition>,
    txnStartTimestamp: number,
    txnLastUpdateTimestamp: number,
  ): TxnTransitMetadata {
    if (this.pendingState !== undefined) {
      throw new IllegalTransitionError(
        `transactional id ${this.transactionalId}: preparing ${stateName(state)} while ${stateName(this.pendingState)} is pending`,
      );
    }
    if (producerId < 0) throw new IllegalTransitionError(`illegal producer id ${producerId}`);
    if (state !== TransactionState.Dead && producerEpoch < 0) throw new IllegalTransitionError(`illegal producer epoch ${producerEpoch}`);
    if (!isValidTransition(this.state, state)) {
      throw new IllegalTransitionError(`transactional id ${this.transactionalId} cannot go from ${stateName(this.state)} to ${stateName(state)}`);
    }
    this.pendingState = state;
    return {
      producerId,
      lastProducerId: this.producerId,
      producerEpoch,
      lastProducerEpoch,
      txnTimeoutMs,
      state,
      partitions: new Map(partitions),
      txnStartTimestamp,
      txnLastUpdateTimestamp,
    };
  }

  // --- completing them -----------------------------------------------------

  /** The transition is in the log: it becomes the metadata. Throws if it is not the one pending, or does not follow from the current metadata. */
  completeTransitionTo(t: TxnTransitMetadata): void {
    const to = this.pendingState;
    if (to === undefined || to !== t.state) this.transitionFailure(t, `${stateName(t.state)} is not the pending state`);
    switch (to) {
      case TransactionState.Empty: {
        const bumpValid = t.producerEpoch === this.producerEpoch + 1 || (t.producerEpoch === 0 && t.producerId !== this.producerId);
        if ((this.producerEpoch !== t.producerEpoch && !bumpValid) || t.partitions.size > 0 || t.txnStartTimestamp !== -1)
          this.transitionFailure(t, 'not a valid epoch bump');
        this.txnTimeoutMs = t.txnTimeoutMs;
        this.producerEpoch = t.producerEpoch;
        this.lastProducerEpoch = t.lastProducerEpoch;
        this.producerId = t.producerId;
        this.lastProducerId = t.lastProducerId;
        break;
      }
      case TransactionState.Ongoing:
        if (!this.sameProducer(t) || this.txnTimeoutMs !== t.txnTimeoutMs || [...this.partitions.keys()].some((k) => !t.partitions.has(k)))
          this.transitionFailure(t, 'partitions or producer changed');
        this.txnStartTimestamp = t.txnStartTimestamp;
        for (const [k, tp] of t.partitions) this.partitions.set(k, tp);
        break;
      case TransactionState.PrepareAbort:
      case TransactionState.PrepareCommit:
        if (
          !this.sameProducer(t) ||
          this.txnTimeoutMs !== t.txnTimeoutMs ||
          this.txnStartTimestamp !== t.txnStartTimestamp ||
          !samePartitions(this.partitions, t.partitions)
        ) {
          this.transitionFailure(t, 'transaction changed while ending');
        }
        break;
      case TransactionState.CompleteAbort:
      case TransactionState.CompleteCommit:
        if (!this.sameProducer(t) || this.txnTimeoutMs !== t.txnTimeoutMs || t.txnStartTimestamp === -1)
          this.transitionFailure(t, 'transaction changed while completing');
        this.txnStartTimestamp = t.txnStartTimestamp;
        this.partitions.clear();
        break;
      default:
        // PrepareEpochFence turns into PrepareAbort before anything is written; Dead ends in removal, never in the metadata.
        this.transitionFailure(t, `${stateName(t.state)} is never completed`);
    }
    this.txnLastUpdateTimestamp = t.txnLastUpdateTimestamp;
    this.pendingState = undefined;
    this.state = to;
  }

  private sameProducer(t: TxnTransitMetadata): boolean {
    return t.producerEpoch === this.producerEpoch && t.producerId === this.producerId;
  }

  private transitionFailure(t: TxnTransitMetadata, why: string): never {
    throw new IllegalTransitionError(
      `transactional id ${this.transactionalId} (${stateName(this.state)}, producer ${this.producerId} epoch ${this.producerEpoch}) cannot complete the transition to ${stateName(t.state)} (producer ${t.producerId} epoch ${t.producerEpoch}): ${why}`,
    );
  }

  toString(): string {
    return `${this.transactionalId} (${stateName(this.state)}${this.pendingState !== undefined ? ` → ${stateName(this.pendingState)}` : ''}, producer ${this.producerId} epoch ${this.producerEpoch}, ${this.partitions.size} partitions)`;
  }
}

function samePartitions(a: ReadonlyMap<string, TopicPartition>, b: ReadonlyMap<string, TopicPartition>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a.keys()) if (!b.has(k)) return false;
  return true;
}
