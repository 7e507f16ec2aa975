import {
  type AclBinding,
  AclOperation,
  AclPermissionType,
  aclCamelName,
  aclCode,
  bindingKey,
  PatternType,
  type ResourcePattern,
  ResourceType,
} from '../../protocol/acl.js';
import { AclZkClient, type ZkAclEntry, type ZkAclResource } from '../../zk/acl-zk-client.js';
import { CHANGE_EXPIRATION_MS } from '../../zk/change-notifications.js';
import { ZooKeeperClient } from '../../zk/zookeeper-client.js';
import type { AclStore } from './acl-store.js';
import { authorizerZooKeeperSettings } from './authorizer-config.js';

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * A cluster's ACLs in ZooKeeper, where Kafka's ZooKeeper-mode AclAuthorizer
 * keeps them, so kafka-acls.sh --authorizer-properties zookeeper.connect=…
 * and every broker see one set. A change rewrites each touched resource's
 * znode conditionally on its version (merging with what another broker wrote
 * meanwhile), then announces it; every broker reloads on each announcement, and
 * then deletes the announcements older than `changeExpirationMs`, as Kafka's do.
 */
export class ZkAclStore implements AclStore {
  private readonly acls: AclZkClient;
  private reloading: Promise<void> = Promise.resolve();
  /** The session connect() made for this store alone, which close() ends. */
  private ownSession: ZooKeeperClient | undefined;

  constructor(
    zk: ZooKeeperClient,
    private readonly log: Log,
    /** How old a change notification gets before it is deleted (Kafka: 15 minutes). */
    private readonly changeExpirationMs = CHANGE_EXPIRATION_MS,
  ) {
    this.acls = new AclZkClient(zk);
  }

  /**
   * A store on a ZooKeeper session of its own, configured from an AclAuthorizer's properties
   * as Kafka's AclAuthorizer.configure reads them (what kafka-acls.sh --authorizer-properties
   * passes); close() ends the session.
   */
  static async connect(props: Readonly<Record<string, string>>, log: Log): Promise<ZkAclStore> {
    const zk = await ZooKeeperClient.connect(authorizerZooKeeperSettings(props), { log });
    const store = new ZkAclStore(zk, log);
    store.ownSession = zk;
    return store;
  }

  /** Ends the session connect() made; a store on a broker's session leaves that to the broker. */
  async close(): Promise<void> {
    await this.ownSession?.close();
  }

  async load(): Promise<AclBinding[]> {
    const out: AclBinding[] = [];
    for (const r of await this.acls.resources()) {
      const pattern = patternOf(r);
      if (!pattern) {
        this.log('warn', `ignoring ACLs of unknown resource type ${r.resourceType} (${r.name}) in ZooKeeper`);
        continue;
      }
      for (const e of (await this.acls.acls(r)).entries) {
        const entry = entryOf(e);
        if (entry) out.push({ pattern, entry });
        else this.log('warn', `ignoring a malformed ACL of ${r.resourceType}:${r.name} in ZooKeeper: ${JSON.stringify(e)}`);
      }
    }
    return out;
  }

  async save(next: readonly AclBinding[], previous: readonly AclBinding[]): Promise<void> {
    const nextKeys = new Set(next.map(bindingKey));
    const previousKeys = new Set(previous.map(bindingKey));
    const added = next.filter((b) => !previousKeys.has(bindingKey(b)));
    const removed = previous.filter((b) => !nextKeys.has(bindingKey(b)));
    const touched = new Map<string, { resource: ZkAclResource; add: ZkAclEntry[]; remove: Set<string> }>();
    const at = (b: AclBinding) => {
      const resource = resourceOf(b.pattern);
      const key = `${resource.prefixed}\0${resource.resourceType}\0${resource.name}`;
      let change = touched.get(key);
      if (!change) touched.set(key, (change = { resource, add: [], remove: new Set() }));
      return change;
    };
    for (const b of added) at(b).add.push(zkEntry(b));
    for (const b of removed) at(b).remove.add(JSON.stringify(zkEntry(b)));
    for (const { resource, add, remove } of touched.values()) {
      for (;;) {
        const current = await this.acls.acls(resource);
        const kept = current.entries.filter((e) => !remove.has(JSON.stringify(normalized(e))));
        const merged = [...kept, ...add.filter((a) => !kept.some((k) => JSON.stringify(normalized(k)) === JSON.stringify(a)))];
        if (await this.acls.conditionalSet(resource, merged, current.version)) break;
      }
      await this.acls.notifyChange(resource);
    }
  }

  watch(onChange: (all: AclBinding[]) => void): void {
    const reload = () => {
      this.reloading = this.reloading.then(async () => {
        try {
          onChange(await this.load());
          await this.acls.purgeObsoleteChanges(this.changeExpirationMs);
        } catch (e) {
          this.log('warn', `reloading ACLs from ZooKeeper failed: ${(e as Error).message}`);
        }
      });
    };
    this.acls.watchChanges(reload).catch((e: unknown) => this.log('warn', `watching ACL changes failed: ${(e as Error).message}`));
  }
}

function resourceOf(p: ResourcePattern): ZkAclResource {
  return { prefixed: p.patternType === PatternType.PREFIXED, resourceType: aclCamelName(ResourceType, p.resourceType), name: p.name };
}

function patternOf(r: ZkAclResource): ResourcePattern | undefined {
  const resourceType = aclCode(ResourceType, r.resourceType);
  if (resourceType <= ResourceType.ANY) return undefined;
  return { resourceType, name: r.name, patternType: r.prefixed ? PatternType.PREFIXED : PatternType.LITERAL };
}

/** Kafka's JSON for an entry: camel-case operation and permission (`Read`, `Allow`). */
function zkEntry(b: AclBinding): ZkAclEntry {
  return {
    principal: b.entry.principal,
    permissionType: aclCamelName(AclPermissionType, b.entry.permissionType),
    operation: aclCamelName(AclOperation, b.entry.operation),
    host: b.entry.host,
  };
}

function normalized(e: ZkAclEntry): ZkAclEntry {
  return { principal: e.principal, permissionType: e.permissionType, operation: e.operation, host: e.host };
}

function entryOf(e: ZkAclEntry): AclBinding['entry'] | undefined {
  const operation = aclCode(AclOperation, String(e.operation));
  const permissionType = aclCode(AclPermissionType, String(e.permissionType));
  if (operation <= AclOperation.ANY || permissionType <= AclPermissionType.ANY || typeof e.principal !== 'string' || typeof e.host !== 'string')
    return undefined;
  return { principal: e.principal, host: e.host, operation, permissionType };
}
