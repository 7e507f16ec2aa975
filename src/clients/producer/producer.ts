import { codecFor } from '../../../codecs/index.js';
import type { RecordInput } from '../../../storage/record/record-batch-builder.js';
import { sizeOfVarint } from '../../../storage/record/varint.js';
import type { ConsumerGroupMetadata } from '../consumer/consumer.js';
import type { TopicPartitionOffset } from '../consumer/types.js';
import type { PartitionMetadata } from '../network/cluster.js';
import { ClientClosedError, IllegalStateError, KafkaClientError, RecordTooLargeError, TimeoutError } from '../network/errors.js';
import { NetworkClient } from '../network/network-client.js';
import { sleep } from '../network/timing.js';
import { ProducerInterceptors } from './interceptors.js';
import { MemoryPool } from './memory-pool.js';
import { type Partitioner, resolvePartitioner } from './partitioner.js';
import { type ProducerConfig, type ProducerConfigInput, parseProducerConfig } from './producer-config.js';
import { type ProducerRecord, type RecordMetadata, type SendCallback, toHeaderList } from './producer-record.js';
import { AppendResult, RecordAccumulator } from './record-accumulator.js';
import { RecordFuture } from './record-future.js';
import { Sender } from './sender.js';
import { resolveSerializer, type Serialized, type Serializer, serializedSize } from './serializers.js';
import { TransactionManager } from './transaction-manager.js';

/** A send waiting for metadata or memory; later sends queue behind it so send order is kept. */
interface PendingSend {
  readonly record: ProducerRecord;
  readonly future: RecordFuture;
  readonly deadline: number;
}

let producerCount = 0;

/**
 * samsa's producer, built as Kafka's (chapter 2 of 深入理解Kafka): send() runs
 * the interceptors, waits for the topic's metadata, serializes, partitions and
 * appends to the RecordAccumulator; the Sender drains ready batches to the
 * partition leaders; each record's callback and promise complete in send
 * order per partition.
 *
 * send() returns at once. It resolves (when awaited) to the record's
 * metadata; a callback, if given, runs first. When the topic's metadata is
 * not known yet, or buffer.memory is used up, the record waits up to
 * max.block.ms, and sends after it wait behind it.
 *
 * Idempotence is on by default (enable.idempotence, as Kafka 3.x): batches
 * carry a producer id and sequence numbers, so retries never write a record
 * twice or out of order. With a transactional.id, initTransactions(),
 * beginTransaction(), commitTransaction() and abortTransaction() make what is
 * sent between them, and offsets passed to sendOffsetsToTransaction(),
 * visible to read_committed consumers all together or not at all.
 */
// biome-ignore lint/suspicious/noExplicitAny: unparameterised, a producer takes whatever its serializers take
export class Producer<K = any, V = any> {
  readonly config: ProducerConfig;
  private readonly client: NetworkClient;
  private readonly memory: MemoryPool;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  /** Idempotence and transactions; null when enable.idempotence is off. */
  private readonly transactionManager: TransactionManager | null;
  private readonly partitioner: Partitioner;
  private readonly interceptors: ProducerInterceptors;
  private readonly keySerializer: Serializer;
  private readonly valueSerializer: Serializer;
  private readonly pending: PendingSend[] = [];
  private draining: Promise<void> | null = null;
  private blockedOn: Promise<void> | null = null;
  private state: 'open' | 'closing' | 'closed' = 'open';
  // Read on every send.
  private readonly maxBlockMs: number;
  private readonly maxRequestSize: number;
  private readonly bufferMemory: number;
  private closing: Promise<void> | null = null;

  constructor(config: ProducerConfigInput) {
    const parsed = parseProducerConfig(config);
    // As Java: a transactional producer is named after its transactional.id.
    const transactionalId = parsed['transactional.id'];
    this.config =
      parsed['client.id'] === ''
        ? { ...parsed, 'client.id': transactionalId !== null ? `producer-${transactionalId}` : `producer-${++producerCount}` }
        : parsed;
    const c = this.config;
    this.client = new NetworkClient(c, { maxInFlight: c['max.in.flight.requests.per.connection'], allowAutoTopicCreation: true });
    this.transactionManager = c['enable.idempotence']
      ? new TransactionManager({ transactionalId, transactionTimeoutMs: c['transaction.timeout.ms'], retryBackoffMs: c['retry.backoff.ms'] }, this.client)
      : null;
    this.memory = new MemoryPool(c['buffer.memory']);
    this.interceptors = new ProducerInterceptors(c['interceptor.classes']);
    this.accumulator = new RecordAccumulator(
      {
        batchSize: c['batch.size'],
        lingerMs: c['linger.ms'],
        retryBackoffMs: c['retry.backoff.ms'],
        retryBackoffMaxMs: c['retry.backoff.max.ms'],
        deliveryTimeoutMs: c['delivery.timeout.ms'],
        maxInFlight: c['max.in.flight.requests.per.connection'],
      },
      this.memory,
      this.interceptors,
      this.transactionManager,
    );
    this.sender = new Sender(
      this.client,
      this.accumulator,
      {
        acks: c.acks,
        retries: c.retries,
        requestTimeoutMs: c['request.timeout.ms'],
        maxRequestSize: c['max.request.size'],
        deliveryTimeoutMs: c['delivery.timeout.ms'],
        compression: codecFor(c['compression.type']).type,
        retryBackoffMs: c['retry.backoff.ms'],
      },
      this.transactionManager,
    );
    this.maxBlockMs = c['max.block.ms'];
    this.maxRequestSize = c['max.request.size'];
    this.bufferMemory = c['buffer.memory'];
    this.partitioner = resolvePartitioner(c['partitioner.class']);
    this.keySerializer = resolveSerializer(c['key.serializer']);
    this.valueSerializer = resolveSerializer(c['value.serializer']);
  }

  /**
   * Sends a record. Use it three ways: ignore the result (fire-and-forget),
   * `await` it, or pass a callback `(error, metadata)`. Errors never throw
   * here: they reject the promise and reach the callback.
   */
  send(record: ProducerRecord<K, V>, callback?: SendCallback): Promise<RecordMetadata> {
    const future = new RecordFuture(callback);
    if (this.state !== 'open') {
      this.failEarly(future, record, new ClientClosedError('Cannot perform operation after producer has been closed'));
      return future;
    }
    const r = this.interceptors.empty ? record : this.interceptors.onSend(record);
    if (this.draining === null && this.blockedOn === null && this.hasMetadataFor(r)) {
      const now = Date.now();
      const wait = this.append(r, future, now, now + this.maxBlockMs);
      if (wait !== undefined) this.block(wait);
    } else {
      this.pending.push({ record: r, future, deadline: Date.now() + this.maxBlockMs });
      this.drainPending();
    }
    return future;
  }

  private hasMetadataFor(record: ProducerRecord): boolean {
    const partitions = this.client.metadata.cluster.partitionsFor(record.topic);
    return partitions !== undefined && (record.partition === undefined || record.partition < partitions.length);
  }

  /** Sends made while one waits for memory queue behind it. */
  private block(wait: Promise<void>): void {
    this.blockedOn = wait.then(() => {
      this.blockedOn = null;
      if (this.pending.length > 0) this.drainPending();
    });
  }

  /** Works through queued sends in order, each waiting for metadata and memory up to its max.block.ms. */
  private drainPending(): void {
    if (this.draining !== null) return;
    this.draining = (async () => {
      while (this.pending.length > 0) {
        if (this.blockedOn !== null) await this.blockedOn;
        const p = this.pending.shift()!;
        try {
          await this.waitOnMetadata(p.record, p.deadline);
          await this.append(p.record, p.future, Date.now(), p.deadline);
        } catch (e) {
          this.failEarly(p.future, p.record, e as Error);
        }
      }
      this.draining = null;
    })();
  }

  /** Kafka's waitOnMetadata: the topic, and the record's partition if it names one, must be known. */
  private async waitOnMetadata(record: ProducerRecord, deadline: number): Promise<void> {
    const metadata = this.client.metadata;
    const maxBlockMs = this.config['max.block.ms'];
    const topic = await metadata.waitForTopic(record.topic, Math.max(0, deadline - Date.now()), maxBlockMs);
    let count = topic.partitions.length;
    while (record.partition !== undefined && record.partition >= count) {
      if (Date.now() >= deadline) {
        throw new TimeoutError(
          `Partition ${record.partition} of topic ${record.topic} with partition count ${count} is not present in metadata after ${maxBlockMs} ms.`,
        );
      }
      metadata.requestUpdate();
      await sleep(Math.max(1, Math.min(metadata.timeToNextUpdate(), deadline - Date.now())));
      await metadata.update().catch(() => undefined);
      count = metadata.cluster.partitionsFor(record.topic)?.length ?? count;
    }
  }

  /**
   * Serializes, partitions and appends a record whose topic metadata is known.
   * Returns undefined when done (appended, or failed), or a promise when the
   * record waits for buffer.memory.
   */
  private append(record: ProducerRecord, future: RecordFuture, now: number, deadline: number): Promise<void> | undefined {
    if (this.accumulator.aborted) {
      this.failEarly(future, record, this.accumulator.aborted);
      return undefined;
    }
    const topic = record.topic;
    let key: Serialized;
    let value: Serialized;
    try {
      key = this.keySerializer.serialize(topic, record.key, record.headers);
      value = this.valueSerializer.serialize(topic, record.value, record.headers);
    } catch (e) {
      this.failEarly(
        future,
        record,
        e instanceof KafkaClientError ? e : new KafkaClientError(`serialization failed for topic ${topic}: ${(e as Error).message}`, { cause: e }),
      );
      return undefined;
    }
    const headers = toHeaderList(record.headers);
    const size = recordSize(key, value, headers);
    const tooLarge = this.checkSize(size);
    if (tooLarge) {
      this.failEarly(future, record, tooLarge);
      return undefined;
    }
    future.key = key;
    future.value = value;
    future.headers = headers;
    future.timestamp = record.timestamp ?? now;
    const cluster = this.client.metadata.cluster;
    const explicit = record.partition;
    let partition = explicit ?? -1;
    let result: AppendResult;
    try {
      if (explicit === undefined) partition = this.partition(record, key, value);
      // A fatal error, or (transactional) no transaction begun: the record fails.
      this.transactionManager?.checkSend(topic, partition);
      // Only a partitioner that wants to hear of new batches gets asked twice (asking a round-robin one twice would skip partitions).
      result = this.accumulator.append(topic, partition, future, size, now, explicit === undefined && this.partitioner.onNewBatch !== undefined);
      if (result === AppendResult.AbortForNewBatch) {
        // KIP-480: a new batch is the moment the sticky partition moves on.
        this.partitioner.onNewBatch?.(topic, cluster, partition);
        partition = this.partition(record, key, value);
        result = this.accumulator.append(topic, partition, future, size, now, false);
      }
    } catch (e) {
      this.failEarly(
        future,
        record,
        e instanceof KafkaClientError ? e : new KafkaClientError(`partitioning failed for topic ${topic}: ${(e as Error).message}`, { cause: e }),
        partition,
      );
      return undefined;
    }
    if (result === AppendResult.NeedsMemory) return this.appendAfterMemory(record, future, partition, size, deadline);
    this.transactionManager?.addPartition(topic, partition);
    if (result !== AppendResult.Appended) this.sender.wakeup();
    return undefined;
  }

  private async appendAfterMemory(record: ProducerRecord, future: RecordFuture, partition: number, size: number, deadline: number): Promise<void> {
    const allocation = this.accumulator.allocationFor(size);
    this.sender.wakeup();
    try {
      await this.memory.allocate(allocation, deadline - Date.now());
    } catch (e) {
      this.failEarly(future, record, e as Error, partition);
      return;
    }
    let refused = this.accumulator.aborted;
    if (refused === null) {
      // The transaction may have moved on while the record waited.
      try {
        this.transactionManager?.checkSend(record.topic, partition);
      } catch (e) {
        refused = e as Error;
      }
    }
    if (refused !== null) {
      this.memory.deallocate(allocation);
      this.failEarly(future, record, refused, partition);
      return;
    }
    this.accumulator.appendWithMemory(record.topic, partition, future, size, Date.now(), allocation);
    this.transactionManager?.addPartition(record.topic, partition);
    this.sender.wakeup();
  }

  private partition(record: ProducerRecord, key: Serialized, value: Serialized): number {
    const keyBytes = key === null ? null : typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    const cluster = this.client.metadata.cluster;
    const p = this.partitioner.partition(record.topic, record.key, keyBytes, record.value, value, cluster);
    const count = cluster.partitionsFor(record.topic)!.length;
    if (!Number.isInteger(p) || p < 0 || p >= count)
      throw new KafkaClientError(`the partitioner chose partition ${p} of topic ${record.topic}, which has partitions 0-${count - 1}`);
    return p;
  }

  /** Kafka's ensureValidRecordSize. */
  private checkSize(recordBytes: number): Error | undefined {
    const size = recordBytes + 61;
    if (size > this.maxRequestSize) {
      return new RecordTooLargeError(
        `The message is ${size} bytes when serialized which is larger than ${this.maxRequestSize}, which is the value of the max.request.size configuration.`,
      );
    }
    if (size > this.bufferMemory) {
      return new RecordTooLargeError(
        `The message is ${size} bytes when serialized which is larger than the total memory buffer you have configured with the buffer.memory configuration.`,
      );
    }
    return undefined;
  }

  private failEarly(future: RecordFuture, record: ProducerRecord, error: Error, partition = record.partition ?? -1): void {
    const metadata: RecordMetadata = { topic: record.topic, partition, offset: -1, timestamp: -1 };
    if (!this.interceptors.empty) this.interceptors.onAcknowledgement(metadata, error);
    future.failEarly(error, metadata);
  }

  /** Sends everything sent before this call at once (ignoring linger.ms) and resolves when all of it has completed. */
  async flush(): Promise<void> {
    await this.settlePending();
    const sequence = this.accumulator.beginFlush();
    this.sender.wakeup();
    try {
      await this.accumulator.awaitCompletion(sequence);
    } finally {
      this.accumulator.endFlush();
    }
  }

  private async settlePending(): Promise<void> {
    while (this.draining !== null || this.blockedOn !== null) await (this.draining ?? this.blockedOn);
  }

  // --- transactions (Java's KafkaProducer methods; each waits up to max.block.ms) ---------------

  /**
   * Registers the transactional.id with its coordinator, which completes or
   * aborts any transaction a previous producer with this id left open and
   * fences that producer. Call once, before the first transaction. A wait
   * that times out leaves the request running: call again to wait for it.
   */
  async initTransactions(): Promise<void> {
    const tm = this.requireTransactions();
    const result = tm.initializeTransactions();
    this.sender.wakeup();
    await result.await(this.maxBlockMs);
  }

  /** Starts a transaction: what is sent until commitTransaction() or abortTransaction() belongs to it. */
  beginTransaction(): void {
    this.requireTransactions().beginTransaction();
  }

  /**
   * Adds a consumer group's offsets to the transaction, committed with it
   * (AddOffsetsToTxn, then TxnOffsetCommit to the group's coordinator):
   * the consume-transform-produce loop's input moves on exactly when its
   * output is committed. `group` is the consumer's groupMetadata() (or, as
   * Java's deprecated form, a group id).
   */
  async sendOffsetsToTransaction(offsets: readonly TopicPartitionOffset[], group: ConsumerGroupMetadata | string): Promise<void> {
    const metadata: ConsumerGroupMetadata = typeof group === 'string' ? { groupId: group, generationId: -1, memberId: '', groupInstanceId: null } : group;
    if (metadata.generationId > 0 && metadata.memberId === '')
      throw new KafkaClientError(`Passed in group metadata ${JSON.stringify(metadata)} has generationId > 0 but member.id `);
    const tm = this.requireTransactions();
    if (offsets.length === 0) return;
    const result = tm.sendOffsetsToTransaction(offsets, metadata);
    this.sender.wakeup();
    await result.await(this.maxBlockMs);
  }

  /**
   * Sends everything sent in the transaction, then commits it (EndTxn). If a
   * record of it failed, the commit fails with that error and the
   * transaction must be aborted; if the producer was fenced it must close.
   */
  async commitTransaction(): Promise<void> {
    const tm = this.requireTransactions();
    await this.settlePending();
    const result = tm.beginCommit();
    this.sender.wakeup();
    await result.await(this.maxBlockMs);
  }

  /** Aborts the transaction: records not yet sent fail with TransactionAbortedError, and nothing of it becomes visible. */
  async abortTransaction(): Promise<void> {
    const tm = this.requireTransactions();
    await this.settlePending();
    const result = tm.beginAbort();
    this.sender.wakeup();
    await result.await(this.maxBlockMs);
  }

  private requireTransactions(): TransactionManager {
    const tm = this.transactionManager;
    if (tm === null || !tm.isTransactional)
      throw new IllegalStateError('Cannot use transactional methods without enabling transactions by setting the transactional.id configuration property');
    if (this.state !== 'open') throw new ClientClosedError('Cannot perform operation after producer has been closed');
    return tm;
  }

  /** The partitions of a topic (fetching its metadata if needed, up to max.block.ms). */
  async partitionsFor(topic: string): Promise<readonly PartitionMetadata[]> {
    return (await this.client.metadata.waitForTopic(topic, this.config['max.block.ms'])).partitions;
  }

  /**
   * Sends everything pending and closes. Resolves once every record has been
   * acknowledged or has failed; when `timeoutMs` passes first, the records
   * still pending fail with a ClientClosedError saying so.
   */
  close(timeoutMs = Infinity): Promise<void> {
    this.closing ??= this.shutdown(timeoutMs);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.state = 'closing';
    this.accumulator.closing = true;
    this.sender.wakeup();
    const everything = (async () => {
      await this.settlePending();
      // A transaction still open is aborted, as Java's Sender does when it shuts down.
      const ending = this.transactionManager?.abortOnClose();
      this.sender.wakeup();
      await this.accumulator.awaitCompletion(Infinity);
      await ending?.await(Infinity).catch(() => undefined);
    })();
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      everything.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.min(timeoutMs, 2 ** 31 - 1)))),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      const error = new ClientClosedError(`Producer is closed forcefully: the record was still pending when close(${timeoutMs} ms) timed out`);
      this.accumulator.abortIncompleteBatches(error);
      this.memory.abortWaiters(error);
      for (const p of this.pending.splice(0)) this.failEarly(p.future, p.record, error);
    }
    this.sender.close();
    this.transactionManager?.close();
    this.client.close();
    this.interceptors.close();
    this.partitioner.close?.();
    this.keySerializer.close?.();
    this.valueSerializer.close?.();
    this.state = 'closed';
  }
}

/** A record's size in a v2 batch, close enough to fill batches as the Java client does (timestamp delta counted as 3 bytes). */
function recordSize(key: Serialized, value: Serialized, headers: RecordInput['headers']): number {
  const keyLength = key === null ? -1 : serializedSize(key);
  const valueLength = value === null ? -1 : serializedSize(value);
  let body = 1 + 3 + 3 + sizeOfVarint(keyLength) + Math.max(0, keyLength) + sizeOfVarint(valueLength) + Math.max(0, valueLength);
  if (headers === undefined) body += 1;
  else {
    body += sizeOfVarint(headers.length);
    for (const h of headers) {
      const k = Buffer.byteLength(h.key, 'utf8');
      const v = h.value === null ? -1 : serializedSize(h.value);
      body += sizeOfVarint(k) + k + sizeOfVarint(v) + Math.max(0, v);
    }
  }
  return sizeOfVarint(body) + body;
}
