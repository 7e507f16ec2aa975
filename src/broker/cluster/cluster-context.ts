import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import type { ControllerAdminApi } from '../controller/controller-admin.js';
import type { MetadataCache } from '../metadata/metadata-cache.js';
import type { TopicConfigCache } from '../metadata/topic-config-cache.js';
import type { BrokerRegistration } from './broker-registration.js';

/** What the handlers of ControlledShutdown and the admin APIs the controller answers need of the controller running in this broker. */
export interface ControllerApi extends ControllerAdminApi {
  /** Whether this broker is the controller now. */
  readonly isActive: boolean;
  /** Moves the broker's leaderships away; resolves with the partitions it still leads (none: it may stop). Throws KafkaError NOT_CONTROLLER off the controller. */
  controlledShutdown(brokerId: number, brokerEpoch: bigint): Promise<Array<{ topic: string; partition: number }>>;
}

/** A broker's cluster services (absent on a single broker). */
export interface ClusterContext {
  readonly zk: KafkaZkClient;
  readonly metadata: MetadataCache;
  readonly topicConfigs: TopicConfigCache;
  readonly registration: BrokerRegistration;
  readonly controller: ControllerApi;
}
