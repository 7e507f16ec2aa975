import { describe, expect, it } from 'vitest';
import { invalidReassignment, originReplicas, reassignTo, targetReplicas } from '../../../src/broker/controller/partition-reassignment.js';

const settled = (replicas: number[]) => ({ replicas, addingReplicas: [], removingReplicas: [] });

describe("reassignment assignments (Kafka's ReplicaAssignment.reassignTo)", () => {
  it('lists the target replicas first, then the original ones, with those to add and to remove', () => {
    expect(reassignTo(settled([1, 2]), [3, 4])).toEqual({ replicas: [3, 4, 1, 2], addingReplicas: [3, 4], removingReplicas: [1, 2] });
    expect(reassignTo(settled([1, 2, 3]), [2, 3, 4])).toEqual({ replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1] });
    // only the order changes: nothing to add or remove
    expect(reassignTo(settled([1, 2]), [2, 1])).toEqual({ replicas: [2, 1], addingReplicas: [], removingReplicas: [] });
  });

  it('replaces a reassignment in progress, starting from the original replicas', () => {
    const moving = reassignTo(settled([1, 2]), [3, 4]);
    expect(targetReplicas(moving)).toEqual([3, 4]);
    const again = reassignTo(moving, [5, 1]);
    expect(again).toEqual({ replicas: [5, 1, 2], addingReplicas: [5], removingReplicas: [2] });
    expect(targetReplicas(again)).toEqual([5, 1]);
    // asking the same target again changes nothing
    expect(reassignTo(again, [5, 1])).toEqual(again);
  });
});

describe("reassignment targets the API refuses (Kafka's INVALID_REPLICA_ASSIGNMENT)", () => {
  const live = new Set([1, 2, 3]);
  it('refuses an empty list, a broker named twice, a negative id and a broker to add that is not alive', () => {
    expect(invalidReassignment(settled([1, 2]), [], live)).toMatch(/empty/);
    expect(invalidReassignment(settled([1, 2]), [2, 2], live)).toMatch(/twice/);
    expect(invalidReassignment(settled([1, 2]), [1, -1], live)).toMatch(/invalid broker id/);
    expect(invalidReassignment(settled([1, 2]), [2, 4], live)).toMatch(/not alive \(4\)/);
    // a replica already there may be down: only those to add must be alive
    expect(invalidReassignment(settled([1, 5]), [5, 2], live)).toBeUndefined();
    // a partition that does not exist: every target replica is one to add
    expect(invalidReassignment(undefined, [4], live)).toMatch(/not alive/);
    expect(invalidReassignment(undefined, [3], live)).toBeUndefined();
  });

  it('a cancellation goes back to the original replicas, in the order the reassignment lists them', () => {
    const moving = reassignTo(settled([1, 2]), [2, 3]);
    expect(originReplicas(moving)).toEqual([2, 1]);
    expect(reassignTo(moving, originReplicas(moving))).toEqual(settled([2, 1]));
    expect(originReplicas(reassignTo(settled([1, 2]), [1, 3]))).toEqual([1, 2]);
  });
});
