import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { BrokerConfig } from '../broker-config.js';
import type { BrokerLog } from '../broker-log.js';
import { isSensitiveConfig } from '../security/security-config-keys.js';
import { checkDynamicKeys, dynamicKeyOf } from './dynamic-config-keys.js';
import { DEFAULT_BROKER_ENTITY, type DynamicConfigStore } from './dynamic-config-store.js';
import { DynamicPasswords } from './dynamic-passwords.js';

/** Where a broker setting's value comes from, most specific first (Kafka's DescribeConfigs sources). */
export type SettingSource = 'DYNAMIC_BROKER_CONFIG' | 'DYNAMIC_DEFAULT_BROKER_CONFIG' | 'STATIC_BROKER_CONFIG';

export interface SettingLayer {
  value: string;
  source: SettingSource;
}

/**
 * Kafka's DynamicBrokerConfig: settings changed while the broker runs, for
 * this broker (`/config/brokers/<id>`) or every broker (`<default>`), layered
 * over server.properties as dynamic broker > dynamic default > static > Kafka's
 * default. The topic defaults they change are written into the BrokerConfig's
 * `topicDefaults` in place (the object the log manager, topic manager and
 * planner read), then `onChange` listeners re-derive the open logs' configs,
 * so logs without their own override take the new defaults at once.
 */
export class DynamicBrokerConfig {
  private brokerConfigs: Record<string, string> = {};
  private defaultConfigs: Record<string, string> = {};
  private readonly staticSettings: Readonly<Record<string, string>>;
  private readonly listeners: Array<() => void | Promise<void>> = [];
  /** Checks of what the merged settings would do (a listener's new key store must load), run before anything is written. */
  private readonly validators: Array<(merged: BrokerConfig, configs: Readonly<Record<string, string>>) => void> = [];
  /** The settings as they apply now: server.properties with the dynamic layers over it. */
  private effective: BrokerConfig;
  /** The alteration in progress (they run one after another). */
  private alterations: Promise<void> = Promise.resolve();
  private readonly passwords: DynamicPasswords;

  private constructor(
    private readonly config: BrokerConfig,
    private readonly brokerId: number,
    private readonly store: DynamicConfigStore,
    private readonly log: BrokerLog,
  ) {
    this.staticSettings = Object.fromEntries(config.explicit);
    this.effective = config;
    this.passwords = DynamicPasswords.of(config, store.keepsPlaintextPasswords, log);
  }

  /** The settings in effect, dynamic values included (`current.int('log.cleaner.backoff.ms')`). */
  get current(): BrokerConfig {
    return this.effective;
  }

  /**
   * Reads this broker's and the default dynamic configs and applies them
   * (before the logs open, so they open with them); this broker's passwords
   * stored under password.encoder.old.secret are stored again under the new one.
   */
  static async load(config: BrokerConfig, brokerId: number, store: DynamicConfigStore, log: BrokerLog): Promise<DynamicBrokerConfig> {
    const dynamic = new DynamicBrokerConfig(config, brokerId, store, log);
    const entity = String(brokerId);
    dynamic.defaultConfigs = dynamic.passwords.fromStored(await store.read(DEFAULT_BROKER_ENTITY), DEFAULT_BROKER_ENTITY);
    let own = await store.read(entity);
    const reEncoded = dynamic.passwords.reEncoded(own);
    if (reEncoded) {
      await store.write(entity, reEncoded);
      log('info', `dynamic passwords of broker ${brokerId} stored again, encrypted with password.encoder.secret`);
      own = reEncoded;
    }
    dynamic.brokerConfigs = dynamic.passwords.fromStored(own, entity);
    await dynamic.apply();
    return dynamic;
  }

  /** Calls `listener` after every change; an alteration is answered once what it returns has settled (a new listener is listening). */
  onChange(listener: () => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  /** Adds a check an alteration must pass; it throws (a ConfigError naming the key) to refuse. */
  addValidator(validator: (merged: BrokerConfig, configs: Readonly<Record<string, string>>) => void): void {
    this.validators.push(validator);
  }

  /** Every key set dynamically, on this broker or by default. */
  dynamicNames(): string[] {
    return [...new Set([...Object.keys(this.brokerConfigs), ...Object.keys(this.defaultConfigs)])];
  }

  /** The dynamic configs of a broker resource: "" is the cluster-wide default, otherwise this broker. */
  configsOf(resourceName: string): Readonly<Record<string, string>> {
    return resourceName === '' ? this.defaultConfigs : this.brokerConfigs;
  }

  /**
   * Replaces a broker resource's dynamic configs with what `update` makes of
   * the current ones (AlterConfigs gives a whole set, IncrementalAlterConfigs
   * applies its operations), one alteration at a time so none works from a
   * set another is replacing: every key must be one Kafka reconfigures and
   * every value valid together with the other layers, else INVALID_REQUEST
   * naming the key, as Kafka answers.
   */
  alter(resourceName: string, update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>, validateOnly: boolean): Promise<void> {
    const run = this.alterations.then(() => this.alterNow(resourceName, update(this.configsOf(resourceName)), validateOnly));
    this.alterations = run.catch(() => {});
    return run;
  }

  private async alterNow(resourceName: string, configs: Readonly<Record<string, string>>, validateOnly: boolean): Promise<void> {
    const isDefault = resourceName === '';
    let stored: Record<string, string> | undefined;
    try {
      checkDynamicKeys(Object.keys(configs), !isDefault);
      const merged = this.merged(isDefault ? configs : this.defaultConfigs, isDefault ? this.brokerConfigs : configs);
      for (const validate of this.validators) validate(merged, configs);
      // As Kafka, passwords are encrypted (or refused, without a secret) only once the alteration is to be stored, not to validate one.
      stored = validateOnly ? undefined : this.passwords.toStored(configs, !isDefault);
    } catch (e) {
      throw new KafkaError(
        ErrorCode.INVALID_REQUEST,
        `Invalid config value for resource ConfigResource(type=BROKER, name='${resourceName}'): ${(e as Error).message}`,
      );
    }
    if (!stored) return;
    const entity = isDefault ? DEFAULT_BROKER_ENTITY : String(this.brokerId);
    await this.store.write(entity, stored);
    if (isDefault) this.defaultConfigs = { ...configs };
    else this.brokerConfigs = { ...configs };
    const shown = Object.fromEntries(Object.entries(configs).map(([k, v]) => [k, isSensitiveConfig(k) ? '[hidden]' : v]));
    this.log('info', `dynamic configs of broker ${isDefault ? 'default' : this.brokerId} set to ${JSON.stringify(shown)}`);
    await this.apply();
  }

  /** Reads an entity again after a change notification (a cluster's other brokers); others' per-broker configs are not this broker's concern. */
  async reload(entity: string): Promise<void> {
    if (entity === DEFAULT_BROKER_ENTITY) this.defaultConfigs = this.passwords.fromStored(await this.store.read(entity), entity);
    else if (entity === String(this.brokerId)) this.brokerConfigs = this.passwords.fromStored(await this.store.read(entity), entity);
    else return;
    this.log('info', `dynamic configs of broker ${entity === DEFAULT_BROKER_ENTITY ? 'default' : entity} changed`);
    await this.apply();
  }

  /** The values a broker setting has in each layer that sets it, most specific first. */
  layers(name: string): SettingLayer[] {
    const out: SettingLayer[] = [];
    const own = this.brokerConfigs[name];
    if (own !== undefined) out.push({ value: own, source: 'DYNAMIC_BROKER_CONFIG' });
    const byDefault = this.defaultConfigs[name];
    if (byDefault !== undefined) out.push({ value: byDefault, source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' });
    const fixed = this.staticSettings[name];
    if (fixed !== undefined) out.push({ value: fixed.trim(), source: 'STATIC_BROKER_CONFIG' });
    return out;
  }

  /** The settings as they apply now, dynamic over static; ConfigError on a bad value. */
  private merged(defaults: Readonly<Record<string, string>>, own: Readonly<Record<string, string>>): BrokerConfig {
    return new BrokerConfig({ ...this.staticSettings, ...onlyDynamic(defaults), ...onlyDynamic(own) });
  }

  private async apply(): Promise<void> {
    let merged: BrokerConfig;
    try {
      merged = this.merged(this.defaultConfigs, this.brokerConfigs);
    } catch (e) {
      // Kafka too starts without dynamic configs it cannot use, rather than not at all.
      this.log('warn', `ignoring the dynamic broker configs: ${(e as Error).message}`);
      merged = this.merged({}, {});
    }
    this.effective = merged;
    const defaults = this.config.topicDefaults;
    for (const key of Object.keys(defaults)) delete defaults[key];
    Object.assign(defaults, merged.topicDefaults);
    const applied = this.listeners.map(async (listener) => {
      try {
        await listener();
      } catch (e) {
        // Stored already: what could not be applied is logged, as Kafka logs a failed reconfiguration.
        this.log('error', `applying the dynamic broker configs failed: ${(e as Error).message}`);
      }
    });
    await Promise.all(applied);
  }
}

/** Drops keys written by hand or by another version that are not dynamic, so they cannot stop the broker. */
function onlyDynamic(configs: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(configs).filter(([k]) => dynamicKeyOf(k) !== undefined));
}
