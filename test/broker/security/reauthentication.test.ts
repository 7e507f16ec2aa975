import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../../src/clients/admin/admin.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { startBroker, type TestBroker } from '../harness.js';
import { RawClient } from '../raw-client.js';

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";';
const SESSION_MS = 1000;

// KIP-368: with connections.max.reauth.ms a SASL session lasts that long; a client that can
// re-authenticates on its connection before the end, any other's connection is closed at its
// next request after it.
describe('SASL re-authentication (connections.max.reauth.ms)', () => {
  let b: TestBroker;
  const lines: string[] = [];
  let port: number;

  beforeAll(async () => {
    b = await startBroker(
      {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
        'connections.max.reauth.ms': SESSION_MS,
        'connection.failed.authentication.delay.ms': 0,
      },
      undefined,
      (level, m) => lines.push(`[${level}] ${m}`),
    );
    port = b.port;
  });

  afterAll(async () => {
    await b?.stop();
  });

  async function authenticated(user: string, password: string): Promise<{ client: RawClient; lifetimeMs: number }> {
    const client = await RawClient.connect(port);
    expect((await client.request('SaslHandshake', 1, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.NONE);
    const r = await client.request('SaslAuthenticate', 2, { authBytes: Buffer.from(`\0${user}\0${password}`) });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    return { client, lifetimeMs: Number(r.sessionLifetimeMs) };
  }

  const metadata = { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };

  it("keeps samsa's admin working across several sessions on one connection, re-authenticating before each ends", { timeout: 30_000 }, async () => {
    const admin = new Admin({
      'bootstrap.servers': b.bootstrap,
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";',
    });
    try {
      const started = Date.now();
      // Requests keep going through three and a half session lengths.
      while (Date.now() - started < 3.5 * SESSION_MS) {
        expect(await admin.listTopics()).toEqual([]);
        await sleep(100); // pacing: the requests are spread over the sessions
      }
    } finally {
      await admin.close();
    }
    expect(lines.filter((l) => l.includes('User:alice re-authenticated')).length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => l.includes('expired'))).toEqual([]);
  });

  it('tells the client the session length, and closes a connection that did not re-authenticate at its next request after it', async () => {
    const { client, lifetimeMs } = await authenticated('alice', 'alice-secret');
    try {
      expect(lifetimeMs).toBe(SESSION_MS);
      expect((await client.request('Metadata', 9, metadata)).brokers).toHaveLength(1);
      await sleep(SESSION_MS + 100); // the session runs out
      await expect(client.request('Metadata', 9, metadata)).rejects.toThrow(/connection closed/);
      expect(lines.some((l) => l.includes('the session of User:alice expired (connections.max.reauth.ms 1000) before a request of API key 3'))).toBe(true);
    } finally {
      client.close();
    }
  });

  it('re-authenticates a raw client as itself, and refuses (closing) one that tries to become another principal', async () => {
    const { client } = await authenticated('alice', 'alice-secret');
    try {
      // As alice again: the connection goes on.
      expect((await client.request('SaslHandshake', 1, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.NONE);
      const again = await client.request('SaslAuthenticate', 2, { authBytes: Buffer.from('\0alice\0alice-secret') });
      expect(again).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: SESSION_MS });
      expect((await client.request('Metadata', 9, metadata)).brokers).toHaveLength(1);
      // As bob: refused, and the connection closes.
      expect((await client.request('SaslHandshake', 1, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.NONE);
      const other = await client.request('SaslAuthenticate', 2, { authBytes: Buffer.from('\0bob\0bob-secret') });
      expect(other).toMatchObject({
        errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
        errorMessage: 'Cannot change principals during re-authentication from User:alice to User:bob',
      });
      await client.waitClosed();
    } finally {
      client.close();
    }
  });
});
