import { closeSync, fstatSync, mkdtempSync, openSync, readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { indexFileName } from '../../storage/log/log-file-names.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import { Cleanup } from '../cleanup.js';
import { startBroker, type TestBroker } from './harness.js';
import { fetchBody, RawClient } from './raw-client.js';

// A broker stopped cleanly whose index then points a few bytes off: it starts, serves every
// record as produced, and appends after them (before, its log end became garbage).

const produce = (records: Buffer) => ({
  transactionalId: null,
  acks: -1,
  timeoutMs: 5000,
  topicData: [{ name: 'ledger', partitionData: [{ index: 0, records }] }],
});
const listLatest = {
  replicaId: -1,
  isolationLevel: 0,
  topics: [{ name: 'ledger', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
};

/** Moves the last entry of a segment's offset index 9 bytes into the batch it points at (file backend: plain files). */
function shiftLastIndexEntry(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    const at = fstatSync(fd).size - 8;
    const entry = Buffer.alloc(8);
    readSync(fd, entry, 0, 8, at);
    entry.writeInt32BE(entry.readInt32BE(4) + 9, 4);
    writeSync(fd, entry, 0, 8, at);
  } finally {
    closeSync(fd);
  }
}

describe('a broker restarted on a damaged index after a clean shutdown', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  it('starts, serves every record byte-exact and appends after them; and starts again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-index-damage-'));
    const settings = { 'log.index.interval.bytes': 100 };
    const first = await startBroker(settings, dir);
    let client = await RawClient.connect(first.port);
    const sent: Buffer[] = [];
    try {
      const created = await client.request('CreateTopics', 7, {
        topics: [{ name: 'ledger', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
      for (let i = 0; i < 30; i++) {
        const batch = buildRecordBatch([{ key: `k${i}`, value: `entry ${i} ${'.'.repeat(i)}` }]);
        const answer = (await client.request('Produce', 9, produce(batch))).responses[0].partitionResponses[0];
        expect(answer).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: i });
        sent.push(batch.subarray(16)); // from magic on: the broker writes the offset and leader epoch before it
      }
    } finally {
      client.close();
      await first.stop(true);
    }
    shiftLastIndexEntry(join(dir, 'ledger-0', indexFileName(0)));

    let b: TestBroker = cleanup.add(await startBroker(settings, dir), (t) => t.stop());
    client = cleanup.add(await RawClient.connect(b.port), (c) => c.close());
    const latest = await client.request('ListOffsets', 7, listLatest);
    expect(latest.topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, offset: 30 });
    const fetched = await client.request('Fetch', 11, fetchBody('ledger', 0));
    const batches = validateBatches(Buffer.from(fetched.responses[0].partitions[0].records));
    expect(batches.map((v) => v.baseOffset)).toEqual(sent.map((_, i) => i));
    expect(batches.map((v) => Buffer.from(v.bytes.subarray(16)))).toEqual(sent);
    const next = (await client.request('Produce', 9, produce(buildRecordBatch([{ value: 'after' }])))).responses[0].partitionResponses[0];
    expect(next).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 30 });

    b = cleanup.add(await b.restart(), (t) => t.stop());
    client = cleanup.add(await RawClient.connect(b.port), (c) => c.close());
    expect((await client.request('ListOffsets', 7, listLatest)).topics[0].partitions[0].offset).toBe(31);
  });
});
