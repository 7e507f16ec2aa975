import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BROKER_CONFIGS_FILE } from '../../src/broker/dynamic/dynamic-config-store.js';
import { isEncodedPassword, PasswordEncoder } from '../../src/broker/dynamic/password-encoder.js';
import { Admin } from '../../src/clients/admin/admin.js';
import { startBroker, type TestBroker, type TestLog } from './harness.js';
import { certificateFingerprint, makeCertificates, servedCertificate, type TestCertificates } from './security/certificates.js';

// Dynamic password configs on a single broker (samsa-broker-configs.json):
// with password.encoder.secret they are stored encrypted as Kafka stores them
// in ZooKeeper; without it, kept as given in the broker's own 0600 file, as
// KRaft's metadata log keeps them, and encrypted at the first start with one.

const PASSWORD_KEY = 'listener.name.ssl.ssl.keystore.password';

let b: TestBroker | undefined;
let admin: Admin | undefined;
let certs: TestCertificates[] = [];
afterEach(async () => {
  await admin?.close();
  await b?.stop();
  for (const c of certs) c.remove();
  admin = undefined;
  b = undefined;
  certs = [];
});

/** What the broker's file holds for broker 0. */
function storedConfigs(dir: string): Record<string, string> {
  return (JSON.parse(readFileSync(join(dir, BROKER_CONFIGS_FILE), 'utf8')) as { brokers: Record<string, Record<string, string>> }).brokers['0'] ?? {};
}

const encoder = (secret: string) =>
  new PasswordEncoder({ secret, keyFactoryAlgorithm: '', cipherAlgorithm: 'AES/CBC/PKCS5Padding', keyLength: 128, iterations: 4096 });

describe('dynamic passwords on a single broker', () => {
  it('are stored encrypted with password.encoder.secret, decoded after a restart, re-encoded under a new secret with the old one, and left out under a wrong one', {
    timeout: 60_000,
  }, async () => {
    const [first, second] = [makeCertificates(), makeCertificates()];
    certs = [first!, second!];
    const lines: string[] = [];
    const log: TestLog = (level, message) => lines.push(`[${level}] ${message}`);
    const settings = (secrets: Record<string, string>) => ({
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': first!.brokerKeystore,
      ...secrets,
    });
    const restart = async (secrets: Record<string, string>) => {
      await admin?.close();
      admin = undefined;
      const dir = b!.dir;
      await b!.stop(true);
      b = await startBroker(settings(secrets), dir, log);
    };
    const served = () => servedCertificate(b!.broker.ports.get('SSL')!);

    b = await startBroker(settings({ 'password.encoder.secret': 'first-secret' }), undefined, log);
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    const broker = { type: 'broker' as const, name: '0' };
    await admin.incrementalAlterConfigs([
      {
        resource: broker,
        ops: [
          { name: 'listener.name.ssl.ssl.keystore.type', op: 'set', value: 'PKCS12' },
          { name: 'listener.name.ssl.ssl.keystore.location', op: 'set', value: second!.brokerP12 },
          { name: PASSWORD_KEY, op: 'set', value: second!.brokerKeyPassword },
        ],
      },
    ]);
    expect(await served()).toBe(certificateFingerprint(second!.brokerCert));
    const file = readFileSync(join(b.dir, BROKER_CONFIGS_FILE), 'utf8');
    expect(file).not.toContain(second!.brokerKeyPassword);
    const stored = storedConfigs(b.dir)[PASSWORD_KEY]!;
    expect(stored).toMatch(
      /^initializationVector:[^,]+,keyLength:128,salt:[^,]+,keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES\/CBC\/PKCS5Padding,iterations:4096,passwordLength:12,encryptedPassword:[^,]+$/,
    );
    expect(encoder('first-secret').decode(stored)).toBe(second!.brokerKeyPassword);
    const [described] = await admin.describeConfigs([broker], { configNames: [PASSWORD_KEY] });
    expect(described!.entries[0]).toMatchObject({ name: PASSWORD_KEY, value: null, isSensitive: true, source: 'DYNAMIC_BROKER_CONFIG', type: 'PASSWORD' });

    // A restart decodes it; a new secret with the old one beside it stores it again under the new one.
    await restart({ 'password.encoder.secret': 'first-secret' });
    expect(await served()).toBe(certificateFingerprint(second!.brokerCert));
    await restart({ 'password.encoder.secret': 'second-secret', 'password.encoder.old.secret': 'first-secret' });
    expect(await served()).toBe(certificateFingerprint(second!.brokerCert));
    const reEncoded = storedConfigs(b.dir)[PASSWORD_KEY]!;
    expect(reEncoded).not.toBe(stored);
    expect(encoder('second-secret').decode(reEncoded)).toBe(second!.brokerKeyPassword);
    expect(lines.join('\n')).toContain('dynamic passwords of broker 0 stored again, encrypted with password.encoder.secret');

    // A secret that cannot decode it: the password is left out, as Kafka leaves it, and the listener keeps server.properties' store.
    await restart({ 'password.encoder.secret': 'wrong-secret' });
    expect(lines.join('\n')).toContain(`Dynamic password config ${PASSWORD_KEY} of broker 0 could not be decoded, ignoring`);
    expect(lines.join('\n')).not.toContain(second!.brokerKeyPassword);
    expect(await served()).toBe(certificateFingerprint(first!.brokerCert));
    expect(storedConfigs(b.dir)[PASSWORD_KEY]).toBe(reEncoded);
  });

  it('without a secret are kept as given in the 0600 file, and encrypted at the first start with one', async () => {
    const [first, second] = [makeCertificates(), makeCertificates()];
    certs = [first!, second!];
    const settings = {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': first!.brokerKeystore,
    };
    b = await startBroker(settings);
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    await admin.incrementalAlterConfigs([
      {
        resource: { type: 'broker', name: '0' },
        ops: [
          { name: 'listener.name.ssl.ssl.keystore.location', op: 'set', value: second!.brokerEncryptedKeystore },
          { name: 'listener.name.ssl.ssl.key.password', op: 'set', value: second!.brokerKeyPassword },
        ],
      },
    ]);
    expect(await servedCertificate(b.broker.ports.get('SSL')!)).toBe(certificateFingerprint(second!.brokerCert));
    expect(storedConfigs(b.dir)['listener.name.ssl.ssl.key.password']).toBe(second!.brokerKeyPassword);
    expect(statSync(join(b.dir, BROKER_CONFIGS_FILE)).mode & 0o777).toBe(0o600);

    await admin.close();
    admin = undefined;
    const dir = b.dir;
    await b.stop(true);
    b = await startBroker({ ...settings, 'password.encoder.secret': 'later-secret' }, dir);
    const stored = storedConfigs(dir)['listener.name.ssl.ssl.key.password']!;
    expect(isEncodedPassword(stored)).toBe(true);
    expect(encoder('later-secret').decode(stored)).toBe(second!.brokerKeyPassword);
    expect(readFileSync(join(dir, BROKER_CONFIGS_FILE), 'utf8')).not.toContain(second!.brokerKeyPassword);
    expect(await servedCertificate(b.broker.ports.get('SSL')!)).toBe(certificateFingerprint(second!.brokerCert));
  });
});
