// samsa's Admin, shaped after Kafka's: one method per Java AdminClient call.
// Longer than ~600 lines because Java's Admin is one interface and samsa keeps
// its calls on one class; how a call runs (per-item retries, the deadline,
// results) lives in admin-call.ts.

import type { AclBinding, AclBindingFilter } from '../../protocol/acl.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment } from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { DescribeTopicPartitionsResponse } from '../../protocol/messages/describe-topic-partitions.js';
import type { MessageData } from '../../protocol/schema/message-types.js';
import type { MessageSchema } from '../../protocol/schema/schema.js';
import { compareTopicPartitions, partitionName, tpKey } from '../../protocol/topic-partition.js';
import { Api, type ApiDef, type RequestBody } from '../network/apis.js';
import type { BrokerNode } from '../network/cluster.js';
import {
  KafkaApiError,
  KafkaClientError,
  kafkaErrorFor,
  LeaderNotAvailableError,
  NetworkError,
  ThrottlingQuotaExceededError,
  UnsupportedVersionError,
} from '../network/errors.js';
import { CoordinatorKeyType, coordinatorOf, findCoordinatorBody } from '../network/find-coordinator.js';
import { NetworkClient } from '../network/network-client.js';
import { createAclsBody, createAclsOutcomes, deleteAclsOutcomes, describedBindings, filterFields } from './acls.js';
import { allOf, final, itemResults, type Outcome, settleItems } from './admin-call.js';
import { type AdminConfig, type AdminConfigInput, parseAdminConfig } from './admin-config.js';
import { alterClientQuotasBody, clientQuotaDescriptions, describeClientQuotasBody } from './client-quotas.js';
import { alterUserScramCredentialsBody, credentialInfo } from './scram-credentials.js';
import type * as T from './types.js';

const ZERO_UUID = Buffer.alloc(16);
const { NONE, UNKNOWN_TOPIC_OR_PARTITION } = ErrorCode;
/** A group's coordinator is loading, moved or down: the request goes again, to the coordinator found anew. */
const COORDINATOR_ERRORS = new Set<number>([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]);

/** Kafka's ConfigResource.Type ids. */
const RESOURCE_TYPE: Record<T.ConfigResourceType, number> = { topic: 2, broker: 4, 'broker-logger': 8 };
const CONFIG_SOURCES: readonly T.ConfigSource[] = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
];
const CONFIG_TYPES = ['UNKNOWN', 'BOOLEAN', 'STRING', 'INT', 'SHORT', 'LONG', 'DOUBLE', 'LIST', 'CLASS', 'PASSWORD'];
const OPS: Record<T.AlterConfigOpType, number> = { set: 0, delete: 1, append: 2, subtract: 3 };
const OFFSET_SPEC = { earliest: -2, latest: -1, 'max-timestamp': -3 } as const;
/** Kafka's ElectionType ids (ElectLeaders v1+; v0 elects the preferred replica). */
const ELECTION_TYPE: Record<T.ElectionType, number> = { preferred: 0, unclean: 1 };

let adminCount = 0;

/** A topic's per-partition answers, as the group and offset APIs nest them. */
interface PartitionsOfTopic<P> {
  readonly name: string;
  readonly partitions: readonly P[];
}

interface PartitionResult {
  readonly partitionIndex: number;
  readonly errorCode: number;
}

/** What DescribeConfigs and IncrementalAlterConfigs answer per resource. */
interface ResourceResult {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly errorCode: number;
  readonly errorMessage?: string | null;
}

/**
 * samsa's admin client (Kafka's Admin): topics, partitions, configs, offsets,
 * records, the cluster and consumer groups. Each call is sent to the broker
 * that must answer it (the controller, a partition's leader, a group's
 * coordinator) and retries what a retriable error refused, with
 * retry.backoff.ms between attempts, until default.api.timeout.ms (or the
 * call's timeoutMs). A call over several items (topics, partitions, groups)
 * retries each item on its own and returns ItemResults: awaited, it fails
 * with the first failed item's typed error (TopicAlreadyExistsError,
 * UnknownTopicOrPartitionError, …); settled() gives every item's outcome,
 * as Java's per-item futures do.
 */
export class Admin {
  readonly config: AdminConfig;
  private readonly client: NetworkClient;

  constructor(config: AdminConfigInput) {
    const parsed = parseAdminConfig(config);
    this.config = parsed['client.id'] === '' ? { ...parsed, 'client.id': `adminclient-${++adminCount}` } : parsed;
    this.client = new NetworkClient(this.config, { allowAutoTopicCreation: false });
  }

  async close(): Promise<void> {
    this.client.close();
  }

  // ---- plumbing ----------------------------------------------------------------

  /** Runs `attempt` for the items still pending, retrying per item until the deadline; resolves to every item's outcome. */
  private settle<I, R>(
    name: string,
    items: readonly I[],
    options: T.AdminCallOptions | undefined,
    attempt: (pending: I[], deadline: number) => Promise<Array<Outcome<R>>>,
  ): Promise<Array<Outcome<R>>> {
    return settleItems(
      name,
      items,
      {
        timeoutMs: options?.timeoutMs ?? this.config['default.api.timeout.ms'],
        retries: this.config.retries,
        backoffMs: this.config['retry.backoff.ms'],
        backoffMaxMs: this.config['retry.backoff.max.ms'],
        beforeRetry: (error) => {
          if (error instanceof NetworkError || (error instanceof KafkaApiError && (error.invalidMetadata || error.errorCode === ErrorCode.NOT_CONTROLLER)))
            this.client.metadata.requestUpdate();
        },
      },
      attempt,
    );
  }

  /** A call over several items: each item's outcome, or (awaited) every result or the first error. */
  private perItem<I, R>(
    name: string,
    items: readonly I[],
    options: T.AdminCallOptions | undefined,
    attempt: (pending: I[], deadline: number) => Promise<Array<Outcome<R>>>,
  ): T.ItemResults<R> {
    return itemResults(this.settle(name, items, options, attempt));
  }

  /** One request, retried as a whole on retriable errors. */
  private call<R>(name: string, options: T.AdminCallOptions | undefined, attempt: (deadline: number) => Promise<R>): Promise<R> {
    return this.settle(name, [null], options, async (_, deadline) => [await attempt(deadline)]).then((outcomes) => allOf(outcomes)[0]!);
  }

  private async send<Req extends MessageSchema, Res extends MessageSchema>(
    node: number,
    api: ApiDef<Req, Res>,
    body: RequestBody<Req>,
    deadline: number,
  ): Promise<MessageData<Res>> {
    const timeoutMs = Math.max(1, Math.min(this.config['request.timeout.ms'], deadline - Date.now()));
    return this.client.send(node, api, body, { timeoutMs });
  }

  /** Brokers known from metadata (refreshed when stale). */
  private async cluster() {
    const metadata = this.client.metadata;
    if (metadata.cluster.nodes.size === 0 || metadata.updateRequested) await metadata.update();
    return metadata.cluster;
  }

  private async anyNode(): Promise<number> {
    await this.cluster();
    const node = this.client.leastLoadedNode();
    if (node === undefined) throw new NetworkError('no broker is reachable');
    return node;
  }

  /** The controller (where topic changes go), or any broker when the cluster names none. */
  private async controller(): Promise<number> {
    const cluster = await this.cluster();
    return cluster.controllerId >= 0 && cluster.nodes.has(cluster.controllerId) ? cluster.controllerId : this.anyNode();
  }

  /** A node by id, known from metadata (refreshed once if not). */
  private async node(id: number): Promise<BrokerNode> {
    let cluster = await this.cluster();
    if (!cluster.nodes.has(id)) cluster = await this.client.metadata.update();
    const node = cluster.node(id);
    if (!node) throw new LeaderNotAvailableError(`broker ${id} is not in the cluster metadata`);
    return node;
  }

  /** Topic metadata for the topics named (no auto-creation), straight from a broker. */
  private async topicMetadata(topics: readonly string[] | null, deadline: number) {
    return this.send(
      await this.anyNode(),
      Api.Metadata,
      (version: number) => ({
        topics: topics === null ? (version === 0 ? [] : null) : topics.map((name) => ({ topicId: ZERO_UUID, name })),
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }),
      deadline,
    );
  }

  /** Each partition's leader; partitions of unknown topics get a final error, those without a leader a retriable one. */
  private async leaders(partitions: readonly T.TopicPartition[], deadline: number): Promise<Array<number | Error>> {
    const topics = [...new Set(partitions.map((p) => p.topic))];
    const response = await this.topicMetadata(topics, deadline);
    const byName = new Map(response.topics.map((t) => [t.name, t]));
    return partitions.map(({ topic, partition }) => {
      const t = byName.get(topic);
      if (!t || t.errorCode !== NONE) return final(kafkaErrorFor(t?.errorCode ?? UNKNOWN_TOPIC_OR_PARTITION, `topic ${topic}`));
      const p = t.partitions.find((x) => x.partitionIndex === partition);
      if (!p) return final(kafkaErrorFor(UNKNOWN_TOPIC_OR_PARTITION, `partition ${topic}-${partition} does not exist`));
      if (p.leaderId < 0) return new LeaderNotAvailableError(`partition ${topic}-${partition} has no leader`);
      return p.leaderId;
    });
  }

  /** Sends per-leader requests for partitions; `request` builds one node's request, `read` maps its response to per-partition outcomes. */
  private async byLeader<I extends T.TopicPartition, R>(
    items: I[],
    deadline: number,
    request: (node: number, items: I[]) => Promise<Map<string, Outcome<R>>>,
  ): Promise<Array<Outcome<R>>> {
    const leaders = await this.leaders(items, deadline);
    const outcomes: Array<Outcome<R>> = new Array(items.length);
    // One request per leader, and per repetition of a partition (a partition appears once in a request).
    const groups = new Map<string, { node: number; indexes: number[] }>();
    const seen = new Map<string, number>();
    leaders.forEach((leader, i) => {
      if (leader instanceof Error) {
        outcomes[i] = leader;
        return;
      }
      const round = seen.get(key(items[i]!)) ?? 0;
      seen.set(key(items[i]!), round + 1);
      const group = `${leader}/${round}`;
      if (!groups.has(group)) groups.set(group, { node: leader, indexes: [] });
      groups.get(group)!.indexes.push(i);
    });
    await Promise.all(
      [...groups.values()].map(async ({ node, indexes }) => {
        try {
          const answered = await request(
            node,
            indexes.map((i) => items[i]!),
          );
          for (const i of indexes) outcomes[i] = answered.get(key(items[i]!)) ?? new KafkaClientError(`no result for ${partitionName(items[i]!)}`);
        } catch (e) {
          for (const i of indexes) outcomes[i] = e as Error;
        }
      }),
    );
    return outcomes;
  }

  /** The coordinator of a group (FindCoordinator). */
  private async coordinator(groupId: string, deadline: number): Promise<BrokerNode> {
    const c = coordinatorOf(await this.send(await this.anyNode(), Api.FindCoordinator, findCoordinatorBody(CoordinatorKeyType.GROUP, groupId), deadline));
    if (c.errorCode !== NONE) throw kafkaErrorFor(c.errorCode, c.errorMessage ?? `FindCoordinator for group ${groupId}`);
    return this.node(c.nodeId);
  }

  // ---- topics ------------------------------------------------------------------

  /** Creates topics (on the controller); resolves to what the broker created. */
  createTopics(topics: readonly T.NewTopic[], options?: T.CreateTopicsOptions): T.ItemResults<T.CreatedTopic> {
    return this.perItem('createTopics', topics, options, async (pending, deadline) => {
      const response = await this.send(
        await this.controller(),
        Api.CreateTopics,
        {
          topics: pending.map((t) => ({
            name: t.name,
            numPartitions: t.replicasAssignments ? -1 : (t.numPartitions ?? -1),
            replicationFactor: t.replicasAssignments ? -1 : (t.replicationFactor ?? -1),
            assignments: Object.entries(t.replicasAssignments ?? {}).map(([partition, brokerIds]) => ({ partitionIndex: Number(partition), brokerIds })),
            configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
          })),
          timeoutMs: Math.max(0, deadline - Date.now()),
          validateOnly: options?.validateOnly ?? false,
        },
        deadline,
      );
      const byName = new Map(response.topics.map((t) => [t.name, t]));
      return pending.map((t): Outcome<T.CreatedTopic> => {
        const r = byName.get(t.name);
        if (!r) return new KafkaClientError(`no CreateTopics result for ${t.name}`);
        if (r.errorCode === ErrorCode.THROTTLING_QUOTA_EXCEEDED) return quotaViolation(r.errorMessage, response.throttleTimeMs ?? 0, options);
        if (r.errorCode !== NONE) return kafkaErrorFor(r.errorCode, r.errorMessage ?? `topic ${t.name}`);
        const configs: Record<string, string | null> = {};
        for (const c of r.configs ?? []) configs[c.name] = c.value;
        return { name: r.name, topicId: r.topicId ?? ZERO_UUID, numPartitions: r.numPartitions ?? -1, replicationFactor: r.replicationFactor ?? -1, configs };
      });
    });
  }

  deleteTopics(names: readonly string[], options?: T.TopicMutationOptions): T.ItemResults<void> {
    return this.perItem('deleteTopics', names, options, async (pending, deadline) => {
      const timeoutMs = Math.max(0, deadline - Date.now());
      const response = await this.send(
        await this.controller(),
        Api.DeleteTopics,
        (version: number) => (version >= 6 ? { topics: pending.map((name) => ({ name, topicId: ZERO_UUID })), timeoutMs } : { topicNames: pending, timeoutMs }),
        deadline,
      );
      const byName = new Map(response.responses.map((r) => [r.name, r]));
      return pending.map((name) => {
        const r = byName.get(name);
        if (!r) return new KafkaClientError(`no DeleteTopics result for ${name}`);
        if (r.errorCode === ErrorCode.THROTTLING_QUOTA_EXCEEDED) return quotaViolation(r.errorMessage, response.throttleTimeMs ?? 0, options);
        return r.errorCode === NONE ? undefined : final(kafkaErrorFor(r.errorCode, r.errorMessage ?? `topic ${name}`));
      });
    });
  }

  /** Topic names, sorted; internal topics (__consumer_offsets) only when asked. */
  listTopics(options?: T.AdminCallOptions & { readonly listInternal?: boolean }): Promise<string[]> {
    return this.call('listTopics', options, async (deadline) => {
      const response = await this.topicMetadata(null, deadline);
      return response.topics
        .filter((t) => t.errorCode === NONE && (options?.listInternal || !t.isInternal))
        .map((t) => t.name as string)
        .sort();
    });
  }

  /**
   * Topics' partitions, leaders, replicas and ISR. With `partitionSizeLimitPerResponse` (as
   * Java's TopicCommand asks) the answer comes from DescribeTopicPartitions (KIP-966), paged
   * by that many partitions, and carries each partition's eligible leader replicas; a broker
   * without that API is asked with Metadata, as Java's admin falls back.
   */
  describeTopics(names: readonly string[], options?: T.DescribeTopicsOptions): T.ItemResults<T.TopicDescription> {
    return this.perItem('describeTopics', names, options, async (pending, deadline) => {
      if (options?.partitionSizeLimitPerResponse !== undefined) {
        try {
          return await this.describeTopicPartitions(pending, options.partitionSizeLimitPerResponse, deadline);
        } catch (e) {
          if (!(e instanceof UnsupportedVersionError)) throw e;
        }
      }
      const response = await this.topicMetadata(pending, deadline);
      const nodes = new Map<number, BrokerNode>(response.brokers.map((b) => [b.nodeId, { id: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null }]));
      const byName = new Map(response.topics.map((t) => [t.name, t]));
      return pending.map((name): Outcome<T.TopicDescription> => {
        const t = byName.get(name);
        if (!t || t.errorCode !== NONE) return final(kafkaErrorFor(t?.errorCode ?? UNKNOWN_TOPIC_OR_PARTITION, `topic ${name}`));
        return {
          name,
          topicId: t.topicId ?? ZERO_UUID,
          isInternal: t.isInternal ?? false,
          partitions: t.partitions
            .map((p) => ({
              partition: p.partitionIndex,
              leader: nodes.get(p.leaderId) ?? null,
              leaderEpoch: p.leaderEpoch,
              replicas: p.replicaNodes,
              isr: p.isrNodes,
            }))
            .sort((a, b) => a.partition - b.partition),
        };
      });
    });
  }

  /** describeTopics over DescribeTopicPartitions, following NextCursor until every partition asked for is in. */
  private async describeTopicPartitions(names: string[], limit: number, deadline: number): Promise<Array<Outcome<T.TopicDescription>>> {
    const cluster = await this.cluster();
    const found = new Map<string, { topicId: Buffer; isInternal: boolean; errorCode: number; partitions: T.TopicPartitionInfo[] }>();
    let cursor: { topicName: string; partitionIndex: number } | null = null;
    do {
      const response: MessageData<typeof DescribeTopicPartitionsResponse> = await this.send(
        await this.anyNode(),
        Api.DescribeTopicPartitions,
        { topics: names.map((name) => ({ name })), responsePartitionLimit: limit, cursor },
        deadline,
      );
      for (const t of response.topics) {
        const name = t.name ?? '';
        let topic = found.get(name);
        if (!topic) found.set(name, (topic = { topicId: t.topicId ?? ZERO_UUID, isInternal: t.isInternal ?? false, errorCode: t.errorCode, partitions: [] }));
        for (const p of t.partitions) {
          topic.partitions.push({
            partition: p.partitionIndex,
            leader: cluster.node(p.leaderId) ?? null,
            leaderEpoch: p.leaderEpoch ?? -1,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
            elr: p.eligibleLeaderReplicas ?? null,
            lastKnownElr: p.lastKnownElr ?? null,
          });
        }
      }
      cursor = response.nextCursor ?? null;
    } while (cursor !== null);
    return names.map((name): Outcome<T.TopicDescription> => {
      const t = found.get(name);
      if (!t || t.errorCode !== NONE) return final(kafkaErrorFor(t?.errorCode ?? UNKNOWN_TOPIC_OR_PARTITION, `topic ${name}`));
      return { name, topicId: t.topicId, isInternal: t.isInternal, partitions: t.partitions.sort((a, b) => a.partition - b.partition) };
    });
  }

  /** Raises topics' partition counts: { topic: totalCount } or { topic: { totalCount, assignments } }. */
  createPartitions(newPartitions: Readonly<Record<string, number | T.NewPartitions>>, options?: T.CreatePartitionsOptions): T.ItemResults<void> {
    const entries = Object.entries(newPartitions).map(([name, v]) => ({ name, ...(typeof v === 'number' ? { totalCount: v } : v) }));
    return this.perItem('createPartitions', entries, options, async (pending, deadline) => {
      const response = await this.send(
        await this.controller(),
        Api.CreatePartitions,
        {
          topics: pending.map((t) => ({
            name: t.name,
            count: t.totalCount,
            assignments: t.assignments ? t.assignments.map((brokerIds) => ({ brokerIds })) : null,
          })),
          timeoutMs: Math.max(0, deadline - Date.now()),
          validateOnly: options?.validateOnly ?? false,
        },
        deadline,
      );
      const byName = new Map(response.results.map((r) => [r.name, r]));
      return pending.map((t) => {
        const r = byName.get(t.name);
        if (!r) return new KafkaClientError(`no CreatePartitions result for ${t.name}`);
        if (r.errorCode === ErrorCode.THROTTLING_QUOTA_EXCEEDED) return quotaViolation(r.errorMessage, response.throttleTimeMs ?? 0, options);
        return r.errorCode === NONE ? undefined : final(kafkaErrorFor(r.errorCode, r.errorMessage ?? `topic ${t.name}`));
      });
    });
  }

  // ---- configs -----------------------------------------------------------------

  /** Broker resources go to that broker; the rest to any broker. */
  private async nodeFor(resource: T.ConfigResource): Promise<number> {
    if (resource.type !== 'topic' && resource.name !== '' && /^\d+$/.test(resource.name)) {
      return (await this.node(Number(resource.name))).id;
    }
    return this.anyNode();
  }

  /** Sends resources grouped by the node that must answer them; maps each to its outcome by (type, name). */
  private async byResource<I extends { resource: T.ConfigResource }, X extends ResourceResult, R>(
    items: I[],
    request: (node: number, items: I[]) => Promise<readonly X[]>,
    read: (result: X, item: I) => Outcome<R>,
  ): Promise<Array<Outcome<R>>> {
    const groups = new Map<number, number[]>();
    for (let i = 0; i < items.length; i++) {
      const node = await this.nodeFor(items[i]!.resource);
      groups.set(node, [...(groups.get(node) ?? []), i]);
    }
    const outcomes: Array<Outcome<R>> = new Array(items.length);
    await Promise.all(
      [...groups].map(async ([node, indexes]) => {
        try {
          const results = await request(
            node,
            indexes.map((i) => items[i]!),
          );
          for (const i of indexes) {
            const { type, name } = items[i]!.resource;
            const r = results.find((x) => x.resourceType === RESOURCE_TYPE[type] && x.resourceName === name);
            outcomes[i] = !r
              ? new KafkaClientError(`no result for ${type} ${name}`)
              : r.errorCode !== NONE
                ? final(kafkaErrorFor(r.errorCode, r.errorMessage ?? `${type} ${name}`))
                : read(r, items[i]!);
          }
        } catch (e) {
          for (const i of indexes) outcomes[i] = e as Error;
        }
      }),
    );
    return outcomes;
  }

  describeConfigs(resources: readonly T.ConfigResource[], options?: T.DescribeConfigsOptions): T.ItemResults<T.DescribedConfigs> {
    const items = resources.map((resource) => ({ resource }));
    return this.perItem('describeConfigs', items, options, (pending, deadline) =>
      this.byResource(
        pending,
        async (node, group) =>
          (
            await this.send(
              node,
              Api.DescribeConfigs,
              {
                resources: group.map(({ resource }) => ({
                  resourceType: RESOURCE_TYPE[resource.type],
                  resourceName: resource.name,
                  configurationKeys: options?.configNames ?? null,
                })),
                includeSynonyms: options?.includeSynonyms ?? false,
                includeDocumentation: options?.includeDocumentation ?? false,
              },
              deadline,
            )
          ).results,
        (r, { resource }): T.DescribedConfigs => ({
          resource,
          entries: r.configs.map((c) => ({
            name: c.name,
            value: c.value,
            source: CONFIG_SOURCES[c.configSource] ?? 'UNKNOWN',
            isDefault: c.configSource === 5 || c.isDefault === true,
            isReadOnly: c.readOnly,
            isSensitive: c.isSensitive,
            synonyms: (c.synonyms ?? []).map((s) => ({ name: s.name, value: s.value, source: CONFIG_SOURCES[s.source] ?? 'UNKNOWN' })),
            type: CONFIG_TYPES[c.configType] ?? 'UNKNOWN',
            documentation: c.documentation ?? null,
          })),
        }),
      ),
    );
  }

  /** Replaces each resource's dynamic configs with the ones given (Kafka's legacy AlterConfigs: configs left out are reset). */
  alterConfigs(
    configs: ReadonlyArray<{ readonly resource: T.ConfigResource; readonly entries: Readonly<Record<string, string | null>> }>,
    options?: T.AlterConfigsOptions,
  ): T.ItemResults<void> {
    return this.perItem('alterConfigs', [...configs], options, (pending, deadline) =>
      this.byResource(
        pending,
        async (node, group) =>
          (
            await this.send(
              node,
              Api.AlterConfigs,
              {
                resources: group.map(({ resource, entries }) => ({
                  resourceType: RESOURCE_TYPE[resource.type],
                  resourceName: resource.name,
                  configs: Object.entries(entries).map(([name, value]) => ({ name, value })),
                })),
                validateOnly: options?.validateOnly ?? false,
              },
              deadline,
            )
          ).responses,
        () => undefined,
      ),
    );
  }

  /** Sets, deletes, appends to or subtracts from individual configs. */
  incrementalAlterConfigs(
    configs: ReadonlyArray<{ readonly resource: T.ConfigResource; readonly ops: readonly T.AlterConfigOp[] }>,
    options?: T.AlterConfigsOptions,
  ): T.ItemResults<void> {
    return this.perItem('incrementalAlterConfigs', [...configs], options, (pending, deadline) =>
      this.byResource(
        pending,
        async (node, group) =>
          (
            await this.send(
              node,
              Api.IncrementalAlterConfigs,
              {
                resources: group.map(({ resource, ops }) => ({
                  resourceType: RESOURCE_TYPE[resource.type],
                  resourceName: resource.name,
                  configs: ops.map((o) => ({ name: o.name, configOperation: OPS[o.op], value: o.value ?? null })),
                })),
                validateOnly: options?.validateOnly ?? false,
              },
              deadline,
            )
          ).responses,
        () => undefined,
      ),
    );
  }

  // ---- offsets and records -----------------------------------------------------

  /** Offsets by OffsetSpec, asked of each partition's leader. */
  listOffsets(request: ReadonlyArray<T.TopicPartition & { readonly spec: T.OffsetSpec }>, options?: T.ListOffsetsOptions): T.ItemResults<T.ListedOffset> {
    const isolationLevel = options?.isolationLevel === 'read_committed' ? 1 : 0;
    return this.perItem('listOffsets', [...request], options, (pending, deadline) =>
      this.byLeader(pending, deadline, async (node, items) => {
        const needsMaxTimestamp = items.some((i) => i.spec === 'max-timestamp');
        const response = await this.client.send(
          node,
          Api.ListOffsets,
          {
            replicaId: -1,
            isolationLevel,
            topics: groupByTopic(items).map(([name, ps]) => ({
              name,
              partitions: ps.map((p) => ({
                partitionIndex: p.partition,
                currentLeaderEpoch: -1,
                timestamp: typeof p.spec === 'object' ? p.spec.timestamp : OFFSET_SPEC[p.spec],
                maxNumOffsets: 1,
              })),
            })),
            timeoutMs: Math.max(0, deadline - Date.now()),
          },
          { minVersion: needsMaxTimestamp ? 7 : undefined, timeoutMs: Math.max(1, Math.min(this.config['request.timeout.ms'], deadline - Date.now())) },
        );
        return perPartition(
          response.topics,
          (topic, p): Outcome<T.ListedOffset> =>
            p.errorCode !== NONE
              ? kafkaErrorFor(p.errorCode, `${topic}-${p.partitionIndex}`)
              : { topic, partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch },
        );
      }),
    );
  }

  /** Deletes every record before each offset (-1: the high watermark); resolves to the new low watermarks. */
  deleteRecords(request: ReadonlyArray<T.TopicPartition & { readonly beforeOffset: number }>, options?: T.AdminCallOptions): T.ItemResults<T.DeletedRecords> {
    return this.perItem('deleteRecords', [...request], options, (pending, deadline) =>
      this.byLeader(pending, deadline, async (node, items) => {
        const response = await this.send(
          node,
          Api.DeleteRecords,
          {
            topics: groupByTopic(items).map(([name, ps]) => ({ name, partitions: ps.map((p) => ({ partitionIndex: p.partition, offset: p.beforeOffset })) })),
            timeoutMs: Math.max(0, deadline - Date.now()),
          },
          deadline,
        );
        return perPartition(
          response.topics,
          (topic, p): Outcome<T.DeletedRecords> =>
            p.errorCode !== NONE
              ? kafkaErrorFor(p.errorCode, `${topic}-${p.partitionIndex}`)
              : { topic, partition: p.partitionIndex, lowWatermark: p.lowWatermark },
        );
      }),
    );
  }

  // ---- leaders and replicas ----------------------------------------------------

  /**
   * Elects leaders on the controller: 'preferred' moves each partition's leadership to its
   * first replica when that one is in sync; 'unclean' gives a partition whose leader is down
   * the first live in-sync replica, else any live replica (records may be lost). Each
   * partition named resolves to itself once the controller's metadata shows its new leader,
   * or fails with ElectionNotNeededError, PreferredLeaderNotAvailableError,
   * EligibleLeadersNotAvailableError or UnknownTopicOrPartitionError, which are final, as in
   * Java's admin; only NOT_CONTROLLER and lost connections are retried. With null, every
   * partition is considered and the items are those the controller elected or could not
   * (not those that needed no election), in topic and partition order.
   */
  electLeaders(electionType: T.ElectionType, partitions: readonly T.TopicPartition[] | null, options?: T.AdminCallOptions): T.ItemResults<T.TopicPartition> {
    if (partitions !== null) {
      return this.perItem('electLeaders', partitions, options, async (pending, deadline) => {
        const answered = await this.sendElectLeaders(electionType, pending, deadline);
        return pending.map((tp) => answered.get(key(tp)) ?? new KafkaClientError(`no ElectLeaders result for ${partitionName(tp)}`));
      });
    }
    const answered = this.call('electLeaders', options, (deadline) => this.sendElectLeaders(electionType, null, deadline));
    return itemResults(answered.then((outcomes) => [...outcomes.values()]));
  }

  /** One ElectLeaders to the controller: each partition answered, by key, in topic and partition order. */
  private async sendElectLeaders(
    electionType: T.ElectionType,
    partitions: readonly T.TopicPartition[] | null,
    deadline: number,
  ): Promise<Map<string, Outcome<T.TopicPartition>>> {
    const response = await this.client.send(
      await this.controller(),
      Api.ElectLeaders,
      {
        electionType: ELECTION_TYPE[electionType],
        topicPartitions: partitions === null ? null : groupByTopic(partitions).map(([topic, ps]) => ({ topic, partitions: ps.map((p) => p.partition) })),
        timeoutMs: Math.max(0, deadline - Date.now()),
      },
      { minVersion: electionType === 'unclean' ? 1 : undefined, timeoutMs: Math.max(1, Math.min(this.config['request.timeout.ms'], deadline - Date.now())) },
    );
    if (response.errorCode !== NONE) throw kafkaErrorFor(response.errorCode, 'ElectLeaders');
    const results = response.replicaElectionResults
      .flatMap((t) =>
        t.partitionResult.map((p) => ({ tp: { topic: t.topic, partition: p.partitionId }, errorCode: p.errorCode, errorMessage: p.errorMessage })),
      )
      .sort((a, b) => compareTopicPartitions(a.tp, b.tp));
    return new Map(
      results.map(({ tp, errorCode, errorMessage }): [string, Outcome<T.TopicPartition>] => {
        if (errorCode === NONE) return [key(tp), tp];
        const error = kafkaErrorFor(errorCode, `${partitionName(tp)}${errorMessage ? `: ${errorMessage}` : ''}`);
        return [key(tp), errorCode === ErrorCode.NOT_CONTROLLER ? error : final(error)];
      }),
    );
  }

  /**
   * Moves partitions to new replicas, or (null) cancels their reassignment in progress,
   * which puts the original replicas back; on the controller, which answers once each
   * reassignment has started. One result per partition: InvalidReplicaAssignmentError,
   * NoReassignmentInProgressError and UnknownTopicOrPartitionError are final.
   */
  alterPartitionReassignments(
    reassignments: ReadonlyMap<T.TopicPartition, T.NewPartitionReassignment | null>,
    options?: T.AdminCallOptions,
  ): T.ItemResults<void> {
    const items = [...reassignments].map(([tp, r]) => ({ topic: tp.topic, partition: tp.partition, replicas: r === null ? null : [...r.targetReplicas] }));
    return this.perItem('alterPartitionReassignments', items, options, async (pending, deadline) => {
      const response = await this.send(
        await this.controller(),
        Api.AlterPartitionReassignments,
        {
          timeoutMs: Math.max(0, deadline - Date.now()),
          topics: groupByTopic(pending).map(([name, ps]) => ({ name, partitions: ps.map((p) => ({ partitionIndex: p.partition, replicas: p.replicas })) })),
        },
        deadline,
      );
      if (response.errorCode !== NONE) throw kafkaErrorFor(response.errorCode, response.errorMessage ?? 'AlterPartitionReassignments');
      const answered = new Map(response.responses.flatMap((t) => t.partitions.map((p) => [key({ topic: t.name, partition: p.partitionIndex }), p] as const)));
      return pending.map((tp) => {
        const r = answered.get(key(tp));
        if (!r) return new KafkaClientError(`no AlterPartitionReassignments result for ${partitionName(tp)}`);
        return r.errorCode === NONE ? undefined : final(kafkaErrorFor(r.errorCode, r.errorMessage ?? partitionName(tp)));
      });
    });
  }

  /** The reassignments in progress, of the partitions named or of all, sorted; partitions that are not moving are left out. */
  listPartitionReassignments(partitions?: readonly T.TopicPartition[], options?: T.AdminCallOptions): Promise<T.PartitionReassignment[]> {
    return this.call('listPartitionReassignments', options, async (deadline) => {
      const response = await this.send(
        await this.controller(),
        Api.ListPartitionReassignments,
        {
          timeoutMs: Math.max(0, deadline - Date.now()),
          topics: partitions === undefined ? null : groupByTopic(partitions).map(([name, ps]) => ({ name, partitionIndexes: ps.map((p) => p.partition) })),
        },
        deadline,
      );
      if (response.errorCode !== NONE) throw kafkaErrorFor(response.errorCode, response.errorMessage ?? 'ListPartitionReassignments');
      return response.topics
        .flatMap((t) =>
          t.partitions.map((p) => ({
            topic: t.name,
            partition: p.partitionIndex,
            replicas: p.replicas,
            addingReplicas: p.addingReplicas,
            removingReplicas: p.removingReplicas,
          })),
        )
        .sort(compareTopicPartitions);
    });
  }

  // ---- cluster -----------------------------------------------------------------

  describeCluster(options?: T.AdminCallOptions): Promise<T.ClusterDescription> {
    return this.call('describeCluster', options, async (deadline) => {
      const r = await this.send(await this.anyNode(), Api.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1 }, deadline);
      if (r.errorCode !== NONE) throw kafkaErrorFor(r.errorCode, r.errorMessage);
      const nodes: BrokerNode[] = r.brokers.map((b) => ({ id: b.brokerId, host: b.host, port: b.port, rack: b.rack ?? null }));
      return { clusterId: r.clusterId, controller: nodes.find((n) => n.id === r.controllerId) ?? null, nodes };
    });
  }

  /**
   * Each broker's log directories (DescribeLogDirs, asked of that broker): the partitions
   * each holds with their sizes, and the disk's total and usable bytes (-1 before v4). A
   * directory the broker cannot read has its error (KafkaStorageError) and no partitions.
   * One item per broker id; an id not in the cluster fails with LeaderNotAvailableError.
   */
  describeLogDirs(brokers: readonly number[], options?: T.AdminCallOptions): T.ItemResults<T.BrokerLogDirs> {
    return this.perItem('describeLogDirs', brokers, options, (pending, deadline) =>
      Promise.all(
        pending.map(async (broker): Promise<Outcome<T.BrokerLogDirs>> => {
          try {
            const node = await this.node(broker);
            const r = await this.send(node.id, Api.DescribeLogDirs, { topics: null }, deadline);
            if ((r.errorCode ?? NONE) !== NONE) return kafkaErrorFor(r.errorCode, `DescribeLogDirs on broker ${broker}`);
            const logDirs = r.results.map(
              (d): T.LogDirDescription => ({
                path: d.logDir,
                error: d.errorCode === NONE ? null : kafkaErrorFor(d.errorCode, `log dir ${d.logDir}`),
                replicas: d.topics.flatMap((t) =>
                  t.partitions.map((p) => ({
                    topic: t.name,
                    partition: p.partitionIndex,
                    size: p.partitionSize,
                    offsetLag: p.offsetLag,
                    isFuture: p.isFutureKey,
                  })),
                ),
                totalBytes: d.totalBytes ?? -1,
                usableBytes: d.usableBytes ?? -1,
              }),
            );
            return { broker, logDirs };
          } catch (e) {
            return e as Error;
          }
        }),
      ),
    );
  }

  // ---- SCRAM credentials (KIP-554) ---------------------------------------------

  /** Sets or deletes SCRAM credentials; one outcome per alteration, its user's (a user with any bad alteration has none applied). */
  alterUserScramCredentials(alterations: readonly T.UserScramCredentialAlteration[], options?: T.AdminCallOptions): T.ItemResults<void> {
    return this.perItem('alterUserScramCredentials', alterations, options, async (pending, deadline) => {
      const r = await this.send(await this.anyNode(), Api.AlterUserScramCredentials, alterUserScramCredentialsBody(pending), deadline);
      const byUser = new Map(r.results.map((u) => [u.user, u]));
      return pending.map((a) => {
        const u = byUser.get(a.user);
        if (!u) return new KafkaClientError(`no AlterUserScramCredentials result for ${a.user}`);
        return u.errorCode === NONE ? undefined : final(kafkaErrorFor(u.errorCode, u.errorMessage ?? `user ${a.user}`));
      });
    });
  }

  /** The SCRAM credentials of `users`, or of every user that has one when not given. */
  describeUserScramCredentials(users?: readonly string[], options?: T.AdminCallOptions): Promise<T.UserScramCredentialsDescription[]> {
    return this.call('describeUserScramCredentials', options, async (deadline) => {
      const r = await this.send(await this.anyNode(), Api.DescribeUserScramCredentials, { users: users ? users.map((name) => ({ name })) : null }, deadline);
      if (r.errorCode !== NONE) throw kafkaErrorFor(r.errorCode, r.errorMessage);
      const failed = r.results.find((u) => u.errorCode !== NONE);
      if (failed) throw final(kafkaErrorFor(failed.errorCode, failed.errorMessage ?? `user ${failed.user}`));
      return r.results.map((u) => ({ user: u.user, credentials: u.credentialInfos.map(credentialInfo) }));
    });
  }

  // ---- ACLs (KIP-140) -------------------------------------------------------------

  /** Adds ACL bindings; one outcome per binding (InvalidRequestError for a malformed one, SecurityDisabledError without an authorizer). */
  createAcls(bindings: readonly AclBinding[], options?: T.AdminCallOptions): T.ItemResults<void> {
    return this.perItem('createAcls', bindings, options, async (pending, deadline) =>
      createAclsOutcomes(await this.send(await this.anyNode(), Api.CreateAcls, createAclsBody(pending), deadline), pending.length),
    );
  }

  /** The ACL bindings a filter matches. */
  describeAcls(filter: AclBindingFilter, options?: T.AdminCallOptions): Promise<AclBinding[]> {
    return this.call('describeAcls', options, async (deadline) =>
      describedBindings(await this.send(await this.anyNode(), Api.DescribeAcls, filterFields(filter), deadline)),
    );
  }

  /** Removes the bindings each filter matches; one outcome per filter, the bindings it removed. */
  deleteAcls(filters: readonly AclBindingFilter[], options?: T.AdminCallOptions): T.ItemResults<AclBinding[]> {
    return this.perItem('deleteAcls', filters, options, async (pending, deadline) =>
      deleteAclsOutcomes(await this.send(await this.anyNode(), Api.DeleteAcls, { filters: pending.map(filterFields) }, deadline), pending.length),
    );
  }

  // ---- client quotas (KIP-546) ------------------------------------------------------

  /** Sets or removes quota values of users, client ids and their pairs (KIP-546), one result per entry. */
  alterClientQuotas(entries: readonly T.ClientQuotaAlteration[], options?: T.AlterConfigsOptions): T.ItemResults<void> {
    return this.perItem('alterClientQuotas', entries, options, async (pending, deadline) => {
      const r = await this.send(await this.anyNode(), Api.AlterClientQuotas, alterClientQuotasBody(pending, options?.validateOnly ?? false), deadline);
      return pending.map((_, i) => {
        const e = r.entries[i];
        if (!e) return new KafkaClientError('no AlterClientQuotas result for an entry');
        return e.errorCode === NONE ? undefined : final(kafkaErrorFor(e.errorCode, e.errorMessage ?? 'client quota entry'));
      });
    });
  }

  /** The quotas of the entities `filter` matches (every entity with quotas by default). */
  describeClientQuotas(filter: T.ClientQuotaFilter = { components: [] }, options?: T.AdminCallOptions): Promise<T.ClientQuotaDescription[]> {
    return this.call('describeClientQuotas', options, async (deadline) => {
      const r = await this.send(await this.anyNode(), Api.DescribeClientQuotas, describeClientQuotasBody(filter), deadline);
      if (r.errorCode !== NONE) throw final(kafkaErrorFor(r.errorCode, r.errorMessage));
      return clientQuotaDescriptions(r);
    });
  }

  // ---- groups ------------------------------------------------------------------

  /** Every group of every broker (ListGroups), optionally filtered by state or type. */
  listGroups(options?: T.ListGroupsOptions): Promise<T.GroupListing[]> {
    return this.groupListings('listGroups', options);
  }

  /** The consumer groups among them, as Java's listConsumerGroups: protocol type "consumer", or "" (groups made only of committed offsets). */
  async listConsumerGroups(options?: T.ListGroupsOptions): Promise<T.GroupListing[]> {
    const groups = await this.groupListings('listConsumerGroups', options);
    return groups.filter((g) => g.protocolType === CONSUMER_PROTOCOL_TYPE || g.protocolType === '');
  }

  private groupListings(name: string, options: T.ListGroupsOptions | undefined): Promise<T.GroupListing[]> {
    return this.call(name, options, async (deadline) => {
      const cluster = await this.cluster();
      const lists = await Promise.all(
        [...cluster.nodes.keys()].map(async (node) => {
          const r = await this.client.send(
            node,
            Api.ListGroups,
            { statesFilter: options?.states ?? [], typesFilter: options?.types ?? [] },
            {
              minVersion: options?.types?.length ? 5 : options?.states?.length ? 4 : undefined,
              timeoutMs: Math.max(1, Math.min(this.config['request.timeout.ms'], deadline - Date.now())),
            },
          );
          if (r.errorCode !== NONE) throw kafkaErrorFor(r.errorCode, `ListGroups on broker ${node}`);
          return r.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState ?? '', type: g.groupType ?? '' }));
        }),
      );
      return lists.flat().sort((a, b) => a.groupId.localeCompare(b.groupId));
    });
  }

  /** A request to each group's coordinator, the group being the item retried. */
  private perGroup<R>(
    name: string,
    groupIds: readonly string[],
    options: T.AdminCallOptions | undefined,
    request: (groupId: string, coordinator: BrokerNode, deadline: number) => Promise<Outcome<R>>,
  ): T.ItemResults<R> {
    return this.perItem(name, groupIds, options, (pending, deadline) =>
      Promise.all(
        pending.map(async (groupId) => {
          try {
            return await request(groupId, await this.coordinator(groupId, deadline), deadline);
          } catch (e) {
            return e as Error;
          }
        }),
      ),
    );
  }

  /** Groups of any protocol type. A group its coordinator does not know is Dead, with no members. */
  describeGroups(groupIds: readonly string[], options?: T.AdminCallOptions): T.ItemResults<T.GroupDescription> {
    return this.perGroup('describeGroups', groupIds, options, (groupId, coordinator, deadline) => this.describeGroup(groupId, coordinator, deadline));
  }

  /**
   * Consumer groups, as Java's describeConsumerGroups: a group of another
   * protocol type is refused. A group the coordinator does not know is Dead
   * (samsa's answer, and Kafka's before DescribeGroups v6), or
   * GroupIdNotFoundError from brokers that answer GROUP_ID_NOT_FOUND.
   */
  describeConsumerGroups(groupIds: readonly string[], options?: T.AdminCallOptions): T.ItemResults<T.GroupDescription> {
    return this.perGroup('describeConsumerGroups', groupIds, options, async (groupId, coordinator, deadline) => {
      const described = await this.describeGroup(groupId, coordinator, deadline);
      if (described instanceof Error || described.protocolType === '' || described.protocolType === CONSUMER_PROTOCOL_TYPE) return described;
      return new KafkaClientError(`GroupId ${groupId} is not a consumer group (${described.protocolType}).`);
    });
  }

  private async describeGroup(groupId: string, coordinator: BrokerNode, deadline: number): Promise<Outcome<T.GroupDescription>> {
    const r = await this.send(coordinator.id, Api.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false }, deadline);
    const g = r.groups[0];
    if (g.errorCode !== NONE) return kafkaErrorFor(g.errorCode, `group ${groupId}`);
    const consumer = g.protocolType === CONSUMER_PROTOCOL_TYPE;
    return {
      groupId: g.groupId,
      state: g.groupState,
      protocolType: g.protocolType,
      protocol: g.protocolData,
      coordinator,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? null,
        clientId: m.clientId,
        host: m.clientHost,
        memberMetadata: m.memberMetadata,
        memberAssignment: m.memberAssignment,
        assignment: consumer ? consumerAssignment(m.memberAssignment) : [],
      })),
    };
  }

  /** A group's committed offsets: of every partition it committed, or of the partitions named (-1 where none). */
  listConsumerGroupOffsets(groupId: string, options?: T.ListConsumerGroupOffsetsOptions): Promise<T.CommittedOffset[]> {
    const wanted = options?.partitions;
    const requireStable = options?.requireStable ?? false;
    return this.call('listConsumerGroupOffsets', options, async (deadline) => {
      const coordinator = await this.coordinator(groupId, deadline);
      const topics = wanted ? groupByTopic(wanted).map(([name, ps]) => ({ name, partitionIndexes: ps.map((p) => p.partition) })) : null;
      const r = await this.send(
        coordinator.id,
        Api.OffsetFetch,
        (version: number) => (version >= 8 ? { groups: [{ groupId, topics }], requireStable } : { groupId, topics, requireStable }),
        deadline,
      );
      const group = r.groups?.length ? r.groups[0] : r;
      if (group.errorCode !== NONE) throw kafkaErrorFor(group.errorCode, `group ${groupId}`);
      const offsets: T.CommittedOffset[] = [];
      for (const t of group.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== NONE) throw kafkaErrorFor(p.errorCode, `group ${groupId}, ${t.name}-${p.partitionIndex}`);
          if (p.committedOffset < 0 && !wanted) continue;
          offsets.push({
            topic: t.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch ?? -1,
            metadata: p.metadata ?? null,
          });
        }
      }
      return offsets.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    });
  }

  /**
   * Commits offsets for a group with no active members, as Kafka's admin
   * does: outside any generation, one result per offset.
   */
  alterConsumerGroupOffsets(groupId: string, offsets: readonly T.OffsetToCommit[], options?: T.AdminCallOptions): T.ItemResults<void> {
    return this.groupPartitions('alterConsumerGroupOffsets', groupId, offsets, options, async (coordinator, deadline) => {
      const r = await this.send(
        coordinator,
        Api.OffsetCommit,
        {
          groupId,
          generationIdOrMemberEpoch: -1,
          memberId: '',
          groupInstanceId: null,
          topics: groupByTopic(offsets).map(([name, ps]) => ({
            name,
            partitions: ps.map((p) => ({
              partitionIndex: p.partition,
              committedOffset: p.offset,
              committedLeaderEpoch: p.leaderEpoch ?? -1,
              commitTimestamp: -1,
              committedMetadata: p.metadata ?? '',
            })),
          })),
        },
        deadline,
      );
      return { errorCode: NONE, topics: r.topics };
    });
  }

  /**
   * Deletes a group's committed offsets of some partitions (OffsetDelete),
   * one result per partition; the group's own error (GROUP_ID_NOT_FOUND,
   * NON_EMPTY_GROUP, …) fails every partition, and awaited, the call, even
   * with no partitions.
   */
  deleteConsumerGroupOffsets(groupId: string, partitions: readonly T.TopicPartition[], options?: T.AdminCallOptions): T.ItemResults<void> {
    return this.groupPartitions('deleteConsumerGroupOffsets', groupId, partitions, options, (coordinator, deadline) =>
      this.send(
        coordinator,
        Api.OffsetDelete,
        { groupId, topics: groupByTopic(partitions).map(([name, ps]) => ({ name, partitions: ps.map((p) => ({ partitionIndex: p.partition })) })) },
        deadline,
      ),
    );
  }

  /**
   * One request about some partitions of a group, sent to its coordinator as
   * Java's admin sends it: the group is the item retried, while its
   * coordinator is loading, moved or down (answered for the group or for any
   * partition); any other error is final. Each partition's outcome is its own
   * error code, or the group's error.
   */
  private groupPartitions(
    name: string,
    groupId: string,
    partitions: readonly T.TopicPartition[],
    options: T.AdminCallOptions | undefined,
    request: (coordinator: number, deadline: number) => Promise<{ errorCode: number; topics: readonly PartitionsOfTopic<PartitionResult>[] }>,
  ): T.ItemResults<void> {
    const groupError = (code: number) => {
      const error = kafkaErrorFor(code, `group ${groupId}`);
      return COORDINATOR_ERRORS.has(code) ? error : final(error);
    };
    const answer = this.settle(name, [groupId], options, async (_, deadline) => {
      const r = await request((await this.coordinator(groupId, deadline)).id, deadline);
      if (r.errorCode !== NONE) return [groupError(r.errorCode)];
      const codes = new Map<string, number>();
      for (const t of r.topics) for (const p of t.partitions) codes.set(key({ topic: t.name, partition: p.partitionIndex }), p.errorCode);
      const moved = [...codes.values()].find((code) => COORDINATOR_ERRORS.has(code));
      return [moved === undefined ? codes : groupError(moved)];
    }).then(([outcome]) => outcome!);
    const outcomes = answer.then((codes) =>
      partitions.map((tp): Outcome<void> => {
        if (codes instanceof Error) return codes;
        const code = codes.get(key(tp));
        if (code === undefined) return new KafkaClientError(`no ${name} result for ${tp.topic}-${tp.partition}`);
        return code === NONE ? undefined : final(kafkaErrorFor(code, `group ${groupId}, ${tp.topic}-${tp.partition}`));
      }),
    );
    // Awaited: the group's error, else the first partition's.
    const all = answer.then((codes) => (codes instanceof Error ? Promise.reject(codes) : outcomes.then(allOf)));
    return itemResults(outcomes, all);
  }

  /** Deletes groups that have no members (NON_EMPTY_GROUP otherwise). */
  deleteConsumerGroups(groupIds: readonly string[], options?: T.AdminCallOptions): T.ItemResults<void> {
    return this.perGroup('deleteConsumerGroups', groupIds, options, async (groupId, coordinator, deadline): Promise<Outcome<void>> => {
      const r = await this.send(coordinator.id, Api.DeleteGroups, { groupsNames: [groupId] }, deadline);
      const result = r.results.find((x) => x.groupId === groupId);
      if (!result) return new KafkaClientError(`no DeleteGroups result for ${groupId}`);
      return result.errorCode === NONE ? undefined : kafkaErrorFor(result.errorCode, `group ${groupId}`);
    });
  }
}

/** A member's assignment in the consumer protocol, sorted; bytes that are not one are no assignment. */
function consumerAssignment(bytes: Buffer | null): T.TopicPartition[] {
  if (!bytes || bytes.length === 0) return [];
  try {
    const partitions: T.TopicPartition[] = decodeAssignment(bytes).partitions.map((tp: T.TopicPartition) => ({ topic: tp.topic, partition: tp.partition }));
    return partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  } catch {
    return [];
  }
}

function key(tp: T.TopicPartition): string {
  return tpKey(tp.topic, tp.partition);
}

function groupByTopic<P extends T.TopicPartition>(partitions: readonly P[]): Array<[string, P[]]> {
  const byTopic = new Map<string, P[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
  return [...byTopic];
}

function perPartition<P extends { partitionIndex: number }, R>(
  topics: readonly PartitionsOfTopic<P>[],
  read: (topic: string, partition: P) => Outcome<R>,
): Map<string, Outcome<R>> {
  const out = new Map<string, Outcome<R>>();
  for (const t of topics) for (const p of t.partitions) out.set(key({ topic: t.name, partition: p.partitionIndex }), read(t.name, p));
  return out;
}

/** A topic its mutation quota refused: tried again after the broker's throttle unless the caller asked not to (Java's retryOnQuotaViolation). */
function quotaViolation(message: string | null, throttleTimeMs: number, options: T.TopicMutationOptions | undefined): Error {
  const error = new ThrottlingQuotaExceededError(message, throttleTimeMs);
  return options?.retryOnQuotaViolation === false ? final(error) : error;
}
