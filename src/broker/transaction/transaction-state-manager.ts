import { ErrorCode, errorCodeOf, errorName } from '../../protocol/error-codes.js';
import type { BrokerLog } from '../broker-log.js';
import type { InternalTopic } from '../internal-topic.js';
import { readTransactionLogKey, readTransactionLogValue, transactionLogKey, transactionLogValue } from './transaction-log.js';
import type { TransactionMetadata, TxnTransitMetadata } from './transaction-metadata.js';
import { isExpirationAllowed, stateFromName, stateName, TransactionState } from './transaction-state.js';

export interface TransactionStateConfig {
  /** transactional.id.expiration.ms */
  transactionalIdExpirationMs: number;
  /** transaction.max.timeout.ms */
  transactionMaxTimeoutMs: number;
}

/** A transactional id's metadata with the epoch of the coordinator that holds it (the leader epoch of its __transaction_state partition). */
export interface CoordinatorEpochAndMetadata {
  readonly coordinatorEpoch: number;
  readonly metadata: TransactionMetadata;
}

/** What a lookup answers: an error (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS), or the id's metadata, undefined if it has none. */
export type TransactionStateLookup =
  | { readonly errorCode: number }
  | { readonly errorCode?: undefined; readonly coordinatorEpoch: number; readonly metadata: TransactionMetadata | undefined };

/** A transaction whose end was in the log when its partition was loaded (PrepareCommit/PrepareAbort): its markers are to be written again. */
export interface TransactionToComplete {
  readonly coordinatorEpoch: number;
  readonly committed: boolean;
  readonly metadata: TransactionMetadata;
  readonly complete: TxnTransitMetadata;
}

interface CacheEntry {
  readonly coordinatorEpoch: number;
  readonly transactions: Map<string, TransactionMetadata>;
}

/** A failed write of the transaction log, as the coordinator's client sees it (Kafka's appendTransactionToLog mapping). */
export function transactionLogAppendError(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}

/**
 * Kafka's TransactionStateManager: the transactional ids this broker
 * coordinates, kept per __transaction_state partition with the coordinator
 * epoch it was loaded at. A partition's ids are read from its log when this
 * broker becomes its leader and dropped when it stops; every change of an id
 * is written to the log first (`appendTransactionToLog`) and applied once
 * the in-sync replicas have it. It also finds transactions past their
 * timeout and expires ids unused for transactional.id.expiration.ms.
 */
export class TransactionStateManager {
  private readonly cache = new Map<number, CacheEntry>();
  /** Partitions being read, with the epoch they load at: their ids answer COORDINATOR_LOAD_IN_PROGRESS. */
  private readonly loading = new Map<number, number>();
  /** Loads run one at a time, in the order asked. */
  private loads: Promise<unknown> = Promise.resolve();
  private readonly writes = new Set<Promise<unknown>>();
  private shuttingDown = false;

  constructor(
    readonly topic: InternalTopic,
    readonly config: TransactionStateConfig,
    private readonly log: BrokerLog,
    private readonly now: () => number = Date.now,
  ) {}

  partitionFor(transactionalId: string): number {
    return this.topic.partitionFor(transactionalId);
  }

  /** transaction.timeout.ms a producer may ask for: positive and at most transaction.max.timeout.ms. */
  validateTransactionTimeoutMs(timeoutMs: number): boolean {
    return timeoutMs > 0 && timeoutMs <= this.config.transactionMaxTimeoutMs;
  }

  get isLoading(): boolean {
    return this.loading.size > 0;
  }

  isPartitionLoading(partition: number): boolean {
    return this.loading.has(partition);
  }

  /** Whether this broker coordinates the partition's ids now (loaded, and hosting it, or about to as it creates the topic). */
  ownsPartition(partition: number): boolean {
    return this.cache.has(partition) && (!this.topic.exists || this.topic.isBeingCreated || this.topic.partition(partition) !== undefined);
  }

  /** The id's metadata, or why this broker cannot say (Kafka's getTransactionState). */
  getTransactionState(transactionalId: string): TransactionStateLookup {
    return this.getAndMaybeAdd(transactionalId, undefined);
  }

  /** As getTransactionState, adding `created` when the id has no metadata yet (the first InitProducerId of an id). */
  putTransactionStateIfNotExists(created: TransactionMetadata): TransactionStateLookup {
    return this.getAndMaybeAdd(created.transactionalId, created);
  }

  private getAndMaybeAdd(transactionalId: string, created: TransactionMetadata | undefined): TransactionStateLookup {
    const partition = this.partitionFor(transactionalId);
    if (this.loading.has(partition)) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
    const entry = this.cache.get(partition);
    if (!entry || !this.ownsPartition(partition)) return { errorCode: ErrorCode.NOT_COORDINATOR };
    let metadata = entry.transactions.get(transactionalId);
    if (!metadata && created) entry.transactions.set(transactionalId, (metadata = created));
    return { coordinatorEpoch: entry.coordinatorEpoch, metadata };
  }

  /** Every transactional id this broker holds now, with its coordinator epoch. */
  *allTransactions(): Generator<CoordinatorEpochAndMetadata> {
    for (const [partition, entry] of this.cache) {
      if (this.loading.has(partition)) continue;
      for (const metadata of entry.transactions.values()) yield { coordinatorEpoch: entry.coordinatorEpoch, metadata };
    }
  }

  // --- loading and unloading -----------------------------------------------

  /**
   * This broker leads __transaction_state-`partition` at `coordinatorEpoch`:
   * its ids are read from the log (COORDINATOR_LOAD_IN_PROGRESS meanwhile),
   * and the transactions whose end was written but not completed are handed
   * to `complete` for their markers. `gate`, if given, holds the reading back
   * (tests observe the loading state with it). Resolves with the ids loaded.
   */
  loadPartition(partition: number, coordinatorEpoch: number, complete: (t: TransactionToComplete) => void, gate?: Promise<unknown>): Promise<number> {
    this.loading.set(partition, coordinatorEpoch);
    const current = () => this.loading.get(partition) === coordinatorEpoch && !this.shuttingDown;
    const task = this.loads.then(async () => {
      try {
        if (gate) await gate;
        if (!current()) return 0;
        const started = this.now();
        const transactions = await this.readPartition(partition);
        if (!current()) return 0;
        this.cache.set(partition, { coordinatorEpoch, transactions });
        this.loading.delete(partition);
        if (transactions.size > 0)
          this.log(
            'info',
            `loaded ${transactions.size} transactional ids from __transaction_state-${partition} at coordinator epoch ${coordinatorEpoch} in ${this.now() - started} ms`,
          );
        for (const metadata of transactions.values()) {
          if (metadata.state !== TransactionState.PrepareCommit && metadata.state !== TransactionState.PrepareAbort) continue;
          complete({
            coordinatorEpoch,
            committed: metadata.state === TransactionState.PrepareCommit,
            metadata,
            complete: metadata.prepareComplete(this.now()),
          });
        }
        return transactions.size;
      } catch (e) {
        this.log('error', `loading __transaction_state-${partition} failed: ${(e as Error).stack ?? e}`);
        if (current()) this.loading.delete(partition);
        return 0;
      }
    });
    this.loads = task;
    return task;
  }

  /** This broker no longer leads the partition: its ids leave memory, and a load under way installs nothing. */
  unloadPartition(partition: number): void {
    this.loading.delete(partition);
    const entry = this.cache.get(partition);
    if (entry) {
      this.cache.delete(partition);
      this.log(
        'info',
        `unloaded ${entry.transactions.size} transactional ids of __transaction_state-${partition} (coordinator epoch ${entry.coordinatorEpoch})`,
      );
    }
  }

  private async readPartition(partition: number): Promise<Map<string, TransactionMetadata>> {
    const loaded = new Map<string, TransactionMetadata>();
    const unreadable = (offset: number, e: Error) =>
      this.log(
        'warn',
        `__transaction_state-${partition}: the batch at offset ${offset} cannot be read and is skipped, with any transactional ids in it (${e.name}: ${e.message})`,
      );
    for await (const { batch, record } of this.topic.read(partition, unreadable)) {
      if (batch.isControl || record.key === null) continue;
      try {
        const transactionalId = readTransactionLogKey(record.key);
        if (record.value === null) loaded.delete(transactionalId);
        else loaded.set(transactionalId, readTransactionLogValue(transactionalId, record.value));
      } catch (e) {
        this.log('warn', `__transaction_state-${partition} offset ${record.offset}: unreadable record skipped (${(e as Error).message})`);
      }
    }
    return loaded;
  }

  // --- writing the log -----------------------------------------------------

  /**
   * Writes an id's next state to its __transaction_state partition and, once
   * the in-sync replicas have it, makes it the id's metadata. Resolves with
   * the error code the request that asked gets: NOT_COORDINATOR when the
   * partition moved (or was reloaded at another epoch) meanwhile; on a failed
   * write the pending transition is dropped, unless `retryOnError` says the
   * caller will write it again.
   */
  async appendTransactionToLog(
    transactionalId: string,
    coordinatorEpoch: number,
    transit: TxnTransitMetadata,
    retryOnError: (code: number) => boolean = () => false,
  ): Promise<number> {
    const before = this.getTransactionState(transactionalId);
    if (before.errorCode !== undefined) return before.errorCode;
    if (!before.metadata || before.coordinatorEpoch !== coordinatorEpoch) return ErrorCode.NOT_COORDINATOR;
    const write = this.topic.append(this.partitionFor(transactionalId), [{ key: transactionLogKey(transactionalId), value: transactionLogValue(transit) }]);
    this.track(write);
    let code: number = ErrorCode.NONE;
    try {
      await write;
    } catch (e) {
      code = transactionLogAppendError(errorCodeOf(e));
      this.log(
        'warn',
        `transactional id ${transactionalId}: writing ${stateName(transit.state)} to __transaction_state-${this.partitionFor(transactionalId)} failed with ${errorName(code)}: ${(e as Error).message}`,
      );
    }
    const after = this.getTransactionState(transactionalId);
    if (code !== ErrorCode.NONE) {
      if (after.errorCode === undefined && after.metadata && after.coordinatorEpoch === coordinatorEpoch && !retryOnError(code))
        after.metadata.pendingState = undefined;
      return code;
    }
    if (after.errorCode !== undefined) return after.errorCode;
    if (!after.metadata || after.coordinatorEpoch !== coordinatorEpoch) return ErrorCode.NOT_COORDINATOR;
    try {
      after.metadata.completeTransitionTo(transit);
    } catch (e) {
      // A transition the metadata refuses is a coordinator bug: said loudly, and the id left usable.
      this.log('error', (e as Error).message);
      after.metadata.pendingState = undefined;
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    return ErrorCode.NONE;
  }

  private track(write: Promise<unknown>): void {
    this.writes.add(write);
    const done = () => this.writes.delete(write);
    write.then(done, done);
  }

  // --- timeouts and expiry -------------------------------------------------

  /** Ongoing transactions past their transaction.timeout.ms, with nothing pending (Kafka's timedOutTransactions). */
  timedOutTransactions(nowMs = this.now()): Array<{ transactionalId: string; producerId: number; producerEpoch: number }> {
    const out: Array<{ transactionalId: string; producerId: number; producerEpoch: number }> = [];
    for (const { metadata } of this.allTransactions()) {
      if (metadata.pendingTransitionInProgress || metadata.state !== TransactionState.Ongoing) continue;
      if (metadata.txnStartTimestamp + metadata.txnTimeoutMs < nowMs)
        out.push({ transactionalId: metadata.transactionalId, producerId: metadata.producerId, producerEpoch: metadata.producerEpoch });
    }
    return out;
  }

  /**
   * transactional.id.expiration.ms: ids with no transaction left to finish
   * and unused for that long get a tombstone and leave memory. Resolves with
   * how many went.
   */
  async removeExpiredTransactionalIds(nowMs = this.now()): Promise<number> {
    const byPartition = new Map<number, Array<{ coordinatorEpoch: number; metadata: TransactionMetadata; dead: TxnTransitMetadata }>>();
    for (const { coordinatorEpoch, metadata } of this.allTransactions()) {
      if (metadata.pendingTransitionInProgress || !isExpirationAllowed(metadata.state)) continue;
      if (metadata.txnLastUpdateTimestamp > nowMs - this.config.transactionalIdExpirationMs) continue;
      const partition = this.partitionFor(metadata.transactionalId);
      let list = byPartition.get(partition);
      if (!list) byPartition.set(partition, (list = []));
      list.push({ coordinatorEpoch, metadata, dead: metadata.prepareDead() });
    }
    let removed = 0;
    await Promise.all(
      [...byPartition].map(async ([partition, expiring]) => {
        let code: number = ErrorCode.NONE;
        try {
          const write = this.topic.append(
            partition,
            expiring.map((e) => ({ key: transactionLogKey(e.metadata.transactionalId), value: null })),
          );
          this.track(write);
          await write;
        } catch (e) {
          code = transactionLogAppendError(errorCodeOf(e));
          this.log(
            'warn',
            `writing tombstones of ${expiring.length} expired transactional ids to __transaction_state-${partition} failed: ${(e as Error).message}`,
          );
        }
        const entry = this.cache.get(partition);
        for (const { coordinatorEpoch, metadata, dead } of expiring) {
          const current = entry?.transactions.get(metadata.transactionalId);
          if (
            code === ErrorCode.NONE &&
            current === metadata &&
            entry!.coordinatorEpoch === coordinatorEpoch &&
            metadata.pendingState === TransactionState.Dead &&
            metadata.producerEpoch === dead.producerEpoch
          ) {
            entry!.transactions.delete(metadata.transactionalId);
            removed++;
          } else if (metadata.pendingState === TransactionState.Dead) {
            metadata.pendingState = undefined;
          }
        }
      }),
    );
    if (removed > 0) this.log('info', `removed ${removed} expired transactional ids`);
    return removed;
  }

  // --- ListTransactions ----------------------------------------------------

  /** ListTransactions: the ids held here, filtered by producer ids, state names and (v1) how long their transaction has run. */
  listTransactionStates(
    producerIds: readonly number[],
    stateNames: readonly string[],
    durationMs: number,
    nowMs = this.now(),
  ): { errorCode: number; unknownStateFilters: string[]; transactionStates: Array<{ transactionalId: string; producerId: number; transactionState: string }> } {
    if (this.isLoading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters: [], transactionStates: [] };
    const states = new Set<TransactionState>();
    const unknownStateFilters: string[] = [];
    for (const name of stateNames) {
      const state = stateFromName(name);
      if (state === undefined) unknownStateFilters.push(name);
      else states.add(state);
    }
    const pids = new Set(producerIds);
    const transactionStates: Array<{ transactionalId: string; producerId: number; transactionState: string }> = [];
    for (const { metadata } of this.allTransactions()) {
      if (metadata.state === TransactionState.Dead) continue;
      if (pids.size > 0 && !pids.has(metadata.producerId)) continue;
      if (stateNames.length > 0 && !states.has(metadata.state)) continue;
      if (durationMs >= 0 && nowMs - metadata.txnStartTimestamp <= durationMs) continue;
      transactionStates.push({ transactionalId: metadata.transactionalId, producerId: metadata.producerId, transactionState: stateName(metadata.state) });
    }
    return { errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
  }

  /** Stops loading and waits for the loads and writes under way. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.allSettled([this.loads, ...this.writes]);
    this.loading.clear();
    this.cache.clear();
  }
}
