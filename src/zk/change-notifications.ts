import { isCode, type ZooKeeperClient } from './zookeeper-client.js';

/**
 * How long a change notification (/config/changes/config_change_<seq>,
 * /kafka-acl-changes/acl_changes_<seq>, …) stays in ZooKeeper: Kafka's
 * ZkNodeChangeNotificationListener's changeExpirationMs. Every broker has read
 * a notification long before; what a broker starting later needs is in the
 * configs and ACLs themselves, which it reads whole at start.
 */
export const CHANGE_EXPIRATION_MS = 15 * 60 * 1000;

/**
 * Deletes the notifications among `names` (children of `root`) created more
 * than `expirationMs` ago, as each of Kafka's brokers does after handling
 * notifications: without it they pile up for the cluster's life, and every
 * change costs a read of each. Brokers purge concurrently: one already gone is
 * skipped. Returns the names deleted.
 */
export async function purgeObsoleteNotifications(
  zk: ZooKeeperClient,
  root: string,
  names: readonly string[],
  expirationMs = CHANGE_EXPIRATION_MS,
  now = Date.now(),
): Promise<string[]> {
  const purged: string[] = [];
  for (const name of [...names].sort()) {
    const path = `${root}/${name}`;
    try {
      const stat = await zk.retryUntilConnected(() => zk.exists(path));
      if (stat === null || now - stat.ctime <= expirationMs) continue;
      await zk.retryUntilConnected(() => zk.delete(path));
      purged.push(name);
    } catch (error) {
      if (!isCode(error, 'NONODE')) throw error;
    }
  }
  return purged;
}
