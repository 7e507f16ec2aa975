import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../../src/clients/admin/admin.js';
import { Producer } from '../../../src/clients/producer/index.js';
import { kcat } from '../../interop/kcat.js';
import { startBroker, type TestBroker } from '../harness.js';
import { makeCertificates, type TestCertificates } from '../security/certificates.js';

// A single broker whose only listener is TLS: the coordinator writes its transactions' markers
// to its own partitions in-process, as it cannot (and need not) connect to itself.
describe('transactions on a single broker with only an SSL listener', () => {
  let certs: TestCertificates;
  let b: TestBroker;
  let tls: { 'bootstrap.servers': string; 'security.protocol': 'SSL'; 'ssl.truststore.type': string; 'ssl.truststore.location': string };

  beforeAll(async () => {
    certs = makeCertificates();
    b = await startBroker({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.brokerKeystore });
    tls = { 'bootstrap.servers': b.bootstrap, 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.caPem };
  });

  afterAll(async () => {
    await b?.stop();
    certs?.remove();
  });

  const readCommitted = async (topic: string) =>
    (
      await kcat([
        '-b',
        b.bootstrap,
        '-X',
        'security.protocol=ssl',
        '-X',
        `ssl.ca.location=${certs.caPem}`,
        '-X',
        'isolation.level=read_committed',
        '-C',
        '-t',
        topic,
        '-o',
        'beginning',
        '-e',
        '-q',
        '-f',
        '%s\\n',
      ])
    )
      .split('\n')
      .filter((v) => v !== '');

  it('commits and aborts; read_committed sees exactly the committed records; the next transaction starts at once', { timeout: 120_000 }, async () => {
    const admin = new Admin(tls);
    await admin.createTopics([{ name: 'tls-txn', numPartitions: 2, replicationFactor: 1 }]);
    await admin.close();
    const producer = new Producer({ ...tls, 'transactional.id': 'tls-txn-id', 'value.serializer': 'string' });
    try {
      await producer.initTransactions();
      const sendAll = (prefix: string) =>
        Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'tls-txn', partition: i % 2, value: `${prefix}-${i}` })));
      producer.beginTransaction();
      await sendAll('committed');
      await producer.commitTransaction();
      producer.beginTransaction();
      await sendAll('aborted');
      await producer.abortTransaction();
      // Without the markers of the first two, this transaction's partitions could not be added (CONCURRENT_TRANSACTIONS).
      producer.beginTransaction();
      await sendAll('again');
      await producer.commitTransaction();
    } finally {
      await producer.close();
    }
    const expected = [...Array.from({ length: 20 }, (_, i) => `committed-${i}`), ...Array.from({ length: 20 }, (_, i) => `again-${i}`)];
    expect((await readCommitted('tls-txn')).sort()).toEqual(expected.sort());
  });
});
