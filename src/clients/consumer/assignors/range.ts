import {
  type ConsumerPartitionAssignor,
  compareMembers,
  emptyAssignment,
  type GroupMember,
  type MemberAssignment,
  type RebalanceProtocol,
} from './assignor.js';

/**
 * Kafka's RangeAssignor: topic by topic, the members subscribed to the topic
 * in member order each take a consecutive range of its partitions; the first
 * (partitions mod members) members take one more.
 */
export class RangeAssignor implements ConsumerPartitionAssignor {
  readonly name = 'range';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER'];

  assign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly GroupMember[]): Map<string, MemberAssignment> {
    const out = emptyAssignment(members);
    const sorted = [...members].sort(compareMembers);
    const subscribers = new Map<string, GroupMember[]>();
    for (const member of sorted) {
      for (const topic of new Set(member.subscription.topics)) {
        let list = subscribers.get(topic);
        if (!list) subscribers.set(topic, (list = []));
        list.push(member);
      }
    }
    for (const [topic, consumers] of subscribers) {
      const partitions = partitionsPerTopic.get(topic);
      if (partitions === undefined) continue;
      const perConsumer = Math.floor(partitions / consumers.length);
      const withExtra = partitions % consumers.length;
      for (let i = 0; i < consumers.length; i++) {
        const start = perConsumer * i + Math.min(i, withExtra);
        const length = perConsumer + (i + 1 > withExtra ? 0 : 1);
        const list = out.get(consumers[i]!.memberId)!.partitions;
        for (let p = start; p < start + length; p++) list.push({ topic, partition: p });
      }
    }
    return out;
  }
}
