import type { BrokerConfig } from './broker-config.js';
import type { GroupCoordinator } from './group/group-coordinator.js';
import type { FetchSessionCache } from './replica/fetch-session-cache.js';
import type { ReplicaManager } from './replica/replica-manager.js';
import type { TopicManager } from './metadata/topic-manager.js';
import type { BrokerLog } from './broker-log.js';

export interface BrokerEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** The services request handlers use; one per broker. */
export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly brokerId: number;
  readonly clusterId: string;
  readonly topics: TopicManager;
  readonly replicas: ReplicaManager;
  readonly fetchSessions: FetchSessionCache;
  /** The brokers clients should know about (this one alone until clusters arrive). */
  liveBrokers(): BrokerEndpoint[];
  controllerId(): number;
  /** Producer ids for idempotent producers. */
  nextProducerId(): number;
  log: BrokerLog;
  /** The group coordinator (consumer groups and committed offsets). */
  readonly groups?: GroupCoordinator;
}
