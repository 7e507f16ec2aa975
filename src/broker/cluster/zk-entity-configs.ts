import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';

/**
 * The configs of users, client ids and user/client-id pairs in ZooKeeper,
 * where Kafka keeps SCRAM credentials and client quotas side by side:
 * /config/users/<user>, /config/users/<user>/clients/<client-id>,
 * /config/clients/<client-id> (`<default>` for the default entities), each
 * change announced under /config/changes with the entity's path
 * (users/alice, users/alice/clients/app, clients/app), as Kafka's
 * AdminZkClient does.
 */
export class ZkEntityConfigs {
  /** Changes to one entity's znode go one after another (SCRAM and quota writes read, change and write it whole). */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly zk: KafkaZkClient) {}

  /** Every user, user/client-id and client-id entity with its configs. */
  async loadAll(): Promise<Array<{ entityPath: string; config: Record<string, string> }>> {
    const out: Array<{ entityPath: string; config: Record<string, string> }> = [];
    for (const user of await this.zk.getAllEntitiesWithConfig('users')) {
      const config = await this.zk.getEntityConfigs('users', user);
      if (Object.keys(config).length > 0) out.push({ entityPath: `users/${user}`, config });
      for (const client of await this.zk.getUserClientIdsWithConfig(user)) {
        const pair = await this.zk.getEntityConfigs('users', `${user}/clients/${client}`);
        if (Object.keys(pair).length > 0) out.push({ entityPath: `users/${user}/clients/${client}`, config: pair });
      }
    }
    for (const client of await this.zk.getAllEntitiesWithConfig('clients')) {
      const config = await this.zk.getEntityConfigs('clients', client);
      if (Object.keys(config).length > 0) out.push({ entityPath: `clients/${client}`, config });
    }
    return out;
  }

  /** The configs of the entity at `entityPath` (users/…, clients/…). */
  read(entityPath: string): Promise<Record<string, string>> {
    const { type, name } = split(entityPath);
    return this.zk.getEntityConfigs(type, name);
  }

  /** Changes some keys of an entity's configs (null removes one), keeping the others, and announces the change to every broker. */
  update(entityPath: string, changes: Readonly<Record<string, string | null>>): Promise<void> {
    const run = this.tail.then(async () => {
      const { type, name } = split(entityPath);
      const config = await this.zk.getEntityConfigs(type, name);
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) delete config[key];
        else config[key] = value;
      }
      await this.zk.setOrCreateEntityConfigs(type, name, config);
      await this.zk.createConfigChangeNotification(entityPath);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function split(entityPath: string): { type: 'users' | 'clients'; name: string } {
  const slash = entityPath.indexOf('/');
  const type = entityPath.slice(0, slash);
  if (type !== 'users' && type !== 'clients') throw new Error(`not a user or client entity: ${entityPath}`);
  return { type, name: entityPath.slice(slash + 1) };
}
