import type { BrokerContext } from '../broker-context.js';
import type { BrokerMetrics } from './broker-metrics.js';
import type { LatestOffsetsLookup } from './latest-offsets.js';

/** One Kafka listener as /metrics and the console show it. */
export interface ListenerStatus {
  name: string;
  connections: number;
  /** Requests received and not yet answered. */
  pendingRequests: number;
}

/** What the HTTP listener reads of the broker it serves: only reads, it changes nothing. */
export interface BrokerView {
  readonly context: BrokerContext;
  readonly metrics: BrokerMetrics;
  /** Partitions' latest offsets for group lag: this broker's own logs, and in a cluster the leaders of the others. */
  readonly latestOffsets: LatestOffsetsLookup;
  listeners(): ListenerStatus[];
  /** Why a load balancer should send nothing here now (stopping, not registered in the cluster), or undefined while the broker serves. */
  unavailable(): string | undefined;
}
