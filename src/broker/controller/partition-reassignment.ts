import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import type { ReplicaAssignment, TopicPartition } from '../../zk/zk-data.js';
import type { ControllerLog } from './controller-channel-manager.js';
import { tpKey, type ControllerContext } from './controller-context.js';
import type { ControllerRequestBatch } from './controller-request-batch.js';
import type { PartitionStateMachine, StateChangeFailure } from './partition-state-machine.js';

/** The replicas a reassignment moves a partition to: its replicas less those being removed. */
export function targetReplicas(assignment: ReplicaAssignment): number[] {
  return assignment.replicas.filter((r) => !assignment.removingReplicas.includes(r));
}

/**
 * The assignment while a partition moves from its current replicas to `target` (Kafka's
 * ReplicaAssignment.reassignTo): the target replicas first, then the original ones, with
 * those to add and those to remove. A new target replaces one still in progress.
 */
export function reassignTo(current: ReplicaAssignment, target: readonly number[]): ReplicaAssignment {
  const origin = current.replicas.filter((r) => !current.addingReplicas.includes(r));
  const replicas = [...new Set([...target, ...origin])];
  return { replicas, addingReplicas: replicas.filter((r) => !origin.includes(r)), removingReplicas: replicas.filter((r) => !target.includes(r)) };
}

const sameReplicas = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((r, i) => r === b[i]);

/**
 * Partition reassignment asked for in /admin/reassign_partitions (Kafka's reassignment in
 * ZooKeeper mode, KIP-455). Phase A: the topic's znode gets the original and target replicas
 * together (with the adding and removing ones), the leader epoch moves on and every replica
 * hears of it, the new replicas start following. Phase B, once every target replica is in the
 * ISR (leaders announce ISR changes): the assignment becomes the target, a leader outside it
 * (or down) is replaced by the first live in-sync target replica, the removed replicas leave
 * the ISR and delete their copies, the znode and /admin/reassign_partitions are updated and
 * every broker gets the partition's metadata.
 */
export class PartitionReassignments {
  private readonly reassigning = new Map<string, TopicPartition>();

  constructor(
    private readonly context: ControllerContext,
    private readonly zk: KafkaZkClient,
    private readonly partitions: PartitionStateMachine,
    private readonly log: ControllerLog,
  ) {}

  /** Whether a partition of the topic is being reassigned (its deletion waits). */
  isReassigning(topic: string): boolean {
    return [...this.reassigning.values()].some((tp) => tp.topic === topic);
  }

  /** Becoming the controller: reassignments the topics' znodes show in progress continue, then what /admin/reassign_partitions asks. */
  async resume(batch: ControllerRequestBatch): Promise<void> {
    for (const p of [...this.context.allPartitions()]) {
      if (p.assignment.addingReplicas.length > 0 || p.assignment.removingReplicas.length > 0) await this.reassign(p.tp, targetReplicas(p.assignment), batch);
    }
    await this.onZkReassignment(batch);
  }

  /** /admin/reassign_partitions was written: starts what it asks for; a request that cannot be served is removed from it. */
  async onZkReassignment(batch: ControllerRequestBatch): Promise<void> {
    const refused = new Set<string>();
    for (const { tp, replicas } of await this.zk.getPartitionReassignment()) {
      const problem = this.validate(tp, replicas);
      if (problem !== undefined) {
        this.log('warn', `reassignment of ${tpKey(tp)} to ${replicas.join(',')} refused: ${problem}`);
        refused.add(tpKey(tp));
        continue;
      }
      const current = this.context.assignment(tp)!;
      if (this.reassigning.has(tpKey(tp)) && sameReplicas(targetReplicas(current), replicas)) continue;
      await this.reassign(tp, replicas, batch);
    }
    if (refused.size > 0) await this.removeFromZk(refused);
  }

  /** ISRs changed: reassignments whose target replicas are all in sync now complete. */
  async onIsrChange(partitions: readonly TopicPartition[], batch: ControllerRequestBatch): Promise<void> {
    for (const tp of partitions) {
      if (this.reassigning.has(tpKey(tp)) && this.isComplete(tp)) await this.complete(tp, batch);
    }
  }

  /** Brokers started: reassignments moving partitions to them tell them again. */
  async onBrokersStarted(ids: readonly number[], batch: ControllerRequestBatch): Promise<void> {
    for (const tp of [...this.reassigning.values()]) {
      const assignment = this.context.assignment(tp);
      if (assignment !== undefined && assignment.addingReplicas.some((r) => ids.includes(r))) {
        this.logFailures(await this.partitions.bumpLeaderEpoch([tp], batch));
        batch.addLeaderAndIsr(assignment.addingReplicas.filter((r) => ids.includes(r)), tp, true);
      }
    }
  }

  reset(): void {
    this.reassigning.clear();
  }

  private validate(tp: TopicPartition, replicas: readonly number[]): string | undefined {
    if (this.context.assignment(tp) === undefined || this.context.isTopicQueuedForDeletion(tp.topic)) return 'the partition does not exist';
    if (replicas.length === 0) return 'no replicas';
    if (new Set(replicas).size !== replicas.length) return 'a broker is named twice';
    return undefined;
  }

  private async reassign(tp: TopicPartition, target: readonly number[], batch: ControllerRequestBatch): Promise<void> {
    const current = this.context.assignment(tp)!;
    const next = reassignTo(current, target);
    this.reassigning.set(tpKey(tp), tp);
    this.log('info', `reassigning ${tpKey(tp)} from ${current.replicas.join(',')} to ${target.join(',')}`);
    if (!sameReplicas(current.replicas, next.replicas) || !sameReplicas(current.addingReplicas, next.addingReplicas) || !sameReplicas(current.removingReplicas, next.removingReplicas)) {
      this.context.setAssignment(tp, next);
      await this.writeAssignment(tp.topic);
    }
    await this.refreshState(tp);
    if (this.isComplete(tp)) {
      await this.complete(tp, batch);
      return;
    }
    this.logFailures(await this.partitions.bumpLeaderEpoch([tp], batch));
    batch.addLeaderAndIsr(next.addingReplicas, tp, true);
  }

  private isComplete(tp: TopicPartition): boolean {
    const assignment = this.context.assignment(tp);
    const isr = this.context.partitionState(tp)?.leaderAndIsr.isr;
    return assignment !== undefined && isr !== undefined && targetReplicas(assignment).every((r) => isr.includes(r));
  }

  private async complete(tp: TopicPartition, batch: ControllerRequestBatch): Promise<void> {
    const assignment = this.context.assignment(tp)!;
    const target = targetReplicas(assignment);
    const removing = assignment.removingReplicas;
    this.context.setAssignment(tp, { replicas: target, addingReplicas: [], removingReplicas: [] });
    const leader = this.context.partitionState(tp)?.leaderAndIsr.leader ?? -1;
    if (!target.includes(leader) || !this.context.isLive(leader)) {
      const { failed } = await this.partitions.electLeaders([tp], { kind: 'reassign', targets: new Map([[tpKey(tp), target]]) }, batch);
      this.logFailures(failed);
    } else {
      this.logFailures(await this.partitions.bumpLeaderEpoch([tp], batch));
    }
    for (const replica of removing) {
      this.logFailures(await this.partitions.removeReplicaFromIsr([tp], replica, batch));
      batch.addStopReplica([replica], tp, true);
    }
    await this.writeAssignment(tp.topic);
    this.reassigning.delete(tpKey(tp));
    await this.removeFromZk(new Set([tpKey(tp)]));
    batch.addUpdateMetadata(this.context.liveOrShuttingDownBrokerIds(), [tp]);
    this.log('info', `reassignment of ${tpKey(tp)} to ${target.join(',')} completed`);
  }

  private async refreshState(tp: TopicPartition): Promise<void> {
    const state = await this.zk.getTopicPartitionState(tp);
    if (state !== undefined) this.context.setPartitionState(tp, state);
  }

  private async writeAssignment(topic: string): Promise<void> {
    await this.zk.setTopicAssignment(topic, this.context.topicId(topic) ?? null, this.context.topicAssignment(topic), this.context.epochZkVersion);
  }

  /** Takes finished or refused partitions out of /admin/reassign_partitions, deleting it once empty. */
  private async removeFromZk(keys: ReadonlySet<string>): Promise<void> {
    if (!(await this.zk.reassignPartitionsInProgress())) return;
    const remaining = (await this.zk.getPartitionReassignment()).filter(({ tp }) => !keys.has(tpKey(tp)));
    if (remaining.length === 0) await this.zk.deletePartitionReassignment(this.context.epochZkVersion);
    else await this.zk.setPartitionReassignment(remaining, this.context.epochZkVersion);
  }

  private logFailures(failures: readonly StateChangeFailure[]): void {
    if (failures.length > 0) this.log('warn', `reassignment: ${failures.map((f) => f.reason).join('; ')}`);
  }
}
