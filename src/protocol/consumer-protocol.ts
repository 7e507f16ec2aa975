import { ProtocolError } from './protocol-error.js';
import { ProtocolReader } from './reader.js';
import { groupByTopic, type TopicPartition } from './topic-partition.js';
import { ProtocolWriter } from './writer.js';

/**
 * The consumer protocol: what a consumer puts in JoinGroup's member metadata
 * (ConsumerProtocolSubscription) and what the leader hands back through
 * SyncGroup (ConsumerProtocolAssignment). Both are Kafka's non-flexible
 * "data" schemas behind an int16 version:
 *
 *   Subscription v0: Topics [string], UserData nullable bytes
 *                v1: + OwnedPartitions [Topic string, Partitions [int32]] (KIP-429)
 *                v2: + GenerationId int32 (KIP-792)
 *                v3: + RackId nullable string (KIP-881)
 *   Assignment v0-3: AssignedPartitions [Topic string, Partitions [int32]], UserData nullable bytes
 *
 * As in Kafka's ConsumerProtocol, a version above the highest known is read as
 * the highest known (later versions only append fields), and bytes after the
 * known fields are ignored.
 */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';
export const CONSUMER_PROTOCOL_LATEST_VERSION = 3;

/** Kafka's DEFAULT_GENERATION: no generation known. */
export const DEFAULT_GENERATION = -1;

export interface Subscription {
  readonly topics: readonly string[];
  readonly userData: Buffer | null;
  readonly ownedPartitions: readonly TopicPartition[];
  /** The generation the owned partitions belong to (v2+); -1 when unknown. */
  readonly generationId: number;
  readonly rackId: string | null;
}

export interface Assignment {
  readonly partitions: readonly TopicPartition[];
  readonly userData: Buffer | null;
}

export function encodeSubscription(subscription: Partial<Subscription> & { topics: readonly string[] }, version = CONSUMER_PROTOCOL_LATEST_VERSION): Buffer {
  checkVersion(version);
  const w = new ProtocolWriter(128);
  w.int16(version);
  w.arrayLength(subscription.topics.length);
  for (const topic of subscription.topics) w.string(topic);
  w.nullableBytes(subscription.userData ?? null);
  if (version >= 1) writeTopicPartitions(w, subscription.ownedPartitions ?? []);
  if (version >= 2) w.int32(subscription.generationId ?? DEFAULT_GENERATION);
  if (version >= 3) w.nullableString(subscription.rackId ?? null);
  return w.toBuffer();
}

export function decodeSubscription(bytes: Buffer): Subscription & { readonly version: number } {
  const r = new ProtocolReader(bytes);
  const version = readVersion(r, 'subscription');
  const count = r.arrayLength();
  if (count < 0) throw new ProtocolError('subscription topics are null');
  const topics: string[] = new Array(count);
  for (let i = 0; i < count; i++) topics[i] = r.string();
  // A few old clients end the metadata after the topics; Kafka reads that as no user data.
  const userData = r.remaining > 0 ? r.nullableBytes() : null;
  let ownedPartitions: TopicPartition[] = [];
  let generationId = DEFAULT_GENERATION;
  let rackId: string | null = null;
  if (version >= 1 && r.remaining > 0) ownedPartitions = readTopicPartitions(r);
  if (version >= 2 && r.remaining > 0) generationId = r.int32();
  if (version >= 3 && r.remaining > 0) rackId = r.nullableString();
  return { version, topics, userData, ownedPartitions, generationId, rackId };
}

/**
 * Just the topics of a subscription, for the group coordinator (which needs
 * no more, and must not refuse a member whose later fields it cannot read):
 * null when the bytes do not start like a subscription.
 */
export function subscribedTopics(bytes: Buffer): string[] | null {
  try {
    const r = new ProtocolReader(bytes);
    if (r.int16() < 0) return null;
    const count = r.arrayLength();
    if (count < 0) return null;
    const topics: string[] = new Array(count);
    for (let i = 0; i < count; i++) topics[i] = r.string();
    return topics;
  } catch {
    return null;
  }
}

export function encodeAssignment(
  assignment: Partial<Assignment> & { partitions: readonly TopicPartition[] },
  version = CONSUMER_PROTOCOL_LATEST_VERSION,
): Buffer {
  checkVersion(version);
  const w = new ProtocolWriter(128);
  w.int16(version);
  writeTopicPartitions(w, assignment.partitions);
  w.nullableBytes(assignment.userData ?? null);
  return w.toBuffer();
}

/** An empty buffer (what a coordinator sends a member the leader gave nothing) is an empty assignment. */
export function decodeAssignment(bytes: Buffer): Assignment & { readonly version: number } {
  if (bytes.length === 0) return { version: 0, partitions: [], userData: null };
  const r = new ProtocolReader(bytes);
  const version = readVersion(r, 'assignment');
  const partitions = readTopicPartitions(r);
  const userData = r.remaining > 0 ? r.nullableBytes() : null;
  return { version, partitions, userData };
}

function checkVersion(version: number): void {
  if (!Number.isInteger(version) || version < 0 || version > CONSUMER_PROTOCOL_LATEST_VERSION) {
    throw new RangeError(`consumer protocol version ${version} is not one of 0-${CONSUMER_PROTOCOL_LATEST_VERSION}`);
  }
}

function readVersion(r: ProtocolReader, what: string): number {
  const version = r.int16();
  if (version < 0) throw new ProtocolError(`${what} version ${version} is negative`);
  return Math.min(version, CONSUMER_PROTOCOL_LATEST_VERSION);
}

/** [Topic string, Partitions [int32]], topics sorted, as Java writes them (grouped per topic). */
export function writeTopicPartitions(w: ProtocolWriter, partitions: readonly TopicPartition[]): void {
  const byTopic = groupByTopic(partitions);
  w.arrayLength(byTopic.size);
  for (const [topic, list] of byTopic) {
    w.string(topic);
    w.arrayLength(list.length);
    for (const p of list) w.int32(p);
  }
}

export function readTopicPartitions(r: ProtocolReader): TopicPartition[] {
  const topics = r.arrayLength();
  if (topics < 0) throw new ProtocolError('topic partitions are null');
  const out: TopicPartition[] = [];
  for (let t = 0; t < topics; t++) {
    const topic = r.string();
    const count = r.arrayLength();
    if (count < 0) throw new ProtocolError(`partitions of ${topic} are null`);
    for (let i = 0; i < count; i++) out.push({ topic, partition: r.int32() });
  }
  return out;
}
