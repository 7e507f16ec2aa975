import { type PooledBytes, unpooled } from '../../../storage/backend/buffer-pool.js';
import type { AbortedTxn } from '../../../storage/log/transaction-index.js';
import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf, KafkaError } from '../../protocol/error-codes.js';
import { FetchRequest, FetchResponse } from '../../protocol/messages/fetch.js';
import type { Item, MessageData, MessageInput } from '../../protocol/schema/message-types.js';
import type { BrokerContext } from '../broker-context.js';
import type { BrokerMetrics } from '../http/broker-metrics.js';
import { type FetchSession, FINAL_EPOCH, INITIAL_EPOCH, type SessionPartition } from '../replica/fetch-session-cache.js';
import type { Partition } from '../replica/partition.js';
import type { ApiHandler, RequestContext } from './api-handler.js';
import { authorized, clusterActionAuthorized } from './authorize.js';

const ZERO_UUID = Buffer.alloc(16);
const NO_RECORDS = unpooled(Buffer.alloc(0));
const READ_COMMITTED = 1;

type FetchedPartition = Item<Item<MessageInput<typeof FetchResponse>['responses']>['partitions']>;

interface PartitionRead {
  wanted: SessionPartition;
  partition: Partition | undefined;
  errorCode: number;
  /** What was read, owned by the handler until it hands it to the response (or releases a read it redoes). */
  records: PooledBytes;
  /** read_committed: the aborted transactions the records overlap. */
  aborted?: readonly AbortedTxn[];
  /** How far the reader could read when it read (-1 without a read). */
  end: number;
}

/** Who reads and how far: a follower to the log end, a consumer to the high watermark, or under read_committed to the last stable offset. */
enum Reader {
  Follower,
  Uncommitted,
  Committed,
}

/**
 * Fetch: returns stored batches as they are (slices of the log, never
 * re-encoded), up to the high watermark, or under READ_COMMITTED up to the
 * last stable offset with the aborted transactions the batches overlap
 * (consumers drop those transactions' records and every control batch).
 * Fewer than min_bytes waits in the replica manager until appends arrive or
 * max_wait_ms passes. Incremental
 * fetch sessions (KIP-227) let clients send and hear only what changed. The
 * bytes read go to the response's allowance (`carry`), so the connection
 * releases them once the socket has taken the response.
 */
export const fetchHandler: ApiHandler<typeof FetchRequest, typeof FetchResponse> = {
  request: FetchRequest,
  response: FetchResponse,
  // A follower's replication is exempt from request_percentage, as in Kafka (its consumer_byte_rate is not counted either).
  exemptFromRequestQuota: (request, apiVersion) => replicaIdOf(request, apiVersion) >= 0,
  async handle(request, ctx) {
    const broker = ctx.broker;
    const byId = ctx.apiVersion >= 13;
    let session: FetchSession | undefined;
    let wanted: Map<string, SessionPartition>;
    const requested = requestedPartitions(request, byId, broker);
    const sessionId = request.sessionId;
    const epoch = request.sessionEpoch;
    try {
      if (sessionId === 0 && epoch > 0) throw new KafkaError(ErrorCode.INVALID_FETCH_SESSION_EPOCH, 'an incremental fetch needs a session id');
      if (epoch === INITIAL_EPOCH || epoch === FINAL_EPOCH) {
        if (sessionId !== 0) broker.fetchSessions.remove(sessionId);
        wanted = requested;
        if (epoch === INITIAL_EPOCH && ctx.apiVersion >= 7) session = broker.fetchSessions.create(requested);
      } else {
        session = broker.fetchSessions.get(sessionId, epoch);
        for (const [key, p] of requested)
          session.partitions.set(key, {
            ...p,
            lastHighWatermark: session.partitions.get(key)?.lastHighWatermark ?? -1,
            lastLogStartOffset: session.partitions.get(key)?.lastLogStartOffset ?? -1,
          });
        for (const forgotten of request.forgottenTopicsData) {
          const name = byId ? (broker.replicas.topicName(forgotten.topicId) ?? `id:${forgotten.topicId.toString('hex')}`) : forgotten.topic;
          for (const p of forgotten.partitions) session.partitions.delete(`${name}-${p}`);
        }
        session.epoch++;
        wanted = session.partitions;
      }
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: errorCodeOf(e), sessionId: 0, responses: [] };
    }

    // A follower reads to the log end, not the high watermark.
    const replicaId = replicaIdOf(request, ctx.apiVersion);
    const maxBytes = Math.min(request.maxBytes, broker.config.int('fetch.max.bytes'));
    const readCommitted = request.isolationLevel === READ_COMMITTED;
    const reader = replicaId >= 0 ? Reader.Follower : readCommitted ? Reader.Committed : Reader.Uncommitted;
    const minBytes = request.minBytes;
    const maxWaitMs = request.maxWaitMs;
    const deadline = Date.now() + maxWaitMs;
    const partitions = [...wanted.values()];
    const denied = deniedTopics(ctx, partitions, replicaId);
    // A long poll with nothing to read waits holding no response memory; reading reserves the response's bytes first.
    if (minBytes > 0 && maxWaitMs > 0 && denied.size === 0 && nothingToRead(partitions, reader, broker)) {
      if (replicaId >= 0) recordFollowerPositions(partitions, replicaId, broker); // the follower's position counts now, not after the wait
      await broker.replicas.waitForAppends(hosted(partitions, broker), minBytes, maxWaitMs, replicaId >= 0);
    }
    let reserved = await ctx.responseMemory.reserve(maxBytes, Math.max(0, deadline - Date.now()));
    let reads = await readAll(partitions, reserved ? maxBytes : 0, replicaId, reader, broker, denied);
    let bytes = bytesRead(reads);
    let waitLeft = deadline - Date.now();
    while (reserved && bytes < minBytes && waitLeft > 0 && !reads.some((r) => r.errorCode !== ErrorCode.NONE)) {
      // As Kafka's delayed fetch, the wait holds nothing: what was read goes back and is read again at its end.
      // (Holding max_bytes of the broker's budget for max_wait_ms let a few long polls starve every other fetch.)
      for (const r of reads) r.records.release(); // read again below: nothing refers to these bytes
      ctx.responseMemory.giveBack();
      // A read_committed reader whose last stable offset moved while it read reads again at once: the move's wake-up came before it waited.
      const moved = reader === Reader.Committed && reads.some((r) => r.partition && readableEnd(r.partition, reader) !== r.end);
      const seen = moved ? 1 : await broker.replicas.waitForAppends(hosted(partitions, broker), minBytes - bytes, waitLeft, replicaId >= 0);
      reserved = await ctx.responseMemory.reserve(maxBytes, Math.max(0, deadline - Date.now()));
      reads = await readAll(partitions, reserved ? maxBytes : 0, replicaId, reader, broker, denied);
      bytes = bytesRead(reads);
      // Bytes that became visible are readable, except to a read_committed reader when they lie past the last stable offset: it waits on.
      if (reader !== Reader.Committed || seen === 0) break;
      waitLeft = deadline - Date.now();
    }

    // Responses group partitions by topic, in the order the partitions were asked for.
    const topics = new Map<string, { topic: string; topicId: Buffer; partitions: FetchedPartition[] }>();
    for (const read of reads) {
      const { wanted: w, partition } = read;
      const records = read.records.bytes;
      const highWatermark = partition?.highWatermark ?? -1;
      const logStartOffset = partition?.logStartOffset ?? -1;
      if (
        session &&
        epoch > 0 &&
        read.errorCode === ErrorCode.NONE &&
        records.length === 0 &&
        w.lastHighWatermark === highWatermark &&
        w.lastLogStartOffset === logStartOffset
      ) {
        read.records.release();
        continue; // nothing new for this partition: an incremental response leaves it out
      }
      w.lastHighWatermark = highWatermark;
      w.lastLogStartOffset = logStartOffset;
      const key = byId ? w.topicId.toString('hex') : w.topic;
      let topic = topics.get(key);
      if (!topic) topics.set(key, (topic = { topic: w.topic, topicId: w.topicId, partitions: [] }));
      topic.partitions.push({
        partitionIndex: w.partition,
        errorCode: read.errorCode,
        highWatermark,
        lastStableOffset: partition?.lastStableOffset ?? -1,
        logStartOffset,
        abortedTransactions: readCommitted ? (read.aborted?.map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset })) ?? []) : null,
        preferredReadReplica: -1,
        records,
      });
      ctx.responseMemory.carry(read.records); // the connection releases it once the socket has taken the response
      if (broker.metrics) countFetched(broker.metrics, w.topic, read, replicaId >= 0);
    }
    // A consumer's bytes count against its consumer_byte_rate quota (a follower's replication does not).
    const throttleTimeMs =
      replicaId < 0 ? broker.quotas.recordAndGetThrottleTimeMs('fetch', ctx.session.principal.name, ctx.clientId ?? '', bytesRead(reads), Date.now()) : 0;
    ctx.responseMemory.throttle(throttleTimeMs);
    return { throttleTimeMs, errorCode: ErrorCode.NONE, sessionId: session?.id ?? 0, responses: [...topics.values()] };
  },
};

/** A follower's fetch carries its broker id (in ReplicaState from v15); a consumer's, -1. */
function replicaIdOf(request: MessageData<typeof FetchRequest>, apiVersion: number): number {
  return apiVersion >= 15 ? (request.replicaState?.replicaId ?? -1) : request.replicaId;
}

function requestedPartitions(request: MessageData<typeof FetchRequest>, byId: boolean, broker: BrokerContext): Map<string, SessionPartition> {
  const out = new Map<string, SessionPartition>();
  for (const t of request.topics) {
    const name = byId ? (broker.replicas.topicName(t.topicId) ?? `id:${t.topicId.toString('hex')}`) : t.topic;
    for (const p of t.partitions) {
      out.set(`${name}-${p.partition}`, {
        topic: name,
        topicId: byId ? t.topicId : (broker.replicas.getPartition(name, p.partition)?.topicId ?? ZERO_UUID),
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        maxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        lastHighWatermark: -1,
        lastLogStartOffset: -1,
      });
    }
  }
  return out;
}

const NONE_DENIED: ReadonlySet<string> = new Set();

/** Topics the fetch may not read, answered TOPIC_AUTHORIZATION_FAILED: a consumer needs READ on each; a follower CLUSTER_ACTION, or it reads none. */
function deniedTopics(ctx: RequestContext, wanted: readonly SessionPartition[], replicaId: number): ReadonlySet<string> {
  if (!ctx.broker.authorizer) return NONE_DENIED;
  const topics = new Set(wanted.map((w) => w.topic).filter((t) => !t.startsWith('id:')));
  if (replicaId >= 0) return clusterActionAuthorized(ctx) ? NONE_DENIED : topics;
  return new Set([...topics].filter((t) => !authorized(ctx, AclOperation.READ, ResourceType.TOPIC, t)));
}

/** Kafka's BytesOut (ReplicationBytesOut for a follower) and failed fetches, per partition answered. */
function countFetched(metrics: BrokerMetrics, topic: string, read: PartitionRead, replica: boolean): void {
  if (read.errorCode === ErrorCode.NONE) metrics.fetched(topic, read.records.bytes.length, replica);
  else metrics.fetchFailed(topic, read.partition !== undefined);
}

/** The records bytes the reads hold together. */
function bytesRead(reads: readonly PartitionRead[]): number {
  return reads.reduce((n, r) => n + r.records.bytes.length, 0);
}

function hosted(wanted: readonly SessionPartition[], broker: BrokerContext): Partition[] {
  return wanted.map((w) => broker.replicas.getPartition(w.topic, w.partition)).filter((p): p is Partition => p !== undefined);
}

/**
 * A follower's fetch offsets are its log ends: the leader learns from them how far it got (and
 * may grow the ISR or the high watermark). A partition refusing the follower is answered with
 * its error after the wait, by the read (a throw here would close the follower's connection).
 */
function recordFollowerPositions(wanted: readonly SessionPartition[], replicaId: number, broker: BrokerContext): void {
  for (const w of wanted) {
    const partition = broker.replicas.getPartition(w.topic, w.partition);
    try {
      if (partition?.isLeader) partition.updateFollowerFetchState(replicaId, w.fetchOffset, -1);
    } catch {
      // answered by readAll
    }
  }
}

/** How far `reader` may read the partition. */
function readableEnd(partition: Partition, reader: Reader): number {
  return reader === Reader.Follower ? partition.logEndOffset : reader === Reader.Committed ? partition.lastStableOffset : partition.highWatermark;
}

/** Whether every partition asked for is led here and already read to its end (a fetch that must wait, not read). */
function nothingToRead(wanted: readonly SessionPartition[], reader: Reader, broker: BrokerContext): boolean {
  return wanted.every((w) => {
    const partition = broker.replicas.getPartition(w.topic, w.partition);
    if (!partition?.isLeader) return false;
    return w.fetchOffset === readableEnd(partition, reader) && (w.currentLeaderEpoch < 0 || w.currentLeaderEpoch === partition.leaderEpoch);
  });
}

/**
 * Reads every partition within the response budget; only the first non-empty
 * one may exceed it (so a large batch never stalls a consumer). With no
 * budget (no response memory could be reserved) nothing is read: partitions
 * answer with their offsets and no records.
 */
async function readAll(
  wanted: SessionPartition[],
  maxBytes: number,
  replicaId: number,
  reader: Reader,
  broker: BrokerContext,
  denied: ReadonlySet<string>,
): Promise<PartitionRead[]> {
  const reads: PartitionRead[] = [];
  let budget = maxBytes;
  let total = 0;
  for (const w of wanted) {
    if (denied.has(w.topic)) {
      reads.push({ wanted: w, partition: undefined, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, records: NO_RECORDS, end: -1 });
      continue;
    }
    const partition = broker.replicas.getPartition(w.topic, w.partition);
    if (!partition) {
      const unknownId = w.topic.startsWith('id:');
      reads.push({
        wanted: w,
        partition,
        errorCode: unknownId ? ErrorCode.UNKNOWN_TOPIC_ID : broker.replicas.notHostedError(w.topic, w.partition),
        records: NO_RECORDS,
        end: -1,
      });
      continue;
    }
    try {
      partition.checkLeaderEpoch(w.currentLeaderEpoch);
      if (!partition.isLeader) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This server is not the leader for ${w.topic}-${w.partition}`);
      if (replicaId >= 0) partition.updateFollowerFetchState(replicaId, w.fetchOffset, -1);
      let records: PooledBytes = NO_RECORDS;
      let aborted: readonly AbortedTxn[] | undefined;
      const end = readableEnd(partition, reader);
      const limit = Math.min(w.maxBytes, budget);
      if (limit > 0 || (total === 0 && maxBytes > 0)) {
        const size = Math.max(limit, 1);
        const got = reader === Reader.Committed ? await partition.readCommitted(w.fetchOffset, size) : await partition.read(w.fetchOffset, size, end);
        records = got;
        aborted = got.abortedTransactions;
        if (total > 0 && records.bytes.length > limit) {
          records.release(); // only the first partition may overshoot
          records = NO_RECORDS;
          aborted = undefined;
        }
      }
      const length = records.bytes.length;
      total += length;
      budget = Math.max(0, budget - length);
      reads.push({ wanted: w, partition, errorCode: ErrorCode.NONE, records, aborted, end });
    } catch (e) {
      const code = errorCodeOf(e);
      if (code === ErrorCode.UNKNOWN_SERVER_ERROR) broker.log('error', `fetch from ${w.topic}-${w.partition} failed: ${(e as Error).stack ?? e}`);
      reads.push({ wanted: w, partition, errorCode: code, records: NO_RECORDS, end: -1 });
    }
  }
  return reads;
}
