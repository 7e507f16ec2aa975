import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import { writeFileDurably } from '../metadata/durable-write.js';

/** Kafka's name for the cluster-wide default entity (ConfigEntityName.Default): /config/brokers/<default>. */
export const DEFAULT_BROKER_ENTITY = '<default>';

/** Where dynamic broker configs live: per entity, a broker id or `<default>`, its keys and values as given. */
export interface DynamicConfigStore {
  /**
   * Whether passwords may be kept here as given when password.encoder.secret is unset: a
   * broker's own file, as server.properties (and KRaft's metadata log) keep them; not
   * ZooKeeper, where Kafka refuses them without the secret. With it, both hold them encrypted.
   */
  readonly keepsPlaintextPasswords: boolean;
  read(entity: string): Promise<Record<string, string>>;
  /** Replaces the entity's configs (an empty set removes them) and, in a cluster, tells every broker. */
  write(entity: string, configs: Readonly<Record<string, string>>): Promise<void>;
}

/** The file that holds a single broker's dynamic configs, beside samsa-topics.json. */
export const BROKER_CONFIGS_FILE = 'samsa-broker-configs.json';

/** A single broker's dynamic configs: one JSON file in the first log dir, replaced durably (temp file, fsync, rename) as the topic store is. */
export class FileDynamicConfigStore implements DynamicConfigStore {
  readonly keepsPlaintextPasswords = true;
  private readonly entities: Record<string, Record<string, string>> = {};
  private readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, BROKER_CONFIGS_FILE);
    if (!existsSync(this.path)) return;
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as { brokers?: unknown };
      if (typeof parsed.brokers !== 'object' || parsed.brokers === null) throw new Error('no brokers object');
      for (const [entity, configs] of Object.entries(parsed.brokers as Record<string, Record<string, unknown>>)) {
        this.entities[entity] = Object.fromEntries(Object.entries(configs).map(([k, v]) => [k, String(v)]));
      }
    } catch (e) {
      throw new Error(`${this.path}: corrupt dynamic broker configs (${(e as Error).message}); fix or remove the file`);
    }
  }

  async read(entity: string): Promise<Record<string, string>> {
    return { ...this.entities[entity] };
  }

  async write(entity: string, configs: Readonly<Record<string, string>>): Promise<void> {
    if (Object.keys(configs).length === 0) delete this.entities[entity];
    else this.entities[entity] = { ...configs };
    // It may hold key store passwords (encrypted or not): readable by the broker's user only.
    writeFileDurably(this.path, JSON.stringify({ version: 1, brokers: this.entities }, null, 1), 0o600);
  }
}

/** A cluster's dynamic broker configs: /config/brokers/<id> and /config/brokers/<default>, each change announced under /config/changes as Kafka's AdminZkClient.changeBrokerConfig does. */
export class ZkDynamicConfigStore implements DynamicConfigStore {
  readonly keepsPlaintextPasswords = false;
  constructor(private readonly zk: KafkaZkClient) {}

  read(entity: string): Promise<Record<string, string>> {
    return this.zk.getEntityConfigs('brokers', entity);
  }

  async write(entity: string, configs: Readonly<Record<string, string>>): Promise<void> {
    await this.zk.setOrCreateEntityConfigs('brokers', entity, configs);
    await this.zk.createConfigChangeNotification(`brokers/${entity}`);
  }
}
