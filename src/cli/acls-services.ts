// Where `samsa acls` adds, removes and lists ACL bindings, the two ways Kafka
// 3.x's AclCommand has: the brokers through Admin (--bootstrap-server, its
// AdminClientService), or ZooKeeper through the authorizer itself
// (--authorizer-properties, its AuthorizerService), which writes the znodes and
// the change notifications running brokers reload. acls.ts builds the bindings
// and prints them once, for both.
import { AclAuthorizer } from '../broker/authorizer/acl-authorizer.js';
import type { AclStore } from '../broker/authorizer/acl-store.js';
import { ZK_AUTHORIZERS } from '../broker/authorizer/authorizer-config.js';
import { ZkAclStore } from '../broker/authorizer/zk-acl-store.js';
import { Admin } from '../clients/admin/admin.js';
import type { AclBinding, AclBindingFilter } from '../protocol/acl.js';
import { type ParsedOptions, parseKeyValueArgs, readCommandConfig } from './command-options.js';

export interface AclCommandService {
  /**
   * Adds the bindings; resolves to the errors of those refused, which the tool prints and goes
   * on (the authorizer's way). Through Admin it rejects with the first instead, as Kafka's
   * AdminClientService fails the command.
   */
  createAcls(bindings: readonly AclBinding[]): Promise<Error[]>;
  /** Removes every binding a filter matches. */
  deleteAcls(filters: readonly AclBindingFilter[]): Promise<void>;
  /** The bindings each filter matches, in turn. */
  describeAcls(filters: readonly AclBindingFilter[]): Promise<AclBinding[]>;
  close(): Promise<void>;
}

/**
 * The service the command line asks for: Admin with --bootstrap-server, else the authorizer on
 * ZooKeeper. Neither connects before its first call, so the tool's own checks come first.
 */
export function aclService(options: ParsedOptions, warn: (text: string) => void): AclCommandService {
  return options.has('bootstrap-server') ? new AdminClientService(options) : new AuthorizerService(options, warn);
}

class AdminClientService implements AclCommandService {
  private readonly admin: Admin;

  constructor(options: ParsedOptions) {
    this.admin = new Admin({
      'client.id': 'samsa-acls',
      ...readCommandConfig(options.valueOf('command-config')),
      'bootstrap.servers': options.valueOf('bootstrap-server')!,
    });
  }

  async createAcls(bindings: readonly AclBinding[]): Promise<Error[]> {
    await this.admin.createAcls(bindings);
    return [];
  }

  async deleteAcls(filters: readonly AclBindingFilter[]): Promise<void> {
    await this.admin.deleteAcls(filters);
  }

  async describeAcls(filters: readonly AclBindingFilter[]): Promise<AclBinding[]> {
    const out: AclBinding[] = [];
    for (const filter of filters) out.push(...(await this.admin.describeAcls(filter)));
    return out;
  }

  close(): Promise<void> {
    return this.admin.close();
  }
}

/**
 * The broker's own AclAuthorizer on a ZkAclStore with a session of its own, as Kafka's tool
 * configures an AclAuthorizer from --authorizer-properties: it writes each touched resource's
 * znode conditionally on its version and announces the change, so the brokers reload it; no
 * super users, nothing allowed by default (the tool only manages ACLs).
 */
class AuthorizerService implements AclCommandService {
  private readonly props: Record<string, string>;
  private session: Promise<{ zk: ZkAclStore; store: AclStore; authorizer: AclAuthorizer }> | undefined;

  constructor(
    options: ParsedOptions,
    private readonly warn: (text: string) => void,
  ) {
    const className = options.valueOf('authorizer') ?? ZK_AUTHORIZERS[0]!;
    if (!ZK_AUTHORIZERS.includes(className))
      throw new Error(`${className} is not an authorizer samsa's acls tool can run; use ${ZK_AUTHORIZERS[0]}, whose ACLs are in ZooKeeper`);
    this.props = parseKeyValueArgs(options.valuesOf('authorizer-properties'), false);
  }

  async createAcls(bindings: readonly AclBinding[]): Promise<Error[]> {
    const { authorizer } = await this.connected();
    return (await authorizer.createAcls(bindings)).filter((e) => e !== undefined);
  }

  async deleteAcls(filters: readonly AclBindingFilter[]): Promise<void> {
    await (await this.connected()).authorizer.deleteAcls(filters);
  }

  /** Reads ZooKeeper afresh, as Kafka's tool lists through a newly configured authorizer: another writer's changes show too. */
  async describeAcls(filters: readonly AclBindingFilter[]): Promise<AclBinding[]> {
    const current = await AclAuthorizer.open((await this.connected()).store, new Set(), false);
    return filters.flatMap((filter) => current.acls(filter));
  }

  async close(): Promise<void> {
    const session = await this.session?.catch(() => undefined);
    await session?.zk.close();
  }

  private connected() {
    this.session ??= (async () => {
      const zk = await ZkAclStore.connect(this.props, (level, message) => {
        if (level !== 'info') this.warn(`${level.toUpperCase()} ${message}\n`);
      });
      // Without the store's watch: the tool reads ZooKeeper when it lists, and needs no reloads.
      const store: AclStore = { load: () => zk.load(), save: (next, previous) => zk.save(next, previous) };
      try {
        return { zk, store, authorizer: await AclAuthorizer.open(store, new Set(), false) };
      } catch (error) {
        await zk.close();
        throw error;
      }
    })();
    return this.session;
  }
}
