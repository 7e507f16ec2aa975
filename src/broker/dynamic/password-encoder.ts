import { createCipheriv, createDecipheriv, getCiphers, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { ConfigKey } from '../../../storage/config/config-def.js';
import { ConfigError } from '../../../storage/config/config-error.js';

/**
 * Kafka's encoding of dynamic password configs (EncryptingPasswordEncoder),
 * with node:crypto: a key derived from password.encoder.secret by PBKDF2 over
 * a random 256-byte salt encrypts the password, and the result is stored as
 * Kafka stores it, `name:value` pairs joined by commas with binary values in
 * base64, carrying every parameter it was made with, so a broker decodes it
 * whatever its own algorithm settings are, and a Kafka operator reading the
 * znode sees what Kafka would have written.
 */

/** Kafka's field names (PasswordEncoder's constants and GcmParamsEncoder's tag length). */
const FIELD = {
  keyFactoryAlgorithm: 'keyFactoryAlgorithm',
  cipherAlgorithm: 'cipherAlgorithm',
  initializationVector: 'initializationVector',
  keyLength: 'keyLength',
  salt: 'salt',
  iterations: 'iterations',
  encryptedPassword: 'encryptedPassword',
  passwordLength: 'passwordLength',
  authenticationTagLength: 'authenticationTagLength',
} as const;

/**
 * The order Kafka's encoded strings list their fields in: Kafka joins a Java
 * HashMap, which iterates by hash bucket (keyLength and salt share one, as
 * iterations and passwordLength do, in the order they were put).
 */
const FIELD_ORDER: readonly string[] = [
  FIELD.initializationVector,
  FIELD.keyLength,
  FIELD.salt,
  FIELD.keyFactoryAlgorithm,
  FIELD.cipherAlgorithm,
  FIELD.authenticationTagLength,
  FIELD.iterations,
  FIELD.passwordLength,
  FIELD.encryptedPassword,
];

/** Kafka's default key factory: Java always has PBKDF2WithHmacSHA512, its first choice. */
export const DEFAULT_KEY_FACTORY_ALGORITHM = 'PBKDF2WithHmacSHA512';
const SALT_BYTES = 256;
/** Java's GCM parameters: a 96-bit IV and a 128-bit tag, appended to the ciphertext. */
const GCM_IV_BYTES = 12;
const GCM_TAG_BITS = 128;

/** Kafka's password.encoder.* settings (PasswordEncoderConfigs), with its defaults; server.properties only. */
export const PASSWORD_ENCODER_CONFIG_KEYS: readonly ConfigKey[] = [
  {
    name: 'password.encoder.secret',
    type: 'password',
    defaultValue: '',
    doc: 'the secret dynamic password configs (listener key store passwords…) are encrypted with before they are stored; a cluster refuses them without it',
  },
  {
    name: 'password.encoder.old.secret',
    type: 'password',
    defaultValue: '',
    doc: 'the secret the stored dynamic passwords were encrypted with, when password.encoder.secret changed: at start they are decoded with it and stored again under the new secret',
  },
  {
    name: 'password.encoder.keyfactory.algorithm',
    type: 'string',
    defaultValue: '',
    doc: `the PBKDF2 key factory deriving the encryption key from the secret (${DEFAULT_KEY_FACTORY_ALGORITHM} when empty)`,
  },
  { name: 'password.encoder.cipher.algorithm', type: 'string', defaultValue: 'AES/CBC/PKCS5Padding', doc: 'the cipher dynamic passwords are encrypted with' },
  { name: 'password.encoder.key.length', type: 'int', defaultValue: '128', min: 8, doc: 'the encryption key length in bits' },
  { name: 'password.encoder.iterations', type: 'int', defaultValue: '4096', min: 1024, doc: 'the PBKDF2 iteration count' },
];

export interface PasswordEncoderSettings {
  /** password.encoder.secret (or .old.secret, to decode with). */
  readonly secret: string;
  /** password.encoder.keyfactory.algorithm; empty for Kafka's default. */
  readonly keyFactoryAlgorithm: string;
  readonly cipherAlgorithm: string;
  /** In bits, as Java's PBEKeySpec takes it. */
  readonly keyLength: number;
  readonly iterations: number;
}

/** A stored password that this encoder cannot decode: another secret, a damaged value, or parameters node:crypto has not. */
export class PasswordDecodeError extends Error {
  override readonly name = 'PasswordDecodeError';
}

/** A Java PBKDF2 key factory name → node's digest, or undefined for one samsa cannot derive keys with. */
function pbkdf2Digest(keyFactoryAlgorithm: string): string | undefined {
  const m = /^PBKDF2WithHmac(SHA1|SHA224|SHA256|SHA384|SHA512)$/i.exec(keyFactoryAlgorithm);
  return m ? m[1]!.toLowerCase() : undefined;
}

interface CipherSpec {
  /** node's (OpenSSL's) cipher name. */
  readonly name: string;
  readonly gcm: boolean;
  /** Bytes of the IV Java's cipher generates. */
  readonly ivBytes: number;
  /** PKCS5Padding on a mode OpenSSL does not pad (CFB, OFB): padded by hand, as Java pads it. */
  readonly padByHand: boolean;
  readonly blockBytes: number;
}

/**
 * A Java cipher transformation (`AES/CBC/PKCS5Padding`) with a key length in
 * bits → the node cipher doing the same; undefined for one samsa cannot use
 * (ECB has no IV for Kafka to store, nor does Kafka accept it).
 */
function cipherSpec(transformation: string, keyLength: number): CipherSpec | undefined {
  const m = /^(AES|DESede)\/(CBC|CFB|OFB|CTR|GCM)\/(PKCS5Padding|NoPadding)$/i.exec(transformation);
  if (!m) return undefined;
  const [aes, mode, padded] = [m[1]!.toUpperCase() === 'AES', m[2]!.toLowerCase(), m[3]!.toUpperCase() === 'PKCS5PADDING'];
  // Java refuses padding with CTR and GCM, stream modes both.
  if (padded && (mode === 'ctr' || mode === 'gcm')) return undefined;
  if (aes ? ![128, 192, 256].includes(keyLength) : keyLength !== 192 || mode === 'gcm' || mode === 'ctr') return undefined;
  const name = aes ? `aes-${keyLength}-${mode}` : `des-ede3-${mode}`;
  if (!getCiphers().includes(name)) return undefined;
  const blockBytes = aes ? 16 : 8;
  return {
    name,
    gcm: mode === 'gcm',
    ivBytes: mode === 'gcm' ? GCM_IV_BYTES : blockBytes,
    padByHand: padded && mode !== 'cbc',
    blockBytes,
  };
}

/** Kafka's Csv.parseCsvMap: `k:v` pairs split on commas (spaces around them ignored), each at its last colon. */
function parseCsvMap(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of text.split(/\s*,\s*/)) {
    const colon = pair.lastIndexOf(':');
    // Never quoted: the value may be a password kept as given.
    if (colon < 0) throw new PasswordDecodeError('Password could not be decoded: not name:value pairs');
    out.set(pair.slice(0, colon).trim(), pair.slice(colon + 1).trim());
  }
  return out;
}

/** Whether a stored value has Kafka's encoded form (rather than a password kept as it was given). */
export function isEncodedPassword(value: string): boolean {
  try {
    return parseCsvMap(value).has(FIELD.encryptedPassword);
  } catch {
    return false;
  }
}

/** Encodes and decodes dynamic passwords with one secret, as Kafka's EncryptingPasswordEncoder does. */
export class PasswordEncoder {
  private readonly keyFactoryAlgorithm: string;
  private readonly cipher: CipherSpec;

  /** Refuses, naming the setting, algorithms and lengths samsa cannot encode with, at start rather than at the first alteration. */
  constructor(private readonly settings: PasswordEncoderSettings) {
    this.keyFactoryAlgorithm = settings.keyFactoryAlgorithm || DEFAULT_KEY_FACTORY_ALGORITHM;
    if (!pbkdf2Digest(this.keyFactoryAlgorithm))
      throw new ConfigError(
        'password.encoder.keyfactory.algorithm',
        `${this.keyFactoryAlgorithm} is not a key factory samsa has; use PBKDF2WithHmacSHA512 (or SHA1, SHA224, SHA256, SHA384)`,
      );
    const cipher = cipherSpec(settings.cipherAlgorithm, settings.keyLength);
    if (!cipher)
      throw new ConfigError(
        'password.encoder.cipher.algorithm',
        `${settings.cipherAlgorithm} with password.encoder.key.length ${settings.keyLength} is not a cipher samsa has; use AES/CBC/PKCS5Padding or AES/GCM/NoPadding with 128, 192 or 256 bits (also AES in CFB, OFB or CTR, DESede/CBC with 192)`,
      );
    this.cipher = cipher;
  }

  /** The stored form of a password; `random` gives the salt and then the IV (a test fixes them). */
  encode(password: string, random: (bytes: number) => Buffer = randomBytes): string {
    const salt = random(SALT_BYTES);
    const iv = random(this.cipher.ivBytes);
    const key = this.key(this.keyFactoryAlgorithm, this.settings.keyLength, salt, this.settings.iterations);
    const plain = Buffer.from(password, 'utf8');
    const fields = new Map<string, string>([
      [FIELD.keyFactoryAlgorithm, this.keyFactoryAlgorithm],
      [FIELD.cipherAlgorithm, this.settings.cipherAlgorithm],
      [FIELD.keyLength, String(this.settings.keyLength)],
      [FIELD.salt, salt.toString('base64')],
      [FIELD.iterations, String(this.settings.iterations)],
      [FIELD.passwordLength, String(password.length)], // UTF-16 units, as Java's String.length()
      [FIELD.initializationVector, iv.toString('base64')],
    ]);
    let encrypted: Buffer;
    if (this.cipher.gcm) {
      const cipher = createCipheriv(this.cipher.name as 'aes-128-gcm', key, iv, { authTagLength: GCM_TAG_BITS / 8 });
      encrypted = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      fields.set(FIELD.authenticationTagLength, String(GCM_TAG_BITS));
    } else {
      const cipher = createCipheriv(this.cipher.name, key, iv);
      if (this.cipher.padByHand) cipher.setAutoPadding(false);
      encrypted = Buffer.concat([cipher.update(this.cipher.padByHand ? pkcs5Pad(plain, this.cipher.blockBytes) : plain), cipher.final()]);
    }
    fields.set(FIELD.encryptedPassword, encrypted.toString('base64'));
    return FIELD_ORDER.filter((f) => fields.has(f))
      .map((f) => `${f}:${fields.get(f)}`)
      .join(',');
  }

  /** The password a stored value holds, decrypted with the parameters it carries; PasswordDecodeError when it cannot be. */
  decode(encoded: string): string {
    const fields = parseCsvMap(encoded);
    const field = (name: string) => {
      const value = fields.get(name);
      if (value === undefined) throw new PasswordDecodeError(`Password could not be decoded: no ${name}`);
      return value;
    };
    const integer = (name: string) => {
      const n = Number(field(name));
      if (!Number.isSafeInteger(n) || n <= 0) throw new PasswordDecodeError(`Password could not be decoded: ${name} ${field(name)} is not a positive integer`);
      return n;
    };
    const keyFactoryAlgorithm = fields.get(FIELD.keyFactoryAlgorithm) || DEFAULT_KEY_FACTORY_ALGORITHM;
    const keyLength = integer(FIELD.keyLength);
    const spec = cipherSpec(field(FIELD.cipherAlgorithm), keyLength);
    if (!spec || !pbkdf2Digest(keyFactoryAlgorithm))
      throw new PasswordDecodeError(
        `Password could not be decoded: samsa cannot decrypt ${field(FIELD.cipherAlgorithm)} (${keyLength} bits) with ${keyFactoryAlgorithm}`,
      );
    const key = this.key(keyFactoryAlgorithm, keyLength, Buffer.from(field(FIELD.salt), 'base64'), integer(FIELD.iterations));
    const iv = Buffer.from(field(FIELD.initializationVector), 'base64');
    const encrypted = Buffer.from(field(FIELD.encryptedPassword), 'base64');
    let plain: Buffer;
    try {
      if (spec.gcm) {
        const tagBytes = integer(FIELD.authenticationTagLength) / 8;
        const decipher = createDecipheriv(spec.name as 'aes-128-gcm', key, iv, { authTagLength: tagBytes });
        decipher.setAuthTag(encrypted.subarray(encrypted.length - tagBytes));
        plain = Buffer.concat([decipher.update(encrypted.subarray(0, encrypted.length - tagBytes)), decipher.final()]);
      } else {
        const decipher = createDecipheriv(spec.name, key, iv);
        if (spec.padByHand) decipher.setAutoPadding(false);
        plain = Buffer.concat([decipher.update(encrypted), decipher.final()]);
        if (spec.padByHand) plain = pkcs5Unpad(plain, spec.blockBytes);
      }
    } catch (e) {
      if (e instanceof PasswordDecodeError) throw e;
      throw new PasswordDecodeError(`Password could not be decoded: ${(e as Error).message}`);
    }
    const password = plain.toString('utf8');
    // A wrong secret can still yield valid padding now and then; Kafka's length check catches most of those.
    if (password.length !== integer(FIELD.passwordLength)) throw new PasswordDecodeError('Password could not be decoded, sanity check of length failed');
    return password;
  }

  private key(keyFactoryAlgorithm: string, keyLength: number, salt: Buffer, iterations: number): Buffer {
    // Java's PBKDF2 takes the secret's characters as UTF-8, and the key length in bits.
    return pbkdf2Sync(Buffer.from(this.settings.secret, 'utf8'), salt, iterations, keyLength / 8, pbkdf2Digest(keyFactoryAlgorithm)!);
  }
}

function pkcs5Pad(data: Buffer, blockBytes: number): Buffer {
  const n = blockBytes - (data.length % blockBytes);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

function pkcs5Unpad(data: Buffer, blockBytes: number): Buffer {
  const n = data[data.length - 1] ?? 0;
  if (n < 1 || n > blockBytes || n > data.length || data.subarray(data.length - n).some((b) => b !== n))
    throw new PasswordDecodeError('Password could not be decoded: bad padding');
  return data.subarray(0, data.length - n);
}
