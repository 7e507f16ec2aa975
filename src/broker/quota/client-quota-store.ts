import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../metadata/durable-write.js';
import type { EntityConfigWriter } from '../security/scram-credential-store.js';
import { entitiesFor, entityKey, entityOfKey, QUOTA_KEYS, type QuotaEntity } from './quota-entity.js';

/** The file that holds a single broker's client quotas, beside samsa-topics.json (Kafka keeps them in ZooKeeper's /config/users and /config/clients). */
export const CLIENT_QUOTAS_FILE = 'samsa-client-quotas.json';

/** One change of AlterClientQuotas: a key set to a value, or removed (value null). */
export interface QuotaChange {
  readonly key: string;
  readonly value: number | null;
}

/**
 * The quota values of each entity, persisted as the topic store is (temp
 * file, fsync, rename) on a single broker, in ZooKeeper in a cluster
 * (keepIn, load: each entity's znode holds them, /config/changes announces
 * changes), and the lookup Kafka's default quota callback does:
 * for a user and client id, each quota key from the most specific entity
 * that sets it.
 */
export class ClientQuotaStore {
  private readonly entities = new Map<string, Map<string, number>>();
  /** Bumped by every change, so cached lookups know to look again. */
  version = 0;
  /** The quota keys some entity sets: a kind of quota nobody sets costs the request path nothing. */
  private readonly keysInUse = new Set<string>();
  private writer: EntityConfigWriter | undefined;

  private constructor(private readonly path: string | undefined) {}

  /** From now on the quotas live in ZooKeeper (a cluster): the file's are forgotten, and `load` fills the store. */
  keepIn(writer: EntityConfigWriter): void {
    this.writer = writer;
    this.entities.clear();
    this.changed();
  }

  /** An entity's configs as ZooKeeper holds them (at start, and at each change notification): its quota keys replace what the store had. */
  load(entityPath: string, config: Readonly<Record<string, string>>): void {
    const values = new Map<string, number>();
    for (const key of Object.keys(QUOTA_KEYS)) {
      const value = Number(config[key]);
      if (config[key] !== undefined && Number.isFinite(value)) values.set(key, value);
    }
    const key = entityKey(entityOfKey(entityPath));
    if (values.size > 0) this.entities.set(key, values);
    else this.entities.delete(key);
    this.changed();
  }

  /** In `dir`, or in memory only (no dir). */
  static open(dir: string | undefined): ClientQuotaStore {
    const store = new ClientQuotaStore(dir === undefined ? undefined : join(dir, CLIENT_QUOTAS_FILE));
    if (!store.path || !existsSync(store.path)) return store;
    let parsed: { entities: Record<string, Record<string, number>> };
    try {
      parsed = JSON.parse(readFileSync(store.path, 'utf8')) as typeof parsed;
      if (typeof parsed.entities !== 'object' || parsed.entities === null) throw new Error('no entities object');
    } catch (e) {
      throw new Error(`${store.path}: corrupt client quotas (${(e as Error).message}); refusing to start rather than lose them`);
    }
    for (const [key, values] of Object.entries(parsed.entities)) store.entities.set(key, new Map(Object.entries(values)));
    store.changed();
    return store;
  }

  /** Whether any entity sets `quotaKey`. */
  uses(quotaKey: string): boolean {
    return this.keysInUse.has(quotaKey);
  }

  /** The value of `quotaKey` for a connection's user and client id, from the most specific entity that sets it. */
  quotaFor(quotaKey: string, user: string, clientId: string): { value: number; entity: QuotaEntity } | undefined {
    if (this.entities.size === 0) return undefined; // the usual case, on every produce and fetch: no quotas at all
    for (const entity of entitiesFor(user, clientId)) {
      const value = this.entities.get(entityKey(entity))?.get(quotaKey);
      if (value !== undefined) return { value, entity };
    }
    return undefined;
  }

  /** Every entity with quotas, with them. */
  all(): Array<{ entity: QuotaEntity; values: ReadonlyMap<string, number> }> {
    return [...this.entities].map(([key, values]) => ({ entity: entityOfKey(key), values }));
  }

  /** Applies one request's changes to each entity together, then persists once (in a cluster, each entity's znode first). */
  async apply(changes: ReadonlyArray<{ entity: QuotaEntity; changes: readonly QuotaChange[] }>): Promise<void> {
    if (changes.length === 0) return;
    if (this.writer) {
      for (const { entity, changes: ops } of changes) {
        await this.writer.update(entityKey(entity), Object.fromEntries(ops.map((op) => [op.key, op.value === null ? null : String(op.value)])));
      }
    }
    for (const { entity, changes: ops } of changes) {
      const key = entityKey(entity);
      let values = this.entities.get(key);
      if (!values) this.entities.set(key, (values = new Map()));
      for (const op of ops) {
        if (op.value === null) values.delete(op.key);
        else values.set(op.key, op.value);
      }
      if (values.size === 0) this.entities.delete(key);
    }
    this.changed();
    if (!this.writer) this.save();
  }

  private changed(): void {
    this.version++;
    this.keysInUse.clear();
    for (const values of this.entities.values()) for (const key of values.keys()) this.keysInUse.add(key);
  }

  private save(): void {
    if (!this.path) return;
    const entities: Record<string, Record<string, number>> = {};
    for (const [key, values] of this.entities) entities[key] = Object.fromEntries(values);
    writeFileDurably(this.path, JSON.stringify({ version: 1, entities }, null, 1));
  }
}
