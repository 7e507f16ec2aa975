import { ErrorCode } from '../../protocol/error-codes.js';
import type { ElectionType } from '../../protocol/messages/elect-leaders.js';
import type { ReplicaAssignment, TopicPartition } from '../../zk/zk-data.js';
import type { Topics } from '../metadata/topics.js';
import type { ControllerAdminApi, ElectionResult, OngoingReassignment, ReassignmentRequest, ReassignmentResult } from './controller-admin.js';
import { distinctPartitions, tpKey } from './controller-context.js';
import { NO_LEADER } from './leader-election.js';
import { invalidReassignment } from './partition-reassignment.js';

/**
 * The controller's admin answers on a broker without ZooKeeper, as a one-broker Kafka cluster
 * gives them: this broker leads every partition, so no election is needed; a partition can
 * only be "reassigned" to this broker, which changes nothing, and no reassignment is ever in
 * progress. Checks and error codes are the cluster's (partition-reassignment.ts).
 */
export class SingleBrokerController implements ControllerAdminApi {
  constructor(
    private readonly brokerId: number,
    private readonly topics: Topics,
  ) {}

  async electLeaders(_electionType: ElectionType, partitions: readonly TopicPartition[] | null): Promise<ElectionResult[]> {
    const wanted =
      partitions === null ? this.topics.all().flatMap((t) => t.replicas.map((_, partition) => ({ topic: t.name, partition }))) : distinctPartitions(partitions);
    return wanted.map((tp) => ({
      tp,
      ...(this.assignment(tp)
        ? { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null }
        : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' }),
      leader: NO_LEADER,
    }));
  }

  async alterPartitionReassignments(reassignments: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
    const live = new Set([this.brokerId]);
    return [...new Map(reassignments.map((r) => [tpKey(r.tp), r])).values()].map(({ tp, replicas }): ReassignmentResult => {
      const current = this.assignment(tp);
      const problem = replicas === null ? undefined : invalidReassignment(current, replicas, live);
      if (problem !== undefined)
        return { tp, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Invalid reassignment of ${tpKey(tp)}: ${problem}.` };
      if (replicas === null) return { tp, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: `No reassignment of ${tpKey(tp)} is in progress.` };
      if (current === undefined) return { tp, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' };
      return { tp, errorCode: ErrorCode.NONE, errorMessage: null };
    });
  }

  async listPartitionReassignments(): Promise<OngoingReassignment[]> {
    return [];
  }

  private assignment(tp: TopicPartition): ReplicaAssignment | undefined {
    const replicas = this.topics.get(tp.topic)?.replicas[tp.partition];
    return replicas === undefined ? undefined : { replicas, addingReplicas: [], removingReplicas: [] };
  }
}
