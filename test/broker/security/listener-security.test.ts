import { readFileSync } from 'node:fs';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../../src/broker/broker-config.js';
import type { ConnectionSession } from '../../../src/broker/security/kafka-principal.js';
import { ListenerSecurity } from '../../../src/broker/security/listener-security.js';
import { ScramCredentialStore } from '../../../src/broker/security/scram-credential-store.js';
import { makeCertificates, type TestCertificates } from './certificates.js';

/**
 * The principal a TLS connection gets, through the listener's own TLS options
 * and openConnection, with real sockets: the certificate's DN as Kafka names
 * it, mapped by ssl.principal.mapping.rules; ANONYMOUS without a certificate.
 */
describe('principals of TLS connections', () => {
  let certs: TestCertificates;

  beforeAll(() => {
    certs = makeCertificates();
  });

  afterAll(() => certs.remove());

  /** Connects a TLS client with `client` options to a listener built from `settings`; resolves to the session its first frame is answered in, or to the error that refused it. */
  async function sessionOf(settings: Record<string, unknown>, client: { cert?: string; key?: string }): Promise<ConnectionSession | Error> {
    const config = new BrokerConfig({ listeners: 'MTLS://127.0.0.1:0', 'listener.security.protocol.map': 'MTLS:SSL', 'log.dirs': certs.dir, 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.brokerKeystore, 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.caPem, ...settings });
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
    const socket = connect({ port, host: '127.0.0.1', ca: readFileSync(certs.caPem), cert: client.cert ? readFileSync(client.cert) : undefined, key: client.key ? readFileSync(client.key) : undefined });
    socket.on('error', () => {});
    try {
      return await outcome;
    } finally {
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('names the client by its certificate\'s DN, User:CN=alice,OU=eng,O=samsa by default', async () => {
    const session = await sessionOf({ 'ssl.client.auth': 'required' }, { cert: certs.clientCert, key: certs.clientKey });
    expect(session).toEqual({ listenerName: 'MTLS', securityProtocol: 'SSL', principal: { principalType: 'User', name: 'CN=alice,OU=eng,O=samsa' } });
  });

  it('maps the DN with the listener\'s ssl.principal.mapping.rules', async () => {
    const session = await sessionOf({ 'ssl.client.auth': 'required', 'listener.name.mtls.ssl.principal.mapping.rules': 'RULE:^CN=(.*?),OU=.*$/$1/U,DEFAULT' }, { cert: certs.clientCert, key: certs.clientKey });
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
});
