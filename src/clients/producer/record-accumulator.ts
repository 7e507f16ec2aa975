import type { Cluster } from '../network/cluster.js';
import type { ProducerInterceptors } from './interceptors.js';
import type { MemoryPool } from './memory-pool.js';
import { ProducerBatch } from './producer-batch.js';
import type { RecordFuture } from './record-future.js';
import type { TransactionManager } from './transaction-manager.js';

/** What append() did, as a number so the hot path allocates nothing. */
export enum AppendResult {
  /** Added to an open batch that still has room. */
  Appended,
  /** Added, and the batch is now full (or a newer one exists): wake the sender. */
  AppendedFull,
  /** A new batch was created for it: wake the sender (its linger.ms starts). */
  AppendedNewBatch,
  /** It would start a new batch and the caller asked to hear that first (KIP-480's sticky partitioner moves on). */
  AbortForNewBatch,
  /** It needs a new batch and buffer.memory has no room now. */
  NeedsMemory,
}

/** One partition's queue: batches not yet sent (oldest first) and every batch not yet completed, in creation order. */
export interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  readonly deque: ProducerBatch[];
  readonly incomplete: ProducerBatch[];
  /** Batches of this partition in requests without a response yet. */
  inFlight: number;
}

export interface AccumulatorConfig {
  readonly batchSize: number;
  readonly lingerMs: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly deliveryTimeoutMs: number;
  /** With max.in.flight = 1 a partition never has two batches in flight (ordering guaranteed even across retries). */
  readonly maxInFlight: number;
}

export interface ReadyCheck {
  readonly readyNodes: Set<number>;
  /** When to look again for batches that are not ready yet (linger, backoff, delivery timeout). */
  readonly nextReadyCheckDelayMs: number;
  readonly unknownLeaderTopics: Set<string>;
}

/**
 * Kafka's RecordAccumulator: a deque of ProducerBatch per partition that
 * send() appends to and the Sender drains. A partition's head batch is ready
 * to send when it is full, when linger.ms has passed, when memory is
 * exhausted, or during flush and close; retried batches wait their backoff.
 * Callbacks of one partition fire in send order: a batch finishing before an
 * earlier one (a retry) waits for it.
 */
export class RecordAccumulator {
  private readonly topics = new Map<string, PartitionQueue[]>();
  private readonly queues: PartitionQueue[] = [];
  private readonly drainIndex = new Map<number, number>();
  private nextSequence = 0;
  private incompleteCount = 0;
  private flushesInProgress = 0;
  private readonly waiters: Array<{ sequence: number; resolve: () => void }> = [];
  /** close() has begun: everything is sent as soon as possible. */
  closing = false;
  /** close() gave up: nothing more is accepted. */
  aborted: Error | null = null;

  constructor(
    private readonly config: AccumulatorConfig,
    private readonly memory: MemoryPool,
    private readonly interceptors: ProducerInterceptors,
    /** Idempotence: decides which partitions may be drained and numbers the batches that are. */
    private readonly transactionManager: TransactionManager | null = null,
  ) {}

  queue(topic: string, partition: number): PartitionQueue {
    let list = this.topics.get(topic);
    if (!list) this.topics.set(topic, (list = []));
    let q = list[partition];
    if (!q) {
      q = { topic, partition, deque: [], incomplete: [], inFlight: 0 };
      list[partition] = q;
      this.queues.push(q);
    }
    return q;
  }

  /** Appends to the partition's open batch, or to a new one if buffer.memory has room now. */
  append(topic: string, partition: number, record: RecordFuture, size: number, now: number, abortOnNewBatch: boolean): AppendResult {
    const q = this.queue(topic, partition);
    const last = q.deque[q.deque.length - 1];
    if (last?.tryAppend(record, size)) return last.isFull ? AppendResult.AppendedFull : AppendResult.Appended;
    if (abortOnNewBatch) return AppendResult.AbortForNewBatch;
    const allocation = this.allocationFor(size);
    if (!this.memory.tryAllocate(allocation)) return AppendResult.NeedsMemory;
    this.newBatch(q, record, size, now, allocation);
    return AppendResult.AppendedNewBatch;
  }

  /** Appends with `allocated` bytes already reserved (after waiting for memory); returns them if an open batch had room after all. */
  appendWithMemory(topic: string, partition: number, record: RecordFuture, size: number, now: number, allocated: number): AppendResult {
    const q = this.queue(topic, partition);
    const last = q.deque[q.deque.length - 1];
    if (last?.tryAppend(record, size)) {
      this.memory.deallocate(allocated);
      return last.isFull ? AppendResult.AppendedFull : AppendResult.Appended;
    }
    this.newBatch(q, record, size, now, allocated);
    return AppendResult.AppendedNewBatch;
  }

  /** A batch reserves batch.size, or the record's size when one record is larger. */
  allocationFor(recordSize: number): number {
    return Math.max(this.config.batchSize, recordSize + ProducerBatchOverhead);
  }

  private newBatch(q: PartitionQueue, record: RecordFuture, size: number, now: number, allocated: number): void {
    const batch = new ProducerBatch(q.topic, q.partition, this.nextSequence++, now, Math.max(this.config.batchSize, allocated), allocated);
    batch.tryAppend(record, size);
    q.deque.push(batch);
    q.incomplete.push(batch);
    this.incompleteCount++;
  }

  private backoffMs(batch: ProducerBatch): number {
    if (batch.attempts === 0) return 0;
    return Math.min(this.config.retryBackoffMs * 2 ** (batch.attempts - 1), Math.max(this.config.retryBackoffMs, this.config.retryBackoffMaxMs));
  }

  /** A partition whose batches must go one at a time: max.in.flight 1, or a retry at its head (keeps order across retries). */
  private isMuted(q: PartitionQueue, head: ProducerBatch): boolean {
    return q.inFlight > 0 && (this.config.maxInFlight === 1 || head.attempts > 0);
  }

  /** The nodes that lead a partition with a sendable batch (Kafka's ready()). */
  ready(cluster: Cluster, now: number): ReadyCheck {
    const readyNodes = new Set<number>();
    const unknownLeaderTopics = new Set<string>();
    let nextDelay = Infinity;
    const exhausted = this.memory.queued > 0;
    const tm = this.transactionManager;
    // A transaction being committed or aborted sends what it has at once, as a flush does.
    const urgent = exhausted || this.closing || this.flushesInProgress > 0 || tm?.isCompleting;
    for (const q of this.queues) {
      const batch = q.deque[0];
      if (batch === undefined) continue;
      const leader = cluster.leaderFor(q.topic, q.partition);
      if (leader < 0) {
        unknownLeaderTopics.add(q.topic);
        continue;
      }
      // Undrained batches expire after delivery.timeout.ms.
      nextDelay = Math.min(nextDelay, Math.max(0, batch.createdMs + this.config.deliveryTimeoutMs - now));
      if (readyNodes.has(leader) || this.isMuted(q, batch)) continue;
      // Held back by idempotence or the transaction: whatever frees it (a response, a producer id) wakes the sender.
      if (tm?.shouldStopDrain(batch)) continue;
      const waited = now - batch.lastAttemptMs;
      const backoff = this.backoffMs(batch);
      const timeToWait = batch.attempts > 0 ? backoff : this.config.lingerMs;
      const backingOff = batch.attempts > 0 && waited < backoff;
      const sendable = q.deque.length > 1 || batch.isFull || waited >= timeToWait || urgent;
      if (sendable && !backingOff) readyNodes.add(leader);
      else nextDelay = Math.min(nextDelay, Math.max(0, timeToWait - waited));
    }
    return { readyNodes, nextReadyCheckDelayMs: nextDelay, unknownLeaderTopics };
  }

  /**
   * Takes the head batch of each partition led by each ready node, up to
   * max.request.size per node, starting where the last drain of that node
   * stopped so every partition gets its turn (Kafka's drain()).
   */
  drain(cluster: Cluster, nodes: Iterable<number>, maxRequestSize: number, now: number): Map<number, ProducerBatch[]> {
    const byNode = new Map<number, PartitionQueue[]>();
    for (const node of nodes) byNode.set(node, []);
    if (byNode.size === 0) return new Map();
    for (const q of this.queues) {
      if (q.deque.length === 0) continue;
      const list = byNode.get(cluster.leaderFor(q.topic, q.partition));
      if (list) list.push(q);
    }
    const drained = new Map<number, ProducerBatch[]>();
    for (const [node, list] of byNode) {
      const ready: ProducerBatch[] = [];
      let size = 0;
      const start = (this.drainIndex.get(node) ?? 0) % Math.max(1, list.length);
      let i = 0;
      for (; i < list.length; i++) {
        const q = list[(start + i) % list.length]!;
        const batch = q.deque[0]!;
        if (this.isMuted(q, batch)) continue;
        if (batch.attempts > 0 && now - batch.lastAttemptMs < this.backoffMs(batch)) continue;
        if (ready.length > 0 && size + batch.sizeInBytes > maxRequestSize) break;
        const tm = this.transactionManager;
        if (tm !== null) {
          if (tm.shouldStopDrain(batch)) continue;
          tm.onDrain(batch);
        }
        q.deque.shift();
        batch.closed = true;
        batch.sequenceHasBeenReset = false;
        q.inFlight++;
        ready.push(batch);
        size += batch.sizeInBytes;
      }
      this.drainIndex.set(node, start + i + 1);
      if (ready.length > 0) drained.set(node, ready);
    }
    return drained;
  }

  /** Puts a batch whose request failed back at the front of its queue, in creation order, to be retried after its backoff. */
  reenqueue(batch: ProducerBatch, now: number): void {
    const q = this.queue(batch.topic, batch.partition);
    q.inFlight--;
    batch.attempts++;
    batch.lastAttemptMs = now;
    this.insertInOrder(q, batch);
  }

  private insertInOrder(q: PartitionQueue, batch: ProducerBatch): void {
    let at = 0;
    while (at < q.deque.length && q.deque[at]!.sequence < batch.sequence) at++;
    q.deque.splice(at, 0, batch);
  }

  /** Replaces an in-flight batch the broker found too large by its two halves, retried at once. */
  splitAndReenqueue(batch: ProducerBatch, now: number): void {
    const q = this.queue(batch.topic, batch.partition);
    q.inFlight--;
    const [first, second] = batch.split();
    q.incomplete.splice(q.incomplete.indexOf(batch), 1, first, second);
    this.incompleteCount++;
    first.lastAttemptMs = second.lastAttemptMs = now;
    // The halves carry the batch's sequences, so they are in flight as far as idempotence is concerned.
    if (this.transactionManager !== null && first.hasSequence) {
      this.transactionManager.addInFlightBatch(first);
      this.transactionManager.addInFlightBatch(second);
    }
    this.insertInOrder(q, first);
    this.insertInOrder(q, second);
  }

  /**
   * Records a batch's outcome, gives its memory back, and fires callbacks of
   * every batch of the partition that is now complete in order.
   */
  complete(batch: ProducerBatch, baseOffset: number, logAppendTime: number, error: Error | null, inFlight = true): void {
    const q = this.queue(batch.topic, batch.partition);
    if (inFlight && !batch.finished) q.inFlight--;
    if (!batch.finish(baseOffset, logAppendTime, error)) return;
    this.memory.deallocate(batch.allocatedBytes);
    batch.allocatedBytes = 0;
    while (q.incomplete.length > 0 && q.incomplete[0]!.finished) {
      const done = q.incomplete.shift()!;
      this.incompleteCount--;
      done.fireCompletion(this.interceptors);
    }
    if (this.waiters.length > 0) this.wakeWaiters();
  }

  /** Removes and returns the unsent batches that have waited delivery.timeout.ms since creation. */
  expiredBatches(now: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    for (const q of this.queues) {
      while (q.deque.length > 0 && now - q.deque[0]!.createdMs >= this.config.deliveryTimeoutMs && !this.isMuted(q, q.deque[0]!)) {
        expired.push(q.deque.shift()!);
      }
    }
    return expired;
  }

  /** Batches not yet completed, sent or not (a transaction ends only when there are none). */
  get hasIncomplete(): boolean {
    return this.incompleteCount > 0;
  }

  hasUndrained(): boolean {
    return this.queues.some((q) => q.deque.length > 0);
  }

  get incompleteBatches(): number {
    return this.incompleteCount;
  }

  /** Makes every batch ready at once until the matching endFlush. */
  beginFlush(): number {
    this.flushesInProgress++;
    return this.nextSequence;
  }

  endFlush(): void {
    this.flushesInProgress--;
  }

  /** Resolves once every batch created before `sequence` has completed (Infinity: every batch). */
  awaitCompletion(sequence: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push({ sequence, resolve });
      this.wakeWaiters();
    });
  }

  private wakeWaiters(): void {
    let oldest = Infinity;
    for (const q of this.queues) if (q.incomplete.length > 0) oldest = Math.min(oldest, q.incomplete[0]!.sequence);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (this.incompleteCount === 0 || (w.sequence !== Infinity && oldest >= w.sequence)) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Fails every batch not yet complete, sent or not, and takes no more records (close() ran out of time). */
  abortIncompleteBatches(error: Error): void {
    this.aborted = error;
    this.abortBatches(error);
  }

  /** Fails every batch not yet complete, sent or not (a fatal error: responses still to come are ignored). */
  abortBatches(error: Error): void {
    for (const q of this.queues) {
      q.deque.length = 0;
      for (const batch of [...q.incomplete]) this.complete(batch, -1, -1, error, false);
      q.inFlight = 0;
    }
  }

  /**
   * Fails the batches never sent (an aborted transaction's); batches already
   * numbered by idempotence stay, to be sent and acknowledged in sequence.
   */
  abortUndrainedBatches(error: Error): void {
    for (const q of this.queues) {
      for (let i = q.deque.length - 1; i >= 0; i--) {
        const batch = q.deque[i]!;
        if (this.transactionManager !== null ? batch.hasSequence : batch.closed) continue;
        q.deque.splice(i, 1);
        this.complete(batch, -1, -1, error, false);
      }
    }
  }
}

/** Bytes a batch adds around its records (v2 batch header). */
const ProducerBatchOverhead = 61;
