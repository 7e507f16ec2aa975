import { connect as connectTcp } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/free-port.js';
import { Admin } from '../../src/clients/admin/admin.js';
import { InvalidRequestError } from '../../src/clients/network/errors.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { expectRejected } from '../errors.js';
import { kcat } from '../interop/kcat.js';
import { startBroker, type TestBroker } from './harness.js';
import { makeCertificates, type TestCertificates } from './security/certificates.js';

// Listeners added and removed while a single broker runs (Kafka's
// DynamicListenerConfig, KIP-226): `listeners` with the new listener's
// listener.name.<l>.* settings in one IncrementalAlterConfigs on the
// broker's own resource, checked as Kafka checks them, applied before the
// answer, persisted beside the topic store.

let b: TestBroker | undefined;
let admin: Admin | undefined;
let certs: TestCertificates | undefined;
afterEach(async () => {
  await admin?.close();
  await b?.stop();
  certs?.remove();
  admin = undefined;
  b = undefined;
  certs = undefined;
});

/** Sets keys on a broker resource ("0", or "" for the cluster default) through samsa's Admin. */
function set(resource: string, configs: Record<string, string>): Promise<unknown> {
  const ops = Object.entries(configs).map(([name, value]) => ({ name, op: 'set' as const, value }));
  return admin!.incrementalAlterConfigs([{ resource: { type: 'broker', name: resource }, ops }]);
}

/** kcat's options for the SSL listener on `port`, trusting the test CA. */
const overSsl = (port: number) => ['-b', `127.0.0.1:${port}`, '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${certs!.caPem}`];

/** The brokers a Metadata answer on the listener kcat reaches lists, as `host:port` by id. */
async function advertised(args: string[]): Promise<Array<{ id: number; name: string }>> {
  const metadata = JSON.parse(await kcat([...args, '-L', '-J'])) as { brokers: Array<{ id: number; name: string }> };
  return metadata.brokers;
}

function openTlsSession(port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The error code a plain TCP connection to `port` fails with, or "connected". */
function tcpOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe('listeners added and removed while the broker runs', () => {
  it('refuses what Kafka refuses, naming the listener or key, and stores nothing then', async () => {
    certs = makeCertificates();
    b = await startBroker();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    const sslPort = await freePort();
    const both = `PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:${sslPort}`;
    const invalid = { errorCode: ErrorCode.INVALID_REQUEST };

    // A TLS listener without a key store cannot start: the key it needs is named.
    await expectRejected(
      set('0', { listeners: both, 'listener.name.ssl.ssl.keystore.type': 'PEM' }),
      InvalidRequestError,
      invalid,
      /listener\.name\.ssl\.ssl\.keystore\.location: listener SSL uses TLS and needs a key store/,
    );
    // Listeners are one broker's, never the cluster's default.
    await expectRejected(
      set('', { listeners: both }),
      InvalidRequestError,
      invalid,
      'Cannot update these configs at default cluster level, broker id must be specified: Set(listeners)',
    );
    const store = { 'listener.name.ssl.ssl.keystore.type': 'PEM', 'listener.name.ssl.ssl.keystore.location': certs.brokerKeystore };
    // The only listener is the inter-broker one: it stays.
    await expectRejected(
      set('0', { listeners: `SSL://127.0.0.1:${sslPort}`, ...store }),
      InvalidRequestError,
      invalid,
      'Advertised listener must be specified for inter-broker listener PLAINTEXT',
    );
    await expectRejected(
      set('0', { listeners: both, 'advertised.listeners': `SSL://127.0.0.1:${sslPort}`, ...store }),
      InvalidRequestError,
      invalid,
      'Advertised listener must be specified for inter-broker listener PLAINTEXT',
    );
    await expectRejected(
      set('0', { 'listener.security.protocol.map': 'PLAINTEXT:SSL,SSL:SSL' }),
      InvalidRequestError,
      invalid,
      'Security protocol cannot be updated for existing listener PLAINTEXT',
    );
    await expectRejected(
      set('0', { 'listener.name.plaintext.sasl.enabled.mechanisms': 'PLAIN' }),
      InvalidRequestError,
      invalid,
      'Configs cannot be updated dynamically for existing listener PLAINTEXT, restart broker or create a new listener for update',
    );
    await expectRejected(
      set('0', { listeners: `PLAINTEXT://127.0.0.1:${sslPort}` }),
      InvalidRequestError,
      invalid,
      new RegExp(`Listener PLAINTEXT cannot move from 127\\.0\\.0\\.1:${b.port} to 127\\.0\\.0\\.1:${sslPort} while the broker runs`),
    );
    await expectRejected(
      set('0', { listeners: `PLAINTEXT://127.0.0.1:0,EXTRA://127.0.0.1:${sslPort}` }),
      InvalidRequestError,
      invalid,
      /No security protocol defined for listener EXTRA/,
    );
    await expectRejected(
      set('0', {
        listeners: both,
        ...store,
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,OTHER:SSL',
        'advertised.listeners': `PLAINTEXT://127.0.0.1:0,OTHER://127.0.0.1:${sslPort}`,
      }),
      InvalidRequestError,
      invalid,
      /listener OTHER is advertised but not in listeners/,
    );
    expect([...b.broker.ports.keys()]).toEqual(['PLAINTEXT']);
    expect(await tcpOutcome(sslPort)).toBe('ECONNREFUSED');
    const [described] = await admin.describeConfigs([{ type: 'broker', name: '0' }], { configNames: ['listeners'] });
    expect(described!.entries[0]).toMatchObject({ value: 'PLAINTEXT://127.0.0.1:0', source: 'STATIC_BROKER_CONFIG', isReadOnly: false });
  });

  it('an SSL listener added through the Admin serves kcat and advertises itself, survives a restart, and once removed closes its sessions and refuses connections', {
    timeout: 90_000,
  }, async () => {
    certs = makeCertificates();
    b = await startBroker();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    const sslPort = await freePort();
    const plaintext = 'PLAINTEXT://127.0.0.1:0';
    await set('0', {
      listeners: `${plaintext},SSL://127.0.0.1:${sslPort}`,
      'listener.name.ssl.ssl.keystore.type': 'PEM',
      'listener.name.ssl.ssl.keystore.location': certs.brokerKeystore,
    });
    expect(b.broker.ports.get('SSL')).toBe(sslPort);

    await kcat([...overSsl(sslPort), '-P', '-t', 'over-ssl', '-p', '0'], 'one\ntwo\nthree\n');
    const consume = () => kcat([...overSsl(sslPort), '-C', '-t', 'over-ssl', '-p', '0', '-o', 'beginning', '-c', '3', '-e', '-f', '%s\\n']);
    expect((await consume()).trim().split('\n')).toEqual(['one', 'two', 'three']);
    // Metadata answers with the endpoint of the listener it was asked on.
    expect(await advertised(overSsl(sslPort))).toEqual([{ id: 0, name: `127.0.0.1:${sslPort}` }]);
    expect(await advertised(['-b', b.bootstrap])).toEqual([{ id: 0, name: b.bootstrap }]);
    const [described] = await admin.describeConfigs([{ type: 'broker', name: '0' }], { configNames: ['listeners'] });
    expect(described!.entries[0]).toMatchObject({ value: `${plaintext},SSL://127.0.0.1:${sslPort}`, source: 'DYNAMIC_BROKER_CONFIG' });

    await admin.close();
    b = await b.restart();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    expect(b.broker.ports.get('SSL')).toBe(sslPort);
    expect((await consume()).trim().split('\n')).toEqual(['one', 'two', 'three']);

    const session = await openTlsSession(sslPort);
    const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    await set('0', { listeners: plaintext });
    await closed;
    expect([...b.broker.ports.keys()]).toEqual(['PLAINTEXT']);
    expect(await tcpOutcome(sslPort)).toBe('ECONNREFUSED');
    expect(await advertised(['-b', b.bootstrap])).toEqual([{ id: 0, name: b.bootstrap }]);

    // Still removed after a restart.
    await admin.close();
    b = await b.restart();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    expect([...b.broker.ports.keys()]).toEqual(['PLAINTEXT']);
    expect(await tcpOutcome(sslPort)).toBe('ECONNREFUSED');
  });

  it('a SASL_SSL listener added with its mechanisms and JAAS users authenticates PLAIN and SCRAM users as one set at start does', async () => {
    certs = makeCertificates();
    b = await startBroker();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    await admin.alterUserScramCredentials([{ user: 'carol', mechanism: 'SCRAM-SHA-512', iterations: 8192, password: 'carol-pass' }]);
    const port = await freePort();
    const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';
    await set('0', {
      listeners: `PLAINTEXT://127.0.0.1:0,SECURE://127.0.0.1:${port}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SECURE:SASL_SSL',
      'listener.name.secure.ssl.keystore.type': 'PEM',
      'listener.name.secure.ssl.keystore.location': certs.brokerKeystore,
      'listener.name.secure.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
      'listener.name.secure.plain.sasl.jaas.config': jaas,
    });
    const overSasl = (mechanism: string, user: string, password: string) => [
      ...overSsl(port).map((a) => a.replace('security.protocol=SSL', 'security.protocol=SASL_SSL')),
      ...['-X', `sasl.mechanism=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`],
    ];
    await kcat([...overSasl('PLAIN', 'alice', 'alice-secret'), '-P', '-t', 'over-sasl', '-p', '0'], 'from alice\n');
    await kcat([...overSasl('SCRAM-SHA-512', 'carol', 'carol-pass'), '-P', '-t', 'over-sasl', '-p', '0'], 'from carol\n');
    const read = await kcat([...overSasl('SCRAM-SHA-512', 'carol', 'carol-pass'), '-C', '-t', 'over-sasl', '-p', '0', '-o', 'beginning', '-c', '2', '-e']);
    expect(read.trim().split('\n')).toEqual(['from alice', 'from carol']);
    await expect(kcat([...overSasl('PLAIN', 'alice', 'wrong'), '-L'])).rejects.toThrow(/[Aa]uthentication failed|SASL authentication error/);
  });

  it('a listener may be advertised at another address; Metadata on it gives that address', async () => {
    b = await startBroker();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    const [extraPort, shownPort] = [await freePort(), await freePort()];
    await set('0', {
      listeners: `PLAINTEXT://127.0.0.1:0,EXTERNAL://127.0.0.1:${extraPort}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT',
      'advertised.listeners': `PLAINTEXT://127.0.0.1:0,EXTERNAL://localhost:${shownPort}`,
    });
    expect(await advertised(['-b', `127.0.0.1:${extraPort}`])).toEqual([{ id: 0, name: `localhost:${shownPort}` }]);
    expect(await advertised(['-b', b.bootstrap])).toEqual([{ id: 0, name: b.bootstrap }]);
    await set('0', { 'advertised.listeners': `PLAINTEXT://127.0.0.1:0,EXTERNAL://127.0.0.1:${extraPort}` });
    expect(await advertised(['-b', `127.0.0.1:${extraPort}`])).toEqual([{ id: 0, name: `127.0.0.1:${extraPort}` }]);
  });
});
