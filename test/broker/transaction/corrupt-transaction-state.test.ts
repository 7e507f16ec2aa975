import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { offsetsPartitionFor } from '../../../src/broker/group/java-hash.js';
import { transactionLogKey } from '../../../src/broker/transaction/transaction-log.js';
import { TRANSACTION_STATE_TOPIC } from '../../../src/broker/transaction/transaction-topic.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { LogManager } from '../../../storage/log/log-manager.js';
import { buildRecordBatch } from '../../../storage/record/record-batch-builder.js';
import { Cleanup } from '../../cleanup.js';
import { waitFor } from '../../wait-for.js';
import { startBroker, type TestBroker } from '../harness.js';
import { withJunkRecords } from '../junk-records.js';
import { RawClient } from '../raw-client.js';
import { TxnRequests } from './txn-harness.js';

const PARTITIONS = 50; // transaction.state.log.num.partitions

/** Transactional ids, from `prefix-0` on, whose __transaction_state partition is `partition` (Kafka spreads them as it does group ids). */
function idsIn(partition: number, prefix: string, count: number): string[] {
  const found: string[] = [];
  for (let i = 0; found.length < count; i++) if (offsetsPartitionFor(`${prefix}-${i}`, PARTITIONS) === partition) found.push(`${prefix}-${i}`);
  return found;
}

describe('__transaction_state against bad records', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  it('skips a batch that cannot be read with a warning at load; the transactional ids before and after it load', async () => {
    const dir = cleanup.add(mkdtempSync(join(tmpdir(), 'samsa-corrupt-txn-state-')), (d) => rmSync(d, { recursive: true, force: true }));
    const warnings: string[] = [];
    const log = (level: string, message: string) => void (level !== 'info' && warnings.push(`${level} ${message}`));
    const [before, after] = idsIn(3, 'tx', 2) as [string, string];
    const start = async () => {
      const b: TestBroker = cleanup.add(await startBroker({}, dir, log), (t) => t.stop(true));
      const raw = cleanup.add(await RawClient.connect(b.port), (c) => c.close());
      return { b, txn: new TxnRequests(raw) };
    };
    const loaded = async (txn: TxnRequests, id: string) => {
      await waitFor(async () => (await txn.describe(id)).errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, `${id} to load`);
      return txn.describe(id);
    };

    let { b, txn } = await start();
    const first = await txn.init(before);
    expect(first.errorCode).toBe(ErrorCode.NONE);
    await b.broker.stop();

    // With the broker stopped, through the log engine: a batch whose records do not decode, in the ids' partition.
    const manager = await LogManager.open({ logDirs: [dir], cleanerEnable: false, retentionCheckIntervalMs: 0 });
    try {
      const state = manager.getLog(TRANSACTION_STATE_TOPIC, 3)!;
      const end = state.logEndOffset;
      await state.append(withJunkRecords(buildRecordBatch([{ key: transactionLogKey(before), value: Buffer.alloc(40) }]), 0x7f));
      expect(state.logEndOffset).toBe(end + 1);
    } finally {
      await manager.close();
    }

    ({ b, txn } = await start());
    expect(await loaded(txn, before)).toMatchObject({
      errorCode: ErrorCode.NONE,
      transactionState: 'Empty',
      producerId: first.producerId,
      producerEpoch: first.producerEpoch,
    });
    const second = await txn.init(after);
    expect(second.errorCode).toBe(ErrorCode.NONE);
    await b.broker.stop();

    // Loaded again, the batch is passed over once more and what was written after it is there.
    ({ b, txn } = await start());
    expect(await loaded(txn, before)).toMatchObject({ errorCode: ErrorCode.NONE, producerId: first.producerId, producerEpoch: first.producerEpoch });
    expect(await loaded(txn, after)).toMatchObject({
      errorCode: ErrorCode.NONE,
      transactionState: 'Empty',
      producerId: second.producerId,
      producerEpoch: second.producerEpoch,
    });
    expect(second.producerId).not.toBe(first.producerId);
    const skipped = warnings.filter((w) => w.startsWith(`warn ${TRANSACTION_STATE_TOPIC}-3: the batch at offset`));
    expect(skipped).toHaveLength(2);
    expect(warnings.filter((w) => w.startsWith('error'))).toEqual([]);
  });
});
