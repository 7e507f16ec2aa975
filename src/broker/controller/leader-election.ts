import type { LeaderAndIsr, TopicPartition } from '../../zk/zk-data.js';

// The controller's leader elections as pure functions (Kafka's
// PartitionLeaderElectionAlgorithms and the states PartitionStateMachine derives from them).
// Each gets the replicas in assignment order, the ISR and which replicas are live, and
// picks the first suitable replica, so the preferred (first) replica wins whenever it can.

/** No leader: the partition is offline (Kafka's LeaderAndIsr.NoLeader). */
export const NO_LEADER = -1;
/** The leader UpdateMetadata gives the partitions of a topic being deleted (Kafka's LeaderAndIsr.LeaderDuringDelete). */
export const LEADER_DURING_DELETE = -2;
/** The leader epoch StopReplica carries for a topic being deleted (Kafka's LeaderAndIsr.EpochDuringDelete). */
export const EPOCH_DURING_DELETE = -2;

/**
 * Offline partition: the first live replica in the ISR; else, with
 * unclean.leader.election.enable, the first live replica at all (data the ISR had may be lost).
 */
export function offlinePartitionLeader(
  assignment: readonly number[],
  isr: readonly number[],
  live: ReadonlySet<number>,
  uncleanLeaderElectionEnable: boolean,
): number | undefined {
  return assignment.find((id) => live.has(id) && isr.includes(id)) ?? (uncleanLeaderElectionEnable ? assignment.find((id) => live.has(id)) : undefined);
}

/** Reassignment: the first of the target replicas that is live and in the ISR. */
export function reassignPartitionLeader(targetReplicas: readonly number[], isr: readonly number[], live: ReadonlySet<number>): number | undefined {
  return targetReplicas.find((id) => live.has(id) && isr.includes(id));
}

/** Preferred: the first replica, only if it is live and in the ISR. */
export function preferredReplicaLeader(assignment: readonly number[], isr: readonly number[], live: ReadonlySet<number>): number | undefined {
  const preferred = assignment[0];
  return preferred !== undefined && live.has(preferred) && isr.includes(preferred) ? preferred : undefined;
}

/** Controlled shutdown: the first live replica in the ISR that is not shutting down. */
export function controlledShutdownLeader(
  assignment: readonly number[],
  isr: readonly number[],
  live: ReadonlySet<number>,
  shuttingDown: ReadonlySet<number>,
): number | undefined {
  return assignment.find((id) => live.has(id) && isr.includes(id) && !shuttingDown.has(id));
}

/**
 * The state after a leader change: the leader epoch moves on by one; the partitionEpoch
 * stays the znode version the conditional write expects.
 */
export function withNewLeader(current: LeaderAndIsr, leader: number, isr: readonly number[]): LeaderAndIsr {
  return { ...current, leader, isr: [...isr], leaderEpoch: current.leaderEpoch + 1 };
}

/**
 * Offline election's new state: the ISR keeps its live members when the leader came from
 * it; an unclean leader starts a new ISR of itself alone. `live` are the live replicas (not
 * shutting down). Undefined when no replica can lead.
 */
export function electOfflineLeader(
  current: LeaderAndIsr,
  assignment: readonly number[],
  live: ReadonlySet<number>,
  uncleanLeaderElectionEnable: boolean,
): LeaderAndIsr | undefined {
  const leader = offlinePartitionLeader(assignment, current.isr, live, uncleanLeaderElectionEnable);
  if (leader === undefined) return undefined;
  const isr = current.isr.includes(leader) ? current.isr.filter((id) => live.has(id)) : [leader];
  return withNewLeader(current, leader, isr);
}

/** Preferred election's new state (ISR unchanged); undefined when the preferred replica cannot lead. */
export function electPreferredLeader(current: LeaderAndIsr, assignment: readonly number[], live: ReadonlySet<number>): LeaderAndIsr | undefined {
  const leader = preferredReplicaLeader(assignment, current.isr, live);
  return leader === undefined ? undefined : withNewLeader(current, leader, current.isr);
}

/** Reassignment election's new state (ISR unchanged); undefined when no target replica can lead. */
export function electReassignedLeader(current: LeaderAndIsr, targetReplicas: readonly number[], live: ReadonlySet<number>): LeaderAndIsr | undefined {
  const leader = reassignPartitionLeader(targetReplicas, current.isr, live);
  return leader === undefined ? undefined : withNewLeader(current, leader, current.isr);
}

/**
 * Controlled shutdown election's new state: the shutting-down brokers leave the ISR.
 * `live` includes the brokers shutting down (they are still up). Undefined when only
 * shutting-down replicas could lead.
 */
export function electControlledShutdownLeader(
  current: LeaderAndIsr,
  assignment: readonly number[],
  live: ReadonlySet<number>,
  shuttingDown: ReadonlySet<number>,
): LeaderAndIsr | undefined {
  const leader = controlledShutdownLeader(assignment, current.isr, live, shuttingDown);
  if (leader === undefined) return undefined;
  return withNewLeader(
    current,
    leader,
    current.isr.filter((id) => !shuttingDown.has(id)),
  );
}

/**
 * The state with `replica` out of the ISR (Kafka's removeReplicasFromIsr): the leader
 * epoch moves on; a leader that leaves makes the partition leaderless; the last ISR member
 * stays in the ISR, so it remains the one replica known to hold every committed record.
 * Undefined when `replica` is neither leader nor in the ISR (nothing to change).
 */
export function withoutReplicaInIsr(current: LeaderAndIsr, replica: number): LeaderAndIsr | undefined {
  if (!current.isr.includes(replica) && current.leader !== replica) return undefined;
  const isr = current.isr.length === 1 ? current.isr : current.isr.filter((id) => id !== replica);
  return withNewLeader(current, current.leader === replica ? NO_LEADER : current.leader, isr);
}

/** A partition's replicas and leadership, as the imbalance check reads them. */
export interface PartitionLeadership {
  tp: TopicPartition;
  replicas: readonly number[];
  leader: number;
  isr: readonly number[];
}

/**
 * The partitions auto.leader.rebalance.enable moves back to their preferred replica (Kafka's
 * checkAndTriggerAutoLeaderRebalance): per preferred broker, the share of its partitions led
 * by another broker; above leader.imbalance.per.broker.percentage, those of them whose
 * preferred replica is live and in the ISR. `live` are the live brokers not shutting down.
 */
export function partitionsToRebalance(
  partitions: Iterable<PartitionLeadership>,
  live: ReadonlySet<number>,
  imbalancePerBrokerPercentage: number,
): TopicPartition[] {
  const byPreferred = new Map<number, { total: number; notLed: PartitionLeadership[] }>();
  for (const p of partitions) {
    const preferred = p.replicas[0];
    if (preferred === undefined) continue;
    const entry = byPreferred.get(preferred) ?? { total: 0, notLed: [] };
    entry.total++;
    if (p.leader !== preferred) entry.notLed.push(p);
    byPreferred.set(preferred, entry);
  }
  const result: TopicPartition[] = [];
  for (const { total, notLed } of byPreferred.values()) {
    if (notLed.length / total <= imbalancePerBrokerPercentage / 100) continue;
    for (const p of notLed) if (preferredReplicaLeader(p.replicas, p.isr, live) !== undefined) result.push(p.tp);
  }
  return result;
}
