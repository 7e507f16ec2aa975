import type { ElectionType } from '../../protocol/messages/elect-leaders.js';
import type { ReplicaAssignment, TopicPartition } from '../../zk/zk-data.js';

// What the controller answers the admin APIs with (ElectLeaders, AlterPartitionReassignments,
// ListPartitionReassignments): KafkaController in a cluster, SingleBrokerController alone.

/** One partition's election: NONE with the leader elected (the metadata shows it soon), or why there was none. */
export interface ElectionResult {
  tp: TopicPartition;
  errorCode: number;
  errorMessage: string | null;
  /** The new leader when errorCode is NONE, else -1. */
  leader: number;
}

/** A partition to move to `replicas`, or (null) whose reassignment in progress to cancel. */
export interface ReassignmentRequest {
  tp: TopicPartition;
  replicas: readonly number[] | null;
}

export interface ReassignmentResult {
  tp: TopicPartition;
  errorCode: number;
  errorMessage: string | null;
}

/** A partition being reassigned: all its replicas, with those being added and removed. */
export interface OngoingReassignment {
  tp: TopicPartition;
  assignment: ReplicaAssignment;
}

/**
 * The admin requests only the controller answers. Each rejects with KafkaError
 * NOT_CONTROLLER when this broker is not (or stops being) the controller.
 */
export interface ControllerAdminApi {
  /** Elections for the partitions (null: every partition); resolves once they are decided. */
  electLeaders(electionType: ElectionType, partitions: readonly TopicPartition[] | null): Promise<ElectionResult[]>;
  /** Starts (or cancels) reassignments; resolves once each has started or was refused. */
  alterPartitionReassignments(reassignments: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]>;
  /** The reassignments in progress, of the partitions named or (null) of all. */
  listPartitionReassignments(partitions: readonly TopicPartition[] | null): Promise<OngoingReassignment[]>;
}
