import { CHANGE_EXPIRATION_MS, purgeObsoleteNotifications } from '../../zk/change-notifications.js';
import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import { CONFIG_CHANGES_PATH } from '../../zk/zk-data.js';

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * Topic config overrides in a cluster (Kafka's ZkConfigManager for topics):
 * each topic's /config/topics/<topic>, read at start and kept current by
 * watching /config/changes, whose sequential notifications name the topic
 * whose configs an AlterConfigs on any broker changed. `apply` is told of
 * every change so open logs take the new configs. Notifications older than
 * `changeExpirationMs` are deleted after each round, as every Kafka broker does.
 */
export class TopicConfigCache {
  private readonly configs = new Map<string, Record<string, string>>();
  /** The last notification handled (names sort by their sequence number). */
  private lastNotification = '';
  private processing: Promise<void> = Promise.resolve();
  /** Told of each change to a user's or client id's configs (users/…, clients/…), which share the notifications. */
  private readonly entityListeners: Array<(entityPath: string) => Promise<void>> = [];
  /** Told of each change to the dynamic broker configs (brokers/<id>, brokers/<default>), which share them too. */
  private brokerListener: (name: string) => Promise<void> = async () => {};

  constructor(
    private readonly zk: KafkaZkClient,
    private readonly apply: (topic: string, configs: Readonly<Record<string, string>>) => void,
    private readonly log: Log,
    private readonly changeExpirationMs = CHANGE_EXPIRATION_MS,
  ) {}

  /** Reads every topic's configs and starts following the change notifications. */
  async start(): Promise<void> {
    const existing = await this.zk.getConfigChangeNotificationNames();
    // Changes announced before this broker started are already in the configs read below.
    this.lastNotification = existing[existing.length - 1] ?? '';
    for (const topic of await this.zk.getAllEntitiesWithConfig('topics')) this.configs.set(topic, await this.zk.getTopicConfig(topic));
    await this.zk.zk.registerZNodeChildChangeHandler({ path: CONFIG_CHANGES_PATH, handleChildChange: () => this.onNotification() });
  }

  /** A topic's overrides as last read (none for a topic without any). */
  get(topic: string): Readonly<Record<string, string>> {
    return this.configs.get(topic) ?? {};
  }

  /** Reads a topic's overrides from ZooKeeper now (a topic this broker has not seen yet). */
  async fetch(topic: string): Promise<Readonly<Record<string, string>>> {
    const configs = await this.zk.getTopicConfig(topic);
    this.configs.set(topic, configs);
    return configs;
  }

  /** Follows the notifications of users' and client ids' configs (SCRAM credentials, quotas): `listener` gets each entity path. */
  onUserOrClientChange(listener: (entityPath: string) => Promise<void>): void {
    this.entityListeners.push(listener);
  }

  /** Follows the notifications of the dynamic broker configs: `listener` gets the entity's name (a broker id or `<default>`). */
  onBrokerConfigChange(listener: (name: string) => Promise<void>): void {
    this.brokerListener = listener;
  }

  forget(topic: string): void {
    this.configs.delete(topic);
  }

  private onNotification(): void {
    this.processing = this.processing.then(async () => {
      try {
        for (const change of await this.zk.getConfigChangeNotifications(this.lastNotification)) {
          this.lastNotification = change.name;
          const [type, name] = change.entityPath.split('/');
          if ((type === 'users' || type === 'clients') && name) {
            for (const listener of this.entityListeners) await listener(change.entityPath);
            continue;
          }
          if (type === 'brokers' && name) {
            await this.brokerListener(name);
            continue;
          }
          if (type !== 'topics' || !name) continue;
          const configs = await this.fetch(name);
          this.apply(name, configs);
          this.log('info', `configs of topic ${name} changed: ${JSON.stringify(configs)}`);
        }
        // Only notifications already handled: one created since the read above
        // is this broker's to apply first, however old the expiration makes it.
        const handled = (await this.zk.getConfigChangeNotificationNames()).filter((name) => name <= this.lastNotification);
        await purgeObsoleteNotifications(this.zk.zk, CONFIG_CHANGES_PATH, handled, this.changeExpirationMs);
      } catch (e) {
        this.log('warn', `reading config change notifications failed: ${(e as Error).message}`);
      }
    });
  }
}
