// The group administration calls `samsa consumer-groups` makes, on samsa's
// client network layer: finding a group's coordinator, listing, describing and
// deleting groups, reading and committing their offsets, and looking up log
// offsets. Retriable answers (a coordinator still loading, a moved
// coordinator, a broken connection) are retried until the command's timeout.
import { decodeAssignment } from '../clients/consumer/consumer-protocol.js';
import { Api, type ApiDef, type RequestBody } from '../clients/network/apis.js';
import type { MessageData } from '../protocol/schema/message-types.js';
import type { MessageSchema } from '../protocol/schema/schema.js';
import type { BrokerNode, Cluster } from '../clients/network/cluster.js';
import { commonClientConfig, parseConfig } from '../clients/network/config.js';
import { isRetriable, kafkaErrorFor, KafkaClientError, TimeoutError } from '../clients/network/errors.js';
import { NetworkClient } from '../clients/network/network-client.js';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface ListedGroup {
  readonly groupId: string;
  readonly protocolType: string;
  /** "" when the broker answered ListGroups below v4. */
  readonly state: string;
  /** "" when the broker answered ListGroups below v5. */
  readonly type: string;
}

export interface GroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly host: string;
  /** The partitions of the member's assignment (consumer protocol), sorted. */
  readonly assignment: readonly TopicPartition[];
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: string;
  readonly protocolType: string;
  /** The assignor the group chose (DescribeGroups' protocol data). */
  readonly assignor: string;
  readonly members: readonly GroupMember[];
  readonly coordinator: BrokerNode;
}

export interface CommittedOffset {
  readonly offset: number;
  readonly leaderEpoch: number;
}

/** Kafka's ListOffsets sentinels. */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;

/** A partition's offset as ListOffsets found it, or the error code it answered. */
export type OffsetLookup = { readonly offset: number } | { readonly errorCode: number };

/** `topic-partition`, as Kafka's TopicPartition prints itself. */
export function partitionName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

function tpKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

/** A map keyed by topic partition. */
export class PartitionMap<V> {
  private readonly entries = new Map<string, { tp: TopicPartition; value: V }>();

  set(tp: TopicPartition, value: V): this {
    this.entries.set(tpKey(tp), { tp: { topic: tp.topic, partition: tp.partition }, value });
    return this;
  }

  get(tp: TopicPartition): V | undefined {
    return this.entries.get(tpKey(tp))?.value;
  }

  has(tp: TopicPartition): boolean {
    return this.entries.has(tpKey(tp));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries sorted by topic, then partition. */
  sorted(): Array<[TopicPartition, V]> {
    return [...this.entries.values()].sort((a, b) => compareTopicPartitions(a.tp, b.tp)).map((e) => [e.tp, e.value]);
  }

  keys(): TopicPartition[] {
    return this.sorted().map(([tp]) => tp);
  }
}

/** Kafka's messages for the error codes group administration meets (Java's Errors enum). */
const ERROR_MESSAGES: Readonly<Record<number, string>> = {
  3: 'This server does not host this topic-partition.',
  14: "The coordinator is loading and hence can't process requests.",
  15: 'The coordinator is not available.',
  16: 'This is not the correct coordinator.',
  22: 'Specified group generation id is not valid.',
  24: 'The configured groupId is invalid.',
  25: 'The coordinator is not aware of this member.',
  27: 'The group is rebalancing, so a rejoin is needed.',
  30: 'Group authorization failed.',
  68: 'The group is not empty.',
  69: 'The group id does not exist.',
  86: 'The consumer group is actively subscribed to the topic.',
};

/** Kafka's description of an error code ("The group is not empty."), or its name. */
export function errorMessage(code: number): string {
  return ERROR_MESSAGES[code] ?? kafkaErrorFor(code).code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class GroupAdmin {
  private readonly client: NetworkClient;

  constructor(
    bootstrapServers: string,
    /** The command's --timeout: how long each call may take, retries included. */
    private readonly timeoutMs: number,
  ) {
    const config = parseConfig(
      commonClientConfig({ receiveBufferBytes: 65_536, connectionsMaxIdleMs: 300_000 }),
      { 'bootstrap.servers': bootstrapServers, 'client.id': 'samsa-consumer-groups', 'request.timeout.ms': Math.max(1, timeoutMs) },
      'admin',
    );
    this.client = new NetworkClient(config, { allTopics: true, allowAutoTopicCreation: false });
  }

  close(): void {
    this.client.close();
  }

  /** Runs `call` until it succeeds, fails for good, or the timeout passes (then the last error, as a TimeoutError). */
  private async retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    let backoff = 50;
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (!isRetriable(error)) throw error;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new TimeoutError(`${what} timed out after ${this.timeoutMs} ms (last error: ${(error as Error).message})`);
        }
        if ((error as KafkaClientError).errorCode !== 14) this.client.metadata.requestUpdate();
        await sleep(Math.min(backoff, left));
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }

  private send<Req extends MessageSchema, Res extends MessageSchema>(nodeId: number, api: ApiDef<Req, Res>, body: RequestBody<Req>): Promise<MessageData<Res>> {
    return this.client.send(nodeId, api, body);
  }

  /** Fresh cluster metadata: brokers and every topic. */
  cluster(): Promise<Cluster> {
    return this.retrying('Fetching cluster metadata', () => this.client.metadata.update());
  }

  private async anyNode(): Promise<number> {
    const cluster = this.client.metadata.cluster.nodes.size > 0 ? this.client.metadata.cluster : await this.cluster();
    const node = this.client.leastLoadedNode() ?? [...cluster.nodes.keys()][0];
    if (node === undefined) throw new KafkaClientError('no broker is known');
    return node;
  }

  /** The broker coordinating `groupId` (FindCoordinator). */
  async coordinator(groupId: string): Promise<BrokerNode> {
    return this.retrying(`Finding the coordinator of group '${groupId}'`, async () => {
      const node = await this.anyNode();
      const response = await this.send(node, Api.FindCoordinator, (version: number) =>
        version >= 4 ? { keyType: 0, coordinatorKeys: [groupId] } : { key: groupId, keyType: 0 },
      );
      const answer = response.coordinators?.length ? response.coordinators[0] : response;
      if (answer.errorCode !== 0) throw kafkaErrorFor(answer.errorCode, answer.errorMessage);
      if (!this.client.metadata.cluster.nodes.has(answer.nodeId)) await this.client.metadata.update();
      return { id: answer.nodeId, host: answer.host, port: answer.port, rack: null };
    });
  }

  /** Every group on every broker (ListGroups), optionally filtered by state and type on the broker. */
  async listGroups(states: readonly string[] = [], types: readonly string[] = []): Promise<ListedGroup[]> {
    const cluster = await this.cluster();
    const all: ListedGroup[] = [];
    for (const nodeId of cluster.nodes.keys()) {
      const groups = await this.retrying('Listing groups', async () => {
        const response = await this.send(nodeId, Api.ListGroups, (version: number) => ({
          ...(version >= 4 ? { statesFilter: [...states] } : {}),
          ...(version >= 5 ? { typesFilter: [...types] } : {}),
        }));
        if (response.errorCode !== 0) throw kafkaErrorFor(response.errorCode, 'ListGroups');
        return (response.groups as any[]).map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState ?? '', type: g.groupType ?? '' }));
      });
      all.push(...groups);
    }
    return all;
  }

  /**
   * DescribeGroups for one group. A group the coordinator does not know is
   * described as Dead with no members, as Kafka's coordinator answers; a group
   * of another protocol type than "consumer" is refused, as Kafka's admin does.
   */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    return this.retrying(`Describing group '${groupId}'`, async () => {
      const coordinator = await this.coordinator(groupId);
      const response = await this.send(coordinator.id, Api.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
      const group = (response.groups as any[]).find((g) => g.groupId === groupId) ?? response.groups[0];
      if (group.errorCode === 69) return { groupId, state: 'Dead', protocolType: '', assignor: '', members: [], coordinator };
      if (group.errorCode !== 0) throw kafkaErrorFor(group.errorCode, `group ${groupId}`);
      if (group.protocolType !== '' && group.protocolType !== 'consumer') {
        throw new KafkaClientError(`GroupId ${groupId} is not a consumer group (${group.protocolType}).`);
      }
      const members: GroupMember[] = (group.members as any[]).map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? null,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: readAssignment(m.memberAssignment),
      }));
      return { groupId, state: group.groupState, protocolType: group.protocolType, assignor: group.protocolData, members, coordinator };
    });
  }

  /** The group's committed offsets (OffsetFetch for every topic); partitions without one are left out. */
  async committedOffsets(groupId: string): Promise<PartitionMap<CommittedOffset>> {
    return this.retrying(`Fetching the offsets of group '${groupId}'`, async () => {
      const coordinator = await this.coordinator(groupId);
      const response = await this.send(coordinator.id, Api.OffsetFetch, (version: number) =>
        version >= 8
          ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }], requireStable: true }
          : { groupId, topics: null, ...(version >= 7 ? { requireStable: true } : {}) },
      );
      let errorCode: number;
      let topics: any[];
      if (response.groups && response.groups.length > 0) {
        const group = (response.groups as any[]).find((g) => g.groupId === groupId) ?? response.groups[0];
        errorCode = group.errorCode;
        topics = group.topics;
      } else {
        errorCode = response.errorCode ?? 0;
        topics = response.topics ?? [];
      }
      if (errorCode !== 0) throw kafkaErrorFor(errorCode, `offsets of group ${groupId}`);
      const offsets = new PartitionMap<CommittedOffset>();
      for (const t of topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw kafkaErrorFor(p.errorCode, `offset of ${t.name}-${p.partitionIndex}`);
          if (p.committedOffset >= 0) offsets.set({ topic: t.name, partition: p.partitionIndex }, { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch ?? -1 });
        }
      }
      return offsets;
    });
  }

  /**
   * Commits offsets as Kafka's admin alterConsumerGroupOffsets does: a
   * simple consumer's commit (generation -1, no member id). Resolves to the
   * error code of each partition (0 when committed).
   */
  async commitOffsets(groupId: string, offsets: PartitionMap<number>): Promise<PartitionMap<number>> {
    const byTopic = new Map<string, Array<{ partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string }>>();
    for (const [tp, offset] of offsets.sorted()) {
      let list = byTopic.get(tp.topic);
      if (!list) byTopic.set(tp.topic, (list = []));
      list.push({ partitionIndex: tp.partition, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' });
    }
    return this.retrying(`Committing the offsets of group '${groupId}'`, async () => {
      const coordinator = await this.coordinator(groupId);
      const response = await this.send(coordinator.id, Api.OffsetCommit, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      });
      const codes = new PartitionMap<number>();
      for (const t of response.topics) {
        for (const p of t.partitions) {
          // A moved or loading coordinator fails the whole commit, which is retried.
          if (p.errorCode === 14 || p.errorCode === 15 || p.errorCode === 16) throw kafkaErrorFor(p.errorCode, `group ${groupId}`);
          codes.set({ topic: t.name, partition: p.partitionIndex }, p.errorCode);
        }
      }
      return codes;
    });
  }

  /** DeleteGroups: the error code of each group (0 when deleted). */
  async deleteGroups(groupIds: readonly string[]): Promise<Map<string, number>> {
    const results = new Map<string, number>();
    for (const groupId of groupIds) {
      const code = await this.retrying(`Deleting group '${groupId}'`, async () => {
        const coordinator = await this.coordinator(groupId);
        const response = await this.send(coordinator.id, Api.DeleteGroups, { groupsNames: [groupId] });
        const result = (response.results as any[]).find((r) => r.groupId === groupId);
        const errorCode: number = result?.errorCode ?? -1;
        if (errorCode === 14 || errorCode === 15 || errorCode === 16) throw kafkaErrorFor(errorCode, `group ${groupId}`);
        return errorCode;
      });
      results.set(groupId, code);
    }
    return results;
  }

  /** OffsetDelete: the group-level error code and each partition's. */
  async deleteOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<{ errorCode: number; partitions: PartitionMap<number> }> {
    const byTopic = new Map<string, Array<{ partitionIndex: number }>>();
    for (const tp of partitions) {
      let list = byTopic.get(tp.topic);
      if (!list) byTopic.set(tp.topic, (list = []));
      list.push({ partitionIndex: tp.partition });
    }
    return this.retrying(`Deleting offsets of group '${groupId}'`, async () => {
      const coordinator = await this.coordinator(groupId);
      const response = await this.send(coordinator.id, Api.OffsetDelete, { groupId, topics: [...byTopic].map(([name, parts]) => ({ name, partitions: parts })) });
      if (response.errorCode === 14 || response.errorCode === 15 || response.errorCode === 16) throw kafkaErrorFor(response.errorCode, `group ${groupId}`);
      const codes = new PartitionMap<number>();
      for (const t of response.topics) for (const p of t.partitions) codes.set({ topic: t.name, partition: p.partitionIndex }, p.errorCode);
      return { errorCode: response.errorCode, partitions: codes };
    });
  }

  /**
   * ListOffsets for each partition at `timestamp` (EARLIEST_TIMESTAMP,
   * LATEST_TIMESTAMP or a time in ms), asked of each partition's leader.
   * Partitions without a leader, of unknown topics, or answered with an
   * error are given that error code.
   */
  async listOffsets(partitions: readonly TopicPartition[], timestamp: number): Promise<PartitionMap<OffsetLookup>> {
    const result = new PartitionMap<OffsetLookup>();
    if (partitions.length === 0) return result;
    const cluster = await this.cluster();
    const byLeader = new Map<number, TopicPartition[]>();
    for (const tp of partitions) {
      const topic = cluster.topic(tp.topic);
      if (!topic || topic.errorCode !== 0 || !topic.partitions[tp.partition]) {
        result.set(tp, { errorCode: topic && topic.errorCode !== 0 ? topic.errorCode : 3 });
        continue;
      }
      const leader = cluster.leaderFor(tp.topic, tp.partition);
      if (leader < 0) {
        result.set(tp, { errorCode: 5 });
        continue;
      }
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(tp);
    }
    for (const [leader, tps] of byLeader) {
      const topics = new Map<string, Array<{ partitionIndex: number; currentLeaderEpoch: number; timestamp: number }>>();
      for (const tp of tps) {
        let list = topics.get(tp.topic);
        if (!list) topics.set(tp.topic, (list = []));
        list.push({ partitionIndex: tp.partition, currentLeaderEpoch: -1, timestamp });
      }
      const response = await this.retrying('Listing offsets', () =>
        this.send(leader, Api.ListOffsets, (version: number) => ({
          replicaId: -1,
          isolationLevel: 0,
          ...(version >= 10 ? { timeoutMs: this.timeoutMs } : {}),
          topics: [...topics].map(([name, parts]) => ({ name, partitions: parts })),
        })),
      );
      for (const t of response.topics) {
        for (const p of t.partitions) {
          result.set({ topic: t.name, partition: p.partitionIndex }, p.errorCode === 0 ? { offset: p.offset } : { errorCode: p.errorCode });
        }
      }
    }
    for (const tp of partitions) if (!result.has(tp)) result.set(tp, { errorCode: 3 });
    return result;
  }
}

/** A member's assignment as the consumer protocol encodes it; anything unreadable is no assignment. */
function readAssignment(bytes: Buffer | null): TopicPartition[] {
  if (!bytes || bytes.length === 0) return [];
  try {
    return [...decodeAssignment(bytes).partitions].sort(compareTopicPartitions);
  } catch {
    return [];
  }
}
