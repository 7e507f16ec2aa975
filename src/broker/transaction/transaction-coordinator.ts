import type { ClientSecurity } from '../../clients/network/client-security.js';
import { ErrorCode, errorName } from '../../protocol/error-codes.js';
import { type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import type { BrokerConfig } from '../broker-config.js';
import type { BrokerLog } from '../broker-log.js';
import type { Topics } from '../metadata/topics.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { WriteTxnMarkersBody, WriteTxnMarkersResult } from './transaction-marker-channel.js';
import { TransactionMarkerChannelManager } from './transaction-marker-channel-manager.js';
import { isEpochExhausted, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TransactionMetadata, type TxnTransitMetadata } from './transaction-metadata.js';
import { stateName, TransactionState } from './transaction-state.js';
import { TransactionStateManager, type TransactionToComplete } from './transaction-state-manager.js';
import { transactionTopic } from './transaction-topic.js';

export interface TransactionCoordinatorConfig {
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  removeExpiredTransactionalIdsIntervalMs: number;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

/** A producer's id and epoch as a request names them. */
export interface ProducerIdAndEpoch {
  producerId: number;
  producerEpoch: number;
}

export interface DescribedTransaction {
  errorCode: number;
  transactionalId: string;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topics: Array<{ topic: string; partitions: number[] }>;
}

/** A decision made on an id's metadata: an answer now, a transition to write at the coordinator's epoch, or a new producer id needed first. */
type Decision = { errorCode: number } | { coordinatorEpoch: number; transit: TxnTransitMetadata } | { needProducerId: true };

/** How the coordinator reaches partition leaders (markers go to each partition's leader: other brokers over the network, this one in-process). */
export interface TransactionNetwork {
  /** A partition's leader: -1 while it has none, undefined once the partition no longer exists. */
  leaderOf(tp: TopicPartition): number | undefined;
  /** A live broker's inter-broker endpoint. */
  endpointOf(brokerId: number): { host: string; port: number } | undefined;
  /** Writes markers to this broker's own partitions (WriteTxnMarkers' code, called in-process). */
  writeLocally?: (request: WriteTxnMarkersBody) => Promise<WriteTxnMarkersResult>;
  /** The inter-broker listener's TLS and SASL. */
  security?: ClientSecurity;
}

/** Kafka's retry.backoff.ms default, between sends of markers that failed. */
const MARKER_RETRY_BACKOFF_MS = 100;

const initError = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });

/**
 * Kafka's TransactionCoordinator, what the transaction APIs' handlers call:
 * InitProducerId with a transactional id (epoch bumps fence older producers;
 * an open transaction of a previous producer is aborted first; KIP-360
 * recovery with the producer's id and epoch), AddPartitionsToTxn and
 * AddOffsetsToTxn (the transaction grows; KIP-890's verify-only form asks
 * whether a partition is in it), EndTxn (PrepareCommit / PrepareAbort
 * written, the client answered, then the markers written by the
 * TransactionMarkerChannelManager and the completion logged),
 * DescribeTransactions and ListTransactions. Every change is written to
 * __transaction_state before it counts (TransactionStateManager). Timers
 * abort transactions past their timeout and expire unused transactional ids.
 */
export class TransactionCoordinator {
  private active = false;
  private abortTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private expiring: Promise<unknown> | undefined;
  private readonly aborts = new Set<Promise<unknown>>();

  constructor(
    readonly states: TransactionStateManager,
    readonly markers: TransactionMarkerChannelManager,
    private readonly config: TransactionCoordinatorConfig,
    private readonly nextProducerId: () => number | Promise<number>,
    private readonly log: BrokerLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** The coordinator a broker runs, configured by its transaction.* settings. */
  static forBroker(
    config: BrokerConfig,
    brokerId: number,
    topics: Topics,
    replicas: ReplicaManager,
    liveBrokerCount: () => number,
    nextProducerId: () => number | Promise<number>,
    network: TransactionNetwork,
    log: BrokerLog,
  ): TransactionCoordinator {
    const requestTimeoutMs = config.int('request.timeout.ms');
    const topic = transactionTopic(topics, replicas, liveBrokerCount, {
      partitions: config.int('transaction.state.log.num.partitions'),
      replicationFactor: config.int('transaction.state.log.replication.factor'),
      minIsr: config.int('transaction.state.log.min.isr'),
      segmentBytes: config.int('transaction.state.log.segment.bytes'),
      loadBufferSize: config.int('transaction.state.log.load.buffer.size'),
      writeTimeoutMs: requestTimeoutMs,
    });
    const states = new TransactionStateManager(
      topic,
      { transactionalIdExpirationMs: config.int('transactional.id.expiration.ms'), transactionMaxTimeoutMs: config.int('transaction.max.timeout.ms') },
      log,
    );
    const markers = new TransactionMarkerChannelManager(states, { brokerId, ...network, requestTimeoutMs, retryBackoffMs: MARKER_RETRY_BACKOFF_MS, log });
    const timers = {
      abortTimedOutTransactionsIntervalMs: config.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
      removeExpiredTransactionalIdsIntervalMs: config.int('transaction.remove.expired.transaction.cleanup.interval.ms'),
    };
    return new TransactionCoordinator(states, markers, timers, nextProducerId, log);
  }

  get isActive(): boolean {
    return this.active;
  }

  partitionFor(transactionalId: string): number {
    return this.states.partitionFor(transactionalId);
  }

  // --- lifecycle -----------------------------------------------------------

  /**
   * Starts the timers and, on a single broker, which leads them all, loads
   * every __transaction_state partition at `epochOf(partition)`.
   */
  async startup(leadsEveryPartition: boolean, epochOf: (partition: number) => number = () => 0): Promise<void> {
    this.active = true;
    this.abortTimer = setInterval(() => this.abortTimedOutTransactions(), this.config.abortTimedOutTransactionsIntervalMs);
    this.abortTimer.unref();
    this.expiryTimer = setInterval(() => {
      this.expiring ??= this.states
        .removeExpiredTransactionalIds()
        .catch((e: unknown) => this.log('warn', `removing expired transactional ids failed: ${(e as Error).message}`))
        .finally(() => (this.expiring = undefined));
    }, this.config.removeExpiredTransactionalIdsIntervalMs);
    this.expiryTimer.unref();
    if (!leadsEveryPartition) return;
    const started = this.now();
    const loads: Array<Promise<number>> = [];
    for (let p = 0; p < this.states.topic.partitionCount; p++) loads.push(this.load(p, epochOf(p)));
    const ids = (await Promise.all(loads)).reduce((a, b) => a + b, 0);
    if (this.states.topic.exists) this.log('info', `loaded ${ids} transactional ids from __transaction_state in ${this.now() - started} ms`);
  }

  async shutdown(): Promise<void> {
    this.active = false;
    if (this.abortTimer) clearInterval(this.abortTimer);
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    await this.markers.shutdown();
    await Promise.allSettled([this.expiring, ...this.aborts]);
    await this.states.shutdown();
  }

  /**
   * This broker leads __transaction_state-`partition` at `coordinatorEpoch`
   * (its leader epoch): the partition's ids are loaded, and transactions
   * whose end was logged get their markers written again. `gate` holds the
   * load back (tests observe COORDINATOR_LOAD_IN_PROGRESS with it).
   */
  onElection(partition: number, coordinatorEpoch: number, gate?: Promise<unknown>): Promise<number> {
    this.log('info', `elected as the transaction coordinator of __transaction_state-${partition} at epoch ${coordinatorEpoch}`);
    return this.load(partition, coordinatorEpoch, gate);
  }

  private load(partition: number, coordinatorEpoch: number, gate?: Promise<unknown>): Promise<number> {
    this.markers.removeMarkersForTxnTopicPartition(partition);
    return this.states.loadPartition(
      partition,
      coordinatorEpoch,
      (t: TransactionToComplete) => this.markers.addTxnMarkersToSend(t.coordinatorEpoch, t.committed, t.metadata, t.complete),
      gate,
    );
  }

  /** This broker no longer leads the partition: its ids and their markers leave. */
  onResignation(partition: number): void {
    this.states.unloadPartition(partition);
    this.markers.removeMarkersForTxnTopicPartition(partition);
  }

  /** FindCoordinator's answer for a transactional id this broker leads the partition of: null when it coordinates it now, else the error. */
  coordinatorError(transactionalId: string): number | null {
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const partition = this.partitionFor(transactionalId);
    if (this.states.isPartitionLoading(partition) || !this.states.ownsPartition(partition)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return null;
  }

  // --- InitProducerId ------------------------------------------------------

  /**
   * InitProducerId for a transactional id: a new id gets a producer id and
   * epoch 0; a known one its epoch bumped (the previous producer is fenced),
   * or a new producer id once the epochs run out. An open transaction is
   * aborted first with a bumped epoch and the caller told
   * CONCURRENT_TRANSACTIONS, to ask again once the abort is done. `expected`
   * (v3+, KIP-360) is a producer resuming after an error: it is fenced unless
   * it is the current producer, or a retry of the last bump.
   */
  async initProducerId(transactionalId: string | null, transactionTimeoutMs: number, expected?: ProducerIdAndEpoch): Promise<InitProducerIdResult> {
    if (transactionalId === null) return { errorCode: ErrorCode.NONE, producerId: await this.nextProducerId(), producerEpoch: 0 };
    if (transactionalId === '') return initError(ErrorCode.INVALID_REQUEST);
    if (!this.states.validateTransactionTimeoutMs(transactionTimeoutMs)) return initError(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    let lookup = this.states.getTransactionState(transactionalId);
    if (lookup.errorCode !== undefined) return initError(lookup.errorCode);
    if (!lookup.metadata) {
      const producerId = await this.nextProducerId();
      const created = new TransactionMetadata(
        transactionalId,
        producerId,
        NO_PRODUCER_ID,
        NO_PRODUCER_EPOCH,
        NO_PRODUCER_EPOCH,
        transactionTimeoutMs,
        TransactionState.Empty,
        [],
        -1,
        this.now(),
      );
      lookup = this.states.putTransactionStateIfNotExists(created);
      if (lookup.errorCode !== undefined) return initError(lookup.errorCode);
    }
    let decision = this.prepareInitProducerIdTransit(lookup.metadata!, lookup.coordinatorEpoch, transactionTimeoutMs, expected);
    if ('needProducerId' in decision) {
      const newProducerId = await this.nextProducerId();
      const again = this.states.getTransactionState(transactionalId);
      if (again.errorCode !== undefined) return initError(again.errorCode);
      if (!again.metadata) return initError(ErrorCode.NOT_COORDINATOR);
      decision = this.prepareInitProducerIdTransit(again.metadata, again.coordinatorEpoch, transactionTimeoutMs, expected, newProducerId);
    }
    if ('errorCode' in decision) return initError(decision.errorCode);
    if ('needProducerId' in decision) return initError(ErrorCode.CONCURRENT_TRANSACTIONS);
    const { coordinatorEpoch, transit } = decision;
    if (transit.state === TransactionState.PrepareEpochFence) {
      // The previous producer's transaction is aborted with the bumped epoch, which is never handed out: the retry bumps again.
      const code = await this.endTransaction(transactionalId, transit.producerId, transit.producerEpoch, false, false);
      return initError(code === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : code);
    }
    const code = await this.states.appendTransactionToLog(transactionalId, coordinatorEpoch, transit);
    if (code !== ErrorCode.NONE) return initError(code);
    this.log(
      'info',
      `initialized transactional id ${transactionalId} with producer id ${transit.producerId} and epoch ${transit.producerEpoch} on __transaction_state-${this.partitionFor(transactionalId)}`,
    );
    return { errorCode: ErrorCode.NONE, producerId: transit.producerId, producerEpoch: transit.producerEpoch };
  }

  private prepareInitProducerIdTransit(
    metadata: TransactionMetadata,
    coordinatorEpoch: number,
    timeoutMs: number,
    expected: ProducerIdAndEpoch | undefined,
    newProducerId?: number,
  ): Decision {
    if (metadata.pendingTransitionInProgress) return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
    // A producer naming its id is fenced unless the id was just created, it is the current producer, or the last one retrying after a rotation.
    if (
      expected &&
      !(
        metadata.producerEpoch === NO_PRODUCER_EPOCH ||
        expected.producerId === metadata.producerId ||
        (expected.producerId === metadata.lastProducerId && isEpochExhausted(expected.producerEpoch))
      )
    ) {
      return { errorCode: ErrorCode.PRODUCER_FENCED };
    }
    switch (metadata.state) {
      case TransactionState.PrepareAbort:
      case TransactionState.PrepareCommit:
        return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
      case TransactionState.CompleteAbort:
      case TransactionState.CompleteCommit:
      case TransactionState.Empty: {
        if (metadata.isProducerEpochExhausted && (!expected || expected.producerEpoch === metadata.producerEpoch)) {
          if (newProducerId === undefined) return { needProducerId: true };
          return { coordinatorEpoch, transit: metadata.prepareProducerIdRotation(newProducerId, timeoutMs, this.now(), expected !== undefined) };
        }
        const transit = metadata.prepareIncrementProducerEpoch(timeoutMs, expected?.producerEpoch, this.now());
        return typeof transit === 'number' ? { errorCode: transit } : { coordinatorEpoch, transit };
      }
      case TransactionState.Ongoing:
        return { coordinatorEpoch, transit: metadata.prepareFenceProducerEpoch() };
      default:
        this.log('error', `transactional id ${metadata.transactionalId} is ${stateName(metadata.state)}, a state InitProducerId never finds`);
        return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR };
    }
  }

  // --- AddPartitionsToTxn, AddOffsetsToTxn ---------------------------------

  /** The producer's transaction goes on with these partitions (and begins, if none was open). One error code for them all. */
  async addPartitionsToTransaction(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<number> {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const lookup = this.states.getTransactionState(transactionalId);
    if (lookup.errorCode !== undefined) return lookup.errorCode;
    const metadata = lookup.metadata;
    if (!metadata || metadata.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (metadata.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (metadata.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (metadata.state === TransactionState.PrepareCommit || metadata.state === TransactionState.PrepareAbort) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (metadata.state === TransactionState.Ongoing && partitions.every((tp) => metadata.hasPartition(tp.topic, tp.partition))) return ErrorCode.NONE;
    return this.states.appendTransactionToLog(transactionalId, lookup.coordinatorEpoch, metadata.prepareAddPartitions(partitions, this.now()));
  }

  /**
   * KIP-890's verification (AddPartitionsToTxn v4+ with verifyOnly, or a
   * partition leader on this broker asking directly): whether each partition
   * is in the producer's ongoing transaction. Nothing is written. Either one
   * error for every partition, or a code per partition (INVALID_TXN_STATE
   * for those not in the transaction).
   */
  verifyPartitionsInTransaction(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    partitions: readonly TopicPartition[],
  ): { errorCode: number } | { byPartition: Map<string, number> } {
    if (transactionalId === '') return { errorCode: ErrorCode.INVALID_REQUEST };
    const lookup = this.states.getTransactionState(transactionalId);
    if (lookup.errorCode !== undefined) return { errorCode: lookup.errorCode };
    const metadata = lookup.metadata;
    if (!metadata || metadata.producerId !== producerId) return { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    if (metadata.producerEpoch !== producerEpoch) return { errorCode: ErrorCode.PRODUCER_FENCED };
    if (metadata.pendingTransitionInProgress || metadata.state === TransactionState.PrepareCommit || metadata.state === TransactionState.PrepareAbort)
      return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
    const byPartition = new Map<string, number>();
    for (const tp of partitions) {
      const inTransaction = metadata.state === TransactionState.Ongoing && metadata.hasPartition(tp.topic, tp.partition);
      byPartition.set(tpKey(tp.topic, tp.partition), inTransaction ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
    }
    return { byPartition };
  }

  // --- EndTxn --------------------------------------------------------------

  /**
   * EndTxn: the producer commits or aborts its transaction. PrepareCommit /
   * PrepareAbort is written, then (the caller answered at once) the markers
   * are sent. A client's epoch must be the current one; the coordinator's own
   * aborts (`fromClient` false: a fence, a timeout) come with the bumped epoch
   * of a PrepareEpochFence, which the abort makes the producer's.
   */
  async endTransaction(transactionalId: string, producerId: number, producerEpoch: number, committed: boolean, fromClient = true): Promise<number> {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const lookup = this.states.getTransactionState(transactionalId);
    if (lookup.errorCode !== undefined) return lookup.errorCode;
    const metadata = lookup.metadata;
    const coordinatorEpoch = lookup.coordinatorEpoch;
    if (!metadata || metadata.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    // Clients may not bump the epoch: theirs must be the current one exactly.
    if ((fromClient && producerEpoch !== metadata.producerEpoch) || producerEpoch < metadata.producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (metadata.pendingTransitionInProgress && metadata.pendingState !== TransactionState.PrepareEpochFence) return ErrorCode.CONCURRENT_TRANSACTIONS;
    let isEpochFence = false;
    let transit: TxnTransitMetadata;
    switch (metadata.state) {
      case TransactionState.Ongoing: {
        const next = committed ? TransactionState.PrepareCommit : TransactionState.PrepareAbort;
        if (next === TransactionState.PrepareAbort && metadata.pendingState === TransactionState.PrepareEpochFence) {
          // The fence becomes the abort: the bumped epoch is the producer's from now on.
          isEpochFence = true;
          metadata.pendingState = undefined;
          metadata.producerEpoch = producerEpoch;
          metadata.lastProducerEpoch = NO_PRODUCER_EPOCH;
        }
        transit = metadata.prepareAbortOrCommit(next, this.now());
        break;
      }
      case TransactionState.CompleteCommit:
        return committed ? ErrorCode.NONE : this.invalidState(metadata, committed);
      case TransactionState.CompleteAbort:
        return committed ? this.invalidState(metadata, committed) : ErrorCode.NONE;
      case TransactionState.PrepareCommit:
        return committed ? ErrorCode.CONCURRENT_TRANSACTIONS : this.invalidState(metadata, committed);
      case TransactionState.PrepareAbort:
        return committed ? this.invalidState(metadata, committed) : ErrorCode.CONCURRENT_TRANSACTIONS;
      case TransactionState.Empty:
        return this.invalidState(metadata, committed);
      default:
        this.log('error', `transactional id ${transactionalId} is ${stateName(metadata.state)}, a state EndTxn never finds`);
        return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    const code = await this.states.appendTransactionToLog(transactionalId, coordinatorEpoch, transit);
    if (code !== ErrorCode.NONE) {
      if (isEpochFence) {
        const after = this.states.getTransactionState(transactionalId);
        // The bumped epoch may be in the log though the write failed: the next fence must not bump again.
        if (after.errorCode === undefined && after.metadata && after.coordinatorEpoch === coordinatorEpoch) after.metadata.hasFailedEpochFence = true;
      }
      return code;
    }
    const after = this.states.getTransactionState(transactionalId);
    if (after.errorCode !== undefined) return after.errorCode;
    if (!after.metadata) return ErrorCode.NOT_COORDINATOR;
    if (after.coordinatorEpoch !== coordinatorEpoch) return ErrorCode.NOT_COORDINATOR;
    const m = after.metadata;
    if (m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (m.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
    const expected = committed ? TransactionState.PrepareCommit : TransactionState.PrepareAbort;
    if (m.state !== expected) return this.invalidState(m, committed);
    this.markers.addTxnMarkersToSend(coordinatorEpoch, committed, m, m.prepareComplete(this.now()));
    return ErrorCode.NONE;
  }

  private invalidState(metadata: TransactionMetadata, committed: boolean): number {
    this.log(
      'info',
      `transactional id ${metadata.transactionalId} is ${stateName(metadata.state)}; EndTxn asking to ${committed ? 'commit' : 'abort'} gets INVALID_TXN_STATE`,
    );
    return ErrorCode.INVALID_TXN_STATE;
  }

  // --- timeouts ------------------------------------------------------------

  /** Aborts the transactions past their transaction.timeout.ms, fencing their producers (Kafka's abortTimedOutTransactions). */
  abortTimedOutTransactions(): void {
    if (!this.active) return;
    for (const { transactionalId, producerId } of this.states.timedOutTransactions()) {
      const lookup = this.states.getTransactionState(transactionalId);
      if (lookup.errorCode !== undefined || !lookup.metadata) continue;
      const metadata = lookup.metadata;
      if (metadata.producerId !== producerId || metadata.pendingTransitionInProgress) continue;
      const fence = metadata.prepareFenceProducerEpoch();
      const abort = this.endTransaction(transactionalId, fence.producerId, fence.producerEpoch, false, false).then((code) => {
        if (code === ErrorCode.NONE)
          this.log('info', `aborting the transaction of transactional id ${transactionalId}, which passed its timeout of ${metadata.txnTimeoutMs} ms`);
        else this.log('info', `aborting the timed-out transaction of transactional id ${transactionalId} failed: ${errorName(code)}`);
      });
      this.aborts.add(abort);
      void abort.finally(() => this.aborts.delete(abort));
    }
  }

  // --- DescribeTransactions, ListTransactions ------------------------------

  describeTransaction(transactionalId: string): DescribedTransaction {
    const described = undescribedTransaction(transactionalId, ErrorCode.NONE);
    if (!this.active) return { ...described, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    if (transactionalId === '') return { ...described, errorCode: ErrorCode.INVALID_REQUEST };
    const lookup = this.states.getTransactionState(transactionalId);
    if (lookup.errorCode !== undefined) return { ...described, errorCode: lookup.errorCode };
    const metadata = lookup.metadata;
    if (!metadata || metadata.state === TransactionState.Dead) return { ...described, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
    const topics = new Map<string, number[]>();
    for (const tp of metadata.partitions.values()) {
      let list = topics.get(tp.topic);
      if (!list) topics.set(tp.topic, (list = []));
      list.push(tp.partition);
    }
    return {
      ...described,
      transactionState: stateName(metadata.state),
      transactionTimeoutMs: metadata.txnTimeoutMs,
      transactionStartTimeMs: metadata.txnStartTimestamp,
      producerId: metadata.producerId,
      producerEpoch: metadata.producerEpoch,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
    };
  }

  listTransactions(
    producerIds: readonly number[],
    stateNames: readonly string[],
    durationMs: number,
  ): ReturnType<TransactionStateManager['listTransactionStates']> {
    if (!this.active) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStateFilters: [], transactionStates: [] };
    return this.states.listTransactionStates(producerIds, stateNames, durationMs);
  }
}

/** A DescribeTransactions answer that describes nothing: only the id and why. */
export function undescribedTransaction(transactionalId: string, errorCode: number): DescribedTransaction {
  return {
    errorCode,
    transactionalId,
    transactionState: '',
    transactionTimeoutMs: 0,
    transactionStartTimeMs: -1,
    producerId: -1,
    producerEpoch: -1,
    topics: [],
  };
}
