import type { ConfigKey } from '../../../storage/config/config-def.js';

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
