import { compareStrings } from '../../../protocol/topic-partition.js';
import {
  type ConsumerPartitionAssignor,
  compareMembers,
  emptyAssignment,
  type GroupMember,
  type MemberAssignment,
  type RebalanceProtocol,
} from './assignor.js';

/**
 * Kafka's RoundRobinAssignor: every subscribed partition, sorted by topic then
 * partition, goes to the next member in a circle of members (in member order)
 * that subscribes to its topic.
 */
export class RoundRobinAssignor implements ConsumerPartitionAssignor {
  readonly name = 'roundrobin';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER'];

  assign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly GroupMember[]): Map<string, MemberAssignment> {
    const out = emptyAssignment(members);
    const circle = [...members].sort(compareMembers);
    if (circle.length === 0) return out;
    const subscribed = circle.map((m) => new Set(m.subscription.topics));
    const topics = [...new Set(circle.flatMap((m) => m.subscription.topics))].sort(compareStrings);
    let next = 0;
    for (const topic of topics) {
      const partitions = partitionsPerTopic.get(topic);
      if (partitions === undefined) continue;
      for (let p = 0; p < partitions; p++) {
        // Some member subscribes to the topic, so this stops within one turn of the circle.
        while (!subscribed[next]!.has(topic)) next = (next + 1) % circle.length;
        out.get(circle[next]!.memberId)!.partitions.push({ topic, partition: p });
        next = (next + 1) % circle.length;
      }
    }
    return out;
  }
}
