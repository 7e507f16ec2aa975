import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Consumer } from '../../src/clients/consumer/index.js';
import { BrokerConnection } from '../../src/clients/network/broker-connection.js';
import { NetworkError } from '../../src/clients/network/errors.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { MAIN } from '../broker/broker-process.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { makeCertificates, type TestCertificates } from '../broker/security/certificates.js';
import { expectRejected } from '../errors.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/secure_clients.py', import.meta.url));
const KCAT = '/usr/bin/kcat';

type Mode = 'SSL' | 'SASL_SSL PLAIN' | 'SASL_SSL SCRAM-SHA-512' | 'mutual TLS';
const MODES: readonly Mode[] = ['SSL', 'SASL_SSL PLAIN', 'SASL_SSL SCRAM-SHA-512', 'mutual TLS'];

/** What a client needs to reach one listener: the protocol, trust, its own certificate, SASL credentials. */
interface ClientSettings {
  port: number;
  protocol: 'SSL' | 'SASL_SSL' | 'PLAINTEXT';
  ca?: string;
  cert?: string;
  key?: string;
  mechanism?: 'PLAIN' | 'SCRAM-SHA-512';
  username?: string;
  password?: string;
}

function run(file: string, args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

function kcatArgs(s: ClientSettings): string[] {
  const args = ['-b', `127.0.0.1:${s.port}`, '-X', `security.protocol=${s.protocol}`, '-m', '10'];
  if (s.ca) args.push('-X', `ssl.ca.location=${s.ca}`);
  if (s.cert) args.push('-X', `ssl.certificate.location=${s.cert}`, '-X', `ssl.key.location=${s.key}`);
  if (s.mechanism) args.push('-X', `sasl.mechanism=${s.mechanism}`, '-X', `sasl.username=${s.username}`, '-X', `sasl.password=${s.password}`);
  return args;
}

/** Produces five records with kcat and consumes them back; the values read, or the error output. */
async function kcatRoundTrip(s: ClientSettings, topic: string): Promise<{ values?: string[]; error?: string }> {
  const produced = await run(KCAT, [...kcatArgs(s), '-P', '-t', topic, '-p', '0'], `${[0, 1, 2, 3, 4].map((i) => `kcat ${i}`).join('\n')}\n`);
  if (produced.code !== 0) return { error: produced.stderr };
  const consumed = await run(KCAT, [...kcatArgs(s), '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-c', '5', '-e']);
  if (consumed.code !== 0) return { error: consumed.stderr };
  return { values: consumed.stdout.trim().split('\n') };
}

async function pythonRoundTrip(client: string, s: ClientSettings, topic: string): Promise<{ values?: string[]; error?: string }> {
  const settings = { protocol: s.protocol, ca: s.ca, cert: s.cert, key: s.key, mechanism: s.mechanism, username: s.username, password: s.password };
  const r = await run(PYTHON, [SCRIPT, client, 'roundtrip', `127.0.0.1:${s.port}`, topic, JSON.stringify(settings)]);
  if (r.code !== 0) throw new Error(`${client} crashed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { values?: string[]; error?: string };
}

function kafkajsConfig(s: ClientSettings): KafkaConfig {
  return {
    clientId: 'samsa-security',
    brokers: [`127.0.0.1:${s.port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 5000,
    ssl:
      s.protocol === 'PLAINTEXT'
        ? undefined
        : {
            ca: s.ca ? [readFileSync(s.ca, 'utf8')] : undefined,
            cert: s.cert ? readFileSync(s.cert, 'utf8') : undefined,
            key: s.key ? readFileSync(s.key, 'utf8') : undefined,
          },
    sasl:
      s.mechanism === 'PLAIN'
        ? { mechanism: 'plain', username: s.username!, password: s.password! }
        : s.mechanism
          ? { mechanism: 'scram-sha-512', username: s.username!, password: s.password! }
          : undefined,
  };
}

async function kafkajsRoundTrip(s: ClientSettings, topic: string): Promise<{ values?: string[]; error?: string }> {
  const kafka = new Kafka(kafkajsConfig(s));
  const producer = kafka.producer();
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [0, 1, 2, 3, 4].map((i) => ({ partition: 0, value: `kafkajs ${i}` })) });
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  const values: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('KafkaJS consumed too little')), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString());
          if (values.length === 5) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return { values };
}

const ROUND_TRIPS: Record<string, (s: ClientSettings, topic: string) => Promise<{ values?: string[]; error?: string }>> = {
  kcat: kcatRoundTrip,
  'confluent-kafka': (s, t) => pythonRoundTrip('confluent-kafka', s, t),
  'kafka-python': (s, t) => pythonRoundTrip('kafka-python', s, t),
  KafkaJS: kafkajsRoundTrip,
};
const PREFIX: Record<string, string> = { kcat: 'kcat', 'confluent-kafka': 'confluent', 'kafka-python': 'kafka-python', KafkaJS: 'kafkajs' };

describe('real clients over TLS and SASL', () => {
  let certs: TestCertificates;
  let b: TestBroker;
  const lines: string[] = [];
  const scram = { username: 'scrammy', password: 'scram-secret-512' };
  let settingsFor: (mode: Mode) => ClientSettings;

  beforeAll(async () => {
    certs = makeCertificates();
    b = await startBroker(
      {
        listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0,MTLS://127.0.0.1:0',
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,MTLS:SSL',
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.brokerKeystore,
        'listener.name.mtls.ssl.client.auth': 'required',
        'listener.name.mtls.ssl.truststore.type': 'PEM',
        'listener.name.mtls.ssl.truststore.location': certs.caPem,
        'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
        'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
        'group.initial.rebalance.delay.ms': 0,
        'offsets.topic.replication.factor': 1,
      },
      undefined,
      (level, m) => lines.push(`[${level}] ${m}`),
    );
    const port = (name: string) => b.broker.ports.get(name)!;
    settingsFor = (mode) => {
      switch (mode) {
        case 'SSL':
          return { port: port('SSL'), protocol: 'SSL', ca: certs.caPem };
        case 'SASL_SSL PLAIN':
          return { port: port('SASL_SSL'), protocol: 'SASL_SSL', ca: certs.caPem, mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' };
        case 'SASL_SSL SCRAM-SHA-512':
          return { port: port('SASL_SSL'), protocol: 'SASL_SSL', ca: certs.caPem, mechanism: 'SCRAM-SHA-512', ...scram };
        case 'mutual TLS':
          return { port: port('MTLS'), protocol: 'SSL', ca: certs.caPem, cert: certs.clientCert, key: certs.clientKey };
      }
    };
    const admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    try {
      await admin.alterUserScramCredentials([{ user: scram.username, mechanism: 'SCRAM-SHA-512', iterations: 4096, password: scram.password }]);
    } finally {
      await admin.close();
    }
  });

  afterAll(async () => {
    await b?.stop();
    certs?.remove();
  });

  describe.each(Object.keys(ROUND_TRIPS))('%s', (client) => {
    it.each(MODES)('produces and consumes over %s', async (mode) => {
      const topic = `sec-${PREFIX[client]}-${mode.replace(/[^A-Za-z0-9]+/g, '-')}`;
      const result = await ROUND_TRIPS[client]!(settingsFor(mode), topic);
      expect(result.error).toBeUndefined();
      expect([...result.values!].sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${PREFIX[client]} ${i}`));
      // The records are on the broker's disk as sent: TLS and SASL change nothing of what is stored.
      expect(b.broker.context.replicas.getPartition(topic, 0)!.log.logEndOffset).toBe(5);
    });
  });

  it('refuses a client that does not trust the CA, a wrong password, a plaintext client on a TLS port, and a missing or untrusted client certificate; the broker serves on', async () => {
    const ssl = settingsFor('SSL');
    const rogueTrust = await kcatRoundTrip({ ...ssl, ca: certs.rogueCaPem }, 'sec-refused');
    expect(rogueTrust.error).toMatch(/certificate verify failed|SSL handshake failed/);
    const plaintextOnTls = await kcatRoundTrip({ ...ssl, protocol: 'PLAINTEXT', ca: undefined }, 'sec-refused');
    expect(plaintextOnTls.error).toMatch(/Disconnected|transport failure|incorrect security.protocol/);
    expect(lines.join('\n')).toMatch(/Failed authentication with \/127\.0\.0\.1 on listener SSL \(SSL handshake failed/);

    const plain = settingsFor('SASL_SSL PLAIN');
    const wrongPlain = await pythonRoundTrip('confluent-kafka', { ...plain, password: 'nope' }, 'sec-refused');
    expect(wrongPlain.error).toMatch(/Authentication failed: Invalid username or password/);
    const wrongScram = await pythonRoundTrip('kafka-python', { ...settingsFor('SASL_SSL SCRAM-SHA-512'), password: 'nope' }, 'sec-refused');
    expect(wrongScram.error).toBeDefined();
    const kafkajsWrong = await kafkajsRoundTrip({ ...settingsFor('SASL_SSL SCRAM-SHA-512'), password: 'nope' }, 'sec-refused');
    expect(kafkajsWrong.error).toMatch(
      /KafkaJSSASLAuthenticationError: SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/,
    );
    expect(lines.join('\n')).toMatch(/Failed authentication with SASL mechanism SCRAM-SHA-512 .*client \/127\.0\.0\.1 on listener SASL_SSL/);
    expect(lines.join('\n')).not.toMatch(/nope|alice-secret|scram-secret-512/);

    const mtls = settingsFor('mutual TLS');
    const noCert = await kcatRoundTrip({ ...mtls, cert: undefined, key: undefined }, 'sec-refused');
    expect(noCert.error).toBeDefined();
    const rogueCert = await kcatRoundTrip({ ...mtls, cert: certs.rogueClientCert, key: certs.rogueClientKey }, 'sec-refused');
    expect(rogueCert.error).toBeDefined();
    const samsaUntrusting = new BrokerConnection(-1, '127.0.0.1', ssl.port, {
      clientId: 't',
      requestTimeoutMs: 5000,
      connectTimeoutMs: 5000,
      maxInFlight: 1,
      sendBufferBytes: -1,
      receiveBufferBytes: -1,
      security: { tls: { ca: readFileSync(certs.rogueCaPem, 'utf8') } },
    });
    await expectRejected(samsaUntrusting.connect(), NetworkError, {}, /self.signed certificate|unable to verify|certificate/);
    // Nothing was created or written by the refused clients.
    expect(b.broker.context.topics.get('sec-refused')).toBeUndefined();

    const after = await kcatRoundTrip(settingsFor('SASL_SSL PLAIN'), 'sec-after-refusals');
    expect(after.values).toEqual([0, 1, 2, 3, 4].map((i) => `kcat ${i}`));
  });

  it("samsa's producer and consumer over SASL_SSL with SCRAM-SHA-512, configured with Kafka's client keys", async () => {
    const security = {
      'bootstrap.servers': `127.0.0.1:${settingsFor('SASL_SSL SCRAM-SHA-512').port}`,
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${scram.username}" password="${scram.password}";`,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.caPem,
    } as const;
    const producer = new Producer(security);
    try {
      await Promise.all([0, 1, 2].map((i) => producer.send({ topic: 'sec-samsa', partition: 0, value: `samsa ${i}` })));
    } finally {
      await producer.close();
    }
    const consumer = new Consumer({ ...security, 'group.id': 'sec-samsa-group', 'auto.offset.reset': 'earliest' });
    try {
      consumer.subscribe(['sec-samsa']);
      const values: string[] = [];
      while (values.length < 3) {
        const records = await consumer.poll(1000);
        for (const r of records) values.push(String(r.value));
      }
      expect(values).toEqual(['samsa 0', 'samsa 1', 'samsa 2']);
    } finally {
      await consumer.close();
    }
  });

  it('samsa consumer-groups reaches a SASL_SSL listener with --command-config, and is refused without it', async () => {
    const file = join(certs.dir, 'client.properties');
    writeFileSync(
      file,
      [
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${scram.username}" password="${scram.password}";`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${certs.caPem}`,
      ].join('\n'),
    );
    const bootstrap = `127.0.0.1:${settingsFor('SASL_SSL SCRAM-SHA-512').port}`;
    const listed = await run(process.execPath, [MAIN, 'consumer-groups', '--bootstrap-server', bootstrap, '--command-config', file, '--list']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')).toContain('sec-samsa-group');
    const refused = await run(process.execPath, [MAIN, 'consumer-groups', '--bootstrap-server', bootstrap, '--list', '--timeout', '3000']);
    expect(refused.code).toBe(1);
  });
});
