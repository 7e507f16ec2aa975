import { randomBytes } from 'node:crypto';
import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import type { BrokerConfig } from '../broker-config.js';
import { type BrokerIdentity, ensureMetaProperties, readMetaProperties } from '../meta-properties.js';

/**
 * Who this broker is in a cluster: the cluster id ZooKeeper holds (/cluster/id,
 * created by the first broker), which must match the one in meta.properties;
 * and the broker id — configured, stored, or for broker.id=-1 taken from
 * ZooKeeper's /brokers/seqid above reserved.broker.max.id — kept in
 * meta.properties from then on.
 */
export async function clusterIdentity(zk: KafkaZkClient, config: BrokerConfig): Promise<BrokerIdentity> {
  const stored = readMetaProperties(config.logDirs);
  const proposed = stored.clusterId || config.string('cluster.id') || randomBytes(16).toString('base64url');
  const clusterId = await zk.createOrGetClusterId(proposed);
  if (stored.clusterId && stored.clusterId !== clusterId) {
    throw new Error(
      `The Cluster ID ${clusterId} doesn't match stored clusterId ${stored.clusterId} in meta.properties. The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong.`,
    );
  }
  const reserved = config.int('reserved.broker.max.id');
  const brokerId = config.brokerId >= 0 ? config.brokerId : (stored.brokerId ?? (await zk.generateBrokerId(reserved)));
  return ensureMetaProperties(config.logDirs, brokerId, clusterId, reserved);
}
