import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { KCAT, kcat } from '../interop/kcat.js';
import { badBatches, goodBatch } from '../record/bad-batches.js';
import { startBroker, type TestBroker } from './harness.js';
import { RawClient } from './raw-client.js';

/**
 * Batches whose CRC is right but whose records are not, sent as raw Produce
 * requests: the broker refuses each with Kafka's error code and the records
 * at fault in record_errors, appends nothing from it, and the partition stays
 * readable to the end by a real client.
 */
describe('the broker refuses produced batches whose records are bad', () => {
  let b: TestBroker;
  let raw: RawClient;

  beforeAll(async () => {
    b = await startBroker();
    raw = await RawClient.connect(b.port);
    const created = await raw.request('CreateTopics', 5, {
      topics: [
        { name: 'validated', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'validated-compact', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(created.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
  });

  afterAll(async () => {
    raw?.close();
    await b?.stop();
  });

  /** One Produce request; the partition responses, by partition index. */
  async function produce(topic: string, partitions: Array<[number, Buffer]>, version = 9): Promise<any[]> {
    const res = await raw.request('Produce', version, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: partitions.map(([index, records]) => ({ index, records })) }],
    });
    return res.responses[0].partitionResponses;
  }

  it('answers each bad batch with its error code and record_errors, and kcat then reads only the good records to the end', async () => {
    const [before] = await produce('validated', [[0, goodBatch('before', 2)]]);
    expect(before.errorCode).toBe(ErrorCode.NONE);
    for (const bad of badBatches()) {
      // The bad batch for partition 0 and a good one for partition 1, in one request: only partition 0 is refused.
      const [p0, p1] = await produce('validated', [
        [0, bad.bytes],
        [1, goodBatch(bad.name)],
      ]);
      expect({ name: bad.name, errorCode: p0.errorCode, recordErrors: p0.recordErrors.map((r: { batchIndex: number }) => r.batchIndex) }).toEqual({
        name: bad.name,
        errorCode: bad.errorCode,
        recordErrors: bad.recordErrors,
      });
      for (const r of p0.recordErrors) expect(r.batchIndexErrorMessage).toMatch(/^record \d+: /);
      expect(p0.errorMessage).toEqual(expect.any(String));
      expect(p0.baseOffset).toBe(-1);
      expect(p1.errorCode).toBe(ErrorCode.NONE);
    }
    const [after] = await produce('validated', [[0, goodBatch('after')]]);
    expect(after).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2 });
    expect(b.broker.context.replicas.getPartition('validated', 0)!.logEndOffset).toBe(3);

    if (!existsSync(KCAT)) return;
    const out = await kcat(['-b', b.bootstrap, '-C', '-t', 'validated', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o|%s\n']);
    expect(out.trim().split('\n')).toEqual(['0|before-0', '1|before-1', '2|after-0']);
  });

  it('answers with the error code but no record_errors before Produce v8', async () => {
    const [bad] = badBatches().filter((x) => x.recordErrors.length > 0);
    const [p0] = await produce('validated', [[0, bad!.bytes]], 7);
    expect(p0.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(p0.recordErrors ?? []).toEqual([]);
  });

  it('names each keyless record sent to a compacted topic', async () => {
    const keyless = buildRecordBatch([
      { key: 'a', value: '0' },
      { key: null, value: '1' },
      { key: 'c', value: '2' },
      { key: null, value: '3' },
    ]);
    const [p0] = await produce('validated-compact', [[0, keyless]]);
    expect(p0.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(p0.recordErrors).toEqual([
      { batchIndex: 1, batchIndexErrorMessage: 'a compacted topic cannot accept a record without a key' },
      { batchIndex: 3, batchIndexErrorMessage: 'a compacted topic cannot accept a record without a key' },
    ]);
    expect(b.broker.context.replicas.getPartition('validated-compact', 0)!.logEndOffset).toBe(0);
  });
});
