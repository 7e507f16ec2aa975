import { ProtocolReader } from '../../protocol/reader.js';

/** The protocol type of Kafka consumers; only their metadata has a layout the coordinator knows. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/**
 * The topics of a ConsumerProtocolSubscription (the member metadata a
 * consumer sends in JoinGroup): an int16 version, then the topic names
 * (versions 0-3 all start this way; owned partitions, generation and rack
 * follow). Returns null when the bytes are not a subscription.
 */
export function subscribedTopics(metadata: Buffer): string[] | null {
  try {
    const r = new ProtocolReader(metadata);
    const version = r.int16();
    if (version < 0) return null;
    const count = r.arrayLength();
    if (count < 0) return null;
    const topics: string[] = [];
    for (let i = 0; i < count; i++) topics.push(r.string());
    return topics;
  } catch {
    return null;
  }
}
