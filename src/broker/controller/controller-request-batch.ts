import { ErrorCode, errorName } from '../../protocol/error-codes.js';
import type { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../../protocol/messages/leader-and-isr.js';
import type { StopReplicaRequest, StopReplicaResponse } from '../../protocol/messages/stop-replica.js';
import type { UpdateMetadataRequest } from '../../protocol/messages/update-metadata.js';
import type { Item, MessageData, MessageInput } from '../../protocol/schema/message-types.js';
import type { TopicPartition } from '../../zk/zk-data.js';
import { ControllerApi, type ControllerChannelManager, type ControllerLog, interBrokerEndpoint } from './controller-channel-manager.js';
import { type ControllerContext, tpKey } from './controller-context.js';
import { EPOCH_DURING_DELETE, LEADER_DURING_DELETE } from './leader-election.js';

type LeaderAndIsrInput = MessageInput<typeof LeaderAndIsrRequest>;
type LeaderAndIsrPartitionState = Item<LeaderAndIsrInput['ungroupedPartitionStates']> & { topicName: string };
type UpdateMetadataInput = MessageInput<typeof UpdateMetadataRequest>;
type UpdateMetadataPartitionState = Item<UpdateMetadataInput['ungroupedPartitionStates']> & { topicName: string };
type UpdateMetadataBroker = Item<UpdateMetadataInput['liveBrokers']>;
type StopReplicaInput = MessageInput<typeof StopReplicaRequest>;

export type StopReplicaResponseData = MessageData<typeof StopReplicaResponse>;
export type LeaderAndIsrResponseData = MessageData<typeof LeaderAndIsrResponse>;

/** Kafka's SecurityProtocol ids, which UpdateMetadata's endpoints carry. */
const SECURITY_PROTOCOL_IDS: Readonly<Record<string, number>> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };

interface StopReplicaEntry {
  tp: TopicPartition;
  deletePartition: boolean;
  leaderEpoch: number;
}

export interface BatchCallbacks {
  /** Each broker's answer to a StopReplica of this batch that deleted partitions. */
  onStopReplicaDeleteResponse?(brokerId: number, partitions: readonly TopicPartition[], response: StopReplicaResponseData): void;
}

/**
 * The requests one controller event produces (Kafka's ControllerBrokerRequestBatch),
 * collected per broker and sent together: LeaderAndIsr with each partition's state as the
 * context has it, UpdateMetadata (every LeaderAndIsr also refreshes the partition's
 * metadata on every broker), StopReplica. Every request carries the controller's id and
 * epoch and the target's broker epoch; each is built for the version the connection
 * negotiated. Nothing goes out once `sendable()` says the controller stopped acting.
 */
export class ControllerRequestBatch {
  private readonly leaderAndIsr = new Map<number, Map<string, { state: LeaderAndIsrPartitionState; leader: number }>>();
  private readonly updateMetadataBrokers = new Set<number>();
  private readonly updateMetadataPartitions = new Map<string, UpdateMetadataPartitionState>();
  private readonly stopReplica = new Map<number, Map<string, StopReplicaEntry>>();

  constructor(
    private readonly context: ControllerContext,
    private readonly channels: ControllerChannelManager,
    private readonly controllerId: number,
    private readonly interBrokerListenerName: string,
    private readonly sendable: () => boolean,
    private readonly log: ControllerLog,
  ) {}

  get isEmpty(): boolean {
    return this.leaderAndIsr.size === 0 && this.updateMetadataBrokers.size === 0 && this.stopReplica.size === 0;
  }

  /**
   * LeaderAndIsr for `tp` (its state and assignment as the context has them now) to each of
   * `brokerIds` that is registered, and UpdateMetadata for it to every registered broker.
   */
  addLeaderAndIsr(brokerIds: Iterable<number>, tp: TopicPartition, isNew = false): void {
    const state = this.context.partitionState(tp);
    const assignment = this.context.assignment(tp);
    if (state === undefined || assignment === undefined) return;
    const { leaderAndIsr, controllerEpoch } = state;
    for (const brokerId of brokerIds) {
      if (!this.context.isLive(brokerId, true)) continue;
      const perBroker = this.leaderAndIsr.get(brokerId) ?? new Map();
      perBroker.set(tpKey(tp), {
        leader: leaderAndIsr.leader,
        state: {
          topicName: tp.topic,
          partitionIndex: tp.partition,
          controllerEpoch,
          leader: leaderAndIsr.leader,
          leaderEpoch: leaderAndIsr.leaderEpoch,
          isr: leaderAndIsr.isr,
          partitionEpoch: leaderAndIsr.partitionEpoch,
          replicas: assignment.replicas,
          addingReplicas: assignment.addingReplicas,
          removingReplicas: assignment.removingReplicas,
          isNew,
          leaderRecoveryState: leaderAndIsr.leaderRecoveryState,
        },
      });
      this.leaderAndIsr.set(brokerId, perBroker);
    }
    this.addUpdateMetadata(this.context.liveOrShuttingDownBrokerIds(), [tp]);
  }

  /** StopReplica for `tp` to each of `brokerIds`; a topic being deleted is stopped whatever the leader epoch. */
  addStopReplica(brokerIds: Iterable<number>, tp: TopicPartition, deletePartition: boolean): void {
    const leaderEpoch = this.context.isTopicQueuedForDeletion(tp.topic)
      ? EPOCH_DURING_DELETE
      : (this.context.partitionState(tp)?.leaderAndIsr.leaderEpoch ?? -1);
    for (const brokerId of brokerIds) {
      if (!this.context.isLive(brokerId, true)) continue;
      const perBroker = this.stopReplica.get(brokerId) ?? new Map<string, StopReplicaEntry>();
      perBroker.set(tpKey(tp), { tp, deletePartition, leaderEpoch });
      this.stopReplica.set(brokerId, perBroker);
    }
  }

  /**
   * UpdateMetadata to `brokerIds` with the live brokers and the states of `partitions`
   * (none: the broker list alone). A topic being deleted goes out with leader -2, which tells
   * brokers to forget it.
   */
  addUpdateMetadata(brokerIds: Iterable<number>, partitions: Iterable<TopicPartition>): void {
    for (const id of brokerIds) if (this.context.isLive(id, true)) this.updateMetadataBrokers.add(id);
    for (const tp of partitions) {
      const state = this.context.partitionState(tp);
      if (state === undefined) continue;
      const deleting = this.context.isTopicQueuedForDeletion(tp.topic);
      this.updateMetadataPartitions.set(tpKey(tp), {
        topicName: tp.topic,
        partitionIndex: tp.partition,
        controllerEpoch: state.controllerEpoch,
        leader: deleting ? LEADER_DURING_DELETE : state.leaderAndIsr.leader,
        leaderEpoch: state.leaderAndIsr.leaderEpoch,
        isr: state.leaderAndIsr.isr,
        zkVersion: state.leaderAndIsr.partitionEpoch,
        replicas: this.context.replicas(tp),
        offlineReplicas: this.context.offlineReplicas(tp),
      });
    }
  }

  /** Sends what was collected, LeaderAndIsr first, then UpdateMetadata, then StopReplica, and starts empty again. */
  send(callbacks: BatchCallbacks = {}): void {
    try {
      if (!this.sendable()) {
        if (!this.isEmpty) this.log('warn', `not the active controller any more; requests of this event not sent`);
        return;
      }
      this.sendLeaderAndIsr();
      this.sendUpdateMetadata();
      this.sendStopReplica(callbacks);
    } finally {
      this.leaderAndIsr.clear();
      this.updateMetadataBrokers.clear();
      this.updateMetadataPartitions.clear();
      this.stopReplica.clear();
    }
  }

  private header(brokerId: number): { controllerId: number; controllerEpoch: number; brokerEpoch: bigint } {
    return { controllerId: this.controllerId, controllerEpoch: this.context.epoch, brokerEpoch: this.context.liveBroker(brokerId)?.epoch ?? -1n };
  }

  private sendLeaderAndIsr(): void {
    for (const [brokerId, partitions] of this.leaderAndIsr) {
      const states = [...partitions.values()].map((p) => p.state);
      const leaderIds = new Set([...partitions.values()].map((p) => p.leader));
      const liveLeaders = this.context
        .liveOrShuttingDownBrokers()
        .filter((b) => leaderIds.has(b.id))
        .flatMap((b) => {
          const endpoint = interBrokerEndpoint(b, this.interBrokerListenerName);
          return endpoint === undefined ? [] : [{ brokerId: b.id, hostName: endpoint.host, port: endpoint.port }];
        });
      const header = this.header(brokerId);
      const topicStates = groupByTopic(states).map(([topicName, partitionStates]) => ({ topicName, topicId: this.topicId(topicName), partitionStates }));
      this.channels.send(
        brokerId,
        ControllerApi.LeaderAndIsr,
        (version): LeaderAndIsrInput => ({
          ...header,
          type: 0,
          ungroupedPartitionStates: version < 2 ? states : [],
          topicStates: version < 2 ? [] : topicStates,
          liveLeaders,
        }),
        (response) => this.logLeaderAndIsrErrors(brokerId, response),
      );
    }
  }

  private sendUpdateMetadata(): void {
    if (this.updateMetadataBrokers.size === 0) return;
    const states = [...this.updateMetadataPartitions.values()];
    const topicStates = groupByTopic(states).map(([topicName, partitionStates]) => ({ topicName, topicId: this.topicId(topicName), partitionStates }));
    const liveBrokers = this.liveBrokersForMetadata();
    for (const brokerId of this.updateMetadataBrokers) {
      const header = this.header(brokerId);
      this.channels.send(
        brokerId,
        ControllerApi.UpdateMetadata,
        (version): UpdateMetadataInput => ({
          ...header,
          ungroupedPartitionStates: version < 5 ? states : [],
          topicStates: version < 5 ? [] : topicStates,
          liveBrokers,
        }),
        (response) => {
          if (response.errorCode !== ErrorCode.NONE) this.log('warn', `broker ${brokerId} answered UpdateMetadata with ${errorName(response.errorCode)}`);
        },
      );
    }
  }

  private sendStopReplica(callbacks: BatchCallbacks): void {
    for (const [brokerId, entries] of this.stopReplica) {
      const header = this.header(brokerId);
      // one request per delete flag, which versions before 3 carry once per request
      for (const deletePartitions of [false, true]) {
        const group = [...entries.values()].filter((e) => e.deletePartition === deletePartitions);
        if (group.length === 0) continue;
        const byTopic = groupByTopic(group.map((e) => ({ topicName: e.tp.topic, ...e })));
        this.channels.send(
          brokerId,
          ControllerApi.StopReplica,
          (version): StopReplicaInput => ({
            ...header,
            deletePartitions: version < 3 ? deletePartitions : false,
            ungroupedPartitions: version === 0 ? group.map((e) => ({ topicName: e.tp.topic, partitionIndex: e.tp.partition })) : [],
            topics: version >= 1 && version < 3 ? byTopic.map(([name, ps]) => ({ name, partitionIndexes: ps.map((p) => p.tp.partition) })) : [],
            topicStates:
              version >= 3
                ? byTopic.map(([topicName, ps]) => ({
                    topicName,
                    partitionStates: ps.map((p) => ({ partitionIndex: p.tp.partition, leaderEpoch: p.leaderEpoch, deletePartition: p.deletePartition })),
                  }))
                : [],
          }),
          (response) => {
            if (response.errorCode !== ErrorCode.NONE || response.partitionErrors.some((e) => e.errorCode !== ErrorCode.NONE)) {
              this.log(
                'warn',
                `broker ${brokerId} answered StopReplica with ${errorName(response.errorCode)} ${response.partitionErrors
                  .filter((e) => e.errorCode !== ErrorCode.NONE)
                  .map((e) => `${e.topicName}-${e.partitionIndex}: ${errorName(e.errorCode)}`)
                  .join(', ')}`,
              );
            }
            if (deletePartitions)
              callbacks.onStopReplicaDeleteResponse?.(
                brokerId,
                group.map((e) => e.tp),
                response,
              );
          },
        );
      }
    }
  }

  private liveBrokersForMetadata(): UpdateMetadataBroker[] {
    return this.context.liveOrShuttingDownBrokers().map((b) => {
      const plaintext = b.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
      return {
        id: b.id,
        v0Host: plaintext?.host ?? '',
        v0Port: plaintext?.port ?? -1,
        endpoints: b.endpoints.map((e) => ({
          port: e.port,
          host: e.host ?? '',
          listener: e.listenerName,
          securityProtocol: SECURITY_PROTOCOL_IDS[e.securityProtocol] ?? -1,
        })),
        rack: b.rack,
      };
    });
  }

  private topicId(topic: string): Buffer {
    return this.context.topicId(topic) ?? Buffer.alloc(16);
  }

  private logLeaderAndIsrErrors(brokerId: number, response: LeaderAndIsrResponseData): void {
    const failed = [
      ...response.partitionErrors.filter((e) => e.errorCode !== ErrorCode.NONE).map((e) => `${e.topicName}-${e.partitionIndex}: ${errorName(e.errorCode)}`),
      ...response.topics.flatMap((t) =>
        t.partitionErrors
          .filter((e) => e.errorCode !== ErrorCode.NONE)
          .map((e) => `${t.topicId.toString('hex')}/${e.partitionIndex}: ${errorName(e.errorCode)}`),
      ),
    ];
    if (response.errorCode !== ErrorCode.NONE || failed.length > 0) {
      this.log('warn', `broker ${brokerId} answered LeaderAndIsr with ${errorName(response.errorCode)} ${failed.join(', ')}`);
    }
  }
}

function groupByTopic<T extends { topicName: string }>(items: readonly T[]): Array<[string, T[]]> {
  const byTopic = new Map<string, T[]>();
  for (const item of items) byTopic.set(item.topicName, [...(byTopic.get(item.topicName) ?? []), item]);
  return [...byTopic];
}
