import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/broker.js';
import { BrokerConfig } from '../../../src/broker/broker-config.js';
import { opensslCipherList } from '../../../src/broker/security/cipher-suites.js';
import { distinguishedName, SslPrincipalMapper } from '../../../src/broker/security/ssl-principal-mapper.js';
import { Admin } from '../../../src/clients/admin/admin.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { JaasConfigError, parseJaasConfig } from '../../../src/protocol/sasl/jaas-config.js';
import { clientKeyOf, credentialFromSaltedPassword, digest, hmac, saltPassword, scramMechanismNamed, xor } from '../../../src/protocol/sasl/scram.js';
import { ConfigError } from '../../../storage/config/config-error.js';
import { expectRejected, expectThrown } from '../../errors.js';
import { runBrokerCommand } from '../broker-process.js';
import { makeCertificates, type TestCertificates } from './certificates.js';

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="b\\"ob";';

let certs: TestCertificates;
beforeAll(() => {
  certs = makeCertificates();
});
afterAll(() => certs.remove());

describe('listeners and listener.security.protocol.map', () => {
  it('takes any listener names mapped to a protocol, case-insensitively, and per-listener settings', () => {
    const c = new BrokerConfig({
      listeners: 'internal://127.0.0.1:0,External://127.0.0.1:0',
      'advertised.listeners': 'EXTERNAL://broker.example:9094',
      'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,external:SASL_SSL',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.external.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.external.plain.sasl.jaas.config': PLAIN_JAAS,
    });
    expect(c.listeners.map((l) => [l.name, l.securityProtocol])).toEqual([
      ['INTERNAL', 'PLAINTEXT'],
      ['EXTERNAL', 'SASL_SSL'],
    ]);
    expect(c.advertisedListeners).toEqual([{ name: 'EXTERNAL', host: 'broker.example', port: 9094, securityProtocol: 'SASL_SSL' }]);
    expect(c.listenerValue('EXTERNAL', 'sasl.enabled.mechanisms')).toEqual({ value: ['SCRAM-SHA-512'], key: 'listener.name.external.sasl.enabled.mechanisms' });
    expect(c.listenerValue('INTERNAL', 'sasl.enabled.mechanisms')).toEqual({ value: ['PLAIN'], key: 'sasl.enabled.mechanisms' });
    expect(c.listenerValue('EXTERNAL', 'plain.sasl.jaas.config')?.value).toBe(PLAIN_JAAS);
    expect(c.unknownKeys).toEqual([]);
    // A single broker without inter-broker settings talks to itself on its first advertised listener.
    expect(c.interBrokerListenerName).toBe('EXTERNAL');
  });

  it('refuses a protocol samsa does not speak, an unmapped listener, duplicates and unknown advertised names', () => {
    expectThrown(
      () => new BrokerConfig({ listeners: 'EXTERNAL://:9092', 'listener.security.protocol.map': 'EXTERNAL:KERBEROS' }),
      ConfigError,
      { key: 'listener.security.protocol.map', errorCode: ErrorCode.INVALID_CONFIG },
      /security protocol 'KERBEROS', which samsa does not support/,
    );
    expectThrown(
      () => new BrokerConfig({ listeners: 'EXTERNAL://:9092' }),
      ConfigError,
      { key: 'listener.security.protocol.map' },
      /No security protocol defined for listener EXTERNAL/,
    );
    expectThrown(() => new BrokerConfig({ listeners: 'PLAINTEXT://:9092,plaintext://:9093' }), ConfigError, { key: 'listeners' }, /different name/);
    expectThrown(() => new BrokerConfig({ listeners: 'PLAINTEXT://:9092,SSL://:9092' }), ConfigError, { key: 'listeners' }, /different port/);
    expectThrown(
      () => new BrokerConfig({ listeners: 'PLAINTEXT://:9092', 'advertised.listeners': 'SSL://h:9093' }),
      ConfigError,
      { key: 'advertised.listeners' },
      /SSL is advertised but not in listeners/,
    );
  });

  it('validates inter.broker.listener.name and security.inter.broker.protocol as Kafka does', () => {
    const listeners = { listeners: 'PLAINTEXT://:9092,SSL://:9093' };
    expect(new BrokerConfig({ ...listeners, 'inter.broker.listener.name': 'ssl' }).interBrokerListenerName).toBe('SSL');
    expect(new BrokerConfig({ ...listeners, 'security.inter.broker.protocol': 'SSL' }).interBrokerListenerName).toBe('SSL');
    expect(new BrokerConfig(listeners).interBrokerListenerName).toBe('PLAINTEXT');
    expectThrown(
      () => new BrokerConfig({ ...listeners, 'inter.broker.listener.name': 'SSL', 'security.inter.broker.protocol': 'SSL' }),
      ConfigError,
      { key: 'inter.broker.listener.name' },
      /Only one of inter.broker.listener.name and security.inter.broker.protocol should be set/,
    );
    expectThrown(
      () => new BrokerConfig({ ...listeners, 'inter.broker.listener.name': 'REPLICATION' }),
      ConfigError,
      { key: 'inter.broker.listener.name' },
      /REPLICATION must be a listener name defined in advertised.listeners/,
    );
    expectThrown(
      () => new BrokerConfig({ ...listeners, 'security.inter.broker.protocol': 'SASL_SSL' }),
      ConfigError,
      { key: 'security.inter.broker.protocol' },
      /SASL_SSL must be a listener name/,
    );
    expectThrown(
      () => new BrokerConfig({ listeners: 'SSL://:9093', 'zookeeper.connect': '127.0.0.1:2181' }),
      ConfigError,
      { key: 'security.inter.broker.protocol' },
      /PLAINTEXT must be a listener name/,
    );
  });
});

describe('a listener that cannot be secured refuses to start', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'samsa-sec-config-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (settings: Record<string, unknown>) => Broker.start({ 'broker.id': 0, 'log.dirs': dir, ...settings }, { log: () => {} });

  it('names the key material that is missing, unreadable, of a type it cannot read, or locked with another password', async () => {
    await expectRejected(start({ listeners: 'SSL://127.0.0.1:0' }), ConfigError, { key: 'ssl.keystore.type' }, /key stores of type JKS cannot be read/);
    await expectRejected(
      start({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM' }),
      ConfigError,
      { key: 'listener.name.ssl.ssl.keystore.location' },
      /listener SSL uses TLS and needs a key store/,
    );
    await expectRejected(
      start({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'listener.name.ssl.ssl.keystore.location': join(dir, 'nope.pem') }),
      ConfigError,
      { key: 'listener.name.ssl.ssl.keystore.location' },
      /cannot read the key store .*nope\.pem/,
    );
    await expectRejected(
      start({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.brokerCert }),
      ConfigError,
      { key: 'ssl.keystore.location' },
      /holds 0 private keys/,
    );
    await expectRejected(
      start({
        listeners: 'SSL://127.0.0.1:0',
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.brokerEncryptedKeystore,
        'ssl.key.password': 'wrong',
      }),
      ConfigError,
      { key: 'ssl.key.password' },
      /listener SSL cannot use its TLS settings/,
    );
    await expectRejected(
      start({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': readFileSync(certs.brokerKey, 'utf8') }),
      ConfigError,
      { key: 'ssl.keystore.certificate.chain' },
      /no certificate chain/,
    );
    await expectRejected(
      start({
        listeners: 'SSL://127.0.0.1:0',
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.brokerKeystore,
        'ssl.cipher.suites': 'TLS_NO_SUCH_CIPHER_WITH_AES_128_GCM_SHA256',
      }),
      ConfigError,
      { key: 'ssl.cipher.suites' },
      /cipher/,
    );
    await expectRejected(
      start({
        listeners: 'SSL://127.0.0.1:0',
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.brokerKeystore,
        'ssl.truststore.location': certs.caPem,
      }),
      ConfigError,
      { key: 'ssl.truststore.type' },
      /trust stores of type JKS cannot be read/,
    );
  });

  it('refuses SASL without a mechanism it supports, and PLAIN without its JAAS users', async () => {
    await expectRejected(
      start({ listeners: 'SASL_PLAINTEXT://127.0.0.1:0' }),
      ConfigError,
      { key: 'sasl.enabled.mechanisms' },
      /SASL mechanism GSSAPI is not supported by samsa/,
    );
    await expectRejected(
      start({ listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'PLAIN' }),
      ConfigError,
      { key: 'listener.name.sasl_plaintext.plain.sasl.jaas.config' },
      /enables PLAIN, whose users come from its JAAS config/,
    );
    await expectRejected(
      start({
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'PlainLoginModule required user_a="x"',
      }),
      ConfigError,
      { key: 'listener.name.sasl_plaintext.plain.sasl.jaas.config' },
      /does not end with ';'/,
    );
  });

  it('refuses inter-broker SASL it cannot speak as a client: a mechanism other than PLAIN or SCRAM, or a JAAS config without username and password', async () => {
    const sasl = {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      'security.inter.broker.protocol': 'SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
      'zookeeper.connect': '127.0.0.1:1',
    };
    // Kafka's default sasl.mechanism.inter.broker.protocol is GSSAPI.
    await expectRejected(start(sasl), ConfigError, { key: 'sasl.mechanism.inter.broker.protocol' }, /PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, not GSSAPI/);
    // PLAIN_JAAS holds the listener's users but not the broker's own username and password.
    await expectRejected(
      start({ ...sasl, 'sasl.mechanism.inter.broker.protocol': 'PLAIN' }),
      ConfigError,
      { key: 'listener.name.sasl_plaintext.plain.sasl.jaas.config' },
      /needs a username and password/,
    );
  });

  it.each([
    [
      'an encrypted PEM key with ssl.key.password',
      (c: TestCertificates) => ({ 'ssl.keystore.location': c.brokerEncryptedKeystore, 'ssl.key.password': c.brokerKeyPassword }),
    ],
    [
      'an inline key and chain (KIP-651)',
      (c: TestCertificates) => ({
        'ssl.keystore.key': readFileSync(c.brokerKey, 'utf8'),
        'ssl.keystore.certificate.chain': readFileSync(c.brokerCert, 'utf8'),
      }),
    ],
    [
      'a PKCS12 key store',
      (c: TestCertificates) => ({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': c.brokerP12, 'ssl.keystore.password': c.brokerKeyPassword }),
    ],
  ])("serves TLS from %s, and samsa's admin client trusts it through ssl.truststore.location", async (_what, keystore) => {
    const broker = await start({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.enabled.protocols': 'TLSv1.3', ...keystore(certs) });
    const admin = new Admin({
      'bootstrap.servers': `127.0.0.1:${broker.port}`,
      'security.protocol': 'SSL',
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.caPem,
    });
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.nodes).toEqual([{ id: 0, host: '127.0.0.1', port: broker.port, rack: null }]);
    } finally {
      await admin.close();
      await broker.stop();
    }
  });

  it('samsa broker exits 1 rather than serve an SSL listener in plaintext', async () => {
    const run = await runBrokerCommand(['--override', 'listeners=SSL://127.0.0.1:0', '--override', `log.dirs=${dir}`, '--override', 'ssl.keystore.type=PEM']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/listener\.name\.ssl\.ssl\.keystore\.location: listener SSL uses TLS and needs a key store/);
    expect(run.stderr).not.toMatch(/listening on/);
  });

  it('DescribeConfigs never shows passwords or JAAS configs', async () => {
    const broker = await start({
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
      'ssl.key.password': 'hush',
    });
    const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${broker.port}` });
    try {
      const [configs] = await admin.describeConfigs([{ type: 'broker', name: '0' }], { includeSynonyms: true });
      const jaas = configs!.entries.find((e) => e.name === 'listener.name.sasl_plaintext.plain.sasl.jaas.config');
      expect(jaas).toMatchObject({ value: null, isSensitive: true, isDefault: false });
      expect(configs!.entries.find((e) => e.name === 'ssl.key.password')).toMatchObject({ value: null, isSensitive: true });
      expect(JSON.stringify(configs)).not.toMatch(/alice-secret|hush/);
    } finally {
      await admin.close();
      await broker.stop();
    }
  });
});

describe('JAAS configs, principals and SCRAM', () => {
  it("parses Kafka's JAAS syntax: quoted values with escapes, bare words, several modules", () => {
    const [plain, scram] = parseJaasConfig(`${PLAIN_JAAS} org.apache.kafka.common.security.scram.ScramLoginModule optional username=admin password="p;w=d";`);
    expect(plain).toMatchObject({ loginModule: 'org.apache.kafka.common.security.plain.PlainLoginModule', controlFlag: 'required' });
    expect([...plain!.options]).toEqual([
      ['user_alice', 'alice-secret'],
      ['user_bob', 'b"ob'],
    ]);
    expect([...scram!.options]).toEqual([
      ['username', 'admin'],
      ['password', 'p;w=d'],
    ]);
    expect(() => parseJaasConfig('Module maybe a="b";')).toThrow(JaasConfigError);
    expect(() => parseJaasConfig('Module required a="secret;')).toThrow(/quoted value that does not end/);
    expect(() => parseJaasConfig('Module required a="secret";b;')).toThrow(JaasConfigError);
    try {
      parseJaasConfig('Module required password="hunter2" x;');
    } catch (e) {
      expect((e as Error).message).not.toMatch(/hunter2/);
    }
  });

  it("maps a certificate's DN with ssl.principal.mapping.rules as Kafka does", () => {
    {
      const dn = distinguishedName(new X509Certificate(readFileSync(certs.clientCert)));
      expect(dn).toBe('CN=alice,OU=eng,O=samsa');
      expect(new SslPrincipalMapper('DEFAULT').userName(dn)).toBe('CN=alice,OU=eng,O=samsa');
      const rules = new SslPrincipalMapper('RULE:^CN=([a-z]+),OU=ops,.*$/ops-$1/, RULE:^CN=(.*?),OU=(.*?),O=.*$/$1@$2/U, DEFAULT');
      expect(rules.userName(dn)).toBe('ALICE@ENG');
      expect(rules.userName('CN=bob,OU=ops,O=x')).toBe('ops-bob');
      expect(rules.userName('CN=carol')).toBe('CN=carol');
      expect(() => new SslPrincipalMapper('RULE:^CN=(.*)$/$1/L').userName('O=nobody')).toThrow(/No rules apply to O=nobody/);
      expectThrown(() => new SslPrincipalMapper('RULE:^CN=(.*$/$1/'), ConfigError, { key: 'ssl.principal.mapping.rules' }, /not a regular expression/);
      expectThrown(() => new SslPrincipalMapper('SOMETIMES'), ConfigError, { key: 'ssl.principal.mapping.rules' }, /not a rule/);
    }
  });

  it("derives SCRAM keys, proofs and signatures as RFC 7677's SCRAM-SHA-256 example", () => {
    const scram = scramMechanismNamed('SCRAM-SHA-256')!;
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const salted = saltPassword(scram, 'pencil', salt, 4096);
    const clientFirstBare = 'n=user,r=rOprNGfwEbeRWgbNEkqO';
    const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
    const withoutProof = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const clientKey = clientKeyOf(scram, salted);
    const credential = credentialFromSaltedPassword(scram, salt, salted, 4096);
    expect(credential.storedKey).toEqual(digest(scram, clientKey));
    expect(xor(clientKey, hmac(scram, credential.storedKey, authMessage)).toString('base64')).toBe('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(hmac(scram, credential.serverKey, authMessage).toString('base64')).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it("translates Java's cipher suite names to OpenSSL's", () => {
    expect(
      opensslCipherList(
        [
          'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
          'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
          'TLS_RSA_WITH_AES_256_CBC_SHA',
          'TLS_AES_256_GCM_SHA384',
          'DHE-RSA-AES256-GCM-SHA384',
        ],
        'ssl.cipher.suites',
      ),
    ).toBe('ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:AES256-SHA:TLS_AES_256_GCM_SHA384:DHE-RSA-AES256-GCM-SHA384');
  });
});
