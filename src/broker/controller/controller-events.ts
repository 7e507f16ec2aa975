import type { ElectionType } from '../../protocol/messages/elect-leaders.js';
import type { TopicPartition } from '../../zk/zk-data.js';
import type { ElectionResult, OngoingReassignment, ReassignmentRequest, ReassignmentResult } from './controller-admin.js';
import type { ControllerEvent } from './controller-event-manager.js';
import type { StopReplicaResponseData } from './controller-request-batch.js';

// The controller's events (Kafka's ControllerEvent subclasses). Watches, timers, broker
// answers and API calls create them; KafkaController processes them one at a time.

/** This broker starts: watch /controller and try to become the controller. */
export interface Startup extends ControllerEvent {
  readonly name: 'Startup';
}
/** /controller went: resign if this broker held it, then try to become the controller. */
export interface Reelect extends ControllerEvent {
  readonly name: 'Reelect';
}
/** /controller was created or changed: resign if another broker holds it now. */
export interface ControllerChange extends ControllerEvent {
  readonly name: 'ControllerChange';
}
/** The ZooKeeper session expired: stop acting at once (queued work is preempted). */
export interface Expire extends ControllerEvent {
  readonly name: 'Expire';
}
/** /brokers/ids children changed: brokers came, went or restarted. */
export interface BrokerChange extends ControllerEvent {
  readonly name: 'BrokerChange';
}
/** /brokers/ids/<id> changed in place: the broker rewrote its registration (new endpoints). */
export interface BrokerModifications extends ControllerEvent {
  readonly name: 'BrokerModifications';
  readonly brokerId: number;
}
/** /brokers/topics children changed: topics created (or their znodes removed). */
export interface TopicChange extends ControllerEvent {
  readonly name: 'TopicChange';
}
/** /brokers/topics/<topic> changed: partitions may have been added. */
export interface PartitionModifications extends ControllerEvent {
  readonly name: 'PartitionModifications';
  readonly topic: string;
}
/** /admin/delete_topics children changed. */
export interface TopicDeletion extends ControllerEvent {
  readonly name: 'TopicDeletion';
}
/** /isr_change_notification children changed: leaders wrote new ISRs. */
export interface IsrChangeNotification extends ControllerEvent {
  readonly name: 'IsrChangeNotification';
}
/** /admin/reassign_partitions was created or changed. */
export interface ZkPartitionReassignment extends ControllerEvent {
  readonly name: 'ZkPartitionReassignment';
}
/** A broker answered a StopReplica that deleted partitions of topics being deleted. */
export interface TopicDeletionStopReplicaResponseReceived extends ControllerEvent {
  readonly name: 'TopicDeletionStopReplicaResponseReceived';
  /** The controller epoch the request went out in: an answer to an earlier controllership is ignored. */
  readonly controllerEpoch: number;
  readonly brokerId: number;
  readonly partitions: readonly TopicPartition[];
  readonly response: StopReplicaResponseData;
}
/** Whoever waits for an API request the controller answers: its answer, or the error it failed with (preempted: NOT_CONTROLLER). */
export interface ApiCallbacks<T> {
  resolve(answer: T): void;
  reject(error: Error): void;
  preempt?(): void;
}
export interface ApiCall<T> extends ControllerEvent, ApiCallbacks<T> {}
/** The ControlledShutdown API: a broker asks to have its leaderships moved away. */
export interface ControlledShutdown extends ApiCall<TopicPartition[]> {
  readonly name: 'ControlledShutdown';
  readonly brokerId: number;
  readonly brokerEpoch: bigint;
}
/** The ElectLeaders API: preferred or unclean elections an admin asked for (null: every partition). */
export interface ReplicaLeaderElection extends ApiCall<ElectionResult[]> {
  readonly name: 'ReplicaLeaderElection';
  readonly electionType: ElectionType;
  readonly partitions: readonly TopicPartition[] | null;
}
/** The AlterPartitionReassignments API: reassignments to start or cancel. */
export interface ApiPartitionReassignment extends ApiCall<ReassignmentResult[]> {
  readonly name: 'ApiPartitionReassignment';
  readonly reassignments: readonly ReassignmentRequest[];
}
/** The ListPartitionReassignments API (null: every partition). */
export interface ListPartitionReassignments extends ApiCall<OngoingReassignment[]> {
  readonly name: 'ListPartitionReassignments';
  readonly partitions: readonly TopicPartition[] | null;
}
/** The leader.imbalance.check.interval.seconds timer fired. */
export interface AutoPreferredReplicaLeaderElection extends ControllerEvent {
  readonly name: 'AutoPreferredReplicaLeaderElection';
}

export type KafkaControllerEvent =
  | Startup
  | Reelect
  | ControllerChange
  | Expire
  | BrokerChange
  | BrokerModifications
  | TopicChange
  | PartitionModifications
  | TopicDeletion
  | IsrChangeNotification
  | ZkPartitionReassignment
  | TopicDeletionStopReplicaResponseReceived
  | ControlledShutdown
  | ReplicaLeaderElection
  | ApiPartitionReassignment
  | ListPartitionReassignments
  | AutoPreferredReplicaLeaderElection;
