import { describe, expect, it } from 'vitest';
import { readTransactionLogKey, readTransactionLogValue, transactionLogKey, transactionLogValue } from '../../../src/broker/transaction/transaction-log.js';
import { TransactionState } from '../../../src/broker/transaction/transaction-state.js';
import { ProtocolWriter } from '../../../src/protocol/writer.js';

const transit = (state: TransactionState, partitions: Array<[string, number]>) => ({
  producerId: 4000,
  lastProducerId: -1,
  producerEpoch: 7,
  lastProducerEpoch: -1,
  txnTimeoutMs: 60_000,
  state,
  partitions: new Map(partitions.map(([topic, partition]) => [`${topic}:${partition}`, { topic, partition }])),
  txnStartTimestamp: 1_700_000_000_000,
  txnLastUpdateTimestamp: 1_700_000_000_500,
});

describe("__transaction_state records in Kafka's layouts", () => {
  it('writes TransactionLogKey v0: version, then the transactional id', () => {
    expect(transactionLogKey('tx').toString('hex')).toBe(`00000002${Buffer.from('tx').toString('hex')}`);
    expect(readTransactionLogKey(transactionLogKey('ümlaut-id'))).toBe('ümlaut-id');
    expect(() => readTransactionLogKey(Buffer.from('00010000', 'hex'))).toThrow(/TransactionLogKey version 1/);
  });

  it('writes TransactionLogValue v0 field by field, partitions grouped by topic and sorted', () => {
    const value = transactionLogValue(
      transit(TransactionState.Ongoing, [
        ['b', 1],
        ['a', 2],
        ['a', 0],
      ]),
    );
    const expected = new ProtocolWriter()
      .int16(0)
      .int64(4000)
      .int16(7)
      .int32(60_000)
      .int8(TransactionState.Ongoing)
      .arrayLength(2)
      .string('a')
      .arrayLength(2)
      .int32(0)
      .int32(2)
      .string('b')
      .arrayLength(1)
      .int32(1)
      .int64(1_700_000_000_500)
      .int64(1_700_000_000_000)
      .toBuffer();
    expect(value.equals(expected)).toBe(true);
    const read = readTransactionLogValue('tx', value);
    expect(read).toMatchObject({
      transactionalId: 'tx',
      producerId: 4000,
      producerEpoch: 7,
      lastProducerId: -1,
      lastProducerEpoch: -1,
      txnTimeoutMs: 60_000,
      state: TransactionState.Ongoing,
      txnStartTimestamp: 1_700_000_000_000,
      txnLastUpdateTimestamp: 1_700_000_000_500,
    });
    expect(read.partitionList()).toEqual([
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 2 },
      { topic: 'b', partition: 1 },
    ]);
  });

  it('writes an Empty state with a null partition list, as Kafka does', () => {
    const value = transactionLogValue(transit(TransactionState.Empty, []));
    // version, producer id, epoch, timeout, state, then -1 for the null array.
    expect(value.subarray(2 + 8 + 2 + 4 + 1, 2 + 8 + 2 + 4 + 1 + 4).readInt32BE(0)).toBe(-1);
    expect(readTransactionLogValue('tx', value).partitions.size).toBe(0);
    expect(() => transactionLogValue(transit(TransactionState.Empty, [['a', 0]]))).toThrow(/Empty transaction has no partitions/);
  });

  it('reads TransactionLogValue v1 (flexible, tagged fields skipped)', () => {
    const tag = (body: ProtocolWriter) => [0, body] as const;
    const value = new ProtocolWriter()
      .int16(1)
      .int64(4000)
      .int16(3)
      .int32(30_000)
      .int8(TransactionState.PrepareCommit)
      .compactArrayLength(1)
      .compactString('out')
      .compactArrayLength(2)
      .int32(4)
      .int32(5)
      .taggedFields()
      .int64(20)
      .int64(10)
      .taggedFields([tag(new ProtocolWriter().int64(3999))])
      .toBuffer();
    const read = readTransactionLogValue('tx', value);
    expect(read).toMatchObject({
      producerId: 4000,
      producerEpoch: 3,
      txnTimeoutMs: 30_000,
      state: TransactionState.PrepareCommit,
      txnStartTimestamp: 10,
      txnLastUpdateTimestamp: 20,
    });
    expect(read.partitionList()).toEqual([
      { topic: 'out', partition: 4 },
      { topic: 'out', partition: 5 },
    ]);
  });

  it('refuses values it cannot read', () => {
    expect(() => readTransactionLogValue('tx', Buffer.from('0002', 'hex'))).toThrow(/TransactionLogValue version 2/);
    const badState = Buffer.from(transactionLogValue(transit(TransactionState.Ongoing, [['a', 0]])));
    badState.writeInt8(9, 2 + 8 + 2 + 4);
    expect(() => readTransactionLogValue('tx', badState)).toThrow(/transaction state id 9/);
  });
});
