import { ErrorCode } from '../../protocol/error-codes.js';
import { ControllerMovedError, type KafkaZkClient } from '../../zk/kafka-zk-client.js';
import type { ReplicaAssignment, TopicPartition } from '../../zk/zk-data.js';
import type { OngoingReassignment, ReassignmentRequest, ReassignmentResult } from './controller-admin.js';
import type { ControllerLog } from './controller-channel-manager.js';
import { type ControllerContext, distinctPartitions, tpKey } from './controller-context.js';
import type { ControllerRequestBatch } from './controller-request-batch.js';
import { NO_LEADER } from './leader-election.js';
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
  const origin = originReplicas(current);
  const replicas = [...new Set([...target, ...origin])];
  return { replicas, addingReplicas: replicas.filter((r) => !origin.includes(r)), removingReplicas: replicas.filter((r) => !target.includes(r)) };
}

/** The replicas a partition had before its reassignment began (Kafka's originReplicas). */
export function originReplicas(assignment: ReplicaAssignment): number[] {
  return assignment.replicas.filter((r) => !assignment.addingReplicas.includes(r));
}

/** Whether a reassignment of the partition is in progress. */
export const isBeingReassigned = (assignment: ReplicaAssignment): boolean => assignment.addingReplicas.length > 0 || assignment.removingReplicas.length > 0;

/**
 * Why an AlterPartitionReassignments target cannot be taken (Kafka's INVALID_REPLICA_ASSIGNMENT),
 * or undefined: an empty list, a broker named twice or a negative id, or a broker to add that
 * is not live (`live`: registered and not shutting down). `current` is undefined for a
 * partition that does not exist (every target replica is then one to add).
 */
export function invalidReassignment(current: ReplicaAssignment | undefined, target: readonly number[], live: ReadonlySet<number>): string | undefined {
  if (target.length === 0) return 'the replica list is empty';
  if (new Set(target).size !== target.length) return `a broker is named twice in the replica list ${target.join(',')}`;
  if (target.some((id) => id < 0)) return `the replica list ${target.join(',')} has an invalid broker id`;
  const notLive = reassignTo(current ?? NO_ASSIGNMENT, target).addingReplicas.filter((id) => !live.has(id));
  if (notLive.length > 0)
    return `the replicas to add include brokers that are not alive (${notLive.join(',')}); live brokers: ${[...live].sort((a, b) => a - b).join(',')}`;
  return undefined;
}

const NO_ASSIGNMENT: ReplicaAssignment = { replicas: [], addingReplicas: [], removingReplicas: [] };
const sameReplicas = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((r, i) => r === b[i]);
const sameAssignment = (a: ReplicaAssignment, b: ReplicaAssignment): boolean =>
  sameReplicas(a.replicas, b.replicas) && sameReplicas(a.addingReplicas, b.addingReplicas) && sameReplicas(a.removingReplicas, b.removingReplicas);

/**
 * Partition reassignment (Kafka's reassignment in ZooKeeper mode, KIP-455), asked for in
 * /admin/reassign_partitions or by AlterPartitionReassignments: two ways into the same
 * machinery, the latest request for a partition winning. Phase A: the topic's znode gets the
 * original and target replicas together (with the adding and removing ones), the leader epoch
 * moves on and every replica hears of it, the new replicas start following. Phase B, once
 * every target replica is in the ISR (leaders announce ISR changes): the assignment becomes
 * the target, a leader outside it (or down) is replaced by the first live in-sync target
 * replica, the removed replicas leave the ISR and delete their copies, the znode and
 * /admin/reassign_partitions are updated and every broker gets the partition's metadata. A
 * cancellation is a reassignment back to the original replicas (Kafka's originReplicas: in
 * the order the reassignment lists them), which completes at once.
 */
export class PartitionReassignments {
  private readonly reassigning = new Map<string, TopicPartition>();
  /** When each partition's reassignment began, for the progress its completion reports. */
  private readonly startedAt = new Map<string, number>();

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
      if (isBeingReassigned(p.assignment)) await this.reassign(p.tp, targetReplicas(p.assignment), batch);
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
      if (assignment?.addingReplicas.some((r) => ids.includes(r))) {
        this.logFailures(await this.partitions.bumpLeaderEpoch([tp], batch));
        batch.addLeaderAndIsr(
          assignment.addingReplicas.filter((r) => ids.includes(r)),
          tp,
          true,
        );
      }
    }
  }

  /**
   * AlterPartitionReassignments (Kafka's processApiPartitionReassignment): each partition's
   * target is checked, then its reassignment starts (or, with no target, the one in progress
   * goes back to the original replicas); these partitions leave /admin/reassign_partitions.
   * Resolves once each has started or was refused; a ControllerMovedError propagates.
   */
  async onApiReassignment(requests: readonly ReassignmentRequest[], batch: ControllerRequestBatch): Promise<ReassignmentResult[]> {
    // the last request for a partition counts, as in Kafka's map of them
    const latest = new Map(requests.map((r) => [tpKey(r.tp), r]));
    const results = new Map<string, ReassignmentResult>();
    const refuse = (tp: TopicPartition, errorCode: number, errorMessage: string) => results.set(tpKey(tp), { tp, errorCode, errorMessage });
    const toStart: Array<{ tp: TopicPartition; target: readonly number[] }> = [];
    const live = this.context.liveBrokerIds();
    for (const { tp, replicas } of latest.values()) {
      const current = this.context.assignment(tp);
      const problem = replicas === null ? undefined : invalidReassignment(current, replicas, live);
      if (problem !== undefined) refuse(tp, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Invalid reassignment of ${tpKey(tp)}: ${problem}.`);
      else if (replicas === null && !(current && isBeingReassigned(current)))
        refuse(tp, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `No reassignment of ${tpKey(tp)} is in progress.`);
      else if (current === undefined || this.context.isTopicQueuedForDeletion(tp.topic))
        refuse(tp, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'The partition does not exist.');
      else toStart.push({ tp, target: replicas ?? originReplicas(current) });
    }
    await this.removeFromZk(new Set(toStart.map(({ tp }) => tpKey(tp))));
    for (const { tp, target } of toStart) {
      try {
        await this.reassign(tp, target, batch);
        results.set(tpKey(tp), { tp, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (error) {
        if (error instanceof ControllerMovedError) throw error;
        this.log('error', `reassigning ${tpKey(tp)} failed: ${(error as Error).stack}`);
        refuse(tp, ErrorCode.UNKNOWN_SERVER_ERROR, (error as Error).message);
      }
    }
    return [...latest.keys()].map((key) => results.get(key)!);
  }

  /** ListPartitionReassignments: the partitions named (null: all) whose reassignment is in progress, with their replicas. */
  ongoing(partitions: readonly TopicPartition[] | null): OngoingReassignment[] {
    const candidates = partitions === null ? [...this.context.allPartitions()].map((p) => p.tp) : distinctPartitions(partitions);
    return candidates.flatMap((tp) => {
      const assignment = this.context.assignment(tp);
      return assignment !== undefined && isBeingReassigned(assignment) ? [{ tp, assignment }] : [];
    });
  }

  reset(): void {
    this.reassigning.clear();
    this.startedAt.clear();
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
    if (!this.startedAt.has(tpKey(tp))) this.startedAt.set(tpKey(tp), Date.now());
    this.log('info', `reassigning ${tpKey(tp)} from ${current.replicas.join(',')} to ${target.join(',')} (${this.reassigning.size} partitions moving)`);
    if (!sameAssignment(current, next)) {
      this.context.setAssignment(tp, next);
      await this.writeAssignment(tp.topic);
      // replicas an earlier target was adding that this one does not keep (a cancellation's) go at once
      const unneeded = current.replicas.filter((r) => !next.replicas.includes(r));
      if (unneeded.length > 0) await this.stopRemovedReplicas(tp, unneeded, batch);
    }
    await this.refreshState(tp);
    if (this.isComplete(tp)) {
      await this.complete(tp, batch);
      return;
    }
    // an unneeded replica that led leaves the partition leaderless: another replica takes over
    if (this.context.partitionState(tp)?.leaderAndIsr.leader === NO_LEADER)
      this.logFailures((await this.partitions.electLeaders([tp], { kind: 'offline' }, batch)).failed);
    this.logFailures(await this.partitions.bumpLeaderEpoch([tp], batch));
    batch.addLeaderAndIsr(next.addingReplicas, tp, true);
  }

  /** Complete: no replica left to add or remove, or every target replica in the ISR. */
  private isComplete(tp: TopicPartition): boolean {
    const assignment = this.context.assignment(tp);
    if (assignment !== undefined && !isBeingReassigned(assignment)) return true;
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
    await this.stopRemovedReplicas(tp, removing, batch);
    await this.writeAssignment(tp.topic);
    this.reassigning.delete(tpKey(tp));
    await this.removeFromZk(new Set([tpKey(tp)]));
    batch.addUpdateMetadata(this.context.liveOrShuttingDownBrokerIds(), [tp]);
    const started = this.startedAt.get(tpKey(tp));
    this.startedAt.delete(tpKey(tp));
    this.log(
      'info',
      `reassignment of ${tpKey(tp)} to ${target.join(',')} completed${started === undefined ? '' : ` in ${Date.now() - started} ms`} (${this.reassigning.size} partitions still moving)`,
    );
  }

  /** Replicas leaving the partition: out of the ISR, then stopped with their copies deleted. */
  private async stopRemovedReplicas(tp: TopicPartition, replicas: readonly number[], batch: ControllerRequestBatch): Promise<void> {
    for (const replica of replicas) {
      this.logFailures(await this.partitions.removeReplicaFromIsr([tp], replica, batch));
      batch.addStopReplica([replica], tp, true);
    }
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
    if (keys.size === 0 || !(await this.zk.reassignPartitionsInProgress())) return;
    const requested = await this.zk.getPartitionReassignment();
    const remaining = requested.filter(({ tp }) => !keys.has(tpKey(tp)));
    if (remaining.length === requested.length) return;
    if (remaining.length === 0) await this.zk.deletePartitionReassignment(this.context.epochZkVersion);
    else await this.zk.setPartitionReassignment(remaining, this.context.epochZkVersion);
  }

  private logFailures(failures: readonly StateChangeFailure[]): void {
    if (failures.length > 0) this.log('warn', `reassignment: ${failures.map((f) => f.reason).join('; ')}`);
  }
}
