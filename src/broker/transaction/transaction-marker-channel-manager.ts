import type { ClientSecurity } from '../../clients/network/client-security.js';
import { ErrorCode, errorName } from '../../protocol/error-codes.js';
import { partitionName, type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import type { BrokerLog } from '../broker-log.js';
import {
  localMarkerTransport,
  networkMarkerTransport,
  TransactionMarkerChannel,
  type TxnMarkerEntry,
  type WriteTxnMarkersBody,
  type WriteTxnMarkersResult,
} from './transaction-marker-channel.js';
import type { TransactionMetadata, TxnTransitMetadata } from './transaction-metadata.js';
import type { TransactionStateManager } from './transaction-state-manager.js';

export interface MarkerChannelManagerOptions {
  brokerId: number;
  /** The leader of a partition: its broker id, -1 while it has none, undefined when the partition no longer exists (its topic was deleted). */
  leaderOf(tp: TopicPartition): number | undefined;
  /** A broker's inter-broker endpoint; undefined while it is not known alive. */
  endpointOf(brokerId: number): { host: string; port: number } | undefined;
  /** Writes markers to partitions this broker leads, in-process (WriteTxnMarkers' own code); without it they go over the network too. */
  writeLocally?: (request: WriteTxnMarkersBody) => Promise<WriteTxnMarkersResult>;
  /** The inter-broker listener's TLS and SASL, for markers to other brokers. */
  security?: ClientSecurity;
  /** request.timeout.ms */
  requestTimeoutMs: number;
  /** The pause before markers that failed, or whose leader is unknown, are sent again. */
  retryBackoffMs: number;
  log: BrokerLog;
}

/** A transaction whose markers are being written: once every partition has its marker, `complete` goes to the log. */
interface PendingCompletion {
  readonly coordinatorEpoch: number;
  readonly committed: boolean;
  readonly metadata: TransactionMetadata;
  readonly complete: TxnTransitMetadata;
}

/** Errors after which a marker is sent again (to the partition's leader then). */
const RETRIABLE = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

/**
 * Kafka's TransactionMarkerChannelManager: writes the COMMIT or ABORT
 * markers of ending transactions to every partition they wrote to, through
 * WriteTxnMarkers to each partition's leader, sending again (to whoever
 * leads then) until each is written or its partition is gone; then writes
 * the transaction's CompleteCommit / CompleteAbort. Markers of a
 * transactional id whose coordinator moved (another epoch, or this broker
 * no longer leading its __transaction_state partition) are dropped: the new
 * coordinator finishes the transaction when it loads.
 */
export class TransactionMarkerChannelManager {
  private readonly channels = new Map<number, TransactionMarkerChannel>();
  private readonly pending = new Map<string, PendingCompletion>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly completions = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly states: TransactionStateManager,
    private readonly options: MarkerChannelManagerOptions,
  ) {}

  /** Transactions whose markers are being written. */
  get pendingTransactions(): number {
    return this.pending.size;
  }

  /**
   * A transaction's end is in the log (PrepareCommit / PrepareAbort): its
   * markers go out, and `complete` is written once they are all in.
   */
  addTxnMarkersToSend(coordinatorEpoch: number, committed: boolean, metadata: TransactionMetadata, complete: TxnTransitMetadata): void {
    if (this.stopped) return;
    this.pending.set(metadata.transactionalId, { coordinatorEpoch, committed, metadata, complete });
    this.sendMarkers(metadata.transactionalId, coordinatorEpoch, metadata.partitionList());
  }

  /** Forgets the transactions of a __transaction_state partition this broker no longer coordinates. */
  removeMarkersForTxnTopicPartition(txnPartition: number): void {
    for (const id of [...this.pending.keys()]) if (this.states.partitionFor(id) === txnPartition) this.removeMarkersForTxnId(id);
  }

  removeMarkersForTxnId(transactionalId: string): void {
    this.pending.delete(transactionalId);
    for (const channel of this.channels.values()) channel.drop((e) => e.transactionalId === transactionalId);
  }

  /** Stops sending and waits for completions being written. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const channel of this.channels.values()) channel.stop();
    this.channels.clear();
    this.pending.clear();
    await Promise.allSettled([...this.completions]);
  }

  /** Sends a transaction's markers for `partitions`, each to its leader; partitions without a leader wait, those gone are done. */
  private sendMarkers(transactionalId: string, coordinatorEpoch: number, partitions: readonly TopicPartition[]): void {
    const pending = this.current(transactionalId, coordinatorEpoch);
    if (!pending) return;
    const byLeader = new Map<number, TopicPartition[]>();
    const leaderless: TopicPartition[] = [];
    for (const tp of partitions) {
      const leader = this.options.leaderOf(tp);
      if (leader === undefined) {
        this.options.log('info', `transactional id ${transactionalId}: ${partitionName(tp)} no longer exists; its marker is skipped`);
        pending.metadata.removePartition(tp);
      } else if (leader < 0 || (!this.isLocal(leader) && this.options.endpointOf(leader) === undefined)) {
        leaderless.push(tp);
      } else {
        let list = byLeader.get(leader);
        if (!list) byLeader.set(leader, (list = []));
        list.push(tp);
      }
    }
    const { metadata, committed } = pending;
    for (const [leader, tps] of byLeader) {
      this.channel(leader).enqueue({
        transactionalId,
        producerId: metadata.producerId,
        producerEpoch: metadata.producerEpoch,
        committed,
        coordinatorEpoch,
        partitions: tps,
      });
    }
    if (leaderless.length > 0) this.later(() => this.sendMarkers(transactionalId, coordinatorEpoch, leaderless));
    this.maybeWriteTxnCompletion(transactionalId);
  }

  private isLocal(brokerId: number): boolean {
    return brokerId === this.options.brokerId && this.options.writeLocally !== undefined;
  }

  /** The channel to a broker: in-process for this one, else to its current endpoint (a broker back with another endpoint gets a new one). */
  private channel(brokerId: number): TransactionMarkerChannel {
    let channel = this.channels.get(brokerId);
    if (this.isLocal(brokerId)) {
      if (!channel) {
        channel = new TransactionMarkerChannel(brokerId, localMarkerTransport(this.options.writeLocally!), (entries, result) =>
          this.onResult(brokerId, entries, result),
        );
        this.channels.set(brokerId, channel);
      }
      return channel;
    }
    const endpoint = this.options.endpointOf(brokerId)!;
    const current = channel?.transport.endpoint;
    if (channel && (current?.host !== endpoint.host || current?.port !== endpoint.port)) {
      channel.stop();
      channel = undefined;
    }
    if (!channel) {
      const transport = networkMarkerTransport(brokerId, endpoint, {
        clientId: `broker-${this.options.brokerId}-txn-marker-sender`,
        requestTimeoutMs: this.options.requestTimeoutMs,
        security: this.options.security,
      });
      channel = new TransactionMarkerChannel(brokerId, transport, (entries, result) => this.onResult(brokerId, entries, result));
      this.channels.set(brokerId, channel);
    }
    return channel;
  }

  /** A WriteTxnMarkers answered (Kafka's TransactionMarkerRequestCompletionHandler), or failed on the wire. */
  private onResult(brokerId: number, entries: readonly TxnMarkerEntry[], result: WriteTxnMarkersResult | Error): void {
    if (result instanceof Error) {
      this.options.log('warn', `WriteTxnMarkers to broker ${brokerId} failed, sending the markers again: ${result.message}`);
      for (const e of entries) this.later(() => this.sendMarkers(e.transactionalId, e.coordinatorEpoch, e.partitions));
      return;
    }
    const byProducer = new Map(result.markers.map((m) => [m.producerId, m]));
    for (const e of entries) {
      const pending = this.current(e.transactionalId, e.coordinatorEpoch);
      if (!pending) continue;
      const answer = byProducer.get(e.producerId);
      const codes = new Map<string, number>();
      for (const t of answer?.topics ?? []) for (const p of t.partitions) codes.set(tpKey(t.name, p.partitionIndex), p.errorCode);
      const retry: TopicPartition[] = [];
      let abandon = false;
      for (const tp of e.partitions) {
        const code = codes.get(tpKey(tp.topic, tp.partition)) ?? ErrorCode.UNKNOWN_SERVER_ERROR;
        if (code === ErrorCode.NONE || code === ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT || code === ErrorCode.UNSUPPORTED_VERSION) {
          pending.metadata.removePartition(tp);
        } else if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.TRANSACTION_COORDINATOR_FENCED) {
          // A newer producer epoch or coordinator has the transaction: nothing left for this one to do.
          this.options.log(
            'info',
            `transactional id ${e.transactionalId}: the marker for ${partitionName(tp)} was refused with ${errorName(code)}; its markers are no longer sent by this coordinator`,
          );
          abandon = true;
        } else {
          if (!RETRIABLE.has(code))
            this.options.log(
              'error',
              `transactional id ${e.transactionalId}: unexpected ${errorName(code)} writing the marker for ${partitionName(tp)}; sending it again`,
            );
          retry.push(tp);
        }
      }
      if (abandon) {
        this.removeMarkersForTxnId(e.transactionalId);
        continue;
      }
      if (retry.length > 0) this.later(() => this.sendMarkers(e.transactionalId, e.coordinatorEpoch, retry));
      else this.maybeWriteTxnCompletion(e.transactionalId);
    }
  }

  /** The transaction's pending completion if this coordinator still owns it at that epoch; otherwise its markers are forgotten. */
  private current(transactionalId: string, coordinatorEpoch: number): PendingCompletion | undefined {
    const pending = this.pending.get(transactionalId);
    if (!pending || pending.coordinatorEpoch !== coordinatorEpoch) return undefined;
    const state = this.states.getTransactionState(transactionalId);
    if (state.errorCode !== undefined || state.metadata !== pending.metadata || state.coordinatorEpoch !== coordinatorEpoch) {
      this.options.log(
        'info',
        `transactional id ${transactionalId}: its coordinator moved (${state.errorCode !== undefined ? errorName(state.errorCode) : `epoch ${state.coordinatorEpoch}`}); its markers are no longer sent by this broker`,
      );
      this.removeMarkersForTxnId(transactionalId);
      return undefined;
    }
    return pending;
  }

  /** Every marker written: the transaction's completion goes to the log, again after a backoff while the log is not available. */
  private maybeWriteTxnCompletion(transactionalId: string): void {
    const pending = this.pending.get(transactionalId);
    if (!pending || pending.metadata.partitions.size > 0) return;
    this.pending.delete(transactionalId);
    const write = this.states
      .appendTransactionToLog(transactionalId, pending.coordinatorEpoch, pending.complete, (code) => code === ErrorCode.COORDINATOR_NOT_AVAILABLE)
      .then((code) => {
        if (code === ErrorCode.NONE) return;
        if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE && !this.stopped) {
          this.options.log('warn', `transactional id ${transactionalId}: writing its completion failed with ${errorName(code)}; writing it again`);
          this.pending.set(transactionalId, pending);
          this.later(() => this.maybeWriteTxnCompletion(transactionalId));
        } else {
          this.options.log('info', `transactional id ${transactionalId}: its completion was not written (${errorName(code)}); a new coordinator completes it`);
        }
      });
    this.completions.add(write);
    void write.finally(() => this.completions.delete(write));
  }

  private later(action: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) action();
    }, this.options.retryBackoffMs);
    timer.unref();
    this.timers.add(timer);
  }
}
