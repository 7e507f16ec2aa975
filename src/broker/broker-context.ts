import type { AclAuthorizer } from './authorizer/acl-authorizer.js';
import type { BrokerConfig } from './broker-config.js';
import type { BrokerLog } from './broker-log.js';
import type { ClusterContext } from './cluster/cluster-context.js';
import type { BrokerLoggers } from './dynamic/broker-loggers.js';
import type { DynamicBrokerConfig } from './dynamic/dynamic-broker-config.js';
import type { GroupCoordinator } from './group/group-coordinator.js';
import type { BrokerMetrics } from './http/broker-metrics.js';
import type { Topics } from './metadata/topics.js';
import type { ClientQuotaManager } from './quota/client-quota-manager.js';
import type { FetchSessionCache } from './replica/fetch-session-cache.js';
import type { ReplicaManager } from './replica/replica-manager.js';
import type { ScramCredentialStore } from './security/scram-credential-store.js';
import type { AddPartitionsToTxnManager } from './transaction/add-partitions-to-txn-manager.js';
import type { TransactionCoordinator } from './transaction/transaction-coordinator.js';

export interface BrokerEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** The services request handlers use; one per broker. */
export interface BrokerContext {
  readonly config: BrokerConfig;
  /** Broker settings changed at run time (AlterConfigs on a broker resource), over `config`. */
  readonly dynamicConfig: DynamicBrokerConfig;
  /** The broker's loggers and their levels (the BROKER_LOGGER resource). */
  readonly loggers: BrokerLoggers;
  readonly brokerId: number;
  readonly clusterId: string;
  /** Topic metadata and administration: a single broker's own TopicManager, or ZooKeeper and the controller's metadata in a cluster. */
  readonly topics: Topics;
  readonly replicas: ReplicaManager;
  readonly fetchSessions: FetchSessionCache;
  /** The brokers clients should know about, at their endpoints on `listenerName` (the first advertised listener when not given): this one alone, or the live brokers of the cluster. */
  liveBrokers(listenerName?: string): BrokerEndpoint[];
  controllerId(): number;
  /** Producer ids for idempotent producers. */
  nextProducerId(): number | Promise<number>;
  log: BrokerLog;
  /** SCRAM credentials (AlterUserScramCredentials writes them, SASL/SCRAM reads them). */
  readonly scramCredentials: ScramCredentialStore;
  /** Decides which principals may do what (authorizer.class.name); absent, every request is allowed. */
  readonly authorizer?: AclAuthorizer;
  /** Client quotas (AlterClientQuotas sets them, Produce and Fetch are measured against them). */
  readonly quotas: ClientQuotaManager;
  /** The group coordinator (consumer groups and committed offsets). */
  readonly groups?: GroupCoordinator;
  /** The transaction coordinator (transactional ids, __transaction_state, the markers). */
  readonly transactions?: TransactionCoordinator;
  /** KIP-890: asks a producer's transaction coordinator whether a partition is in its transaction; absent with transaction.partition.verification.enable=false. */
  readonly addPartitionsToTxnManager?: AddPartitionsToTxnManager;
  /** ZooKeeper, the controller's metadata and this broker's registration, in a cluster. */
  readonly cluster?: ClusterContext;
  /** What the request path counts for /metrics; absent while http.listeners is empty, so nothing is counted. */
  readonly metrics?: BrokerMetrics;
}
