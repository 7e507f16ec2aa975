// Kafka's TransactionManager, which is both the idempotent producer's
// sequence bookkeeping and the transactional producer's state machine; one
// class because both share the producer id, the epoch and its bumps. The
// requests it sends are in txn-request-handlers.ts. (Over 600 lines: the
// state machine and the sequence rules read best together, as in Java.)
import { ErrorCode } from '../../protocol/error-codes.js';
import { type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import type { ConsumerGroupMetadata } from '../consumer/consumer.js';
import type { TopicPartitionOffset } from '../consumer/types.js';
import { Api } from '../network/apis.js';
import type { BrokerConnection } from '../network/broker-connection.js';
import { openCoordinatorConnection } from '../network/coordinator-connection.js';
import {
  ClusterAuthorizationError,
  IllegalStateError,
  InvalidProducerEpochError,
  isRetriable,
  KafkaClientError,
  OutOfOrderSequenceError,
  ProducerFencedError,
  TransactionalIdAuthorizationError,
  UnknownProducerIdError,
  UnsupportedVersionError,
} from '../network/errors.js';
import type { NetworkClient } from '../network/network-client.js';
import type { ProducerBatch } from './producer-batch.js';
import type { TransactionalRequestResult } from './transactional-request-result.js';
import { NO_LAST_ACKED_SEQUENCE, NO_PRODUCER_ID_AND_EPOCH, type ProducerIdAndEpoch, type TxnPartitionEntry, TxnPartitionMap } from './txn-partition-map.js';
import {
  AddOffsetsToTxnHandler,
  AddPartitionsToTxnHandler,
  type CoordinatorType,
  EndTxnHandler,
  FindCoordinatorHandler,
  InitProducerIdHandler,
  type TxnRequestHandler,
} from './txn-request-handlers.js';

export type TransactionState =
  | 'UNINITIALIZED'
  | 'INITIALIZING'
  | 'READY'
  | 'IN_TRANSACTION'
  | 'COMMITTING_TRANSACTION'
  | 'ABORTING_TRANSACTION'
  | 'ABORTABLE_ERROR'
  | 'FATAL_ERROR';

/** The states each state may be entered from (FATAL_ERROR from any). */
const VALID_SOURCES: Record<Exclude<TransactionState, 'FATAL_ERROR'>, readonly TransactionState[]> = {
  UNINITIALIZED: ['READY', 'ABORTABLE_ERROR'],
  INITIALIZING: ['UNINITIALIZED', 'ABORTING_TRANSACTION'],
  READY: ['INITIALIZING', 'COMMITTING_TRANSACTION', 'ABORTING_TRANSACTION'],
  IN_TRANSACTION: ['READY'],
  COMMITTING_TRANSACTION: ['IN_TRANSACTION'],
  ABORTING_TRANSACTION: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
  ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING_TRANSACTION', 'ABORTABLE_ERROR', 'INITIALIZING'],
};

const MAX_EPOCH = 32767;

export interface TransactionManagerConfig {
  readonly transactionalId: string | null;
  readonly transactionTimeoutMs: number;
  readonly retryBackoffMs: number;
}

/** A coordinator found with FindCoordinator, on a connection of its own (as the consumer's group coordinator). */
interface Coordinator {
  readonly key: string;
  readonly nodeId: number;
  readonly connection: BrokerConnection;
}

/** An offset sendOffsetsToTransaction commits, until the group coordinator has taken it. */
export interface PendingTxnOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly metadata: string | null;
  readonly leaderEpoch: number;
}

/**
 * Producer ids, epochs and sequence numbers for idempotence (KIP-98, with
 * KIP-360's epoch bumps) and, with a transactional.id, the transaction state
 * machine: UNINITIALIZED → INITIALIZING → READY → IN_TRANSACTION →
 * COMMITTING/ABORTING → READY, with ABORTABLE_ERROR (abort and go on) and
 * FATAL_ERROR (only close() is left). The Sender asks it which partitions may
 * be drained, gives each new batch its sequence, reports each batch's outcome
 * and sends the requests it queues, one at a time.
 */
export class TransactionManager {
  readonly transactionalId: string | null;
  state: TransactionState = 'UNINITIALIZED';
  lastError: Error | null = null;
  producerIdAndEpoch: ProducerIdAndEpoch = NO_PRODUCER_ID_AND_EPOCH;
  /** Partitions or offsets were added: EndTxn must be sent to end the transaction. */
  transactionStarted = false;
  epochBumpRequired = false;
  /** The transaction coordinator takes InitProducerId v3+, which can bump an epoch after an abortable error. */
  coordinatorSupportsBumpingEpoch = false;
  /** The request on the wire, if any: transactional requests go one at a time. */
  inFlightRequest: TxnRequestHandler | null = null;
  readonly pendingTxnOffsetCommits = new Map<string, PendingTxnOffset>();

  private readonly partitions = new TxnPartitionMap();
  private readonly newPartitionsInTransaction = new Map<string, TopicPartition>();
  private readonly pendingPartitionsInTransaction = new Map<string, TopicPartition>();
  private readonly partitionsInTransaction = new Set<string>();
  /** Partitions whose fate of some sequences is unknown (a batch sent, then expired): next sequence expected. */
  private readonly partitionsWithUnresolvedSequences = new Map<string, { entry: TxnPartitionEntry; nextSequence: number }>();
  private readonly partitionsToRewriteSequences = new Map<string, TxnPartitionEntry>();
  /** Queued requests, by priority (FindCoordinator first, an epoch bump last), in order within one. */
  private readonly pendingRequests: TxnRequestHandler[] = [];
  private readonly coordinators = new Map<CoordinatorType, Coordinator>();
  private pendingTransition: { result: TransactionalRequestResult; state: TransactionState; operation: string } | null = null;

  constructor(
    readonly config: TransactionManagerConfig,
    readonly client: NetworkClient,
  ) {
    this.transactionalId = config.transactionalId;
  }

  get isTransactional(): boolean {
    return this.transactionalId !== null;
  }

  get hasProducerId(): boolean {
    return this.producerIdAndEpoch.producerId >= 0 && this.producerIdAndEpoch.epoch >= 0;
  }

  get hasFatalError(): boolean {
    return this.state === 'FATAL_ERROR';
  }

  get hasAbortableError(): boolean {
    return this.state === 'ABORTABLE_ERROR';
  }

  get hasError(): boolean {
    return this.hasFatalError || this.hasAbortableError;
  }

  get isCompleting(): boolean {
    return this.state === 'COMMITTING_TRANSACTION' || this.state === 'ABORTING_TRANSACTION';
  }

  get isAborting(): boolean {
    return this.state === 'ABORTING_TRANSACTION';
  }

  /** A transaction is open until it completes or a fatal error ends everything. */
  get hasOngoingTransaction(): boolean {
    return this.state === 'IN_TRANSACTION' || this.isCompleting || this.hasAbortableError;
  }

  get canBumpEpoch(): boolean {
    return !this.isTransactional || this.coordinatorSupportsBumpingEpoch;
  }

  // --- what the application calls -------------------------------------------------

  initializeTransactions(bump: ProducerIdAndEpoch = NO_PRODUCER_ID_AND_EPOCH): TransactionalRequestResult {
    this.maybeFailWithError();
    const isEpochBump = bump !== NO_PRODUCER_ID_AND_EPOCH;
    return this.cachedTransitionResult(
      () => {
        // An epoch bump is part of ending a transaction: EndTxn's handling moves the state.
        if (!isEpochBump) this.transitionTo('INITIALIZING');
        const handler = new InitProducerIdHandler(this, isEpochBump, bump);
        this.enqueueRequest(handler);
        return handler.result;
      },
      'INITIALIZING',
      'initTransactions',
    );
  }

  beginTransaction(): void {
    this.ensureTransactional();
    this.throwIfPendingState('beginTransaction');
    this.maybeFailWithError();
    this.transitionTo('IN_TRANSACTION');
  }

  beginCommit(): TransactionalRequestResult {
    return this.cachedTransitionResult(
      () => {
        this.maybeFailWithError();
        this.transitionTo('COMMITTING_TRANSACTION');
        return this.beginCompletingTransaction(true);
      },
      'COMMITTING_TRANSACTION',
      'commitTransaction',
    );
  }

  beginAbort(): TransactionalRequestResult {
    return this.cachedTransitionResult(
      () => {
        if (this.state !== 'ABORTABLE_ERROR') this.maybeFailWithError();
        this.transitionTo('ABORTING_TRANSACTION');
        // Nothing more will be sent in this transaction.
        this.newPartitionsInTransaction.clear();
        return this.beginCompletingTransaction(false);
      },
      'ABORTING_TRANSACTION',
      'abortTransaction',
    );
  }

  /** What ends the transaction open when the producer closes: an abort begun now, or the commit or abort already under way. */
  abortOnClose(): TransactionalRequestResult | null {
    if (!this.isTransactional || !this.hasOngoingTransaction) return null;
    if (this.isCompleting) return this.pendingTransition?.result ?? null;
    try {
      return this.beginAbort();
    } catch {
      return null;
    }
  }

  private beginCompletingTransaction(commit: boolean): TransactionalRequestResult {
    if (this.newPartitionsInTransaction.size > 0) this.enqueueRequest(this.addPartitionsToTransactionHandler());
    // After INVALID_PRODUCER_ID_MAPPING the coordinator takes no EndTxn: straight to InitProducerId.
    // Otherwise the transaction is ended first, or the epoch bump would fence this producer.
    if (!(this.lastError instanceof KafkaClientError && this.lastError.errorCode === ErrorCode.INVALID_PRODUCER_ID_MAPPING)) {
      const handler = new EndTxnHandler(this, commit);
      this.enqueueRequest(handler);
      if (!this.epochBumpRequired) return handler.result;
    }
    return this.initializeTransactions(this.producerIdAndEpoch);
  }

  sendOffsetsToTransaction(offsets: readonly TopicPartitionOffset[], group: ConsumerGroupMetadata): TransactionalRequestResult {
    this.ensureTransactional();
    this.throwIfPendingState('sendOffsetsToTransaction');
    this.maybeFailWithError();
    if (this.state !== 'IN_TRANSACTION') throw new IllegalStateError(`Cannot send offsets if a transaction is not in progress (currentState= ${this.state})`);
    const handler = new AddOffsetsToTxnHandler(this, offsets, group);
    this.enqueueRequest(handler);
    return handler.result;
  }

  /** Throws when a record may not be sent now (Kafka's maybeAddPartition, before it adds). */
  checkSend(topic: string, partition: number): void {
    this.maybeFailWithError();
    this.throwIfPendingState('send');
    if (!this.isTransactional) return;
    if (!this.hasProducerId)
      throw new IllegalStateError(`Cannot add partition ${topic}-${partition} to transaction before completing a call to initTransactions`);
    if (this.state !== 'IN_TRANSACTION') throw new IllegalStateError(`Cannot add partition ${topic}-${partition} to transaction while in state  ${this.state}`);
  }

  /** A record was appended for a partition: the transaction must include it before its batches go out. */
  addPartition(topic: string, partition: number): void {
    if (!this.isTransactional) return;
    const key = tpKey(topic, partition);
    if (this.partitionsInTransaction.has(key) || this.newPartitionsInTransaction.has(key) || this.pendingPartitionsInTransaction.has(key)) return;
    this.partitions.getOrCreate(topic, partition);
    this.newPartitionsInTransaction.set(key, { topic, partition });
  }

  // --- state transitions --------------------------------------------------------------

  transitionTo(target: TransactionState, error: Error | null = null): void {
    if (target !== 'FATAL_ERROR' && !VALID_SOURCES[target].includes(this.state)) {
      const id = this.transactionalId === null ? '' : `TransactionalId ${this.transactionalId}: `;
      throw new IllegalStateError(`${id}Invalid transition attempted from state ${this.state} to state ${target}`);
    }
    if (target === 'FATAL_ERROR' || target === 'ABORTABLE_ERROR') {
      if (error === null) throw new IllegalStateError(`Cannot transition to ${target} with a null exception`);
      this.lastError = error;
    } else this.lastError = null;
    this.state = target;
  }

  transitionToAbortableError(error: Error): void {
    // Already aborting: the abort goes on.
    if (this.state === 'ABORTING_TRANSACTION') return;
    this.transitionTo('ABORTABLE_ERROR', error);
  }

  transitionToFatalError(error: Error): void {
    this.transitionTo('FATAL_ERROR', error);
    this.pendingTransition?.result.fail(error);
  }

  /** A failed batch's error decides the state: fenced or unauthorized is fatal; anything in a transaction makes it abortable. */
  maybeTransitionToErrorState(error: Error): void {
    if (
      error instanceof ClusterAuthorizationError ||
      error instanceof TransactionalIdAuthorizationError ||
      error instanceof ProducerFencedError ||
      error instanceof UnsupportedVersionError
    ) {
      this.transitionToFatalError(error);
    } else if (this.isTransactional) {
      if (this.canBumpEpoch && !this.isCompleting) this.epochBumpRequired = true;
      this.transitionToAbortableError(error);
    }
  }

  /** The transaction ended (EndTxn answered, or there was nothing to end). */
  completeTransaction(): void {
    this.transitionTo(this.epochBumpRequired ? 'INITIALIZING' : 'READY');
    this.lastError = null;
    this.epochBumpRequired = false;
    this.transactionStarted = false;
    this.newPartitionsInTransaction.clear();
    this.pendingPartitionsInTransaction.clear();
    this.partitionsInTransaction.clear();
  }

  private ensureTransactional(): void {
    if (!this.isTransactional) throw new IllegalStateError('Transactional method invoked on a non-transactional producer.');
  }

  /** Throws the error the producer is in, as Java's maybeFailWithError words it. */
  maybeFailWithError(): void {
    if (!this.hasError) return;
    const e = this.lastError;
    const who = `Producer with transactionalId '${this.transactionalId}' and ProducerIdAndEpoch(producerId=${this.producerIdAndEpoch.producerId}, epoch=${this.producerIdAndEpoch.epoch})`;
    if (e instanceof ProducerFencedError) throw new ProducerFencedError(`${who} has been fenced by another producer with the same transactionalId`);
    if (e instanceof InvalidProducerEpochError) throw new InvalidProducerEpochError(`${who} attempted to produce with an old epoch`);
    if (e instanceof IllegalStateError)
      throw new IllegalStateError(`${who} cannot execute transactional method because of previous invalid state transition attempt`, { cause: e });
    throw new KafkaClientError('Cannot execute transactional method because we are in an error state', { cause: e });
  }

  private throwIfPendingState(operation: string): void {
    const pending = this.pendingTransition;
    if (pending === null) return;
    if (pending.result.isAcked) {
      this.pendingTransition = null;
      return;
    }
    throw new IllegalStateError(
      `Cannot attempt operation \`${operation}\` because the previous call to \`${pending.operation}\` timed out and must be retried`,
    );
  }

  /** An operation whose wait timed out is carried on by calling it again, which waits for the same result. */
  private cachedTransitionResult(start: () => TransactionalRequestResult, state: TransactionState, operation: string): TransactionalRequestResult {
    this.ensureTransactional();
    const pending = this.pendingTransition;
    if (pending !== null) {
      if (pending.result.isAcked) this.pendingTransition = null;
      else if (pending.state !== state) {
        throw new IllegalStateError(
          `Cannot attempt operation \`${operation}\` because the previous call to \`${pending.operation}\` timed out and must be retried`,
        );
      } else return pending.result;
    }
    const result = start();
    this.pendingTransition = { result, state, operation };
    return result;
  }

  // --- producer id and epoch ---------------------------------------------------------------

  setProducerIdAndEpoch(next: ProducerIdAndEpoch): void {
    this.producerIdAndEpoch = next;
  }

  /** Called by each Sender turn: an idempotent producer bumps its own epoch, or asks for a producer id. */
  bumpIdempotentEpochAndResetIdIfNeeded(): void {
    if (this.isTransactional) return;
    if (this.epochBumpRequired) this.bumpIdempotentProducerEpoch();
    if (this.state !== 'INITIALIZING' && !this.hasProducerId) {
      this.transitionTo('INITIALIZING');
      this.enqueueRequest(new InitProducerIdHandler(this, false, NO_PRODUCER_ID_AND_EPOCH));
    }
  }

  private bumpIdempotentProducerEpoch(): void {
    if (this.producerIdAndEpoch.epoch === MAX_EPOCH) this.resetIdempotentProducerId();
    else this.setProducerIdAndEpoch({ producerId: this.producerIdAndEpoch.producerId, epoch: this.producerIdAndEpoch.epoch + 1 });
    // The partitions that asked for the bump start again at sequence 0, in-flight batches included.
    for (const [key, entry] of this.partitionsToRewriteSequences) {
      entry.startSequencesAtBeginning(this.producerIdAndEpoch);
      this.partitionsWithUnresolvedSequences.delete(key);
    }
    this.partitionsToRewriteSequences.clear();
    this.epochBumpRequired = false;
  }

  /** The epoch ran out: a new producer id (an idempotent producer only). */
  private resetIdempotentProducerId(): void {
    if (this.isTransactional)
      throw new IllegalStateError(
        'Cannot reset producer state for a transactional producer. You must either abort the ongoing transaction or reinitialize the transactional producer instead',
      );
    this.setProducerIdAndEpoch(NO_PRODUCER_ID_AND_EPOCH);
    this.transitionTo('UNINITIALIZED');
  }

  requestEpochBumpForPartition(entry: TxnPartitionEntry): void {
    this.epochBumpRequired = true;
    this.partitionsToRewriteSequences.set(tpKey(entry.topic, entry.partition), entry);
  }

  /** After an InitProducerId that bumped the epoch: every partition starts over. */
  resetSequenceNumbers(): void {
    this.partitions.reset();
    this.partitionsWithUnresolvedSequences.clear();
  }

  // --- sequences ---------------------------------------------------------------------

  private entry(batch: ProducerBatch): TxnPartitionEntry {
    return this.partitions.getOrCreate(batch.topic, batch.partition);
  }

  /**
   * Whether the head batch of a partition must wait (Kafka's
   * shouldStopDrainBatchesForPartition): no producer id yet, a partition not
   * yet in the transaction, in-flight batches of an older epoch, unresolved
   * sequences, or a retried batch that is not the first in flight.
   */
  shouldStopDrain(first: ProducerBatch): boolean {
    if (this.hasFatalError) return true;
    if (this.isTransactional && !this.partitionsInTransaction.has(tpKey(first.topic, first.partition))) return true;
    if (!this.hasProducerId) return true;
    const entry = this.partitions.get(first.topic, first.partition);
    if (entry === undefined) return false;
    if (!first.hasSequence) {
      if (entry.hasInFlightBatches && !sameProducer(entry.producerIdAndEpoch, this.producerIdAndEpoch)) return true;
      if (this.partitionsWithUnresolvedSequences.has(tpKey(first.topic, first.partition))) return true;
    }
    const firstInFlight = entry.firstInFlight;
    return firstInFlight !== undefined && first.hasSequence && first.baseSequence !== firstInFlight.baseSequence;
  }

  /** A batch leaves the accumulator: a new one gets the producer id, epoch and the partition's next sequences. */
  onDrain(batch: ProducerBatch): void {
    if (batch.hasSequence) return;
    const entry = this.entry(batch);
    // A partition whose in-flight batches are all done moves to a new producer id or epoch at sequence 0.
    if (!sameProducer(entry.producerIdAndEpoch, this.producerIdAndEpoch) && !entry.hasInFlightBatches) entry.startSequencesAtBeginning(this.producerIdAndEpoch);
    batch.setProducerState(this.producerIdAndEpoch.producerId, this.producerIdAndEpoch.epoch, entry.nextSequence, this.isTransactional);
    entry.incrementSequence(batch.recordCount);
    entry.addInFlightBatch(batch);
  }

  addInFlightBatch(batch: ProducerBatch): void {
    if (!batch.hasSequence) throw new IllegalStateError(`Can't track batch for partition ${batch} when sequence is not set.`);
    this.entry(batch).addInFlightBatch(batch);
  }

  removeInFlightBatch(batch: ProducerBatch): void {
    this.partitions.get(batch.topic, batch.partition)?.removeInFlightBatch(batch);
  }

  handleCompletedBatch(batch: ProducerBatch, baseOffset: number): void {
    const entry = this.partitions.get(batch.topic, batch.partition) ?? (this.isTransactional ? undefined : this.entry(batch));
    if (entry === undefined) return;
    entry.maybeUpdateLastAckedSequence(batch.lastSequence);
    if (baseOffset >= 0) entry.lastAckedOffset = Math.max(entry.lastAckedOffset, baseOffset + batch.recordCount - 1);
    entry.removeInFlightBatch(batch);
  }

  handleFailedBatch(batch: ProducerBatch, error: Error, adjustSequenceNumbers: boolean): void {
    this.maybeTransitionToErrorState(error);
    this.removeInFlightBatch(batch);
    if (this.hasFatalError) return;
    const entry = this.partitions.get(batch.topic, batch.partition);
    if (error instanceof UnknownProducerIdError) {
      // The broker has no state for this producer, so it takes sequence 0: the partition starts over.
      this.partitions.remove(batch.topic, batch.partition);
      this.partitionsWithUnresolvedSequences.delete(tpKey(batch.topic, batch.partition));
    } else if (error instanceof OutOfOrderSequenceError && !this.isTransactional) {
      // A gap in the log: bump the epoch, which starts the partition at sequence 0.
      if (entry) this.requestEpochBumpForPartition(entry);
    } else if (adjustSequenceNumbers && entry) {
      if (!this.isTransactional) this.requestEpochBumpForPartition(entry);
      else entry.adjustSequencesDueToFailedBatch(batch.baseSequence, batch.recordCount);
    }
  }

  /** A batch that expired after being sent: whether its sequences were written is unknown until the partition drains. */
  markSequenceUnresolved(batch: ProducerBatch): void {
    const key = tpKey(batch.topic, batch.partition);
    const next = batch.lastSequence + 1;
    const known = this.partitionsWithUnresolvedSequences.get(key);
    this.partitionsWithUnresolvedSequences.set(key, { entry: this.entry(batch), nextSequence: Math.max(known?.nextSequence ?? next, next) });
  }

  /**
   * Once a partition with unresolved sequences has nothing in flight: if the
   * last acknowledged sequence precedes the next one, all is well; otherwise
   * an idempotent producer bumps its epoch, a transactional one must abort.
   */
  maybeResolveSequences(): void {
    for (const [key, { entry }] of this.partitionsWithUnresolvedSequences) {
      if (entry.hasInFlightBatches) continue;
      this.partitionsWithUnresolvedSequences.delete(key);
      if (entry.nextSequence - entry.lastAckedSequence === 1) continue;
      if (!this.isTransactional) {
        this.requestEpochBumpForPartition(entry);
        continue;
      }
      const unacked = "The client hasn't received acknowledgment for some previously sent messages and can no longer retry them. ";
      if (this.canBumpEpoch) {
        this.epochBumpRequired = true;
        this.transitionToAbortableError(new KafkaClientError(`${unacked}It is safe to abort the transaction and continue.`));
      } else this.transitionToFatalError(new KafkaClientError(`${unacked}It isn't safe to continue.`));
    }
  }

  /**
   * Whether a batch the broker refused is sent again (Kafka's canRetry):
   * UNKNOWN_PRODUCER_ID and OUT_OF_ORDER_SEQUENCE_NUMBER as KIP-360 resolves
   * them, anything else when it is retriable.
   */
  canRetry(error: Error, batch: ProducerBatch, logStartOffset: number): boolean {
    const code = error instanceof KafkaClientError ? error.errorCode : undefined;
    const entry = this.partitions.get(batch.topic, batch.partition);
    if (code === ErrorCode.UNKNOWN_PRODUCER_ID) {
      // Without the log start offset nothing can be told yet: retry until it comes.
      if (logStartOffset === -1) return true;
      // Renumbered already by the first batch to hit this: retry as renumbered.
      if (batch.sequenceHasBeenReset) return true;
      if ((entry?.lastAckedOffset ?? -1) < logStartOffset) {
        // Retention removed the producer's records, and with them its state: start the sequences over.
        if (entry && this.isTransactional) entry.startSequencesAtBeginning(this.producerIdAndEpoch);
        else if (entry) this.requestEpochBumpForPartition(entry);
        return true;
      }
      if (!this.isTransactional) {
        if (entry) this.requestEpochBumpForPartition(entry);
        return true;
      }
    } else if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
      const key = tpKey(batch.topic, batch.partition);
      const unresolved = this.partitionsWithUnresolvedSequences.get(key);
      const isNext = batch.baseSequence - (entry?.lastAckedSequence ?? NO_LAST_ACKED_SEQUENCE) === 1;
      // Not the next batch: it failed only because an earlier one did, so retry it.
      if (unresolved === undefined && (batch.sequenceHasBeenReset || !isNext)) return true;
      if (!this.isTransactional) {
        // A real gap (or the batch right after an unresolved one): bump the epoch; else wait for the sequence to resolve.
        if (entry && (unresolved === undefined || unresolved.nextSequence === batch.baseSequence)) this.requestEpochBumpForPartition(entry);
        return true;
      }
    }
    return isRetriable(error);
  }

  // --- transactional requests -------------------------------------------------------------

  enqueueRequest(handler: TxnRequestHandler): void {
    let at = this.pendingRequests.length;
    while (at > 0 && this.pendingRequests[at - 1]!.priority > handler.priority) at--;
    this.pendingRequests.splice(at, 0, handler);
  }

  get hasPendingRequests(): boolean {
    return this.pendingRequests.length > 0;
  }

  get hasPartitionsToAdd(): boolean {
    return this.newPartitionsInTransaction.size > 0 || this.pendingPartitionsInTransaction.size > 0;
  }

  /**
   * The next request to send, or null (Kafka's nextRequest): partitions added
   * since the last AddPartitionsToTxn go in one request; EndTxn waits until
   * every batch has completed; in an error state requests fail instead.
   */
  nextRequest(hasIncompleteBatches: boolean): TxnRequestHandler | null {
    if (this.newPartitionsInTransaction.size > 0) this.enqueueRequest(this.addPartitionsToTransactionHandler());
    let next: TxnRequestHandler | undefined = this.pendingRequests[0];
    if (next === undefined) return null;
    if (next.isEndTxn && hasIncompleteBatches) return null;
    this.pendingRequests.shift();
    if (this.maybeTerminateRequestWithError(next)) return null;
    if (next.isEndTxn && !this.transactionStarted) {
      // Nothing was added to the transaction: there is nothing for the coordinator to end.
      next.result.done();
      if (this.state !== 'FATAL_ERROR') this.completeTransaction();
      next = this.pendingRequests.shift();
    }
    return next ?? null;
  }

  private maybeTerminateRequestWithError(handler: TxnRequestHandler): boolean {
    if (!this.hasError) return false;
    // Finding the coordinator does no harm while an abort is expected.
    if (this.hasAbortableError && handler instanceof FindCoordinatorHandler) return false;
    handler.fail(this.lastError!);
    return true;
  }

  private addPartitionsToTransactionHandler(): AddPartitionsToTxnHandler {
    for (const [key, tp] of this.newPartitionsInTransaction) this.pendingPartitionsInTransaction.set(key, tp);
    this.newPartitionsInTransaction.clear();
    return new AddPartitionsToTxnHandler(this, [...this.pendingPartitionsInTransaction.values()]);
  }

  /** AddPartitionsToTxn answered for these partitions (added or not, they are no longer pending). */
  partitionsAddResolved(partitions: readonly TopicPartition[], added: boolean): void {
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition);
      this.pendingPartitionsInTransaction.delete(key);
      if (added) this.partitionsInTransaction.add(key);
    }
    if (added) this.transactionStarted = true;
  }

  get isPartitionsInTransactionEmpty(): boolean {
    return this.partitionsInTransaction.size === 0;
  }

  // --- coordinators ---------------------------------------------------------------------------

  /** The coordinator of `type` for `key`, or undefined until FindCoordinator has found it. */
  coordinator(type: CoordinatorType, key: string): BrokerConnection | undefined {
    const known = this.coordinators.get(type);
    if (known === undefined || known.key !== key) return undefined;
    if (known.connection.state === 'closed') {
      this.coordinators.delete(type);
      return undefined;
    }
    return known.connection;
  }

  setCoordinator(type: CoordinatorType, key: string, node: { id: number; host: string; port: number }): void {
    const known = this.coordinators.get(type);
    if (known && known.nodeId === node.id && known.key === key && known.connection.state !== 'closed') return;
    known?.connection.close();
    const connection = openCoordinatorConnection(this.client, node);
    this.coordinators.set(type, { key, nodeId: node.id, connection });
    // Whether the transaction coordinator can bump epochs (InitProducerId v3+, KIP-360) is known once its connection is up.
    if (type === 'transaction') {
      connection.connect().then(
        () => (this.coordinatorSupportsBumpingEpoch = (connection.apiVersions.get(Api.InitProducerId.key)?.maxVersion ?? -1) >= 3),
        () => undefined,
      );
    }
  }

  /** Forgets the coordinator and queues a FindCoordinator for it. */
  lookupCoordinator(type: CoordinatorType, key: string): void {
    this.coordinators.get(type)?.connection.close();
    this.coordinators.delete(type);
    // Several requests waiting for the same coordinator need one FindCoordinator.
    if (this.pendingRequests.some((h) => h instanceof FindCoordinatorHandler && h.looksFor(type, key))) return;
    this.enqueueRequest(new FindCoordinatorHandler(this, type, key));
  }

  /** Fails what is queued and closes the coordinator connections (the producer is closing). */
  close(): void {
    const error = new KafkaClientError('The producer closed forcefully');
    for (const handler of this.pendingRequests.splice(0)) handler.fail(error);
    this.pendingTransition?.result.fail(error);
    for (const c of this.coordinators.values()) c.connection.close();
    this.coordinators.clear();
  }

  // --- offsets in a transaction ---------------------------------------------------------------

  addPendingTxnOffsets(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) {
      this.pendingTxnOffsetCommits.set(tpKey(o.topic, o.partition), {
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        metadata: o.metadata ?? null,
        leaderEpoch: o.leaderEpoch ?? -1,
      });
    }
  }
}

function sameProducer(a: ProducerIdAndEpoch, b: ProducerIdAndEpoch): boolean {
  return a.producerId === b.producerId && a.epoch === b.epoch;
}
