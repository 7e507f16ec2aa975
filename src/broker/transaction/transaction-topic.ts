import { InternalTopic } from '../internal-topic.js';
import type { Topics } from '../metadata/topics.js';
import type { ReplicaManager } from '../replica/replica-manager.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export interface TransactionTopicSettings {
  partitions: number;
  replicationFactor: number;
  minIsr: number;
  segmentBytes: number;
  loadBufferSize: number;
  /** request.timeout.ms: how long a write waits for the in-sync replicas. */
  writeTimeoutMs: number;
}

/**
 * __transaction_state, the compacted topic that makes transactional ids
 * durable, with Kafka's settings for it: uncompressed, no unclean leader
 * election, transaction.state.log.min.isr in-sync replicas. Its replication
 * factor is capped by the live brokers when it is created (as samsa does for
 * __consumer_offsets), and so is min.insync.replicas, which would otherwise
 * refuse every write of a topic with fewer replicas than it asks for.
 */
export function transactionTopic(topics: Topics, replicas: ReplicaManager, liveBrokerCount: () => number, settings: TransactionTopicSettings): InternalTopic {
  return new InternalTopic(topics, replicas, liveBrokerCount, {
    name: TRANSACTION_STATE_TOPIC,
    partitions: settings.partitions,
    replicationFactor: settings.replicationFactor,
    configs: (replicationFactor) => ({
      'segment.bytes': String(settings.segmentBytes),
      'compression.type': 'uncompressed',
      'unclean.leader.election.enable': 'false',
      'min.insync.replicas': String(Math.min(settings.minIsr, replicationFactor)),
    }),
    compressionCodec: 0,
    loadBufferSize: settings.loadBufferSize,
    writeTimeoutMs: settings.writeTimeoutMs,
  });
}
