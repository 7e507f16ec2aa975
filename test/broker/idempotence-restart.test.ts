import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { type BrokerProcess, startBrokerProcess } from './broker-process.js';
import { startBroker, type TestBroker } from './harness.js';
import { RawClient } from './raw-client.js';

const produce = (records: Buffer, topic = 'payments') => ({
  transactionalId: null,
  acks: -1,
  timeoutMs: 5000,
  topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
});

const batch = (producerId: number, sequence: number, count = 2) =>
  buildRecordBatch(
    Array.from({ length: count }, (_, i) => ({ value: `payment-${sequence + i}` })),
    { producerId, producerEpoch: 0, baseSequence: sequence },
  );

describe('idempotent producers across a broker restart', () => {
  let b: TestBroker | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await b?.stop();
  });

  async function send(records: Buffer): Promise<{ errorCode: number; baseOffset: number }> {
    const client = clients[clients.length - 1]!;
    const res = await client.request('Produce', 9, produce(records));
    return res.responses[0].partitionResponses[0];
  }

  it('a retry after a clean restart is answered with its first offsets and not written again; a gap is refused', async () => {
    b = await startBroker();
    clients.push(await RawClient.connect(b.port));
    await clients[0]!.request('Metadata', 9, { topics: [{ name: 'payments' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    const { producerId } = await clients[0]!.request('InitProducerId', 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1,
      producerEpoch: -1,
    });
    expect(await send(batch(producerId, 0))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await send(batch(producerId, 2))).toMatchObject({ errorCode: 0, baseOffset: 2 });

    b = await b.restart(); // the partition's producer state comes back from its .snapshot file
    clients.push(await RawClient.connect(b.port));
    expect(await send(batch(producerId, 2))).toMatchObject({ errorCode: 0, baseOffset: 2 });
    expect(b.broker.context.replicas.getPartition('payments', 0)!.log.logEndOffset).toBe(4);
    expect(await send(batch(producerId, 9))).toMatchObject({ errorCode: 45 }); // OUT_OF_ORDER_SEQUENCE_NUMBER
    expect(await send(batch(producerId, 4))).toMatchObject({ errorCode: 0, baseOffset: 4 });
  });

  it('a sequence that wraps past 2^31-1 is taken, rolled, snapshotted and continued at 1 across a SIGTERM (exit 0) and a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-wrap-'));
    let broker: BrokerProcess | undefined;
    try {
      broker = await startBrokerProcess(dir);
      let client = await RawClient.connect(broker.port);
      clients.push(client);
      const send = async (records: Buffer) => (await client.request('Produce', 9, produce(records, 'wrapping'))).responses[0].partitionResponses[0];
      // segment.bytes=150: every batch after the first rolls the segment, and a roll writes a producer snapshot.
      const created = await client.request('CreateTopics', 7, {
        topics: [{ name: 'wrapping', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'segment.bytes', value: '150' }] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
      const { producerId } = await client.request('InitProducerId', 4, {
        transactionalId: null,
        transactionTimeoutMs: 60000,
        producerId: -1,
        producerEpoch: -1,
      });
      expect(await send(batch(producerId, 0x7fffffff))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0 }); // sequences 2147483647, 0
      expect(await send(batch(producerId, 0x7fffffff))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0 }); // its retry
      expect(await send(buildRecordBatch([{ value: 'plain' }]))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2 }); // rolls
      expect(await send(batch(producerId, 1))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 3 }); // rolls
      expect(await send(batch(producerId, 5))).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
      expect(await broker.stop()).toBe(0);
      expect(broker.output()).toMatch(/shut down cleanly/);

      broker = await startBrokerProcess(dir);
      client = await RawClient.connect(broker.port);
      clients.push(client);
      expect(await send(batch(producerId, 1))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 3 }); // a retry after the restart
      expect(await send(batch(producerId, 3))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 5 });
      expect(await broker.stop()).toBe(0);
      expect(broker.output()).not.toMatch(/samsa error/);
    } finally {
      broker?.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
