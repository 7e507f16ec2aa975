import type { ConfigKey } from '../../../storage/config/config-def.js';
import { ConfigError } from '../../../storage/config/config-error.js';

/**
 * The authorizers Kafka names that samsa's AclAuthorizer stands in for: ZooKeeper mode's and KRaft's, which decide alike.
 * Any other class refuses to start the broker rather than leave it unprotected.
 */
export const KNOWN_AUTHORIZERS: readonly string[] = ['kafka.security.authorizer.AclAuthorizer', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'];

/** The authorizer's settings, Kafka's names and defaults. */
export const AUTHORIZER_CONFIG_KEYS: readonly ConfigKey[] = [
  {
    name: 'authorizer.class.name',
    type: 'string',
    defaultValue: '',
    doc: `the authorizer: ${KNOWN_AUTHORIZERS.join(' or ')} (the same ACL authorizer); empty authorizes every request`,
    check: (v) => {
      const name = String(v).trim();
      return name === '' || KNOWN_AUTHORIZERS.includes(name)
        ? undefined
        : `${name} is not an authorizer samsa has; use ${KNOWN_AUTHORIZERS.join(' or ')}, or leave it empty`;
    },
  },
  {
    name: 'super.users',
    type: 'string',
    defaultValue: '',
    doc: 'principals allowed everything whatever the ACLs say, separated by semicolons (User:admin;User:broker)',
    check: (v) => {
      const bad = String(v)
        .split(';')
        .map((p) => p.trim())
        .find((p) => p !== '' && p.indexOf(':') <= 0);
      return bad === undefined ? undefined : `'${bad}' is not a principal like User:admin`;
    },
  },
  {
    name: 'allow.everyone.if.no.acl.found',
    type: 'boolean',
    defaultValue: 'false',
    doc: 'a resource no ACL names is open to everyone (when false, only super users may use it)',
  },
];

/** `super.users` as Kafka splits it: principals separated by semicolons (each checked to be `Type:name` when the config was read). */
export function parseSuperUsers(text: string): Set<string> {
  return new Set(
    text
      .split(';')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  );
}

/** The class names kafka-acls.sh --authorizer takes for ZooKeeper's ACLs: AclAuthorizer, and SimpleAclAuthorizer, its name before Kafka 2.4. */
export const ZK_AUTHORIZERS: readonly string[] = ['kafka.security.authorizer.AclAuthorizer', 'kafka.security.auth.SimpleAclAuthorizer'];

/**
 * The ZooKeeper client settings of an AclAuthorizer given its own properties, as Kafka's
 * AclAuthorizer.configure reads them (kafka-acls.sh --authorizer-properties):
 * authorizer.zookeeper.url / .session.timeout.ms / .connection.timeout.ms first, then the
 * zookeeper.* keys. What samsa's ZooKeeper client cannot do (TLS, znode ACLs) is refused
 * rather than skipped: the ACLs would be written where the user asked them not to be.
 */
export function authorizerZooKeeperSettings(props: Readonly<Record<string, string>>): Record<string, string> {
  const value = (key: string) => (props[`authorizer.${key}`] ?? props[key])?.trim();
  for (const key of ['zookeeper.ssl.client.enable', 'zookeeper.set.acl']) {
    if (value(key)?.toLowerCase() === 'true')
      throw new ConfigError(key, "samsa's ZooKeeper client connects without TLS and creates znodes open to every client; it cannot do this");
  }
  const settings: Record<string, string> = {};
  const connect = props['authorizer.zookeeper.url']?.trim() ?? props['zookeeper.connect']?.trim();
  if (connect !== undefined) settings['zookeeper.connect'] = connect;
  for (const key of ['zookeeper.session.timeout.ms', 'zookeeper.connection.timeout.ms']) {
    const v = value(key);
    if (v !== undefined) settings[key] = v;
  }
  return settings;
}
