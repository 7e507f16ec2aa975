import { ConfigError } from '../../../storage/config/config-error.js';
import type { BrokerConfig } from '../broker-config.js';
import type { AdvertisedListener, BrokerListeners } from '../network/broker-listeners.js';
import { usesTls } from '../security/security-protocol.js';
import { tlsServerOptions } from '../security/tls-server-options.js';
import type { DynamicBrokerConfig } from './dynamic-broker-config.js';
import { LISTENER_SET_KEYS, listenerKeyOf, listenerSslKey } from './dynamic-config-keys.js';

/** What following the listener configs needs of the broker. */
export interface DynamicListenersOptions {
  /** Registers new advertised endpoints (a cluster broker's /brokers/ids/<id>); absent on a single broker. */
  reregister?(endpoints: readonly AdvertisedListener[]): Promise<void>;
}

/**
 * Kafka's DynamicListenerConfig (KIP-226): `listeners`,
 * `advertised.listeners` and `listener.security.protocol.map` changed on one
 * broker while it runs, with the new listeners' `listener.name.<l>.*`
 * settings in the same alteration, and the key stores of running TLS
 * listeners. An alteration is checked before it is stored (see
 * checkListenerReconfiguration); once stored, removed listeners stop, new
 * ones start, and new advertised endpoints are registered before the
 * alteration is answered.
 */
export function followDynamicListeners(dynamic: DynamicBrokerConfig, listeners: BrokerListeners, options: DynamicListenersOptions): void {
  dynamic.addValidator((merged) => {
    const changed = changedListenerSettings(dynamic.current, merged);
    checkListenerReconfiguration(dynamic.current, merged, listeners.ports, changed);
    checkKeyStores(merged, listeners, changed, dynamic.dynamicNames());
    // The listeners this alteration adds must be able to start (a TLS one needs a key store that loads).
    for (const listener of merged.listeners) {
      if (!dynamic.current.listeners.some((l) => l.name === listener.name)) listeners.secure(merged, listener);
    }
  });
  dynamic.onChange(async () => {
    const current = dynamic.current;
    if (await listeners.reconfigure(current)) await options.reregister?.(listeners.advertisedListeners());
    listeners.reloadKeyStores(current, keyStoreListeners(dynamic.dynamicNames()));
  });
}

/** The listeners whose key or trust stores are set dynamically. */
function keyStoreListeners(names: readonly string[]): Set<string> {
  return new Set(names.flatMap((n) => listenerSslKey(n)?.listener ?? []));
}

/** The listener keys (the listener set's and `listener.name.<l>.*`) whose value an alteration changes, from any layer. */
function changedListenerSettings(current: BrokerConfig, merged: BrokerConfig): string[] {
  const names = new Set([...current.explicit.keys(), ...merged.explicit.keys()].filter((n) => LISTENER_SET_KEYS.has(n) || listenerKeyOf(n)));
  return [...names].filter((n) => current.explicit.get(n) !== merged.explicit.get(n));
}

/**
 * Kafka's DynamicListenerConfig.validateReconfiguration, with Kafka's
 * messages, on the settings as they would be (`merged`, whose construction
 * already refused advertised listeners that are not listeners and listeners
 * without a security protocol): a listener that stays keeps its security
 * protocol and its settings other than its key stores, and the inter-broker
 * listener stays advertised. Beyond Kafka, a listener that stays keeps its
 * host and port: Kafka takes a new one but goes on listening where it did
 * until a restart, while advertising the new one.
 */
export function checkListenerReconfiguration(
  current: BrokerConfig,
  merged: BrokerConfig,
  bound: ReadonlyMap<string, number>,
  changed: readonly string[],
): void {
  for (const now of merged.listeners) {
    const was = current.listeners.find((l) => l.name === now.name);
    if (!was) continue;
    const immutable = changed.filter((n) => listenerKeyOf(n)?.listener === now.name && !listenerKeyOf(n)!.reloadable);
    if (immutable.length > 0)
      throw new Error(`Configs cannot be updated dynamically for existing listener ${now.name}, restart broker or create a new listener for update`);
    if (was.securityProtocol !== now.securityProtocol) throw new Error(`Security protocol cannot be updated for existing listener ${now.name}`);
    const samePort = now.port === was.port || (was.port === 0 && now.port === bound.get(now.name));
    if (now.host !== was.host || !samePort)
      throw new Error(
        `Listener ${now.name} cannot move from ${address(was.host, bound.get(was.name) ?? was.port)} to ${address(now.host, now.port)} while the broker runs, restart broker or create a new listener for update`,
      );
  }
  const interBroker = current.interBrokerListenerName;
  if (!merged.advertisedListeners.some((l) => l.name === interBroker))
    throw new Error(`Advertised listener must be specified for inter-broker listener ${interBroker}`);
}

function address(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Key stores set for a listener must be for a TLS listener of the broker as
 * it would be, and load: those of the running listeners that have dynamic
 * ones are built again from the merged settings.
 */
function checkKeyStores(merged: BrokerConfig, listeners: BrokerListeners, changed: readonly string[], dynamicNames: readonly string[]): void {
  const tlsListeners = merged.listeners.filter((l) => usesTls(l.securityProtocol)).map((l) => l.name);
  for (const name of changed) {
    const ssl = listenerSslKey(name);
    // A key deleted with its listener needs no TLS listener.
    if (ssl && merged.explicit.has(name) && !tlsListeners.includes(ssl.listener))
      throw new ConfigError(name, `${ssl.listener} is not a TLS listener of this broker (${tlsListeners.join(', ') || 'none'})`);
  }
  const named = keyStoreListeners([...changed, ...dynamicNames]);
  for (const l of listeners.listeners())
    if (usesTls(l.securityProtocol) && named.has(l.name) && tlsListeners.includes(l.name)) tlsServerOptions(merged, l.name);
}
