import type { CompressionType } from '../../../codecs/index.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { Item, MessageData } from '../../protocol/schema/message-types.js';
import { tpKey } from '../../protocol/topic-partition.js';
import { Api } from '../network/apis.js';
import {
  isRetriable,
  KafkaApiError,
  KafkaClientError,
  kafkaErrorFor,
  NetworkError,
  TimeoutError,
  TransactionAbortedError,
  UnsupportedVersionError,
} from '../network/errors.js';
import type { NetworkClient } from '../network/network-client.js';
import type { ProducerBatch } from './producer-batch.js';
import type { RecordAccumulator } from './record-accumulator.js';
import type { TransactionManager } from './transaction-manager.js';
import type { RequestSender, TxnRequestHandler } from './txn-request-handlers.js';

export interface SenderConfig {
  readonly acks: number;
  readonly retries: number;
  readonly requestTimeoutMs: number;
  readonly maxRequestSize: number;
  readonly deliveryTimeoutMs: number;
  readonly compression: CompressionType;
  readonly retryBackoffMs: number;
}

/**
 * Kafka's Sender, driven by events instead of a thread: whenever something
 * changes (a batch filled or started, a response, a connection, new
 * metadata, a linger or backoff timer) it asks the accumulator which leaders
 * have sendable batches, drains them, and sends one ProduceRequest per node.
 * Responses complete batches, or put them back for a retry with backoff while
 * delivery.timeout.ms allows and the error is retriable. With idempotence,
 * the transaction manager's requests (InitProducerId, and a transactional
 * producer's) go first, one at a time, and produce requests wait meanwhile,
 * as in Java's Sender.
 */
export class Sender {
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private running = true;
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly client: NetworkClient,
    private readonly accumulator: RecordAccumulator,
    private readonly config: SenderConfig,
    private readonly transactionManager: TransactionManager | null = null,
  ) {
    this.unsubscribe = [client.onStateChange(() => this.wakeup()), client.metadata.onUpdate(() => this.wakeup())];
  }

  /** Runs the send loop soon (once per turn of the event loop however often it is called). */
  wakeup(): void {
    if (this.scheduled || !this.running) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.running) this.runOnce(Date.now());
  };

  private schedule(delayMs: number, now: number): void {
    if (delayMs === Infinity) return;
    const at = now + delayMs;
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.wakeup();
      },
      Math.max(1, delayMs),
    );
  }

  private runOnce(now: number): void {
    const tm = this.transactionManager;
    if (tm !== null) {
      tm.maybeResolveSequences();
      // Fatal: nothing more is sent, and what waits fails with the error.
      if (tm.hasFatalError) {
        if (tm.lastError !== null && this.accumulator.hasIncomplete) this.accumulator.abortBatches(tm.lastError);
        return;
      }
      tm.bumpIdempotentEpochAndResetIdIfNeeded();
      if (this.maybeSendTransactionalRequest(tm, now)) return;
    }
    this.sendProducerData(now);
  }

  /**
   * Sends the transaction manager's next request, if any (Java's
   * maybeSendAndPollTransactionalRequest). True while one is in flight or
   * waits: produce requests wait for it.
   */
  private maybeSendTransactionalRequest(tm: TransactionManager, now: number): boolean {
    if (tm.inFlightRequest !== null) return true;
    if ((tm.hasAbortableError || tm.isAborting) && this.accumulator.hasIncomplete) {
      this.accumulator.abortUndrainedBatches(tm.lastError ?? new TransactionAbortedError());
    }
    const handler = tm.nextRequest(this.accumulator.hasIncomplete);
    if (handler === null) return false;
    if (handler.notBefore > now) {
      tm.enqueueRequest(handler);
      this.schedule(handler.notBefore - now, now);
      return true;
    }
    const type = handler.coordinatorType;
    let send: RequestSender;
    if (type !== null) {
      const coordinator = tm.coordinator(type, handler.coordinatorKey);
      if (coordinator === undefined) {
        tm.lookupCoordinator(type, handler.coordinatorKey);
        handler.reenqueue();
        this.wakeup();
        return true;
      }
      send = (api, body, options) => coordinator.request(api, body, options);
    } else {
      const node = this.client.leastLoadedNode();
      if (node === undefined) {
        this.client.metadata.requestUpdate();
        handler.reenqueue();
        this.schedule(this.config.retryBackoffMs, now);
        return true;
      }
      send = (api, body, options) => this.client.send(node, api, body, options);
    }
    tm.inFlightRequest = handler;
    handler.send(send).then(
      () => this.onTransactionalResponse(tm, handler, null),
      (error: Error) => this.onTransactionalResponse(tm, handler, error),
    );
    return true;
  }

  private onTransactionalResponse(tm: TransactionManager, handler: TxnRequestHandler, error: Error | null): void {
    tm.inFlightRequest = null;
    if (error instanceof NetworkError) {
      // Disconnected: find the coordinator again (it may have moved) and retry.
      if (handler.coordinatorType !== null) tm.lookupCoordinator(handler.coordinatorType, handler.coordinatorKey);
      handler.reenqueue();
    } else if (error !== null) {
      // A version the broker lacks, or a transition the state machine refused: nothing safe is left.
      handler.fatalError(
        error instanceof UnsupportedVersionError || error instanceof KafkaClientError
          ? error
          : new KafkaClientError(`Could not execute transactional request: ${error.message}`, { cause: error }),
      );
    }
    this.wakeup();
  }

  private sendProducerData(now: number): void {
    const metadata = this.client.metadata;
    const cluster = metadata.cluster;
    const { readyNodes, nextReadyCheckDelayMs, unknownLeaderTopics } = this.accumulator.ready(cluster, now);
    if (unknownLeaderTopics.size > 0) {
      metadata.add(...unknownLeaderTopics);
      metadata.requestUpdate();
    }
    let delay = nextReadyCheckDelayMs;
    for (const node of readyNodes) {
      if (this.client.isReady(node)) continue;
      readyNodes.delete(node);
      // Connect (a ready or closed connection wakes us); a node in reconnect backoff is tried when it ends.
      if (this.client.canConnect(node, now)) this.client.connection(node);
      else delay = Math.min(delay, this.config.requestTimeoutMs, 50);
    }
    if (metadata.updateRequested) {
      metadata.maybeUpdate();
      delay = Math.min(delay, Math.max(1, metadata.timeToNextUpdate(now)));
    }
    const drained = this.accumulator.drain(cluster, readyNodes, this.config.maxRequestSize, now);
    for (const batch of this.accumulator.expiredBatches(now)) {
      this.failBatch(batch, expiredError(batch, now), false, false);
      // Sent before: whether the broker has its sequences is unknown; no new batch goes out until that resolves.
      if (this.transactionManager !== null && batch.attempts > 0) this.transactionManager.markSequenceUnresolved(batch);
    }
    for (const [node, batches] of drained) this.sendProduceRequest(node, batches, now);
    // Sent something: look again at once, there may be more for nodes below their in-flight cap (Kafka polls with timeout 0).
    if (drained.size > 0) this.wakeup();
    else this.schedule(delay, now);
  }

  private sendProduceRequest(node: number, batches: ProducerBatch[], now: number): void {
    const topicData: Array<{ name: string; partitionData: Array<{ index: number; records: Buffer }> }> = [];
    let byTopic: Map<string, Array<{ index: number; records: Buffer }>> | undefined;
    try {
      for (const batch of batches) {
        const records = batch.build(this.config.compression, now);
        // One topic (the common case) needs no map.
        const last = topicData[topicData.length - 1];
        if (last !== undefined && last.name === batch.topic) {
          last.partitionData.push({ index: batch.partition, records });
          continue;
        }
        byTopic ??= new Map();
        let list = byTopic.get(batch.topic);
        if (!list) {
          list = [];
          byTopic.set(batch.topic, list);
          topicData.push({ name: batch.topic, partitionData: list });
        }
        list.push({ index: batch.partition, records });
      }
    } catch (e) {
      for (const batch of batches) this.failBatch(batch, e as Error, false, true);
      return;
    }
    const acks = this.config.acks;
    const body = { transactionalId: this.transactionManager?.transactionalId ?? null, acks, timeoutMs: this.config.requestTimeoutMs, topicData };
    this.client.send(node, Api.Produce, body, { expectResponse: acks !== 0 }).then(
      (response) => this.onResponse(batches, response),
      (error: Error) => {
        const now = Date.now();
        for (const batch of batches) this.onBatchError(batch, error, now);
        this.wakeup();
      },
    );
  }

  private onResponse(batches: ProducerBatch[], response: MessageData<typeof Api.Produce.response> | undefined): void {
    if (response === undefined) {
      // acks=0: done once written; the broker tells nothing, not even the offset.
      for (const batch of batches) this.accumulator.complete(batch, -1, -1, null);
      this.wakeup();
      return;
    }
    const results = new Map<string, Item<Item<typeof response.responses>['partitionResponses']>>();
    for (const topic of response.responses) {
      for (const p of topic.partitionResponses) results.set(tpKey(topic.name, p.index), p);
    }
    const now = Date.now();
    for (const batch of batches) {
      const p = results.get(tpKey(batch.topic, batch.partition));
      if (p === undefined) this.onBatchError(batch, new KafkaClientError(`the Produce response has no result for ${batch}`), now);
      else if (p.errorCode === ErrorCode.NONE) this.completeBatch(batch, p.baseOffset, p.logAppendTimeMs);
      else
        this.onBatchError(
          batch,
          kafkaErrorFor(p.errorCode, p.errorMessage ?? p.recordErrors[0]?.batchIndexErrorMessage ?? `producing to ${batch}`),
          now,
          p.logStartOffset,
        );
    }
    this.wakeup();
  }

  private completeBatch(batch: ProducerBatch, baseOffset: number, logAppendTime: number): void {
    if (batch.finished) return;
    this.transactionManager?.handleCompletedBatch(batch, baseOffset);
    this.accumulator.complete(batch, baseOffset, logAppendTime, null);
  }

  /**
   * A retriable error is retried while retries and delivery.timeout.ms allow
   * (with idempotence, as the transaction manager's sequence rules say);
   * anything else fails the batch at once.
   */
  private onBatchError(batch: ProducerBatch, error: Error, now: number, logStartOffset = -1): void {
    if (batch.finished) return;
    const tm = this.transactionManager;
    if (error instanceof KafkaApiError && error.errorCode === ErrorCode.MESSAGE_TOO_LARGE && batch.recordCount > 1) {
      // Several records together are too large: try them in halves (Kafka's splitAndReenqueue).
      tm?.removeInFlightBatch(batch);
      this.accumulator.splitAndReenqueue(batch, now);
      return;
    }
    const retriable = isRetriable(error);
    if (retriable && (error instanceof NetworkError || (error instanceof KafkaApiError && error.invalidMetadata))) this.client.metadata.requestUpdate();
    const expired = now - batch.createdMs >= this.config.deliveryTimeoutMs;
    const retries = this.config.retries;
    if (!expired && batch.attempts < retries && (tm !== null ? tm.canRetry(error, batch, logStartOffset) : retriable)) {
      this.accumulator.reenqueue(batch, now);
      return;
    }
    if (error instanceof KafkaApiError && error.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
      // The broker has the batch but no longer remembers where: a success without an offset.
      this.completeBatch(batch, -1, -1);
      return;
    }
    // Sequences of later batches shift down only when this one surely was not written (it had retries left).
    this.failBatch(batch, retriable && expired ? expiredError(batch, now, error) : error, batch.attempts < retries, true);
  }

  private failBatch(batch: ProducerBatch, error: Error, adjustSequenceNumbers: boolean, inFlight: boolean): void {
    if (batch.finished) return;
    this.accumulator.complete(batch, -1, -1, error, inFlight);
    this.transactionManager?.handleFailedBatch(batch, error, adjustSequenceNumbers);
  }

  close(): void {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const u of this.unsubscribe) u();
  }
}

function expiredError(batch: ProducerBatch, now: number, last?: Error): TimeoutError {
  return new TimeoutError(
    `Expiring ${batch.recordCount} record(s) for ${batch}: ${now - batch.createdMs} ms has passed since batch creation${last ? ` (last error: ${last.message})` : ''}`,
  );
}
