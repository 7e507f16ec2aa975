import { afterEach, describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { startBroker, type TestBroker } from './harness.js';
import { RawClient } from './raw-client.js';

const produce = (records: Buffer) => ({
  transactionalId: null,
  acks: -1,
  timeoutMs: 5000,
  topicData: [{ name: 'payments', partitionData: [{ index: 0, records }] }],
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
    const { producerId } = await clients[0]!.request('InitProducerId', 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });
    expect(await send(batch(producerId, 0))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await send(batch(producerId, 2))).toMatchObject({ errorCode: 0, baseOffset: 2 });

    b = await b.restart(); // the partition's producer state comes back from its .snapshot file
    clients.push(await RawClient.connect(b.port));
    expect(await send(batch(producerId, 2))).toMatchObject({ errorCode: 0, baseOffset: 2 });
    expect(b.broker.context.replicas.getPartition('payments', 0)!.log.logEndOffset).toBe(4);
    expect(await send(batch(producerId, 9))).toMatchObject({ errorCode: 45 }); // OUT_OF_ORDER_SEQUENCE_NUMBER
    expect(await send(batch(producerId, 4))).toMatchObject({ errorCode: 0, baseOffset: 4 });
  });
});
