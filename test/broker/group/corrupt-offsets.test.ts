import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CompressionType } from '../../../codecs/codec.js';
import { offsetsPartitionFor } from '../../../src/broker/group/java-hash.js';
import { offsetCommitKey, offsetCommitValue } from '../../../src/broker/group/offsets-records.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { LogManager } from '../../../storage/log/log-manager.js';
import { buildRecordBatch } from '../../../storage/record/record-batch-builder.js';
import { RECORDS } from '../../../storage/record/record-batch-layout.js';
import { Cleanup } from '../../cleanup.js';
import { waitFor } from '../../wait-for.js';
import { startBroker, type TestBroker } from '../harness.js';
import { withJunkRecords } from '../junk-records.js';
import { RawClient } from '../raw-client.js';
import { commitBody, commitCodes, createTopic, fetchOffsets } from './group-harness.js';

// __consumer_offsets is the coordinator's alone: clients cannot write it, and a record there that cannot be read costs only itself at load.

const PARTITIONS = 50; // offsets.topic.num.partitions

/** Group ids, from `prefix-0` on, whose __consumer_offsets partition is `partition`. */
function groupsIn(partition: number, prefix: string, count: number): string[] {
  const found: string[] = [];
  for (let i = 0; found.length < count; i++) if (offsetsPartitionFor(`${prefix}-${i}`, PARTITIONS) === partition) found.push(`${prefix}-${i}`);
  return found;
}

const commitRecord = (group: string, topic: string, partition: number, offset: number) => ({
  key: offsetCommitKey(group, topic, partition),
  value: offsetCommitValue({ offset, leaderEpoch: -1, metadata: 'm', commitTimestamp: Date.now(), expireTimestamp: -1 }),
});

async function committed(c: RawClient, group: string, topic: string, partition: number): Promise<number> {
  const res = await fetchOffsets(c, group, [{ name: topic, partitionIndexes: [partition] }]);
  expect(res.topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
  return res.topics[0].partitions[0].committedOffset;
}

describe('__consumer_offsets against bad records', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  it('refuses client produce to the internal topics with INVALID_TOPIC_EXCEPTION; a forged commit changes nothing', async () => {
    const b = cleanup.add(await startBroker(), (t) => t.stop());
    await createTopic(b, 'orders', 1);
    const c = cleanup.add(await RawClient.connect(b.port), (x) => x.close());
    expect(await commitCodes(c, commitBody('payments', 'orders', { 0: 10 }))).toEqual([ErrorCode.NONE]);
    const index = offsetsPartitionFor('payments', PARTITIONS);
    const offsetsLog = b.broker.context.replicas.getPartition('__consumer_offsets', index)!.log;
    const endBefore = offsetsLog.logEndOffset;

    const produce = (topic: string, records: Buffer) =>
      c.request('Produce', 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index, records }] }] });
    // A well-formed commit record, as the coordinator writes it, and plain garbage.
    for (const records of [buildRecordBatch([commitRecord('payments', 'orders', 0, 999)]), buildRecordBatch([{ key: 'junk', value: 'junk' }])]) {
      for (const topic of ['__consumer_offsets', '__transaction_state']) {
        const answer = (await produce(topic, records)).responses[0].partitionResponses[0];
        expect(answer).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, baseOffset: -1 });
        expect(answer.errorMessage).toBe(`Cannot append to internal topic ${topic}`);
      }
    }
    expect(offsetsLog.logEndOffset).toBe(endBefore);
    expect(await committed(c, 'payments', 'orders', 0)).toBe(10);
  });

  it('skips a corrupt batch or record with a warning at load; the other groups of the partition, before and after it, keep their offsets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-corrupt-offsets-'));
    const warnings: string[] = [];
    const log = (level: string, message: string) => void (level !== 'info' && warnings.push(`${level} ${message}`));
    let b: TestBroker = cleanup.add(await startBroker({}, dir, log), (t) => t.stop());
    await createTopic(b, 'orders', 2);
    let c = await RawClient.connect(b.port);
    const [before, after, flipped] = groupsIn(7, 'g', 3) as [string, string, string];
    const [elsewhere] = groupsIn(8, 'g', 1) as [string];
    expect(await commitCodes(c, commitBody(before, 'orders', { 0: 10 }))).toEqual([ErrorCode.NONE]);
    expect(await commitCodes(c, commitBody(elsewhere, 'orders', { 1: 7 }))).toEqual([ErrorCode.NONE]);
    c.close();
    await b.broker.stop();

    // With the broker stopped, through the log engine: bad batches and records in partition 7, then good ones after them.
    const manager = await LogManager.open({ logDirs: [dir], cleanerEnable: false, retentionCheckIntervalMs: 0 });
    try {
      const offsets = manager.getLog('__consumer_offsets', 7)!;
      const badFrom = offsets.logEndOffset;
      await offsets.append(withJunkRecords(buildRecordBatch([commitRecord(before, 'orders', 0, 666)]), 0x7f)); // records that do not decode
      await offsets.append(withJunkRecords(buildRecordBatch([commitRecord(before, 'orders', 0, 667)], { compression: CompressionType.Gzip }), 0x42)); // not gzip
      await offsets.append(buildRecordBatch([{ key: Buffer.from([0, 1, 0xff]), value: 'v' }])); // a key cut short
      await offsets.append(buildRecordBatch([{ key: offsetCommitKey(before, 'orders', 0), value: Buffer.from([0, 3, 1]) }])); // a value cut short
      // A good batch whose stored bytes then change under its CRC (damage on disk).
      const segment = offsets.allSegments[offsets.allSegments.length - 1]!;
      const position = segment.size;
      await offsets.append(buildRecordBatch([commitRecord(flipped, 'orders', 0, 5)]));
      await segment.log.write(position + RECORDS + 10, Buffer.from([0xee]));
      await offsets.append(buildRecordBatch([commitRecord(after, 'orders', 0, 20), commitRecord(after, 'orders', 1, 21)]));
      expect(offsets.logEndOffset).toBe(badFrom + 7);
    } finally {
      await manager.close();
    }

    b = cleanup.add(await startBroker({}, dir, log), (t) => t.stop());
    c = cleanup.add(await RawClient.connect(b.port), (x) => x.close());
    await waitFor(() => !b.broker.context.groups!.isLoading, '__consumer_offsets loaded');
    expect(await committed(c, before, 'orders', 0)).toBe(10);
    expect(await committed(c, after, 'orders', 0)).toBe(20);
    expect(await committed(c, after, 'orders', 1)).toBe(21);
    expect(await committed(c, elsewhere, 'orders', 1)).toBe(7);
    expect(await committed(c, flipped, 'orders', 0)).toBe(-1);
    const skipped = warnings.filter((w) => w.startsWith('warn __consumer_offsets-7'));
    expect(skipped).toHaveLength(5);
    expect(skipped.filter((w) => /batch at offset \d+ cannot be read/.test(w))).toHaveLength(3);
    expect(warnings.filter((w) => w.startsWith('error'))).toEqual([]);
  });
});
