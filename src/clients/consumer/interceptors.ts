import type { ConsumerRecords } from './consumer-records.js';
import type { TopicPartitionOffset } from './types.js';

/**
 * Kafka's ConsumerInterceptor: `onConsume` sees (and may replace) the
 * records of every poll before the application does; `onCommit` sees the
 * offsets of every successful commit. An interceptor that throws is skipped
 * (its error is reported, the records go on), as in the Java client.
 */
export interface ConsumerInterceptor<K = unknown, V = unknown> {
  onConsume?(records: ConsumerRecords<K, V>): ConsumerRecords<K, V>;
  onCommit?(offsets: readonly TopicPartitionOffset[]): void;
  close?(): void;
}
