import { CHANGE_EXPIRATION_MS, purgeObsoleteNotifications } from './change-notifications.js';
import { isCode, type ZooKeeperClient } from './zookeeper-client.js';

// Kafka's ZooKeeper layout for ACLs (ZkAclStore): literal bindings under
// /kafka-acl/<ResourceType>/<name>, prefixed ones under
// /kafka-acl-extended/prefixed/<ResourceType>/<name>, each znode the list of
// its access control entries; every change announced by a sequential znode
// under /kafka-acl-changes (literal: data "<ResourceType>:<name>") or
// /kafka-acl-extended-changes (prefixed: a JSON resource), so every broker
// reloads what changed.

export const ACL_PATH = '/kafka-acl';
export const ACL_CHANGES_PATH = '/kafka-acl-changes';
export const EXTENDED_ACL_PATH = '/kafka-acl-extended/prefixed';
export const EXTENDED_ACL_CHANGES_PATH = '/kafka-acl-extended-changes';
const CHANGE_PREFIX = 'acl_changes_';

/** A resource as the znodes name it: Kafka's camel-case resource type (`Topic`, `TransactionalId`). */
export interface ZkAclResource {
  readonly prefixed: boolean;
  readonly resourceType: string;
  readonly name: string;
}

/** An entry as Kafka writes it: `{"principal":"User:alice","permissionType":"Allow","operation":"Read","host":"*"}`. */
export interface ZkAclEntry {
  readonly principal: string;
  readonly permissionType: string;
  readonly operation: string;
  readonly host: string;
}

function resourcePath(r: ZkAclResource): string {
  return `${r.prefixed ? EXTENDED_ACL_PATH : ACL_PATH}/${r.resourceType}/${r.name}`;
}

/** ACL znodes, typed; each call retried across connection losses within its session. */
export class AclZkClient {
  constructor(private readonly zk: ZooKeeperClient) {}

  /** Every resource with an ACL znode. */
  async resources(): Promise<ZkAclResource[]> {
    const out: ZkAclResource[] = [];
    for (const prefixed of [false, true]) {
      const root = prefixed ? EXTENDED_ACL_PATH : ACL_PATH;
      for (const resourceType of await this.children(root)) {
        for (const name of await this.children(`${root}/${resourceType}`)) out.push({ prefixed, resourceType, name });
      }
    }
    return out;
  }

  /** A resource's entries and its znode's version (-1 when it has none). */
  async acls(r: ZkAclResource): Promise<{ entries: ZkAclEntry[]; version: number }> {
    try {
      const { data, stat } = await this.zk.retryUntilConnected(() => this.zk.getData(resourcePath(r)));
      const parsed = JSON.parse((data ?? Buffer.from('{"acls":[]}')).toString('utf8')) as { acls?: ZkAclEntry[] };
      return { entries: parsed.acls ?? [], version: stat.version };
    } catch (error) {
      if (isCode(error, 'NONODE')) return { entries: [], version: -1 };
      throw error;
    }
  }

  /**
   * Writes a resource's entries if its znode is still at `expectedVersion` (-1: absent), deleting
   * it when none are left; false when another writer changed it first (read again and retry).
   */
  async conditionalSet(r: ZkAclResource, entries: readonly ZkAclEntry[], expectedVersion: number): Promise<boolean> {
    const path = resourcePath(r);
    const data = Buffer.from(JSON.stringify({ version: 1, acls: entries }));
    try {
      if (expectedVersion === -1) {
        if (entries.length > 0) await this.zk.retryUntilConnected(() => this.zk.createRecursive(path, data));
      } else if (entries.length === 0) await this.zk.retryUntilConnected(() => this.zk.delete(path, expectedVersion));
      else await this.zk.retryUntilConnected(() => this.zk.setData(path, data, expectedVersion));
      return true;
    } catch (error) {
      if (isCode(error, 'BADVERSION') || isCode(error, 'NODEEXISTS') || isCode(error, 'NONODE')) return false;
      throw error;
    }
  }

  /** Tells every broker the resource's ACLs changed. */
  async notifyChange(r: ZkAclResource): Promise<void> {
    const root = r.prefixed ? EXTENDED_ACL_CHANGES_PATH : ACL_CHANGES_PATH;
    const data = r.prefixed
      ? JSON.stringify({ version: 1, resourceType: r.resourceType, name: r.name, patternType: 'PREFIXED' })
      : `${r.resourceType}:${r.name}`;
    await this.zk.retryUntilConnected(() => this.zk.createRecursive(root, undefined, false));
    await this.zk.retryUntilConnected(() => this.zk.create(`${root}/${CHANGE_PREFIX}`, Buffer.from(data), 'PERSISTENT_SEQUENTIAL'));
  }

  /** Calls `onChange` whenever a change notification appears (from this broker or another). */
  async watchChanges(onChange: () => void): Promise<void> {
    for (const path of [ACL_CHANGES_PATH, EXTENDED_ACL_CHANGES_PATH]) {
      await this.zk.retryUntilConnected(() => this.zk.createRecursive(path, undefined, false));
      await this.zk.registerZNodeChildChangeHandler({ path, handleChildChange: onChange });
    }
  }

  /** Deletes the change notifications older than `expirationMs`, as Kafka's brokers do after handling them; returns their paths. */
  async purgeObsoleteChanges(expirationMs = CHANGE_EXPIRATION_MS): Promise<string[]> {
    const purged: string[] = [];
    for (const root of [ACL_CHANGES_PATH, EXTENDED_ACL_CHANGES_PATH]) {
      const names = (await this.children(root)).filter((n) => n.startsWith(CHANGE_PREFIX));
      for (const name of await purgeObsoleteNotifications(this.zk, root, names, expirationMs)) purged.push(`${root}/${name}`);
    }
    return purged;
  }

  private async children(path: string): Promise<string[]> {
    try {
      return (await this.zk.retryUntilConnected(() => this.zk.getChildren(path))).children;
    } catch (error) {
      if (isCode(error, 'NONODE')) return [];
      throw error;
    }
  }
}
