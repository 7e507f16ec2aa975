import { describe, expect, it } from 'vitest';
import {
  controlledShutdownLeader,
  electControlledShutdownLeader,
  electOfflineLeader,
  electPreferredLeader,
  electReassignedLeader,
  NO_LEADER,
  offlinePartitionLeader,
  partitionsToRebalance,
  preferredReplicaLeader,
  reassignPartitionLeader,
  withoutReplicaInIsr,
} from '../../../src/broker/controller/leader-election.js';
import type { LeaderAndIsr } from '../../../src/zk/zk-data.js';

const state = (leader: number, isr: number[], leaderEpoch = 4, partitionEpoch = 9): LeaderAndIsr => ({
  leader,
  leaderEpoch,
  isr,
  leaderRecoveryState: 0,
  partitionEpoch,
});
const live = (...ids: number[]) => new Set(ids);

describe('leader election', () => {
  it('offline: the first live replica in the ISR in assignment order; unclean: the first live replica', () => {
    expect(offlinePartitionLeader([1, 2, 3], [3, 2], live(2, 3), false)).toBe(2);
    expect(offlinePartitionLeader([1, 2, 3], [1, 3], live(2, 3), false)).toBe(3);
    expect(offlinePartitionLeader([1, 2, 3], [1], live(2, 3), false)).toBeUndefined();
    expect(offlinePartitionLeader([1, 2, 3], [1], live(2, 3), true)).toBe(2);
    expect(offlinePartitionLeader([1, 2, 3], [1], live(), true)).toBeUndefined();
  });

  it('offline: the ISR keeps its live members, moves one leader epoch on, and expects the same znode version', () => {
    expect(electOfflineLeader(state(1, [1, 2, 3]), [1, 2, 3], live(2, 3), false)).toEqual(state(2, [2, 3], 5, 9));
    expect(electOfflineLeader(state(1, [1]), [1, 2, 3], live(2, 3), false)).toBeUndefined();
    // an unclean leader starts an ISR of its own
    expect(electOfflineLeader(state(1, [1]), [1, 2, 3], live(3), true)).toEqual(state(3, [3], 5, 9));
  });

  it('preferred: the first replica only, if live and in the ISR', () => {
    expect(preferredReplicaLeader([1, 2], [1, 2], live(1, 2))).toBe(1);
    expect(preferredReplicaLeader([1, 2], [2], live(1, 2))).toBeUndefined();
    expect(preferredReplicaLeader([1, 2], [1, 2], live(2))).toBeUndefined();
    expect(electPreferredLeader(state(2, [2, 1]), [1, 2], live(1, 2))).toEqual(state(1, [2, 1], 5));
  });

  it('reassignment: the first target replica live and in the ISR', () => {
    expect(reassignPartitionLeader([4, 5, 6], [6, 5, 1], live(4, 5, 6))).toBe(5);
    expect(reassignPartitionLeader([4, 5], [1], live(4, 5))).toBeUndefined();
    expect(electReassignedLeader(state(1, [1, 5]), [4, 5], live(4, 5))).toEqual(state(5, [1, 5], 5));
  });

  it('controlled shutdown: skips the brokers shutting down and takes them out of the ISR', () => {
    expect(controlledShutdownLeader([1, 2, 3], [1, 2, 3], live(1, 2, 3), live(1))).toBe(2);
    expect(controlledShutdownLeader([1, 2, 3], [1, 3], live(1, 2, 3), live(1))).toBe(3);
    expect(controlledShutdownLeader([1, 2], [1], live(1, 2), live(1))).toBeUndefined();
    expect(electControlledShutdownLeader(state(1, [1, 2, 3]), [1, 2, 3], live(1, 2, 3), live(1))).toEqual(state(2, [2, 3], 5));
  });

  it('removing a replica from the ISR: a leader leaving makes the partition leaderless, the last member stays', () => {
    expect(withoutReplicaInIsr(state(1, [1, 2, 3]), 2)).toEqual(state(1, [1, 3], 5));
    expect(withoutReplicaInIsr(state(1, [1, 2]), 1)).toEqual(state(NO_LEADER, [2], 5));
    expect(withoutReplicaInIsr(state(1, [1]), 1)).toEqual(state(NO_LEADER, [1], 5));
    expect(withoutReplicaInIsr(state(1, [1, 2]), 3)).toBeUndefined();
  });

  it('auto rebalance: the preferred replicas of a broker whose led share falls below the allowed imbalance', () => {
    const tp = (partition: number) => ({ topic: 't', partition });
    const partitions = [
      // broker 1 prefers 4 partitions and leads 2: 50% imbalance
      { tp: tp(0), replicas: [1, 2], leader: 1, isr: [1, 2] },
      { tp: tp(1), replicas: [1, 2], leader: 1, isr: [1, 2] },
      { tp: tp(2), replicas: [1, 2], leader: 2, isr: [1, 2] },
      { tp: tp(3), replicas: [1, 2], leader: 2, isr: [2] }, // 1 is not in the ISR: cannot lead
      // broker 2 prefers 10 and leads 9: 10%, not above the default 10%
      ...Array.from({ length: 10 }, (_, i) => ({ tp: tp(10 + i), replicas: [2, 1], leader: i === 0 ? 1 : 2, isr: [2, 1] })),
    ];
    expect(partitionsToRebalance(partitions, live(1, 2), 10)).toEqual([tp(2)]);
    expect(partitionsToRebalance(partitions, live(1, 2), 50)).toEqual([]);
    expect(partitionsToRebalance(partitions, live(1, 2), 5)).toEqual([tp(2), tp(10)]);
    // a preferred broker that is not live is not elected
    expect(partitionsToRebalance(partitions, live(2), 10)).toEqual([]);
  });
});
