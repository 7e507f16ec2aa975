import { type BrokerEndpoint, brokerIdPath } from '../../zk/zk-data.js';
import type { ZooKeeperClient } from '../../zk/zookeeper-client.js';

/**
 * The controller's data watches on each live broker's /brokers/ids/<id>
 * (Kafka's BrokerModificationsHandler): a broker that rewrites its
 * registration in place (new advertised listeners, KIP-226) changes the
 * znode's data without leaving, which the child watch on /brokers/ids
 * cannot see.
 */
export class BrokerModificationWatches {
  private readonly watched = new Set<number>();

  constructor(
    private readonly zk: ZooKeeperClient,
    private readonly onModified: (brokerId: number) => void,
  ) {}

  async watch(ids: Iterable<number>): Promise<void> {
    for (const id of ids) {
      this.watched.add(id);
      await this.zk
        .registerZNodeChangeHandler({ path: brokerIdPath(id), handleDataChange: () => this.onModified(id) })
        // the handler stays registered: the client sets its watch again at the next connection
        .catch(() => false);
    }
  }

  unwatch(id: number): void {
    this.watched.delete(id);
    this.zk.unregisterZNodeChangeHandler(brokerIdPath(id));
  }

  unwatchAll(): void {
    for (const id of [...this.watched]) this.unwatch(id);
  }
}

/** Whether two registrations list the same endpoints, in any order. */
export function sameEndpoints(a: readonly BrokerEndpoint[], b: readonly BrokerEndpoint[]): boolean {
  const key = (e: BrokerEndpoint) => `${e.listenerName}|${e.securityProtocol}|${e.host ?? ''}|${e.port}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((k, i) => k === right[i]);
}
