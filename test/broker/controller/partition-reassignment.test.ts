import { describe, expect, it } from 'vitest';
import { reassignTo, targetReplicas } from '../../../src/broker/controller/partition-reassignment.js';

const settled = (replicas: number[]) => ({ replicas, addingReplicas: [], removingReplicas: [] });

describe('reassignment assignments (Kafka\'s ReplicaAssignment.reassignTo)', () => {
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
