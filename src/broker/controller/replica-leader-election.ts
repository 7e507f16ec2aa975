import { ErrorCode } from '../../protocol/error-codes.js';
import { ElectionType } from '../../protocol/messages/elect-leaders.js';
import type { TopicPartition } from '../../zk/zk-data.js';
import type { ElectionResult } from './controller-admin.js';
import { type ControllerContext, distinctPartitions, tpKey } from './controller-context.js';
import type { ControllerRequestBatch } from './controller-request-batch.js';
import { NO_LEADER } from './leader-election.js';
import type { PartitionStateMachine } from './partition-state-machine.js';

/**
 * The elections an ElectLeaders request asks for (Kafka's processReplicaLeaderElection,
 * triggered by an admin client), run on the controller's queue. Each partition named (null:
 * every partition) is answered: UNKNOWN_TOPIC_OR_PARTITION when it does not exist,
 * INVALID_TOPIC_EXCEPTION when its topic is being deleted, ELECTION_NOT_NEEDED when its
 * preferred replica leads already (preferred) or its leader is live (unclean); the others are
 * elected, NONE with the new leader, or PREFERRED_LEADER_NOT_AVAILABLE (the preferred replica
 * is down or out of the ISR) / ELIGIBLE_LEADERS_NOT_AVAILABLE (no replica is live). An unclean
 * election takes the first live in-sync replica, else the first live one whatever
 * unclean.leader.election.enable says: the admin asked for it. New leaders reach the brokers
 * through `batch` (LeaderAndIsr and UpdateMetadata).
 */
export async function electLeadersForAdmin(
  context: ControllerContext,
  partitions: PartitionStateMachine,
  electionType: ElectionType,
  requested: readonly TopicPartition[] | null,
  batch: ControllerRequestBatch,
): Promise<ElectionResult[]> {
  const wanted = requested === null ? [...context.allPartitions()].map((p) => p.tp) : distinctPartitions(requested);
  const results = new Map<string, ElectionResult>();
  const answer = (tp: TopicPartition, errorCode: number, errorMessage: string | null, leader = NO_LEADER) =>
    results.set(tpKey(tp), { tp, errorCode, errorMessage, leader });
  const preferred = electionType === ElectionType.Preferred;
  const live = context.liveBrokerIds();
  const electable: TopicPartition[] = [];
  for (const tp of wanted) {
    const replicas = context.assignment(tp)?.replicas;
    if (replicas === undefined) {
      answer(tp, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'The partition does not exist.');
      continue;
    }
    if (context.isTopicQueuedForDeletion(tp.topic)) {
      answer(tp, ErrorCode.INVALID_TOPIC_EXCEPTION, 'The topic is being deleted');
      continue;
    }
    const leader = context.partitionState(tp)?.leaderAndIsr.leader ?? NO_LEADER;
    const needed = preferred ? leader !== replicas[0] : leader === NO_LEADER || !live.has(leader);
    if (needed) electable.push(tp);
    else answer(tp, ErrorCode.ELECTION_NOT_NEEDED, null);
  }
  if (electable.length > 0) {
    const { elected, failed } = await partitions.electLeaders(electable, preferred ? { kind: 'preferred' } : { kind: 'offline', allowUnclean: true }, batch);
    for (const tp of elected) answer(tp, ErrorCode.NONE, null, context.partitionState(tp)!.leaderAndIsr.leader);
    for (const { tp, reason } of failed) {
      // the state read afresh may show the preferred replica leading already
      if (preferred && context.partitionState(tp)?.leaderAndIsr.leader === context.replicas(tp)[0]) answer(tp, ErrorCode.ELECTION_NOT_NEEDED, null);
      else answer(tp, preferred ? ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE : ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, reason);
    }
  }
  return wanted.map((tp) => results.get(tpKey(tp))!);
}
