import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import { type LeaderAndIsr, type LeaderIsrAndControllerEpoch, type TopicPartition, ZkDataError } from '../../zk/zk-data.js';
import { isCode } from '../../zk/zookeeper-client.js';
import type { ControllerLog } from './controller-channel-manager.js';
import { type ControllerContext, tpKey } from './controller-context.js';
import type { ControllerRequestBatch } from './controller-request-batch.js';
import {
  electControlledShutdownLeader,
  electOfflineLeader,
  electPreferredLeader,
  electReassignedLeader,
  withNewLeader,
  withoutReplicaInIsr,
} from './leader-election.js';

/** Which election to run (Kafka's PartitionLeaderElectionStrategy). */
export type ElectionStrategy =
  /**
   * `excluding`: brokers that may not lead although registered (they restarted and lost their
   * state). `allowUnclean`: an out-of-sync replica may lead whatever unclean.leader.election.enable
   * says (an unclean election an admin asked for).
   */
  | { kind: 'offline'; excluding?: ReadonlySet<number>; allowUnclean?: boolean }
  | { kind: 'preferred' }
  | { kind: 'controlledShutdown' }
  /** Leader from the reassignment's target replicas. */
  | { kind: 'reassign'; targets: ReadonlyMap<string, readonly number[]> };

/** Why a partition got no new state. */
export interface StateChangeFailure {
  tp: TopicPartition;
  reason: string;
}

export interface ElectionResults {
  elected: TopicPartition[];
  failed: StateChangeFailure[];
}

/** The unclean.leader.election.enable of a topic: its own config, else the broker's. */
export type UncleanElectionSetting = (topic: string) => Promise<boolean>;

/**
 * The partition state changes the controller makes (the parts of Kafka's
 * PartitionStateMachine and ReplicaStateMachine that write state): new partitions' first
 * leader and ISR, leader elections, and replicas taken out of ISRs. Every change starts from
 * the state znode as it is now (leaders write ISR changes there themselves), is written
 * conditional on that znode's version and fenced by the controller epoch's, is tried again
 * on a version conflict, and lands in the context and in the batch (LeaderAndIsr to the
 * partition's live replicas, UpdateMetadata to every broker). A ControllerMovedError from
 * ZooKeeper propagates: the controller must resign.
 */
export class PartitionStateMachine {
  constructor(
    private readonly context: ControllerContext,
    private readonly zk: KafkaZkClient,
    private readonly uncleanLeaderElectionEnable: UncleanElectionSetting,
    private readonly log: ControllerLog,
  ) {}

  /**
   * New partitions (Kafka's NewPartition → OnlinePartition): leader = the first live
   * replica, ISR = the live replicas, state znode created; LeaderAndIsr (isNew) to the live
   * replicas. A partition with no live replica stays without state, and a partition whose
   * state exists already (a previous controller made it) is taken as it is.
   */
  async initializeNewPartitions(partitions: readonly TopicPartition[], batch: ControllerRequestBatch): Promise<StateChangeFailure[]> {
    const failed: StateChangeFailure[] = [];
    const creates: Array<{ tp: TopicPartition; state: LeaderIsrAndControllerEpoch }> = [];
    for (const tp of partitions) {
      const live = this.context.replicas(tp).filter((id) => this.context.isLive(id));
      if (live.length === 0) {
        failed.push({ tp, reason: `no replica of ${tpKey(tp)} (${this.context.replicas(tp).join(',')}) is alive` });
        continue;
      }
      creates.push({
        tp,
        state: {
          leaderAndIsr: { leader: live[0]!, leaderEpoch: 0, isr: live, leaderRecoveryState: 0, partitionEpoch: 0 },
          controllerEpoch: this.context.epoch,
        },
      });
    }
    if (creates.length === 0) return failed;
    const existing: TopicPartition[] = [];
    for (const result of await this.zk.createTopicPartitionStates(creates, this.context.epochZkVersion)) {
      if (result.ok) {
        this.context.setPartitionState(result.tp, { leaderAndIsr: result.value, controllerEpoch: this.context.epoch });
        batch.addLeaderAndIsr(this.liveReplicas(result.tp), result.tp, true);
      } else if (isCode(result.error, 'NODEEXISTS')) {
        existing.push(result.tp);
      } else {
        failed.push({ tp: result.tp, reason: `creating the state of ${tpKey(result.tp)} failed: ${result.error.message}` });
      }
    }
    for (const tp of existing) {
      try {
        const state = await this.zk.getTopicPartitionState(tp);
        if (state === undefined) continue;
        this.context.setPartitionState(tp, state);
        batch.addLeaderAndIsr(this.liveReplicas(tp), tp);
      } catch (error) {
        if (!(error instanceof ZkDataError)) throw error;
        failed.push({ tp, reason: error.message });
      }
    }
    return failed;
  }

  /** Elects leaders for the partitions whose leader is not live (Kafka's triggerOnlinePartitionStateChange), new ones first given state. */
  async electOfflinePartitions(batch: ControllerRequestBatch): Promise<ElectionResults> {
    const withoutState: TopicPartition[] = [];
    const offline: TopicPartition[] = [];
    for (const p of this.context.allPartitions()) {
      if (this.context.isTopicQueuedForDeletion(p.tp.topic)) continue;
      if (p.state === undefined) withoutState.push(p.tp);
      else if (!this.context.isLive(p.state.leaderAndIsr.leader)) offline.push(p.tp);
    }
    const failed = withoutState.length > 0 ? await this.initializeNewPartitions(withoutState, batch) : [];
    const results = offline.length > 0 ? await this.electLeaders(offline, { kind: 'offline' }, batch) : { elected: [], failed: [] };
    return { elected: results.elected, failed: [...failed, ...results.failed] };
  }

  /**
   * Elects new leaders by `strategy` (Kafka's doElectLeaderForPartitions), reading each
   * partition's state afresh, writing the new ones and sending LeaderAndIsr to the replicas
   * that should hear of it.
   */
  async electLeaders(partitions: readonly TopicPartition[], strategy: ElectionStrategy, batch: ControllerRequestBatch): Promise<ElectionResults> {
    const elected: TopicPartition[] = [];
    const failed: StateChangeFailure[] = [];
    await this.updateStates(
      partitions,
      failed,
      async (tp, current) => {
        if (strategy.kind === 'preferred' && current.leader === this.context.replicas(tp)[0]) {
          failed.push({ tp, reason: `${tpKey(tp)} is led by its preferred replica already` });
          return undefined;
        }
        const next = await this.elect(tp, current, strategy);
        if (next === undefined)
          failed.push({
            tp,
            reason: `no replica of ${tpKey(tp)} can lead by ${strategy.kind} election (replicas ${this.context.replicas(tp).join(',')}, ISR ${current.isr.join(',')})`,
          });
        return next;
      },
      (tp) => {
        elected.push(tp);
        // a broker shutting down hears that it no longer leads
        batch.addLeaderAndIsr(this.liveReplicas(tp, strategy.kind === 'controlledShutdown'), tp);
      },
    );
    return { elected, failed };
  }

  /**
   * Moves the partitions' leader epochs on with leader and ISR unchanged (a reassignment
   * changing the replicas), telling every live replica.
   */
  async bumpLeaderEpoch(partitions: readonly TopicPartition[], batch: ControllerRequestBatch): Promise<StateChangeFailure[]> {
    const failed: StateChangeFailure[] = [];
    await this.updateStates(
      partitions,
      failed,
      async (_tp, current) => withNewLeader(current, current.leader, current.isr),
      (tp) => batch.addLeaderAndIsr(this.liveReplicas(tp), tp),
    );
    return failed;
  }

  /**
   * Takes `replica` out of the partitions' ISRs (Kafka's OfflineReplica transition): the
   * leader epoch moves on, a leader leaving makes the partition leaderless; LeaderAndIsr to
   * the other replicas. Partitions it is not in are left as they are.
   */
  async removeReplicaFromIsr(partitions: readonly TopicPartition[], replica: number, batch: ControllerRequestBatch): Promise<StateChangeFailure[]> {
    const failed: StateChangeFailure[] = [];
    await this.updateStates(
      partitions,
      failed,
      async (_tp, current) => withoutReplicaInIsr(current, replica),
      (tp) => {
        if (!this.context.isTopicQueuedForDeletion(tp.topic))
          batch.addLeaderAndIsr(
            this.context.replicas(tp).filter((id) => id !== replica),
            tp,
          );
      },
    );
    return failed;
  }

  /**
   * Reads the partitions' states, asks `change` for each new state (undefined: no change),
   * writes them conditionally and calls `written` for each success; partitions whose znode
   * moved on meanwhile are read and tried again.
   */
  private async updateStates(
    partitions: readonly TopicPartition[],
    failed: StateChangeFailure[],
    change: (tp: TopicPartition, current: LeaderAndIsr) => Promise<LeaderAndIsr | undefined>,
    written: (tp: TopicPartition) => void,
  ): Promise<void> {
    let remaining = [...partitions];
    while (remaining.length > 0) {
      const read = await this.zk.getTopicPartitionStates(remaining);
      const found = new Set(read.map((r) => tpKey(r.tp)));
      for (const tp of remaining) if (!found.has(tpKey(tp))) failed.push({ tp, reason: `${tpKey(tp)} has no state znode` });
      const updates: Array<{ tp: TopicPartition; leaderAndIsr: LeaderAndIsr }> = [];
      for (const { tp, state } of read) {
        if (state.controllerEpoch > this.context.epoch) {
          failed.push({ tp, reason: `${tpKey(tp)}'s state was written by controller epoch ${state.controllerEpoch}, newer than ours (${this.context.epoch})` });
          continue;
        }
        this.context.setPartitionState(tp, state);
        const next = await change(tp, state.leaderAndIsr);
        if (next !== undefined) updates.push({ tp, leaderAndIsr: next });
      }
      if (updates.length === 0) return;
      const { finished, retry } = await this.zk.updateLeaderAndIsr(updates, this.context.epoch, this.context.epochZkVersion);
      for (const result of finished) {
        if (!result.ok) {
          failed.push({ tp: result.tp, reason: `writing the state of ${tpKey(result.tp)} failed: ${result.error.message}` });
          continue;
        }
        this.context.setPartitionState(result.tp, { leaderAndIsr: result.value, controllerEpoch: this.context.epoch });
        written(result.tp);
      }
      remaining = retry;
    }
  }

  private async elect(tp: TopicPartition, current: LeaderAndIsr, strategy: ElectionStrategy): Promise<LeaderAndIsr | undefined> {
    const replicas = this.context.replicas(tp);
    const excluded = strategy.kind === 'offline' ? strategy.excluding : undefined;
    const live = new Set(replicas.filter((id) => this.context.isLive(id) && !excluded?.has(id)));
    switch (strategy.kind) {
      case 'offline': {
        const clean = electOfflineLeader(current, replicas, live, false);
        if (clean !== undefined) return clean;
        // only now, as Kafka, is the topic's own setting read
        if (!strategy.allowUnclean && !(await this.uncleanLeaderElectionEnable(tp.topic))) return undefined;
        const unclean = electOfflineLeader(current, replicas, live, true);
        if (unclean !== undefined)
          this.log(
            'warn',
            `unclean leader election for ${tpKey(tp)}: broker ${unclean.leader} leads without having been in the ISR (${current.isr.join(',')}); records may be lost`,
          );
        return unclean;
      }
      case 'preferred':
        return electPreferredLeader(current, replicas, live);
      case 'controlledShutdown':
        return electControlledShutdownLeader(
          current,
          replicas,
          new Set(replicas.filter((id) => this.context.isLive(id, true))),
          this.context.shuttingDownBrokerIds,
        );
      case 'reassign':
        return electReassignedLeader(current, strategy.targets.get(tpKey(tp)) ?? replicas, live);
    }
  }

  /** The partition's replicas on live brokers (with or without those shutting down). */
  private liveReplicas(tp: TopicPartition, includeShuttingDown = false): number[] {
    return this.context.replicas(tp).filter((id) => this.context.isLive(id, includeShuttingDown));
  }
}
