import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCRAM_CREDENTIALS_FILE } from '../../../src/broker/security/scram-credential-store.js';
import { Admin } from '../../../src/clients/admin/admin.js';
import { BrokerConnection } from '../../../src/clients/network/broker-connection.js';
import { SaslAuthenticationError } from '../../../src/clients/network/errors.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { expectRejected } from '../../errors.js';
import { seededRandom } from '../../record/random.js';
import { startBroker, type TestBroker } from '../harness.js';
import { RawClient, requestFrame } from '../raw-client.js';

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';
const METADATA_ID = 0x5a5a5a5a;

describe('SASL on a listener', () => {
  let b: TestBroker;
  const lines: string[] = [];
  let saslPort: number;
  let fuzzPort: number;

  const settings = {
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,FUZZ://127.0.0.1:0',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,FUZZ:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
    'listener.name.fuzz.plain.sasl.jaas.config': PLAIN_JAAS,
    // The fuzzed listener answers failures at once; the other keeps Kafka's delay.
    'listener.name.fuzz.connection.failed.authentication.delay.ms': 0,
  };

  beforeAll(async () => {
    b = await startBroker(settings, undefined, (level, m) => lines.push(`[${level}] ${m}`));
    saslPort = b.broker.ports.get('SASL_PLAINTEXT')!;
    fuzzPort = b.broker.ports.get('FUZZ')!;
  });

  afterAll(async () => {
    await b.stop();
  });

  /** A raw connection through SaslHandshake `version` for `mechanism`. */
  async function handshake(port: number, mechanism: string, version = 1): Promise<RawClient> {
    const c = await RawClient.connect(port);
    const r = await c.request('SaslHandshake', version, { mechanism });
    expect(r).toEqual({ errorCode: ErrorCode.NONE, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    return c;
  }

  /** Sends a Metadata request and resolves to whether it was answered before the connection closed. */
  async function metadataAnswered(c: RawClient): Promise<boolean> {
    c.write(requestFrame('Metadata', 9, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, METADATA_ID));
    for (;;) {
      const frame = await c.nextFrame();
      if (frame === null) return false;
      if (frame.readInt32BE(0) === METADATA_ID) return true;
    }
  }

  it('serves nothing but ApiVersions and SaslHandshake before authentication: anything else closes the connection', async () => {
    const c = await RawClient.connect(saslPort);
    const versions = await c.request('ApiVersions', 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    expect(versions.apiKeys.find((k: { apiKey: number }) => k.apiKey === 36)).toEqual({ apiKey: 36, minVersion: 0, maxVersion: 2 });
    expect(await metadataAnswered(c)).toBe(false);
    expect(lines.join('\n')).toMatch(
      /ILLEGAL_SASL_STATE: a request of API key 3 version 9 before authentication completed.*client \/127\.0\.0\.1 on listener SASL_PLAINTEXT/,
    );
    const afterHandshake = await handshake(saslPort, 'PLAIN');
    expect(await metadataAnswered(afterHandshake)).toBe(false);
  });

  it('answers SaslAuthenticate before SaslHandshake, a second SaslHandshake and an unknown mechanism with their errors, then closes', async () => {
    const early = await RawClient.connect(saslPort);
    expect(await early.request('SaslAuthenticate', 2, { authBytes: Buffer.from('\0alice\0alice-secret') })).toMatchObject({
      errorCode: ErrorCode.ILLEGAL_SASL_STATE,
    });
    await early.waitClosed();
    const twice = await handshake(saslPort, 'PLAIN');
    expect(await twice.request('SaslHandshake', 1, { mechanism: 'PLAIN' })).toMatchObject({ errorCode: ErrorCode.ILLEGAL_SASL_STATE });
    await twice.waitClosed();
    const unknown = await RawClient.connect(saslPort);
    expect(await unknown.request('SaslHandshake', 1, { mechanism: 'GSSAPI' })).toEqual({
      errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'],
    });
    await unknown.waitClosed();
  });

  it.each([0, 1, 2])(
    "PLAIN with a wrong password: SASL_AUTHENTICATION_FAILED in SaslAuthenticate v%i, Kafka's message, logged without the secret",
    async (version) => {
      const c = await handshake(saslPort, 'PLAIN');
      const r = await c.request('SaslAuthenticate', version, { authBytes: Buffer.from('\0alice\0not-the-password') });
      expect(r).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid username or password' });
      await c.waitClosed();
      const log = lines.join('\n');
      expect(log).toMatch(
        /Failed authentication with SASL mechanism PLAIN \(Authentication failed: Invalid username or password\) \(client \/127\.0\.0\.1 on listener SASL_PLAINTEXT\)/,
      );
      expect(log).not.toMatch(/not-the-password|alice-secret/);
    },
  );

  it('PLAIN in raw tokens (SaslHandshake v0) and in SaslAuthenticate (v1), then requests are served; SASL requests after it are ILLEGAL_SASL_STATE', async () => {
    const raw = await handshake(saslPort, 'PLAIN', 0);
    const token = Buffer.from('\0alice\0alice-secret');
    const size = Buffer.alloc(4);
    size.writeInt32BE(token.length);
    raw.write(Buffer.concat([size, token]));
    expect((await raw.nextFrame())!.length).toBe(0);
    expect(await metadataAnswered(raw)).toBe(true);
    raw.close();
    const framed = await handshake(saslPort, 'PLAIN');
    expect(await framed.request('SaslAuthenticate', 2, { authBytes: token })).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null });
    expect(await metadataAnswered(framed)).toBe(true);
    expect(await framed.request('SaslHandshake', 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
    expect(await framed.request('SaslAuthenticate', 1, { authBytes: token })).toMatchObject({ errorCode: ErrorCode.ILLEGAL_SASL_STATE });
    expect(await metadataAnswered(framed)).toBe(true);
    framed.close();
    const plain = await RawClient.connect(b.port);
    expect(await plain.request('SaslHandshake', 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
    plain.close();
  });

  it("SCRAM credentials: set and described through the admin API, used by samsa's client, stored as keys only, kept across a restart", async () => {
    const admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    try {
      await admin.alterUserScramCredentials([
        { user: 'carol', mechanism: 'SCRAM-SHA-512', iterations: 8192, password: 'carol-pass' },
        { user: 'carol', mechanism: 'SCRAM-SHA-256', iterations: 4096, password: 'carol-pass-256' },
      ]);
      expect(await admin.describeUserScramCredentials(['carol'])).toEqual([
        {
          user: 'carol',
          credentials: [
            { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
            { mechanism: 'SCRAM-SHA-512', iterations: 8192 },
          ],
        },
      ]);
      const refused = await admin
        .alterUserScramCredentials([
          { user: 'dave', mechanism: 'SCRAM-SHA-512', iterations: 100, password: 'x' },
          { user: 'erin', mechanism: 'SCRAM-SHA-256', delete: true },
        ])
        .settled();
      expect(refused.map((r) => (r.ok ? 'ok' : (r.error as { errorCode?: number }).errorCode))).toEqual([
        ErrorCode.UNACCEPTABLE_CREDENTIAL,
        ErrorCode.RESOURCE_NOT_FOUND,
      ]);
      await expect(admin.describeUserScramCredentials(['nobody'])).rejects.toMatchObject({ errorCode: ErrorCode.RESOURCE_NOT_FOUND });
    } finally {
      await admin.close();
    }
    const stored = readFileSync(join(b.dir, SCRAM_CREDENTIALS_FILE), 'utf8');
    expect(stored).toMatch(/storedKey/);
    expect(stored).not.toMatch(/carol-pass|password/i);
    const connect = async (mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: string, password: string) => {
      const c = new BrokerConnection(-1, '127.0.0.1', saslPort, {
        clientId: 't',
        requestTimeoutMs: 10_000,
        connectTimeoutMs: 10_000,
        maxInFlight: 1,
        sendBufferBytes: -1,
        receiveBufferBytes: -1,
        security: { sasl: { mechanism, username, password } },
      });
      try {
        await c.connect();
      } finally {
        c.close();
      }
    };
    await connect('SCRAM-SHA-512', 'carol', 'carol-pass');
    await connect('SCRAM-SHA-256', 'carol', 'carol-pass-256');
    const message = 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512';
    await expectRejected(connect('SCRAM-SHA-512', 'carol', 'wrong'), SaslAuthenticationError, { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED }, message);
    await expectRejected(
      connect('SCRAM-SHA-512', 'nobody', 'carol-pass'),
      SaslAuthenticationError,
      { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED },
      message,
    );
    expect(lines.join('\n')).not.toMatch(/carol-pass|wrong/);
    b = await b.restart();
    saslPort = b.broker.ports.get('SASL_PLAINTEXT')!;
    fuzzPort = b.broker.ports.get('FUZZ')!;
    await connect('SCRAM-SHA-512', 'carol', 'carol-pass');
  });

  it('fuzzed SASL frames never authenticate and never harm the broker', async () => {
    const random = seededRandom(16016);
    const plainToken = Buffer.from('\0alice\0alice-secret');
    const frame = (payload: Buffer) => {
      const size = Buffer.alloc(4);
      size.writeInt32BE(payload.length);
      return Buffer.concat([size, payload]);
    };
    const id = () => random.int(1, 0x40000000);
    const mechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
    const scramClientFirst = () =>
      Buffer.from(`n,,n=${random.next() < 0.5 ? 'carol' : random.text(random.int(0, 12)).toString()},r=${random.text(random.int(0, 30)).toString()}`);
    const scramFinal = () => Buffer.from(`c=biws,r=${random.text(24).toString()},p=${random.bytes(random.int(0, 80)).toString('base64')}`);
    const cases: Array<() => Buffer[]> = [
      () => [frame(random.bytes(random.int(0, 200)))],
      () => [requestFrame('SaslHandshake', random.int(0, 1), { mechanism: random.text(random.int(0, 40)).toString() }, id())],
      () => {
        const token = Buffer.from(plainToken);
        for (let n = random.int(1, 3); n > 0; n--) token[random.int(0, token.length - 1)]! ^= 1 << random.int(0, 7);
        return [requestFrame('SaslHandshake', 1, { mechanism: 'PLAIN' }, id()), requestFrame('SaslAuthenticate', random.int(0, 2), { authBytes: token }, id())];
      },
      () => [requestFrame('SaslHandshake', 0, { mechanism: mechanisms[random.int(0, 2)]! }, id()), frame(random.bytes(random.int(0, 300)))],
      // SCRAM out of order: the final message first, the first twice, or a first then a forged proof.
      () => [requestFrame('SaslHandshake', 1, { mechanism: 'SCRAM-SHA-512' }, id()), requestFrame('SaslAuthenticate', 2, { authBytes: scramFinal() }, id())],
      () => [
        requestFrame('SaslHandshake', 1, { mechanism: 'SCRAM-SHA-256' }, id()),
        requestFrame('SaslAuthenticate', 2, { authBytes: scramClientFirst() }, id()),
        requestFrame('SaslAuthenticate', 2, { authBytes: scramClientFirst() }, id()),
      ],
      () => [
        requestFrame('SaslHandshake', 1, { mechanism: 'SCRAM-SHA-512' }, id()),
        requestFrame('SaslAuthenticate', 1, { authBytes: scramClientFirst() }, id()),
        requestFrame('SaslAuthenticate', 1, { authBytes: scramFinal() }, id()),
      ],
      () => [requestFrame('SaslHandshake', 0, { mechanism: 'SCRAM-SHA-512' }, id()), frame(scramClientFirst()), frame(scramFinal())],
      // Oversized: a size beyond sasl.server.max.receive.size before authentication.
      () => {
        const size = Buffer.alloc(4);
        size.writeInt32BE(random.int(524_289, 0x7fffffff));
        return [size, random.bytes(random.int(0, 64))];
      },
    ];
    let answeredAfterFuzz = 0;
    for (let n = 0; n < 300; n++) {
      const which = random.int(0, cases.length - 1);
      const frames = cases[which]!();
      const c = await RawClient.connect(fuzzPort);
      try {
        const truncate = random.next() < 0.15;
        const bytes = Buffer.concat(frames);
        if (truncate) {
          // Cut anywhere and hang up: whatever was whole is judged, the rest is never a frame.
          c.write(bytes.subarray(0, random.int(0, bytes.length)));
          c.socket.end();
          await c.waitClosed();
          continue;
        }
        c.write(bytes);
        if (await metadataAnswered(c)) answeredAfterFuzz++;
      } finally {
        c.close();
      }
    }
    expect(answeredAfterFuzz).toBe(0);
    // Unharmed: PLAIN still authenticates on both SASL listeners, and the plaintext listener serves an admin client.
    for (const port of [fuzzPort, saslPort]) {
      const c = await handshake(port, 'PLAIN');
      expect(await c.request('SaslAuthenticate', 2, { authBytes: plainToken })).toMatchObject({ errorCode: ErrorCode.NONE });
      expect(await metadataAnswered(c)).toBe(true);
      c.close();
    }
    const admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    try {
      expect((await admin.describeCluster()).nodes).toHaveLength(1);
    } finally {
      await admin.close();
    }
  });
});
