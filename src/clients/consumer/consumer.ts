import { ErrorCode } from '../../protocol/error-codes.js';
import { compareStrings, type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import { Api } from '../network/apis.js';
import { ClientClosedError, KafkaClientError, kafkaErrorFor, TimeoutError } from '../network/errors.js';
import { NetworkClient } from '../network/network-client.js';
import { raceDeadline, TIMED_OUT, withTimeout } from '../network/timing.js';
import { type ConsumerConfig, type ConsumerConfigInput, parseConsumerConfig } from './consumer-config.js';
import { ConsumerCoordinator, type ConsumerRebalanceListener } from './consumer-coordinator.js';
import { type ConsumerRecord, ConsumerRecords } from './consumer-records.js';
import { type Deserializer, toDeserializer } from './deserializers.js';
import { NoOffsetForPartitionError, WakeupError } from './errors.js';
import { Fetcher } from './fetcher.js';
import type { ConsumerInterceptor } from './interceptors.js';
import { PositionValidator } from './position-validator.js';
import { IllegalStateError, SubscriptionState } from './subscription-state.js';
import type { TopicPartitionOffset } from './types.js';

export type ConsumerLogger = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface ConsumerOptions {
  /** Where the consumer's log lines go; nothing is logged by default. */
  readonly log?: ConsumerLogger;
}

/** A committed offset as committed() returns it: offset null when the group has none for the partition. */
export interface CommittedOffset extends TopicPartition {
  readonly offset: number | null;
  readonly metadata: string | null;
  readonly leaderEpoch?: number;
}

/** What offsetsForTimes() finds: the earliest offset whose timestamp is at or after the one asked for, or null. */
export interface OffsetForTime extends TopicPartition {
  readonly offset: number | null;
  readonly timestamp: number | null;
  readonly leaderEpoch?: number;
}

/** The group as this member sees it (Kafka's ConsumerGroupMetadata). */
export interface ConsumerGroupMetadata {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export type CommitCallback = (error: Error | null, offsets: readonly TopicPartitionOffset[]) => void;

/**
 * samsa's Kafka consumer, shaped after the Java KafkaConsumer: subscribe to
 * topics or a pattern as a member of a group (group.id), or assign partitions
 * yourself; poll() returns records, `for await` iterates over them one by
 * one. Offsets are committed automatically (enable.auto.commit) or by
 * commitSync/commitAsync. Settings have Kafka's names and defaults.
 *
 * ```ts
 * const consumer = new Consumer<string, string>({
 *   'bootstrap.servers': 'localhost:9092', 'group.id': 'orders',
 *   'key.deserializer': 'string', 'value.deserializer': 'string', 'auto.offset.reset': 'earliest',
 * });
 * consumer.subscribe(['orders']);
 * for await (const record of consumer) console.log(record.offset, record.key, record.value);
 * ```
 *
 * Methods are not meant to be called concurrently with poll(), except
 * wakeup() and close() (which make a running poll return).
 */
export class KafkaConsumer<K = Buffer | null, V = Buffer | null> implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly config: ConsumerConfig;
  private readonly client: NetworkClient;
  private readonly subscriptions: SubscriptionState;
  private readonly coordinator: ConsumerCoordinator | null;
  private readonly fetcher: Fetcher;
  private readonly validator: PositionValidator;
  private readonly keyDeserializer: Deserializer<K>;
  private readonly valueDeserializer: Deserializer<V>;
  private readonly interceptors: readonly ConsumerInterceptor<K, V>[];
  private readonly log: ConsumerLogger;
  private listener: ConsumerRebalanceListener | null = null;
  private polling: Promise<unknown> | null = null;
  private waiter: (() => void) | null = null;
  private signaled = false;
  private wakeupRequested = false;
  private closing = false;
  /** The close in progress (or done): polls made meanwhile wait for it. */
  private closeDone: Promise<void> | null = null;
  private closed = false;
  private positionsTask: Promise<void> | null = null;
  private patternMetadataVersion = -1;
  private readonly removeMetadataListener: () => void;

  constructor(config: ConsumerConfigInput & Record<string, unknown>, options: ConsumerOptions = {}) {
    this.config = parseConsumerConfig(config);
    this.log = options.log ?? (() => {});
    const c = this.config;
    this.client = new NetworkClient(c, { allowAutoTopicCreation: c['allow.auto.create.topics'] });
    this.subscriptions = new SubscriptionState(c['auto.offset.reset']);
    this.keyDeserializer = toDeserializer(c['key.deserializer']) as Deserializer<K>;
    this.valueDeserializer = toDeserializer(c['value.deserializer']) as Deserializer<V>;
    this.interceptors = c['interceptor.classes'] as readonly ConsumerInterceptor<K, V>[];
    const wake = () => this.signal();
    const log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => this.log(level, message);
    if (c['group.id'] === null) {
      // Without a group nothing is committed automatically (as Java, which refuses enable.auto.commit=true explicitly set).
      (this.config as { 'enable.auto.commit': boolean })['enable.auto.commit'] = false;
      this.coordinator = null;
    } else {
      this.coordinator = new ConsumerCoordinator({
        config: this.config,
        client: this.client,
        subscriptions: this.subscriptions,
        listener: () => this.listener,
        onCommitted: (offsets) => this.onCommitted(offsets),
        wake,
        onPartitionsRemoved: () => this.fetcher.dropUnfetchable(),
        log,
      });
    }
    const fetcherContext = { config: this.config, client: this.client, subscriptions: this.subscriptions, wake, log };
    this.fetcher = new Fetcher(fetcherContext);
    this.validator = new PositionValidator(fetcherContext);
    this.removeMetadataListener = this.client.metadata.onUpdate(() => {
      this.onMetadataUpdate();
      this.signal();
    });
  }

  // --- subscriptions -----------------------------------------------------------------

  /**
   * Subscribes to topics, or to every topic matching a RegExp, as a member of
   * group.id; partitions come from the group's assignor. Replaces any earlier
   * subscription.
   */
  subscribe(topics: readonly string[] | RegExp, listener?: ConsumerRebalanceListener): void {
    this.checkOpen();
    if (!this.coordinator)
      throw new KafkaClientError('To use group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.');
    this.listener = listener ?? null;
    const subs = this.subscriptions;
    if (topics instanceof RegExp) {
      subs.subscribePattern(topics);
      this.client.metadata.allTopics = true;
      this.patternMetadataVersion = -1;
      this.onMetadataUpdate();
      this.client.metadata.requestUpdate();
      this.client.metadata.maybeUpdate();
      return;
    }
    if (topics.length === 0) {
      void this.unsubscribe();
      return;
    }
    for (const t of topics)
      if (typeof t !== 'string' || t.trim() === '') throw new KafkaClientError(`Topic collection to subscribe to cannot contain null or empty topic`);
    if (subs.subscribe(topics)) this.coordinator.requestRejoin('subscription changed');
    this.client.metadata.setTopics(new Set([...topics, ...subs.groupSubscription]));
    this.client.metadata.maybeUpdate();
  }

  /** Takes these partitions by hand: no group membership, no rebalancing. */
  assign(partitions: readonly TopicPartition[]): void {
    this.checkOpen();
    if (partitions.length === 0) {
      void this.unsubscribe();
      return;
    }
    for (const tp of partitions) {
      if (typeof tp.topic !== 'string' || tp.topic.trim() === '' || !Number.isInteger(tp.partition) || tp.partition < 0) {
        throw new KafkaClientError(`invalid partition ${JSON.stringify(tp)} to assign`);
      }
    }
    this.subscriptions.assignFromUser(partitions);
    this.fetcher.dropUnfetchable();
    this.client.metadata.setTopics(new Set(partitions.map((tp) => tp.topic)));
    this.client.metadata.maybeUpdate();
  }

  /** Drops the subscription or assignment; a group member gives up its partitions and leaves. */
  async unsubscribe(): Promise<void> {
    this.checkOpen();
    const subs = this.subscriptions;
    if (this.coordinator && subs.hasAutoAssignedPartitions) {
      const owned = subs.assignedPartitions();
      if (owned.length > 0 && this.listener?.onPartitionsRevoked) await this.listener.onPartitionsRevoked(owned);
      await this.coordinator.leaveGroup('the consumer unsubscribed from all topics');
    }
    subs.unsubscribe();
    this.fetcher.dropUnfetchable();
    this.client.metadata.allTopics = false;
    this.client.metadata.setTopics([]);
  }

  /** The partitions currently assigned to this consumer. */
  assignment(): TopicPartition[] {
    return this.subscriptions.assignedPartitions();
  }

  /** The topics subscribed to (for a pattern, those it matches now). */
  subscription(): string[] {
    return [...this.subscriptions.subscription].sort(compareStrings);
  }

  // --- polling -------------------------------------------------------------------------

  /**
   * Returns the records fetched since the last poll, up to max.poll.records,
   * waiting up to `timeoutMs` for some to arrive. Joins the group and
   * rebalances when needed, calling the rebalance listener from here.
   */
  poll(timeoutMs = 0): Promise<ConsumerRecords<K, V>> {
    this.checkOpen();
    if (this.polling) throw new IllegalStateError('poll() is already running: a consumer is not safe for concurrent polls');
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new RangeError(`Timeout must not be negative, got ${timeoutMs}`);
    if (this.closing) return this.pollWhileClosing(Date.now() + timeoutMs);
    // An error reaches the application after a turn of the event loop: one thrown again on every poll
    // (a position with no offset and auto.offset.reset=none) must not make a loop of polls run on
    // promises alone, starving the I/O and timers of the whole process.
    const run = this.pollOnce(Date.now() + timeoutMs)
      .catch((e: unknown) => new Promise<never>((_, reject) => setImmediate(() => reject(e))))
      .finally(() => (this.polling = null));
    this.polling = run;
    return run;
  }

  /**
   * A poll while close() runs waits for the close (up to its timeout, and at
   * least one turn of the event loop) rather than returning at once: a loop
   * of polls would otherwise run on promises alone and starve the very I/O
   * the close waits for (LeaveGroup, the last commit), forever.
   */
  private async pollWhileClosing(deadline: number): Promise<ConsumerRecords<K, V>> {
    await raceDeadline(this.closeDone!, deadline);
    return ConsumerRecords.empty();
  }

  private async pollOnce(deadline: number): Promise<ConsumerRecords<K, V>> {
    const subs = this.subscriptions;
    if (subs.type === 'NONE') throw new IllegalStateError('Consumer is not subscribed to any topics or assigned any partitions');
    for (;;) {
      this.signaled = false;
      if (this.closing) return ConsumerRecords.empty();
      this.checkWakeup();
      if (subs.type === 'AUTO_PATTERN' && this.patternMetadataVersion < 0) {
        // The pattern's topics must be known before the first JoinGroup.
        const r = await raceDeadline(this.client.metadata.update(), deadline);
        if (r === TIMED_OUT) return ConsumerRecords.empty();
      }
      if (this.coordinator) await this.coordinator.poll(deadline);
      await this.updateFetchPositions(deadline);
      this.validator.throwIfFailed();
      const records = this.fetcher.collect(this.config['max.poll.records'], this.keyDeserializer, this.valueDeserializer);
      // Send the next fetches before the application works on these (pipelining).
      this.fetcher.sendFetches();
      if (records.count > 0) return this.onConsume(records);
      if (Date.now() >= deadline) return records;
      await this.waitForSignal(deadline);
    }
  }

  /** Iterates over records one by one, polling as needed, until the consumer is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<K, V>> {
    while (!this.closing && !this.closed) {
      const records = await this.poll(1000);
      for (const record of records) {
        yield record;
        if (this.closing) return;
      }
    }
  }

  /** Makes a running (or the next) poll() throw WakeupError. */
  wakeup(): void {
    this.wakeupRequested = true;
    this.signal();
  }

  private checkWakeup(): void {
    if (this.wakeupRequested) {
      this.wakeupRequested = false;
      throw new WakeupError();
    }
  }

  private signal(): void {
    this.signaled = true;
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private waitForSignal(deadline: number): Promise<void> {
    // Signalled already: go round again, but after the event loop's I/O (a signal raised on every
    // turn, by a request that fails at once, must not keep poll() running on promises alone).
    if (this.signaled) return new Promise<void>((resolve) => setImmediate(resolve));
    return new Promise<void>((resolve) => {
      const timer = setTimeout(
        () => {
          this.waiter = null;
          resolve();
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Positions for partitions that have none: committed offsets, else auto.offset.reset (in the background, bounded by the poll). */
  private async updateFetchPositions(deadline: number): Promise<void> {
    // Positions under a leader that changed, or that came with an epoch, are checked first (KIP-320).
    this.validator.validatePositionsIfNeeded();
    const subs = this.subscriptions;
    if (subs.partitionsNeedingPosition().length === 0 && subs.partitionsNeedingReset().length === 0) return;
    this.positionsTask ??= this.resolvePositions(Math.max(deadline, Date.now() + this.config['default.api.timeout.ms'])).finally(() => {
      this.positionsTask = null;
      this.signal();
    });
    const r = await raceDeadline(this.positionsTask, deadline);
    if (r !== TIMED_OUT && r.error) throw r.error;
  }

  private async resolvePositions(deadline: number): Promise<void> {
    const subs = this.subscriptions;
    const missing = subs.partitionsNeedingPosition();
    if (missing.length > 0) {
      const epochs = new Map(missing.map((s) => [s, s.epoch]));
      const committed = this.coordinator ? await this.coordinator.fetchCommittedOffsets(missing, deadline) : new Map<string, TopicPartitionOffset>();
      const noOffset: TopicPartition[] = [];
      for (const s of missing) {
        if (epochs.get(s) !== s.epoch || s.position !== null) continue; // sought meanwhile
        const c = committed.get(tpKey(s.topic, s.partition));
        if (c) s.seekUnvalidated(c.offset, c.leaderEpoch);
        else if (subs.defaultResetStrategy === 'none') noOffset.push(s);
        else s.requestReset(subs.defaultResetStrategy);
      }
      if (noOffset.length > 0) {
        throw new NoOffsetForPartitionError(noOffset.map((s) => ({ topic: s.topic, partition: s.partition })));
      }
    }
    await this.fetcher.resetPositions(deadline);
  }

  private onConsume(records: ConsumerRecords<K, V>): ConsumerRecords<K, V> {
    let out = records;
    for (const interceptor of this.interceptors) {
      if (!interceptor.onConsume) continue;
      try {
        out = interceptor.onConsume(out) ?? out;
      } catch (e) {
        this.log('warn', `Error executing interceptor onConsume callback: ${(e as Error).message}`);
      }
    }
    return out;
  }

  private onCommitted(offsets: readonly TopicPartitionOffset[]): void {
    for (const interceptor of this.interceptors) {
      if (!interceptor.onCommit) continue;
      try {
        interceptor.onCommit(offsets);
      } catch (e) {
        this.log('warn', `Error executing interceptor onCommit callback: ${(e as Error).message}`);
      }
    }
  }

  private onMetadataUpdate(): void {
    const subs = this.subscriptions;
    if (subs.type !== 'AUTO_PATTERN' || !this.coordinator) return;
    const cluster = this.client.metadata.cluster;
    if (cluster.topics.size === 0 && this.client.metadata.updateVersion === 0) return;
    this.patternMetadataVersion = this.client.metadata.updateVersion;
    const matching = new Set<string>();
    for (const t of cluster.topics.values()) {
      if (t.errorCode !== ErrorCode.NONE) continue;
      if (this.config['exclude.internal.topics'] && t.isInternal) continue;
      if (subs.matches(t.name)) matching.add(t.name);
    }
    if (subs.changeSubscription(matching))
      this.coordinator.requestRejoin(`pattern ${subs.pattern} now matches ${[...matching].sort().join(', ') || 'nothing'}`);
  }

  // --- offsets ---------------------------------------------------------------------------

  private requireGroup(): ConsumerCoordinator {
    if (!this.coordinator)
      throw new KafkaClientError('To use group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.');
    return this.coordinator;
  }

  /**
   * Commits offsets (by default the position of every assigned partition:
   * what the last poll returned), retrying until it succeeds, fails for good
   * or `timeoutMs` (default.api.timeout.ms) passes.
   */
  async commitSync(offsets?: readonly TopicPartitionOffset[], timeoutMs = this.config['default.api.timeout.ms']): Promise<void> {
    this.checkOpen();
    const coordinator = this.requireGroup();
    await coordinator.awaitAutoCommit();
    await coordinator.commitSync(offsets ?? this.subscriptions.allConsumed(), Date.now() + timeoutMs);
  }

  /**
   * Commits without retrying. The outcome goes to `callback`; the returned
   * promise never rejects: it resolves to the error (or null), so an ignored
   * commitAsync never becomes an unhandled rejection.
   */
  commitAsync(offsets?: readonly TopicPartitionOffset[] | null, callback?: CommitCallback): Promise<Error | null> {
    this.checkOpen();
    const coordinator = this.requireGroup();
    const list = offsets ?? this.subscriptions.allConsumed();
    if (list.length === 0) {
      callback?.(null, list);
      return Promise.resolve(null);
    }
    return coordinator.commitOnce(list, Date.now() + this.config['default.api.timeout.ms']).then(
      () => {
        callback?.(null, list);
        return null;
      },
      (e: Error) => {
        if (callback) callback(e, list);
        else this.log('warn', `commitAsync failed: ${e.message}`);
        return e;
      },
    );
  }

  /** The last committed offsets of partitions (offset null where the group has none). */
  async committed(partitions: readonly TopicPartition[], timeoutMs = this.config['default.api.timeout.ms']): Promise<CommittedOffset[]> {
    this.checkOpen();
    const found = await this.requireGroup().fetchCommittedOffsets(partitions, Date.now() + timeoutMs);
    return partitions.map((tp) => {
      const c = found.get(tpKey(tp.topic, tp.partition));
      return c
        ? { topic: tp.topic, partition: tp.partition, offset: c.offset, metadata: c.metadata ?? null, leaderEpoch: c.leaderEpoch }
        : { topic: tp.topic, partition: tp.partition, offset: null, metadata: null };
    });
  }

  /**
   * Moves the position of an assigned partition: the next poll returns records from `offset` on.
   * With the leader epoch of the record before it (a committed offset's), the position is first
   * checked against the leader's log, which may have been truncated below it (KIP-320).
   */
  seek(partition: TopicPartition, offset: number | { offset: number; leaderEpoch?: number }): void {
    this.checkOpen();
    const o = typeof offset === 'number' ? { offset } : offset;
    if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw new RangeError(`seek offset must not be a negative number, got ${o.offset}`);
    this.subscriptions.assignedState(partition).seekUnvalidated(o.offset, o.leaderEpoch);
  }

  /** The next poll starts at each partition's first offset (all assigned partitions by default); evaluated lazily. */
  seekToBeginning(partitions?: readonly TopicPartition[]): void {
    this.checkOpen();
    for (const tp of partitions ?? this.subscriptions.assignedPartitions()) this.subscriptions.assignedState(tp).requestReset('earliest');
  }

  /** The next poll starts at each partition's end (the last stable offset for read_committed); evaluated lazily. */
  seekToEnd(partitions?: readonly TopicPartition[]): void {
    this.checkOpen();
    for (const tp of partitions ?? this.subscriptions.assignedPartitions()) this.subscriptions.assignedState(tp).requestReset('latest');
  }

  /** The offset of the next record poll() will return for an assigned partition, resolving it first if needed. */
  async position(partition: TopicPartition, timeoutMs = this.config['default.api.timeout.ms']): Promise<number> {
    this.checkOpen();
    const state = this.subscriptions.assignedState(partition);
    const deadline = Date.now() + timeoutMs;
    while (!state.hasValidPosition) {
      if (Date.now() >= deadline)
        throw new TimeoutError(
          `Timeout of ${timeoutMs}ms expired before the position for partition ${partition.topic}-${partition.partition} could be determined`,
        );
      await this.updateFetchPositions(deadline);
      if (!this.subscriptions.isAssigned(partition))
        throw new IllegalStateError(`No current assignment for partition ${partition.topic}-${partition.partition}`);
    }
    return state.position!;
  }

  /**
   * For each partition, the earliest offset whose record timestamp is at or
   * after the given timestamp (null when there is none), as ListOffsets finds it.
   */
  async offsetsForTimes(
    query: ReadonlyArray<TopicPartition & { timestamp: number }>,
    timeoutMs = this.config['default.api.timeout.ms'],
  ): Promise<OffsetForTime[]> {
    this.checkOpen();
    const seen = new Set<string>();
    for (const q of query) {
      if (!Number.isSafeInteger(q.timestamp) || q.timestamp < 0)
        throw new RangeError(`The target time for partition ${q.topic}-${q.partition} is ${q.timestamp}. The target time cannot be negative.`);
      const key = tpKey(q.topic, q.partition);
      if (seen.has(key)) throw new RangeError(`partition ${q.topic}-${q.partition} is asked for more than once`);
      seen.add(key);
    }
    const found = await this.fetcher.listOffsets(query, Date.now() + timeoutMs);
    return query.map((q) => {
      const r = found.get(tpKey(q.topic, q.partition));
      return r && r.offset >= 0
        ? { topic: q.topic, partition: q.partition, offset: r.offset, timestamp: r.timestamp, leaderEpoch: r.leaderEpoch }
        : { topic: q.topic, partition: q.partition, offset: null, timestamp: null };
    });
  }

  /** The first offset of each partition (the log start offset). */
  async beginningOffsets(partitions: readonly TopicPartition[], timeoutMs = this.config['default.api.timeout.ms']): Promise<TopicPartitionOffset[]> {
    return this.listAt(partitions, -2, timeoutMs);
  }

  /** The end offset of each partition: the high watermark, or the last stable offset with read_committed. */
  async endOffsets(partitions: readonly TopicPartition[], timeoutMs = this.config['default.api.timeout.ms']): Promise<TopicPartitionOffset[]> {
    return this.listAt(partitions, -1, timeoutMs);
  }

  private async listAt(partitions: readonly TopicPartition[], timestamp: number, timeoutMs: number): Promise<TopicPartitionOffset[]> {
    this.checkOpen();
    const found = await this.fetcher.listOffsets(
      partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, timestamp })),
      Date.now() + timeoutMs,
    );
    return partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: found.get(tpKey(tp.topic, tp.partition))!.offset }));
  }

  // --- flow control ----------------------------------------------------------------------

  /** Stops fetching from these assigned partitions until resume(); buffered records of them are dropped (re-fetched later). */
  pause(partitions: readonly TopicPartition[]): void {
    this.checkOpen();
    for (const tp of partitions) this.subscriptions.assignedState(tp).paused = true;
    this.fetcher.dropUnfetchable();
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.checkOpen();
    for (const tp of partitions) this.subscriptions.assignedState(tp).paused = false;
    this.signal();
  }

  /** The partitions paused now. */
  paused(): TopicPartition[] {
    return this.subscriptions.partitions.filter((s) => s.paused).map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  // --- metadata --------------------------------------------------------------------------

  /** The partitions of a topic, with their leaders (Kafka's partitionsFor). */
  async partitionsFor(
    topic: string,
    timeoutMs = this.config['default.api.timeout.ms'],
  ): Promise<Array<{ topic: string; partition: number; leader: number; replicas: readonly number[]; isr: readonly number[] }>> {
    this.checkOpen();
    const t = await this.client.metadata.waitForTopic(topic, timeoutMs);
    return t.partitions.map((p) => ({ topic: p.topic, partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr }));
  }

  /** Every topic the cluster has (internal ones included unless exclude.internal.topics), with its partition count. */
  async listTopics(timeoutMs = this.config['default.api.timeout.ms']): Promise<Map<string, number>> {
    this.checkOpen();
    const node = this.client.leastLoadedNode();
    if (node === undefined) throw new TimeoutError('no broker available to list topics');
    const response = await withTimeout(
      this.client.send(node, Api.Metadata, (version: number) => ({
        topics: version === 0 ? [] : null,
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      })),
      timeoutMs,
      `Timeout of ${timeoutMs}ms expired listing topics`,
    );
    const out = new Map<string, number>();
    for (const t of response.topics) {
      if (t.errorCode !== ErrorCode.NONE) throw kafkaErrorFor(t.errorCode, `listing topic ${t.name}`);
      // Names are null only for topics asked for by id, which this request does not do.
      if (t.name === null || (this.config['exclude.internal.topics'] && t.isInternal)) continue;
      out.set(t.name, t.partitions.length);
    }
    return new Map([...out].sort(([a], [b]) => compareStrings(a, b)));
  }

  /** This member's group, generation and member id. */
  groupMetadata(): ConsumerGroupMetadata {
    const c = this.requireGroup();
    return { groupId: c.groupId, generationId: c.generationId, memberId: c.memberId, groupInstanceId: this.config['group.instance.id'] };
  }

  // --- closing -----------------------------------------------------------------------------

  /**
   * Commits (with enable.auto.commit), gives up the partitions through the
   * rebalance listener, leaves the group (another member takes over at once)
   * and closes the connections. A running poll() returns empty first.
   */
  close(timeoutMs = 30_000): Promise<void> {
    return (this.closeDone ??= this.closeNow(timeoutMs));
  }

  private async closeNow(timeoutMs: number): Promise<void> {
    this.closing = true;
    this.signal();
    const deadline = Date.now() + timeoutMs;
    try {
      this.fetcher.close();
      this.validator.close();
      if (this.polling) await raceDeadline(this.polling, deadline);
      if (this.positionsTask) await raceDeadline(this.positionsTask, Math.min(deadline, Date.now() + 1000));
      if (this.coordinator) await this.coordinator.close(deadline);
    } finally {
      this.closed = true;
      this.removeMetadataListener();
      for (const interceptor of this.interceptors) {
        try {
          interceptor.close?.();
        } catch (e) {
          this.log('warn', `interceptor close failed: ${(e as Error).message}`);
        }
      }
      this.keyDeserializer.close?.();
      if (this.valueDeserializer !== (this.keyDeserializer as unknown)) this.valueDeserializer.close?.();
      this.client.close();
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new ClientClosedError('This consumer has already been closed.');
  }
}
