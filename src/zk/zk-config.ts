import { type ConfigKey, parseConfigValue } from '../../storage/config/config-def.js';
import { ConfigError } from '../../storage/config/config-error.js';

/** The ZooKeeper client settings of server.properties, with Kafka's names and defaults. */
export const ZOOKEEPER_CONFIG_KEYS: readonly ConfigKey[] = [
  { name: 'zookeeper.connect', type: 'string', defaultValue: '', doc: 'ZooKeeper hosts and an optional chroot: h1:2181,h2:2181/samsa' },
  {
    name: 'zookeeper.session.timeout.ms',
    type: 'int',
    defaultValue: '18000',
    min: 1,
    doc: 'the ZooKeeper session timeout; the server clamps it to its min/maxSessionTimeout',
  },
  {
    name: 'zookeeper.connection.timeout.ms',
    type: 'int',
    defaultValue: 'null',
    min: 1,
    doc: 'how long to wait for a connection (the session timeout when unset)',
  },
];

export interface ZooKeeperClientConfig {
  /** The connect string as given: hosts, then an optional chroot. */
  readonly connect: string;
  readonly sessionTimeoutMs: number;
  readonly connectionTimeoutMs: number;
}

/** Reads the zookeeper.* settings (text or JS values) into a client configuration. */
export function zooKeeperClientConfig(settings: Readonly<Record<string, unknown>>): ZooKeeperClientConfig {
  const [connectKey, sessionKey, connectionKey] = ZOOKEEPER_CONFIG_KEYS;
  const connect = String(parseConfigValue(connectKey, settings['zookeeper.connect'] ?? ''));
  if (connect === '') throw new ConfigError('zookeeper.connect', 'is required for a ZooKeeper client');
  parseConnectString(connect);
  const sessionTimeoutMs = parseConfigValue(sessionKey, settings['zookeeper.session.timeout.ms'] ?? sessionKey.defaultValue) as number;
  const rawConnection = settings['zookeeper.connection.timeout.ms'];
  const connectionTimeoutMs =
    rawConnection === undefined || rawConnection === null || rawConnection === 'null'
      ? sessionTimeoutMs
      : (parseConfigValue(connectionKey, rawConnection) as number);
  return { connect, sessionTimeoutMs, connectionTimeoutMs };
}

/** The hosts of a connect string and its chroot ('' when there is none). */
export function parseConnectString(connect: string): { hosts: string; chroot: string } {
  const slash = connect.indexOf('/');
  const hosts = slash < 0 ? connect : connect.slice(0, slash);
  const chroot = slash < 0 ? '' : connect.slice(slash).replace(/\/+$/, '');
  const list = hosts
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0);
  if (list.length === 0) throw new ConfigError('zookeeper.connect', `'${connect}' names no host`);
  for (const host of list) {
    if (!/^[^:\s]+(:\d{1,5})?$/.test(host)) throw new ConfigError('zookeeper.connect', `'${host}' is not host or host:port`);
  }
  if (chroot !== '' && /\/\/|\/\.\.?(\/|$)/.test(chroot)) throw new ConfigError('zookeeper.connect', `'${chroot}' is not a valid chroot path`);
  return { hosts: list.join(','), chroot };
}
