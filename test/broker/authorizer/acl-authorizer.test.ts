import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AclAuthorizer, InvalidAclError } from '../../../src/broker/authorizer/acl-authorizer.js';
import { ACLS_FILE, FileAclStore } from '../../../src/broker/authorizer/acl-store.js';
import { BrokerConfig } from '../../../src/broker/broker-config.js';
import { userPrincipal } from '../../../src/broker/security/kafka-principal.js';
import { type AclBinding, AclOperation, AclPermissionType, CLUSTER_NAME, PatternType, ResourceType } from '../../../src/protocol/acl.js';
import { ConfigError } from '../../../storage/config/config-error.js';
import { expectThrown } from '../../errors.js';
import { acl } from './bindings.js';

const { TOPIC, GROUP, CLUSTER } = ResourceType;
const { LITERAL, PREFIXED } = PatternType;
const { ALLOW, DENY } = AclPermissionType;

const alice = userPrincipal('alice');
const bob = userPrincipal('bob');

describe('AclAuthorizer', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const open = async (bindings: AclBinding[], superUsers: string[] = [], allowEveryone = false) => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-acls-'));
    dirs.push(dir);
    const authorizer = await AclAuthorizer.open(new FileAclStore(dir), new Set(superUsers), allowEveryone);
    const results = await authorizer.createAcls(bindings);
    expect(results.filter((r) => r !== undefined)).toEqual([]);
    return { authorizer, dir };
  };

  it('implies DESCRIBE by READ, WRITE, DELETE and ALTER, and DESCRIBE_CONFIGS by ALTER_CONFIGS, but nothing else', async () => {
    for (const op of [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]) {
      const { authorizer } = await open([acl(TOPIC, 't', LITERAL, 'User:alice', op)]);
      expect(authorizer.authorize(alice, '10.0.0.1', AclOperation.DESCRIBE, TOPIC, 't')).toBe(true);
      expect(authorizer.authorize(alice, '10.0.0.1', AclOperation.CREATE, TOPIC, 't')).toBe(false);
    }
    const { authorizer } = await open([acl(TOPIC, 't', LITERAL, 'User:alice', AclOperation.ALTER_CONFIGS)]);
    expect(authorizer.authorize(alice, 'h', AclOperation.DESCRIBE_CONFIGS, TOPIC, 't')).toBe(true);
    expect(authorizer.authorize(alice, 'h', AclOperation.DESCRIBE, TOPIC, 't')).toBe(false);
    // READ does not imply WRITE.
    const read = await open([acl(TOPIC, 't', LITERAL, 'User:alice', AclOperation.READ)]);
    expect(read.authorizer.authorize(alice, 'h', AclOperation.WRITE, TOPIC, 't')).toBe(false);
  });

  it('matches literal names, the wildcard, prefixes, User:* and hosts; DENY (also of ALL) wins over ALLOW', async () => {
    const { authorizer } = await open([
      acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOperation.WRITE),
      acl(TOPIC, 'logs-', PREFIXED, 'User:*', AclOperation.READ),
      acl(TOPIC, '*', LITERAL, 'User:bob', AclOperation.DESCRIBE, ALLOW, '10.0.0.2'),
      acl(TOPIC, 'logs-secret', LITERAL, 'User:alice', AclOperation.ALL, DENY),
      acl(GROUP, 'g', LITERAL, 'User:alice', AclOperation.READ),
    ]);
    expect(authorizer.authorize(alice, 'h', AclOperation.WRITE, TOPIC, 'orders')).toBe(true);
    expect(authorizer.authorize(alice, 'h', AclOperation.WRITE, TOPIC, 'orders2')).toBe(false);
    expect(authorizer.authorize(bob, 'h', AclOperation.READ, TOPIC, 'logs-app')).toBe(true);
    expect(authorizer.authorize(bob, 'h', AclOperation.READ, TOPIC, 'log')).toBe(false);
    expect(authorizer.authorize(bob, '10.0.0.2', AclOperation.DESCRIBE, TOPIC, 'anything')).toBe(true);
    expect(authorizer.authorize(bob, '10.0.0.3', AclOperation.DESCRIBE, TOPIC, 'anything')).toBe(false);
    expect(authorizer.authorize(alice, 'h', AclOperation.READ, TOPIC, 'logs-secret')).toBe(false);
    expect(authorizer.authorize(bob, 'h', AclOperation.READ, TOPIC, 'logs-secret')).toBe(true);
    // A group ACL says nothing about a topic of the same name.
    expect(authorizer.authorize(alice, 'h', AclOperation.READ, TOPIC, 'g')).toBe(false);
  });

  it('super users pass; a resource no ACL covers is open only with allow.everyone.if.no.acl.found', async () => {
    const strict = await open([acl(TOPIC, 'guarded', LITERAL, 'User:bob', AclOperation.READ)], ['User:admin']);
    expect(strict.authorizer.authorize(userPrincipal('admin'), 'h', AclOperation.ALTER, CLUSTER, CLUSTER_NAME)).toBe(true);
    expect(strict.authorizer.authorize(alice, 'h', AclOperation.READ, TOPIC, 'free')).toBe(false);
    const open_ = await open([acl(TOPIC, 'guarded', LITERAL, 'User:bob', AclOperation.READ)], [], true);
    expect(open_.authorizer.authorize(alice, 'h', AclOperation.READ, TOPIC, 'free')).toBe(true);
    expect(open_.authorizer.authorize(alice, 'h', AclOperation.READ, TOPIC, 'guarded')).toBe(false);
  });

  it('authorizeAny (KIP-679): an ALLOW on some topic no DENY covers', async () => {
    const { authorizer } = await open([
      acl(TOPIC, 'a', LITERAL, 'User:alice', AclOperation.WRITE),
      acl(TOPIC, 'b-', PREFIXED, 'User:bob', AclOperation.WRITE),
      acl(TOPIC, 'b', PREFIXED, 'User:bob', AclOperation.WRITE, DENY),
    ]);
    expect(authorizer.authorizeAny(alice, 'h', AclOperation.WRITE, TOPIC)).toBe(true);
    expect(authorizer.authorizeAny(bob, 'h', AclOperation.WRITE, TOPIC)).toBe(false);
    expect(authorizer.authorizeAny(userPrincipal('carol'), 'h', AclOperation.WRITE, TOPIC)).toBe(false);
  });

  it('filters as Kafka: ANY and exact names, MATCH by what applies; deletes what matches; refuses malformed bindings', async () => {
    const { authorizer, dir } = await open([
      acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOperation.READ),
      acl(TOPIC, '*', LITERAL, 'User:bob', AclOperation.READ),
      acl(TOPIC, 'ord', PREFIXED, 'User:bob', AclOperation.WRITE),
      acl(TOPIC, 'other', PREFIXED, 'User:bob', AclOperation.WRITE),
    ]);
    const entry = { principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY };
    const names = (patternType: number, name: string | null) =>
      authorizer
        .acls({ pattern: { resourceType: TOPIC, name, patternType }, entry })
        .map((b) => b.pattern.name)
        .sort();
    expect(names(PatternType.MATCH, 'orders')).toEqual(['*', 'ord', 'orders']);
    expect(names(PatternType.ANY, 'orders')).toEqual(['orders']);
    expect(names(LITERAL, 'ord')).toEqual([]);
    expect(names(PREFIXED, 'ord')).toEqual(['ord']);
    expect(names(PatternType.ANY, null)).toHaveLength(4);

    const created = await authorizer.createAcls([
      acl(CLUSTER, 'my-cluster', LITERAL, 'User:a', AclOperation.ALTER),
      acl(TOPIC, 't', LITERAL, 'alice', AclOperation.READ),
      acl(TOPIC, '', LITERAL, 'User:a', AclOperation.READ),
      acl(TOPIC, 't', PatternType.MATCH, 'User:a', AclOperation.READ),
    ]);
    expect(created.map((e) => e instanceof InvalidAclError)).toEqual([true, true, true, true]);
    expect(created[0]!.message).toBe('The only valid name for the CLUSTER resource is kafka-cluster');

    const deleted = await authorizer.deleteAcls([
      { pattern: { resourceType: TOPIC, name: 'orders', patternType: PatternType.MATCH }, entry: { ...entry, principal: 'User:bob' } },
    ]);
    expect(deleted[0]!.map((b) => b.pattern.name).sort()).toEqual(['*', 'ord']);
    // The file holds what is left, and a new authorizer on it reads the same.
    const stored = JSON.parse(readFileSync(join(dir, ACLS_FILE), 'utf8')) as { acls: Array<{ name: string; operation: string }> };
    expect(stored.acls.map((a) => `${a.name}:${a.operation}`).sort()).toEqual(['orders:READ', 'other:WRITE']);
    const reopened = await AclAuthorizer.open(new FileAclStore(dir), new Set(), false);
    expect(reopened.authorize(alice, 'h', AclOperation.READ, TOPIC, 'orders')).toBe(true);
    expect(reopened.authorize(bob, 'h', AclOperation.READ, TOPIC, 'orders')).toBe(false);
  });

  it('a corrupt ACL file refuses to start rather than drop the ACLs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-acls-'));
    dirs.push(dir);
    writeFileSync(join(dir, ACLS_FILE), '{"acls": [{"resourceType": "TOPIC"');
    await expect(AclAuthorizer.open(new FileAclStore(dir), new Set(), false)).rejects.toThrow(/corrupt ACLs/);
  });
});

describe('authorizer settings', () => {
  it("accepts Kafka's authorizer class names and super.users lists, and refuses other classes and malformed principals", () => {
    for (const name of ['kafka.security.authorizer.AclAuthorizer', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer']) {
      expect(new BrokerConfig({ 'authorizer.class.name': name, 'super.users': 'User:admin;User:broker' }).string('authorizer.class.name')).toBe(name);
    }
    expectThrown(
      () => new BrokerConfig({ 'authorizer.class.name': 'com.example.Custom' }),
      ConfigError,
      { key: 'authorizer.class.name' },
      /not an authorizer samsa has/,
    );
    expectThrown(() => new BrokerConfig({ 'super.users': 'User:admin;admin' }), ConfigError, { key: 'super.users' }, /'admin' is not a principal/);
  });
});
