import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedBufferPool } from '../../../storage/backend/buffer-pool.js';
import { buildRecordBatch } from '../../../storage/record/record-batch-builder.js';
import { waitFor } from '../../wait-for.js';
import { startBroker, type TestBroker } from '../harness.js';
import { RawClient } from '../raw-client.js';

// The broker runs in this process, so the pool its file backend and connections use is this test's `sharedBufferPool`.
const KiB = 1024;
const MiB = 1024 * KiB;

/** The capacity the pool lends for `size` bytes. */
function capacity(size: number): number {
  return 2 ** Math.ceil(Math.log2(size));
}

function fetchBody(topic: string, partition: number, options: { minBytes: number; maxBytes: number; maxWaitMs: number }) {
  return {
    replicaId: -1,
    maxWaitMs: options.maxWaitMs,
    minBytes: options.minBytes,
    maxBytes: options.maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: options.maxBytes }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

describe('pooled buffers in the broker', () => {
  let b: TestBroker;
  let client: RawClient;

  beforeAll(async () => {
    b = await startBroker({ 'storage.backend': 'file' });
    client = await RawClient.connect(b.port);
    const created = await client.request('CreateTopics', 4, {
      topics: [{ name: 't', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    expect(created.topics[0].errorCode).toBe(0);
  });
  afterAll(async () => {
    client?.close();
    await b?.stop();
  });

  /** Appends one batch of one `size`-byte record; the request frame is larger than a socket read, so it arrives split. */
  async function produce(partition: number, size: number): Promise<void> {
    const records = buildRecordBatch([{ value: Buffer.alloc(size, partition + 1) }]);
    const res = await client.request('Produce', 7, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 10_000,
      topicData: [{ name: 't', partitionData: [{ index: partition, records }] }],
    });
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
  }

  /** Waits until the pool holds `expected` idle bytes, then checks it holds no more (a buffer given back twice would show). */
  async function expectIdle(expected: number): Promise<void> {
    await waitFor(() => sharedBufferPool.idleBytes >= expected, `${expected} idle bytes in the pool (has ${sharedBufferPool.idleBytes})`);
    expect(sharedBufferPool.idleBytes).toBe(expected);
  }

  it('Produce frames split across reads, and the log reads a fetch answers with, go back to the pool once used', async () => {
    const idle = sharedBufferPool.idleBytes;
    await produce(0, 300 * KiB); // the frame is copied into a pooled 512 KiB buffer, given back after its handler
    await expectIdle(idle + 512 * KiB);

    const res = await client.request('Fetch', 11, fetchBody('t', 0, { minBytes: 1, maxBytes: MiB, maxWaitMs: 0 }));
    const records: Buffer = res.responses[0].partitions[0].records;
    expect(records.length).toBeGreaterThan(300 * KiB);
    expect(records.length).toBeLessThan(512 * KiB);
    // The read took the produce frame's buffer from the pool; the connection gave it back after the write.
    await expectIdle(idle + 512 * KiB);

    for (let i = 0; i < 3; i++) {
      const again = await client.request('Fetch', 11, fetchBody('t', 0, { minBytes: 1, maxBytes: MiB, maxWaitMs: 0 }));
      expect(again.responses[0].partitions[0].records.equals(records)).toBe(true);
    }
    await expectIdle(idle + 512 * KiB);
  });

  it('a fetch that reads again after waiting for min_bytes gives its first read back', async () => {
    await produce(1, 100 * KiB);
    const idle = sharedBufferPool.idleBytes; // holds the 128 KiB buffer that Produce frame came in
    const waiting = client.request('Fetch', 11, fetchBody('t', 1, { minBytes: 200 * KiB, maxBytes: 4 * MiB, maxWaitMs: 20_000 }));
    // Read once (about 100 KiB, into that 128 KiB buffer), short of min_bytes, it waits for appends.
    await waitFor(() => b.broker.context.replicas.fetchPurgatorySize === 1, 'the fetch waiting for appends');
    // Two appends of 60 KiB (frames below the pool's 64 KiB, so plain buffers) give it enough: it reads again.
    const second = await RawClient.connect(b.port);
    try {
      for (let i = 0; i < 2; i++) {
        const records = buildRecordBatch([{ value: Buffer.alloc(60 * KiB, 9) }]);
        const produced = await second.request('Produce', 7, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 10_000,
          topicData: [{ name: 't', partitionData: [{ index: 1, records }] }],
        });
        expect(produced.responses[0].partitionResponses[0].errorCode).toBe(0);
      }
    } finally {
      second.close();
    }
    const res = await waiting;
    const got: Buffer = res.responses[0].partitions[0].records;
    expect(got.length).toBeGreaterThan(220 * KiB);
    expect(capacity(got.length)).toBe(256 * KiB);
    // The first read's buffer went back when the fetch read again, the second read's once the response was written.
    await expectIdle(idle + 256 * KiB);
  });
});
