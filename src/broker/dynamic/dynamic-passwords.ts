import type { BrokerConfig } from '../broker-config.js';
import type { BrokerLog } from '../broker-log.js';
import { isSensitiveConfig } from '../security/security-config-keys.js';
import { isEncodedPassword, PasswordEncoder } from './password-encoder.js';

/**
 * Dynamic password configs as Kafka's DynamicBrokerConfig keeps them (its
 * toPersistentProps, fromPersistentProps and maybeReEncodePasswords): stored
 * encrypted with password.encoder.secret, only for one broker (never the
 * cluster-wide default), and refused where no secret is set. A single
 * broker's own file (`plaintextAllowed`) keeps them as given when no secret
 * is set, as KRaft's metadata log and server.properties do, and encrypts them
 * once one is: values kept as given before are encrypted at the next start.
 */
export class DynamicPasswords {
  private constructor(
    private readonly encoder: PasswordEncoder | undefined,
    private readonly oldEncoder: PasswordEncoder | undefined,
    private readonly plaintextAllowed: boolean,
    private readonly log: BrokerLog,
  ) {}

  /** The encoders of a broker's password.encoder.* settings; a ConfigError names one samsa cannot use. */
  static of(config: BrokerConfig, plaintextAllowed: boolean, log: BrokerLog): DynamicPasswords {
    const encoder = (secret: string) =>
      secret === ''
        ? undefined
        : new PasswordEncoder({
            secret,
            keyFactoryAlgorithm: config.string('password.encoder.keyfactory.algorithm'),
            cipherAlgorithm: config.string('password.encoder.cipher.algorithm'),
            keyLength: config.int('password.encoder.key.length'),
            iterations: config.int('password.encoder.iterations'),
          });
    return new DynamicPasswords(
      encoder(config.string('password.encoder.secret')),
      encoder(config.string('password.encoder.old.secret')),
      plaintextAllowed,
      log,
    );
  }

  /** The form a resource's configs are stored in: passwords encrypted; Kafka's messages for a password it refuses. */
  toStored(configs: Readonly<Record<string, string>>, perBroker: boolean): Record<string, string> {
    const stored = { ...configs };
    for (const name of Object.keys(configs).filter(isSensitiveConfig)) {
      if (!perBroker) throw new Error('Password config can be defined only at broker level');
      if (this.encoder) stored[name] = this.encoder.encode(configs[name]!);
      else if (!this.plaintextAllowed) throw new Error('Password encoder secret not configured');
    }
    return stored;
  }

  /** The configs as given, from their stored form: a password that cannot be decoded is left out (its listener keeps the stores it has), as Kafka ignores it. */
  fromStored(stored: Readonly<Record<string, string>>, entity: string): Record<string, string> {
    const configs = { ...stored };
    for (const name of Object.keys(stored).filter(isSensitiveConfig)) {
      const value = stored[name]!;
      if (this.plaintextAllowed && !isEncodedPassword(value)) continue;
      try {
        if (!this.encoder) throw new Error('Password encoder secret not configured');
        configs[name] = this.encoder.decode(value);
      } catch (e) {
        this.log('error', `Dynamic password config ${name} of broker ${entity} could not be decoded, ignoring: ${(e as Error).message}`);
        delete configs[name];
      }
    }
    return configs;
  }

  /**
   * The stored configs with their passwords encrypted under the current
   * secret, where that changes them: those password.encoder.old.secret
   * decodes (Kafka's maybeReEncodePasswords after a secret change) and, in a
   * broker's own file, those kept as given before a secret was set; undefined
   * when nothing changes.
   */
  reEncoded(stored: Readonly<Record<string, string>>): Record<string, string> | undefined {
    if (!this.encoder) return undefined;
    let changed = false;
    const out = { ...stored };
    for (const name of Object.keys(stored).filter(isSensitiveConfig)) {
      const value = stored[name]!;
      let password: string | undefined;
      if (!isEncodedPassword(value)) {
        if (this.plaintextAllowed) password = value;
      } else if (this.oldEncoder) {
        try {
          password = this.oldEncoder.decode(value);
        } catch {
          // Already under the new secret (the old one may stay set across restarts), or undecodable: fromStored decides.
        }
      }
      if (password === undefined) continue;
      out[name] = this.encoder.encode(password);
      changed = true;
    }
    return changed ? out : undefined;
  }
}
