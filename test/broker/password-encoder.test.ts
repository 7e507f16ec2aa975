import { describe, expect, it } from 'vitest';
import { isEncodedPassword, PasswordDecodeError, PasswordEncoder, type PasswordEncoderSettings } from '../../src/broker/dynamic/password-encoder.js';
import { ConfigError } from '../../storage/config/config-error.js';
import { expectThrown } from '../errors.js';
import { seededRandom } from '../record/random.js';

// Kafka's EncryptingPasswordEncoder on node:crypto. The known answers were
// made by the JDK's own javax.crypto (OpenJDK 17), doing what Kafka's encoder
// does (PBEKeySpec through SecretKeyFactory, Cipher with the given IV, the
// fields put into a HashMap and joined) with salt bytes 0..255 and IV bytes
// 0xa0, 0xa1, …: samsa must decode them, and encode the same bytes given the
// same salt and IV.

const SECRET = 'password-encoder-secret';

const KAFKA_DEFAULTS: PasswordEncoderSettings = {
  secret: SECRET,
  keyFactoryAlgorithm: '',
  cipherAlgorithm: 'AES/CBC/PKCS5Padding',
  keyLength: 128,
  iterations: 4096,
};

/** The salt then the IV the known answers were made with. */
function fixedRandom(): (bytes: number) => Buffer {
  let call = 0;
  return (bytes) =>
    call++ === 0 ? Buffer.from(Array.from({ length: bytes }, (_, i) => i & 0xff)) : Buffer.from(Array.from({ length: bytes }, (_, i) => 0xa0 + i));
}

/** The salt, bytes 0..255, in base64. */
const SALT = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('base64');

const KNOWN_ANSWERS: Array<{ name: string; settings: PasswordEncoderSettings; password: string; encoded: string }> = [
  {
    name: "Kafka's defaults (PBKDF2WithHmacSHA512, AES/CBC/PKCS5Padding, 128 bits, 4096 iterations)",
    settings: KAFKA_DEFAULTS,
    password: 'key-pass-123',
    encoded: `initializationVector:oKGio6SlpqeoqaqrrK2urw==,keyLength:128,salt:${SALT},keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/CBC/PKCS5Padding,iterations:4096,passwordLength:12,encryptedPassword:/7tluw1u4wBIPKxCtr1FjA==`,
  },
  {
    name: 'AES/GCM/NoPadding, 256 bits, a password beyond ASCII',
    settings: { ...KAFKA_DEFAULTS, cipherAlgorithm: 'AES/GCM/NoPadding', keyLength: 256 },
    password: 'pässwörd-€',
    encoded: `initializationVector:oKGio6Slpqeoqaqr,keyLength:256,salt:${SALT},keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/GCM/NoPadding,authenticationTagLength:128,iterations:4096,passwordLength:10,encryptedPassword:jVMmKvQxlHZZ3s/D1V7A9OVsTV94ns9AIQ8sum0r`,
  },
  {
    name: 'PBKDF2WithHmacSHA256, AES/CFB/PKCS5Padding (padded as Java pads it), 192 bits',
    settings: { ...KAFKA_DEFAULTS, keyFactoryAlgorithm: 'PBKDF2WithHmacSHA256', cipherAlgorithm: 'AES/CFB/PKCS5Padding', keyLength: 192, iterations: 1024 },
    password: 'test-password',
    encoded: `initializationVector:oKGio6SlpqeoqaqrrK2urw==,keyLength:192,salt:${SALT},keyFactoryAlgorithm:PBKDF2WithHmacSHA256,cipherAlgorithm:AES/CFB/PKCS5Padding,iterations:1024,passwordLength:13,encryptedPassword:axGqjkJ1WoyXCIqG6fQW9A==`,
  },
  {
    name: 'PBKDF2WithHmacSHA1, AES/OFB/NoPadding',
    settings: { ...KAFKA_DEFAULTS, keyFactoryAlgorithm: 'PBKDF2WithHmacSHA1', cipherAlgorithm: 'AES/OFB/NoPadding', iterations: 1024 },
    password: 'test-password',
    encoded: `initializationVector:oKGio6SlpqeoqaqrrK2urw==,keyLength:128,salt:${SALT},keyFactoryAlgorithm:PBKDF2WithHmacSHA1,cipherAlgorithm:AES/OFB/NoPadding,iterations:1024,passwordLength:13,encryptedPassword:QW3PasUoi/ddYYIfPg==`,
  },
  {
    name: 'AES/CTR/NoPadding',
    settings: { ...KAFKA_DEFAULTS, cipherAlgorithm: 'AES/CTR/NoPadding', iterations: 1024 },
    password: 'test-password',
    encoded: `initializationVector:oKGio6SlpqeoqaqrrK2urw==,keyLength:128,salt:${SALT},keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/CTR/NoPadding,iterations:1024,passwordLength:13,encryptedPassword:ARfZ8wQBEUmF3U0NdA==`,
  },
  {
    name: 'DESede/CBC/PKCS5Padding, 192 bits',
    settings: { ...KAFKA_DEFAULTS, cipherAlgorithm: 'DESede/CBC/PKCS5Padding', keyLength: 192, iterations: 1024 },
    password: 'test-password',
    encoded: `initializationVector:oKGio6Slpqc=,keyLength:192,salt:${SALT},keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:DESede/CBC/PKCS5Padding,iterations:1024,passwordLength:13,encryptedPassword:lMpRSAYXwpyYIGVIYO8UVA==`,
  },
];

describe('PasswordEncoder', () => {
  it.each(KNOWN_ANSWERS)('decodes what Java encoded, and encodes the same given the same salt and IV: $name', ({ settings, password, encoded }) => {
    expect(new PasswordEncoder(settings).decode(encoded)).toBe(password);
    expect(new PasswordEncoder(settings).encode(password, fixedRandom())).toBe(encoded);
  });

  it("encodes with Kafka's defaults in Kafka's format, a fresh salt and IV each time, and decodes what it encoded (seeded passwords)", () => {
    const encoder = new PasswordEncoder(KAFKA_DEFAULTS);
    const random = seededRandom(20261207);
    const alphabet = [...'abcXYZ019 !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', 'é', 'ß', '€', '漢', '😀'];
    for (let i = 0; i < 50; i++) {
      const password = Array.from({ length: random.int(1, 40) }, () => random.pick(alphabet)).join('');
      const encoded = encoder.encode(password);
      const fields = new Map(encoded.split(',').map((pair) => [pair.slice(0, pair.lastIndexOf(':')), pair.slice(pair.lastIndexOf(':') + 1)]));
      expect([...fields.keys()]).toEqual([
        'initializationVector',
        'keyLength',
        'salt',
        'keyFactoryAlgorithm',
        'cipherAlgorithm',
        'iterations',
        'passwordLength',
        'encryptedPassword',
      ]);
      expect(fields.get('keyFactoryAlgorithm')).toBe('PBKDF2WithHmacSHA512');
      expect(fields.get('cipherAlgorithm')).toBe('AES/CBC/PKCS5Padding');
      expect(fields.get('keyLength')).toBe('128');
      expect(fields.get('iterations')).toBe('4096');
      expect(fields.get('passwordLength')).toBe(String(password.length));
      expect(Buffer.from(fields.get('salt')!, 'base64').length).toBe(256);
      expect(Buffer.from(fields.get('initializationVector')!, 'base64').length).toBe(16);
      expect(isEncodedPassword(encoded)).toBe(true);
      expect(encoder.decode(encoded)).toBe(password);
      expect(encoder.encode(password)).not.toBe(encoded);
    }
  });

  it("decodes with the parameters a value carries, whatever the decoder's own settings", () => {
    const encoded = new PasswordEncoder({ ...KAFKA_DEFAULTS, keyFactoryAlgorithm: 'PBKDF2WithHmacSHA1', keyLength: 256, iterations: 1024 }).encode(
      'test-password',
    );
    expect(encoded).toContain('keyFactoryAlgorithm:PBKDF2WithHmacSHA1');
    expect(new PasswordEncoder({ ...KAFKA_DEFAULTS, cipherAlgorithm: 'AES/GCM/NoPadding', iterations: 2048 }).decode(encoded)).toBe('test-password');
  });

  it('refuses to decode with the wrong secret, or a damaged value, with a PasswordDecodeError', () => {
    const encoded = new PasswordEncoder(KAFKA_DEFAULTS).encode('test-password', fixedRandom());
    const wrong = new PasswordEncoder({ ...KAFKA_DEFAULTS, secret: 'secret-2' });
    expectThrown(() => wrong.decode(encoded), PasswordDecodeError, { name: 'PasswordDecodeError' }, /^Password could not be decoded/);
    const encoder = new PasswordEncoder(KAFKA_DEFAULTS);
    for (const damaged of [
      encoded.replace(/passwordLength:\d+/, 'passwordLength:14'),
      encoded.replace(/encryptedPassword:[^,]+/, 'encryptedPassword:AAAA'),
      encoded.replace(/,salt:[^,]+/, ''),
      encoded.replace('AES/CBC/PKCS5Padding', 'AES/ECB/PKCS5Padding'),
      'test-password',
    ]) {
      expect(() => encoder.decode(damaged), damaged).toThrow(PasswordDecodeError);
    }
    expect(isEncodedPassword('test-password')).toBe(false);
  });

  it('refuses, naming the setting, a key factory or cipher samsa cannot use', () => {
    const refused = (settings: Partial<PasswordEncoderSettings>, key: string, message: string) =>
      expectThrown(() => new PasswordEncoder({ ...KAFKA_DEFAULTS, ...settings }), ConfigError, { key }, message);
    refused({ keyFactoryAlgorithm: 'PBKDF2WithHmacMD5' }, 'password.encoder.keyfactory.algorithm', 'PBKDF2WithHmacMD5 is not a key factory samsa has');
    refused({ cipherAlgorithm: 'AES/ECB/PKCS5Padding' }, 'password.encoder.cipher.algorithm', 'AES/ECB/PKCS5Padding with password.encoder.key.length 128');
    refused({ cipherAlgorithm: 'AES/GCM/PKCS5Padding' }, 'password.encoder.cipher.algorithm', 'is not a cipher samsa has');
    refused({ keyLength: 100 }, 'password.encoder.cipher.algorithm', 'AES/CBC/PKCS5Padding with password.encoder.key.length 100');
  });
});
