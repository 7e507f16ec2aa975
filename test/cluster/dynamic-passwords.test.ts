import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordEncoder } from '../../src/broker/dynamic/password-encoder.js';
import { Admin } from '../../src/clients/admin/admin.js';
import { InvalidRequestError } from '../../src/clients/network/errors.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import { certificateFingerprint, makeCertificates, servedCertificate, type TestCertificates } from '../broker/security/certificates.js';
import { expectRejected } from '../errors.js';
import { TestCluster, waitUntil } from './cluster-harness.js';
import { kcat, waitForEqualReplicaSizes, zkReader } from './cluster-probe.js';

// Dynamic passwords in a cluster (Kafka's ZooKeeper mode): with
// password.encoder.secret on every broker, a listener's key store password set
// through AlterConfigs is stored in /config/brokers/<id> encrypted as Kafka
// encrypts it, the broker reloads the store, and a restart decodes it again;
// a broker without the secret refuses it with INVALID_REQUEST, as Kafka does.

const SECRET = 'cluster-password-secret';
const PREFIX = 'listener.name.internal.ssl.';

const encoder = (secret: string) =>
  new PasswordEncoder({ secret, keyFactoryAlgorithm: '', cipherAlgorithm: 'AES/CBC/PKCS5Padding', keyLength: 128, iterations: 4096 });

describe('dynamic key store passwords on a three-broker cluster with password.encoder.secret', () => {
  let first: TestCertificates;
  let second: TestCertificates;
  let cluster: TestCluster;
  let admin: Admin;
  let zk: KafkaZkClient;

  beforeAll(async () => {
    [first, second] = [makeCertificates(), makeCertificates()];
    // Every broker trusts both CAs, so a broker serving the second CA's certificate still takes its peers' fetches.
    const trusted = join(first.dir, 'trusted.pem');
    writeFileSync(trusted, readFileSync(first.caPem, 'utf8') + readFileSync(second.caPem, 'utf8'));
    cluster = await TestCluster.start({
      brokers: 3,
      interBrokerProtocol: 'SSL',
      settings: {
        [`${PREFIX}keystore.type`]: 'PEM',
        [`${PREFIX}keystore.location`]: first.brokerKeystore,
        [`${PREFIX}truststore.type`]: 'PEM',
        [`${PREFIX}truststore.location`]: trusted,
        'password.encoder.secret': SECRET,
      },
    });
    admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
    zk = await zkReader(cluster);
  }, 120_000);

  afterAll(async () => {
    await zk?.close();
    await admin?.close();
    await cluster?.close();
    first?.remove();
    second?.remove();
  });

  /** kcat's metadata from broker `id`'s TLS listener, trusting only the second CA: it fails unless the broker serves the second certificate. */
  const metadataTrustingSecondCa = (id: number) =>
    kcat(['-b', `127.0.0.1:${cluster.internalPort(id)}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${second.caPem}`, '-m', '5', '-L', '-J']);

  it('stores the password encrypted in ZooKeeper, serves the new PKCS12 store at once and after a restart; a new secret re-encodes it', {
    timeout: 240_000,
  }, async () => {
    await expect(metadataTrustingSecondCa(1)).rejects.toThrow();
    const broker1 = { type: 'broker' as const, name: '1' };
    await admin.incrementalAlterConfigs([
      {
        resource: broker1,
        ops: [
          { name: `${PREFIX}keystore.type`, op: 'set', value: 'PKCS12' },
          { name: `${PREFIX}keystore.location`, op: 'set', value: second.brokerP12 },
          { name: `${PREFIX}keystore.password`, op: 'set', value: second.brokerKeyPassword },
        ],
      },
    ]);

    const stored = await zk.getEntityConfigs('brokers', '1');
    expect(JSON.stringify(stored)).not.toContain(second.brokerKeyPassword);
    expect(stored).toMatchObject({ [`${PREFIX}keystore.type`]: 'PKCS12', [`${PREFIX}keystore.location`]: second.brokerP12 });
    const encrypted = stored[`${PREFIX}keystore.password`]!;
    expect(encrypted).toMatch(
      /^initializationVector:[^,]+,keyLength:128,salt:[^,]+,keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES\/CBC\/PKCS5Padding,iterations:4096,passwordLength:12,encryptedPassword:[^,]+$/,
    );
    expect(encoder(SECRET).decode(encrypted)).toBe(second.brokerKeyPassword);

    // Broker 1 serves the new store to new sessions: kcat verifies it against the second CA.
    const md = JSON.parse(await metadataTrustingSecondCa(1)) as { brokers: Array<{ id: number }> };
    expect(md.brokers.map((b) => b.id).sort()).toEqual([1, 2, 3]);
    expect(await servedCertificate(cluster.internalPort(1)!)).toBe(certificateFingerprint(second.brokerCert));
    const [described] = await admin.describeConfigs([broker1], { configNames: [`${PREFIX}keystore.password`] });
    expect(described!.entries[0]).toMatchObject({ value: null, isSensitive: true, source: 'DYNAMIC_BROKER_CONFIG' });

    // A restart decodes the password from ZooKeeper and serves the new store from the start.
    await cluster.restart(1);
    await cluster.waitForMembership();
    await waitUntil(async () => (await metadataTrustingSecondCa(1)) !== '', "the restarted broker 1's TLS listener, with the second CA");
    expect(await servedCertificate(cluster.internalPort(1)!)).toBe(certificateFingerprint(second.brokerCert));
    // Broker 2 follows broker 1 over that listener, trusting the second CA too.
    await admin.createTopics([{ name: 'followed', replicasAssignments: { 0: [1, 2] } }]);
    await kcat(['-b', cluster.bootstrap, '-P', '-t', 'followed', '-p', '0', '-X', 'acks=all'], 'one\ntwo\n');
    await waitForEqualReplicaSizes(cluster, [1, 2], 'followed', 1);

    // A new secret with the old one beside it: broker 1 decodes with the old and writes the password again under the new.
    await cluster.kill(1);
    await cluster.startBroker(1, { 'password.encoder.secret': 'rotated-secret', 'password.encoder.old.secret': SECRET });
    await cluster.waitForMembership();
    const rotated = (await zk.getEntityConfigs('brokers', '1'))[`${PREFIX}keystore.password`]!;
    expect(rotated).not.toBe(encrypted);
    expect(encoder('rotated-secret').decode(rotated)).toBe(second.brokerKeyPassword);
    expect(await servedCertificate(cluster.internalPort(1)!)).toBe(certificateFingerprint(second.brokerCert));
  });

  it('refuses a password with INVALID_REQUEST on a broker without the secret, and at the cluster-wide default', { timeout: 120_000 }, async () => {
    await cluster.kill(3);
    await cluster.startBroker(3, { 'password.encoder.secret': '' });
    await cluster.waitForMembership();
    await expectRejected(
      admin.incrementalAlterConfigs([
        {
          resource: { type: 'broker', name: '3' },
          ops: [
            { name: `${PREFIX}keystore.type`, op: 'set', value: 'PKCS12' },
            { name: `${PREFIX}keystore.location`, op: 'set', value: second.brokerP12 },
            { name: `${PREFIX}keystore.password`, op: 'set', value: second.brokerKeyPassword },
          ],
        },
      ]),
      InvalidRequestError,
      { errorCode: ErrorCode.INVALID_REQUEST },
      "Invalid config value for resource ConfigResource(type=BROKER, name='3'): Password encoder secret not configured",
    );
    expect(await zk.getEntityConfigs('brokers', '3')).toEqual({});
    expect(await servedCertificate(cluster.internalPort(3)!)).toBe(certificateFingerprint(first.brokerCert));

    await expectRejected(
      admin.incrementalAlterConfigs([
        { resource: { type: 'broker', name: '' }, ops: [{ name: `${PREFIX}keystore.password`, op: 'set', value: second.brokerKeyPassword }] },
      ]),
      InvalidRequestError,
      { errorCode: ErrorCode.INVALID_REQUEST },
      `Cannot update these configs at default cluster level, broker id must be specified: Set(${PREFIX}keystore.password)`,
    );
    expect(await zk.getEntityConfigs('brokers', '<default>')).toEqual({});
  });
});
