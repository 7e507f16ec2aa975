import { ErrorCode, errorName } from '../../protocol/error-codes.js';
import type { MessageData } from '../../protocol/schema/message-types.js';
import { type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import { Api } from '../network/apis.js';
import { isRetriableCode, KafkaApiError, kafkaErrorFor, TimeoutError } from '../network/errors.js';
import type { NetworkClient } from '../network/network-client.js';
import { sleepWithin } from '../network/timing.js';
import { CompletedFetch } from './completed-fetch.js';
import type { ConsumerConfig } from './consumer-config.js';
import { type ConsumerRecord, ConsumerRecords } from './consumer-records.js';
import type { Deserializer } from './deserializers.js';
import { OffsetOutOfRangeConsumerError } from './errors.js';
import type { PartitionState, SubscriptionState } from './subscription-state.js';

/** Fetch v13+ names topics by id; v12 is the newest that names them, which is all this client needs. */
const FETCH_MAX_VERSION = 12;
const EARLIEST_TIMESTAMP = -2;
const LATEST_TIMESTAMP = -1;

/** Responses buffered per partition before it is fetched no further (the one being read and one ahead). */
const MAX_BUFFERED_FETCHES = 2;

/**
 * Codes that mean the leader moved or the topic is not (yet) known: refresh metadata and fetch
 * again (Java's Fetcher). FENCED_LEADER_EPOCH: the broker knows a newer leader epoch than ours.
 */
const STALE_METADATA = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
]);

export interface FetcherContext {
  readonly config: ConsumerConfig;
  readonly client: NetworkClient;
  readonly subscriptions: SubscriptionState;
  /** Wakes a waiting poll(): data arrived. */
  wake(): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

export interface ListedOffset {
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch: number | undefined;
}

/**
 * Fetches records for the assigned partitions (Kafka's Fetcher): one Fetch
 * in flight per leader at a time, for the fetchable partitions with nothing
 * buffered; responses are kept as CompletedFetches and handed out by poll()
 * up to max.poll.records. Also resolves positions through ListOffsets
 * (auto.offset.reset, seekToBeginning/End) and answers offsetsForTimes.
 */
export class Fetcher {
  private readonly completed: CompletedFetch[] = [];
  private nextInLine: CompletedFetch | null = null;
  private readonly inFlight = new Set<number>();
  /** An error a fetch response raised, thrown by the next poll(). */
  private pendingError: Error | null = null;
  private closed = false;

  /** Stops fetching (the consumer is closing). */
  close(): void {
    this.closed = true;
  }

  constructor(private readonly ctx: FetcherContext) {}

  /** Whether records wait to be handed out. */
  hasBuffered(): boolean {
    return (this.nextInLine !== null && !this.nextInLine.consumed) || this.completed.length > 0;
  }

  /** Per partition with buffered records: how many fetches wait and where the last one ends. */
  private bufferedPartitions(): Map<string, { count: number; endOffset: number }> {
    const out = new Map<string, { count: number; endOffset: number }>();
    const add = (c: CompletedFetch) => {
      const key = tpKey(c.topic, c.partition);
      const known = out.get(key);
      if (known) {
        known.count++;
        known.endOffset = c.endOffset;
      } else out.set(key, { count: 1, endOffset: c.endOffset });
    };
    if (this.nextInLine && !this.nextInLine.consumed) add(this.nextInLine);
    for (const c of this.completed) add(c);
    return out;
  }

  /** Drops buffered records of partitions that are no longer fetchable (revoked, paused). */
  dropUnfetchable(): void {
    const subs = this.ctx.subscriptions;
    const keep = (c: CompletedFetch) => subs.state(c)?.isFetchable === true;
    if (this.nextInLine && !keep(this.nextInLine)) this.nextInLine = null;
    for (let i = this.completed.length - 1; i >= 0; i--) if (!keep(this.completed[i]!)) this.completed.splice(i, 1);
  }

  /**
   * Sends a Fetch to every leader that has fetchable partitions and no fetch
   * in flight. A partition with one response still buffered is fetched from
   * where that response ends (prefetch: the broker reads the next records
   * while the application works on these); with two it waits.
   */
  sendFetches(): void {
    if (this.closed) return;
    const { client, config, subscriptions } = this.ctx;
    const cluster = client.metadata.cluster;
    const buffered = this.bufferedPartitions();
    const byNode = new Map<number, Array<{ state: PartitionState; offset: number }>>();
    let missingLeader = false;
    for (const state of subscriptions.fetchablePartitions()) {
      const pending = buffered.get(tpKey(state.topic, state.partition));
      if (pending && pending.count >= MAX_BUFFERED_FETCHES) continue;
      const offset = pending ? pending.endOffset : state.position!;
      const leader = cluster.leaderFor(state.topic, state.partition);
      if (leader < 0) {
        missingLeader = true;
        continue;
      }
      if (this.inFlight.has(leader)) continue;
      let list = byNode.get(leader);
      if (!list) byNode.set(leader, (list = []));
      list.push({ state, offset });
    }
    if (missingLeader) {
      client.metadata.add(...new Set(subscriptions.partitions.map((s) => s.topic)));
      client.metadata.requestUpdate();
      client.metadata.maybeUpdate();
    }
    const readCommitted = config['isolation.level'] === 'read_committed';
    for (const [node, wanted] of byNode) {
      const sent = wanted.map((w) => ({ state: w.state, offset: w.offset, epoch: w.state.epoch }));
      const byTopic = new Map<string, typeof sent>();
      for (const entry of sent) {
        let list = byTopic.get(entry.state.topic);
        if (!list) byTopic.set(entry.state.topic, (list = []));
        list.push(entry);
      }
      const body = {
        replicaId: -1,
        maxWaitMs: config['fetch.max.wait.ms'],
        minBytes: config['fetch.min.bytes'],
        maxBytes: config['fetch.max.bytes'],
        isolationLevel: readCommitted ? 1 : 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...byTopic].map(([topic, list]) => ({
          topic,
          partitions: list.map((e) => ({
            partition: e.state.partition,
            // KIP-320: a broker that knows a newer epoch answers FENCED_LEADER_EPOCH, one behind us UNKNOWN_LEADER_EPOCH.
            currentLeaderEpoch: e.state.currentLeaderEpoch ?? -1,
            fetchOffset: e.offset,
            lastFetchedEpoch: -1,
            logStartOffset: -1,
            partitionMaxBytes: config['max.partition.fetch.bytes'],
          })),
        })),
        forgottenTopicsData: [],
        rackId: config['client.rack'],
      };
      this.inFlight.add(node);
      let healthy = false;
      client
        .send(node, Api.Fetch, body, { maxVersion: FETCH_MAX_VERSION, timeoutMs: config['request.timeout.ms'] + config['fetch.max.wait.ms'] })
        .then(
          (response) => (healthy = this.onFetchResponse(response, sent, readCommitted)),
          (error: Error) => {
            this.ctx.log('debug', `fetch from node ${node} failed: ${error.message}`);
            client.metadata.requestUpdate();
          },
        )
        .finally(() => {
          // Keep the pipeline full: ask again at once (bounded by MAX_BUFFERED_FETCHES per partition),
          // or after retry.backoff.ms when the broker answered with an error or could not be asked. The
          // node counts as busy until then: a fetch that fails at once (a leader missing from the
          // metadata) would otherwise be sent again by every turn of poll(), never leaving the event
          // loop a turn for the metadata that would fix it.
          if (healthy) {
            this.inFlight.delete(node);
            this.sendFetches();
          } else {
            setTimeout(() => {
              this.inFlight.delete(node);
              this.sendFetches();
              this.ctx.wake();
            }, config['retry.backoff.ms']).unref();
          }
          this.ctx.wake();
        });
    }
  }

  /** Buffers the records of a response; false when some partition answered with an error. */
  private onFetchResponse(
    response: MessageData<typeof Api.Fetch.response>,
    sent: Array<{ state: PartitionState; offset: number; epoch: number }>,
    readCommitted: boolean,
  ): boolean {
    let healthy = response.errorCode === ErrorCode.NONE;
    const { subscriptions, client, config } = this.ctx;
    const requested = new Map(sent.map((e) => [tpKey(e.state.topic, e.state.partition), e]));
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const key = tpKey(topic.topic, p.partitionIndex);
        const name = `${topic.topic}-${p.partitionIndex}`; // as Java's TopicPartition prints
        const request = requested.get(key);
        if (!request) continue;
        const state = subscriptions.state(request.state);
        // Revoked, paused or moved by a seek since the fetch was sent: the data is stale. (Whether it
        // follows on from the position is checked when poll() reaches it: it may be a prefetch.)
        if (!state || state !== request.state || state.epoch !== request.epoch || !state.isFetchable) continue;
        const code = p.errorCode;
        if (code !== 0) healthy = false;
        if (code === ErrorCode.NONE) {
          if (p.highWatermark >= 0) state.highWatermark = p.highWatermark;
          if (p.logStartOffset >= 0) state.logStartOffset = p.logStartOffset;
          if (p.lastStableOffset >= 0) state.lastStableOffset = p.lastStableOffset;
          const records = p.records;
          if (records === null || records.length === 0) continue;
          const fetch = new CompletedFetch(state.topic, state.partition, request.offset, request.epoch, records, {
            readCommitted,
            checkCrcs: config['check.crcs'],
            abortedTransactions: p.abortedTransactions,
          });
          if (fetch.hasBatches) this.completed.push(fetch);
        } else if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
          // OFFSET_OUT_OF_RANGE (of the position itself, not of a prefetch): reset by auto.offset.reset, or report it.
          if (state.position !== request.offset) continue;
          const strategy = subscriptions.defaultResetStrategy;
          if (strategy === 'none')
            this.pendingError ??= new OffsetOutOfRangeConsumerError([{ topic: state.topic, partition: state.partition, offset: request.offset }]);
          else {
            this.ctx.log('info', `fetch position ${request.offset} is out of range for ${name}; resetting to ${strategy}`);
            state.requestReset(strategy);
          }
        } else if (STALE_METADATA.has(code)) {
          this.ctx.log('debug', `fetch of ${name} answered ${errorName(code)}: refreshing metadata`);
          client.metadata.requestUpdate();
        } else if (code === ErrorCode.UNKNOWN_LEADER_EPOCH) {
          // Our metadata is ahead of the broker's: it will catch up; fetch again after the backoff.
          this.ctx.log('debug', `fetch of ${name}: the broker does not know leader epoch ${state.currentLeaderEpoch} yet`);
        } else if (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED) {
          this.pendingError ??= kafkaErrorFor(code, `not authorized to read topic ${state.topic}`);
        } else {
          this.ctx.log('warn', `fetch of ${name} answered ${kafkaErrorFor(code).message}`);
        }
      }
    }
    return healthy;
  }

  /**
   * Hands out up to `max` buffered records, moving each partition's position
   * past what it returns. A record that cannot be read is thrown only when
   * nothing was collected before it (the next fetch meets it again).
   */
  collect<K, V>(max: number, keys: Deserializer<K>, values: Deserializer<V>): ConsumerRecords<K, V> {
    if (this.pendingError) {
      const e = this.pendingError;
      this.pendingError = null;
      throw e;
    }
    const subs = this.ctx.subscriptions;
    const out = new Map<string, ConsumerRecord<K, V>[]>();
    let remaining = max;
    let collected = 0;
    while (remaining > 0) {
      let fetch = this.nextInLine;
      if (fetch === null || fetch.consumed) {
        fetch = this.completed.shift() ?? null;
        this.nextInLine = fetch;
        if (fetch === null) break;
      }
      const state = subs.state(fetch);
      if (!state?.isFetchable || state.epoch !== fetch.stateEpoch || state.position !== fetch.nextFetchOffset) {
        this.nextInLine = null;
        continue;
      }
      const key = tpKey(fetch.topic, fetch.partition);
      let list = out.get(key);
      const fresh = list === undefined;
      if (!list) list = [];
      let taken: number;
      try {
        taken = fetch.take(remaining, keys, values, list);
      } catch (e) {
        this.nextInLine = null;
        if (collected > 0) break;
        throw e;
      }
      if (fresh && list.length > 0) out.set(key, list);
      state.position = fetch.nextFetchOffset;
      if (taken > 0) state.positionEpoch = fetch.lastEpoch;
      remaining -= taken;
      collected += taken;
    }
    return new ConsumerRecords(out);
  }

  /** Resolves pending resets (auto.offset.reset, seekToBeginning/End) with ListOffsets. */
  async resetPositions(deadline: number): Promise<void> {
    const pending = this.ctx.subscriptions.partitionsNeedingReset();
    if (pending.length === 0) return;
    const queries = pending.map((s) => ({ state: s, epoch: s.epoch, timestamp: s.pendingReset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP }));
    const found = await this.listOffsets(
      queries.map((q) => ({ topic: q.state.topic, partition: q.state.partition, timestamp: q.timestamp })),
      deadline,
    );
    for (const q of queries) {
      const r = found.get(tpKey(q.state.topic, q.state.partition));
      // A seek since the request was sent wins.
      if (!r || q.state.epoch !== q.epoch || q.state.pendingReset === null) continue;
      q.state.seekUnvalidated(r.offset, r.leaderEpoch);
    }
  }

  /**
   * ListOffsets for each partition at a timestamp (-2 earliest, -1 latest),
   * sent to the partitions' leaders and retried on retriable errors until the
   * deadline. The offset is -1 when no record has a timestamp at or after the
   * one asked for.
   */
  async listOffsets(queries: ReadonlyArray<TopicPartition & { timestamp: number }>, deadline: number): Promise<Map<string, ListedOffset>> {
    const { client, config } = this.ctx;
    const metadata = client.metadata;
    const result = new Map<string, ListedOffset>();
    let remaining = [...queries];
    const isolationLevel = config['isolation.level'] === 'read_committed' ? 1 : 0;
    for (;;) {
      const topics = [...new Set(remaining.map((q) => q.topic))];
      for (const topic of topics) {
        const left = deadline - Date.now();
        if (left <= 0) throw new TimeoutError(`Failed to get offsets by times in ${Math.max(0, deadline - Date.now())} ms`);
        await metadata.waitForTopic(topic, left);
      }
      const cluster = metadata.cluster;
      const byNode = new Map<number, Array<TopicPartition & { timestamp: number }>>();
      let retry: Error | null = null;
      for (const q of remaining) {
        const leader = cluster.leaderFor(q.topic, q.partition);
        if (leader < 0) {
          const known = cluster.partitionsFor(q.topic);
          if (known && q.partition >= known.length)
            throw kafkaErrorFor(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${q.topic}-${q.partition} does not exist`);
          retry = kafkaErrorFor(ErrorCode.LEADER_NOT_AVAILABLE, `no leader for ${q.topic}-${q.partition}`);
          continue;
        }
        let list = byNode.get(leader);
        if (!list) byNode.set(leader, (list = []));
        list.push(q);
      }
      const failed: Array<TopicPartition & { timestamp: number }> = [];
      await Promise.all(
        [...byNode].map(async ([node, list]) => {
          const byTopic = new Map<string, Array<TopicPartition & { timestamp: number }>>();
          for (const q of list) {
            let l = byTopic.get(q.topic);
            if (!l) byTopic.set(q.topic, (l = []));
            l.push(q);
          }
          const body = {
            replicaId: -1,
            isolationLevel,
            topics: [...byTopic].map(([name, l]) => ({
              name,
              partitions: l.map((q) => ({
                partitionIndex: q.partition,
                currentLeaderEpoch: cluster.topic(q.topic)?.partitions[q.partition]?.leaderEpoch ?? -1,
                timestamp: q.timestamp,
                maxNumOffsets: 1,
              })),
            })),
            timeoutMs: config['request.timeout.ms'],
          };
          let response: MessageData<typeof Api.ListOffsets.response>;
          try {
            response = await client.send(node, Api.ListOffsets, body);
          } catch (e) {
            retry = e as Error;
            failed.push(...list);
            return;
          }
          const asked = new Map(list.map((q) => [tpKey(q.topic, q.partition), q]));
          for (const t of response.topics) {
            for (const p of t.partitions) {
              const key = tpKey(t.name, p.partitionIndex);
              const q = asked.get(key);
              if (!q) continue;
              asked.delete(key);
              if (p.errorCode === ErrorCode.NONE) {
                result.set(key, { offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch >= 0 ? p.leaderEpoch : undefined });
              } else if (isRetriableCode(p.errorCode)) {
                retry = kafkaErrorFor(p.errorCode, `ListOffsets of ${key}`);
                if (STALE_METADATA.has(p.errorCode)) metadata.requestUpdate();
                failed.push(q);
              } else {
                throw kafkaErrorFor(p.errorCode, `ListOffsets of ${key}`);
              }
            }
          }
          failed.push(...asked.values());
        }),
      );
      remaining = [...failed, ...remaining.filter((q) => cluster.leaderFor(q.topic, q.partition) < 0)];
      if (remaining.length === 0) return result;
      if (Date.now() >= deadline) {
        throw new TimeoutError(`Failed to get offsets in time${retry ? `: ${(retry as Error).message}` : ''}`);
      }
      if (retry instanceof KafkaApiError && !retry.retriable) throw retry;
      metadata.requestUpdate();
      await sleepWithin(config['retry.backoff.ms'], deadline);
      await metadata.update().catch(() => undefined);
    }
  }
}
