import { readFileSync } from 'node:fs';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../../src/broker/broker-config.js';
import type { ConnectionSession } from '../../../src/broker/security/kafka-principal.js';
import { ListenerSecurity } from '../../../src/broker/security/listener-security.js';
import { ScramCredentialStore } from '../../../src/broker/security/scram-credential-store.js';
import { makeCertificates, type TestCertificates } from './certificates.js';

/**
 * TLS connections through a listener's own TLS options and openConnection,
 * with real sockets: the principal a connection gets (the certificate's DN as
 * Kafka names it, mapped by ssl.principal.mapping.rules; ANONYMOUS without a
 * certificate), and the protocols and cipher suites it is held to.
 */
describe('TLS connections of a listener', () => {
  let certs: TestCertificates;

  beforeAll(() => {
    certs = makeCertificates();
  });

  afterAll(() => certs.remove());

  /** Connects a TLS client with `client` options to a listener built from `settings`; resolves to the session its first frame is answered in, or to the error that refused it. */
  async function sessionOf(settings: Record<string, unknown>, client: { cert?: string; key?: string }): Promise<ConnectionSession | Error> {
    const config = new BrokerConfig({
      listeners: 'MTLS://127.0.0.1:0',
      'listener.security.protocol.map': 'MTLS:SSL',
      'log.dirs': certs.dir,
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.brokerKeystore,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.caPem,
      ...settings,
    });
    const security = new ListenerSecurity(config, config.listeners[0]!, ScramCredentialStore.open(certs.dir), () => {});
    let settle!: (outcome: ConnectionSession | Error) => void;
    const outcome = new Promise<ConnectionSession | Error>((resolve) => (settle = resolve));
    const server = createServer(security.tls!, (socket: TLSSocket) => {
      try {
        const handler = security.openConnection(socket, {
          handle: async (_frame, _address, _allowance, session) => {
            settle(session);
            return null;
          },
        });
        void handler.handle(Buffer.alloc(8), undefined as never);
      } catch (e) {
        settle(e as Error);
        socket.destroy();
      }
    });
    server.on('tlsClientError', (e) => settle(e));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const socket = connect({
      port,
      host: '127.0.0.1',
      ca: readFileSync(certs.caPem),
      cert: client.cert ? readFileSync(client.cert) : undefined,
      key: client.key ? readFileSync(client.key) : undefined,
    });
    socket.on('error', () => {});
    try {
      return await outcome;
    } finally {
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it("names the client by its certificate's DN, User:CN=alice,OU=eng,O=samsa by default", async () => {
    const session = await sessionOf({ 'ssl.client.auth': 'required' }, { cert: certs.clientCert, key: certs.clientKey });
    expect(session).toEqual({ listenerName: 'MTLS', securityProtocol: 'SSL', principal: { principalType: 'User', name: 'CN=alice,OU=eng,O=samsa' } });
  });

  it("maps the DN with the listener's ssl.principal.mapping.rules", async () => {
    const session = await sessionOf(
      { 'ssl.client.auth': 'required', 'listener.name.mtls.ssl.principal.mapping.rules': 'RULE:^CN=(.*?),OU=.*$/$1/U,DEFAULT' },
      { cert: certs.clientCert, key: certs.clientKey },
    );
    expect((session as ConnectionSession).principal).toEqual({ principalType: 'User', name: 'ALICE' });
  });

  it('with ssl.client.auth=requested: ANONYMOUS without a certificate, refused with one it does not trust', async () => {
    expect(((await sessionOf({ 'ssl.client.auth': 'requested' }, {})) as ConnectionSession).principal).toEqual({ principalType: 'User', name: 'ANONYMOUS' });
    const rogue = await sessionOf({ 'ssl.client.auth': 'requested' }, { cert: certs.rogueClientCert, key: certs.rogueClientKey });
    expect(rogue).toBeInstanceOf(Error);
    expect((rogue as Error).message).toMatch(/the client certificate is not trusted/);
  });

  it('with ssl.client.auth=required: no certificate fails the handshake', async () => {
    const refused = await sessionOf({ 'ssl.client.auth': 'required' }, {});
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/certificate/i);
  });

  /** The TLS version and cipher a client offering `client` gets from a listener with `settings`, or the error that refused it. */
  async function negotiated(
    settings: Record<string, unknown>,
    client: { maxVersion?: 'TLSv1.2' | 'TLSv1.3'; ciphers?: string },
  ): Promise<{ version: string | null; cipher: string } | Error> {
    const config = new BrokerConfig({
      listeners: 'SSL://127.0.0.1:0',
      'log.dirs': certs.dir,
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.brokerKeystore,
      ...settings,
    });
    const security = new ListenerSecurity(config, config.listeners[0]!, ScramCredentialStore.open(certs.dir), () => {});
    const server = createServer(security.tls!, (socket) => socket.end());
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      return await new Promise((resolve) => {
        const socket = connect({ port, host: '127.0.0.1', ca: readFileSync(certs.caPem), ...client }, () => {
          resolve({ version: socket.getProtocol(), cipher: socket.getCipher().name });
          socket.destroy();
        });
        socket.on('error', (e) => resolve(e));
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('offers only ssl.enabled.protocols and ssl.cipher.suites', async () => {
    expect(await negotiated({ 'ssl.enabled.protocols': 'TLSv1.2', 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' }, {})).toEqual({
      version: 'TLSv1.2',
      cipher: 'ECDHE-RSA-AES256-GCM-SHA384',
    });
    expect(await negotiated({}, {})).toMatchObject({ version: 'TLSv1.3' });
    expect(await negotiated({ 'ssl.enabled.protocols': 'TLSv1.3' }, { maxVersion: 'TLSv1.2' })).toBeInstanceOf(Error);
    expect(
      await negotiated(
        { 'ssl.enabled.protocols': 'TLSv1.2', 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' },
        { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' },
      ),
    ).toBeInstanceOf(Error);
  });
});
