// CompletedFetch: records read straight from fetched batches, read_committed
// filtering, CRC checks. No broker: batches are built here.
import { describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../../codecs/corrupt-record-error.js';
import { CompletedFetch } from '../../../src/clients/consumer/completed-fetch.js';
import { stringDeserializer } from '../../../src/clients/consumer/deserializers.js';
import type { ConsumerRecord } from '../../../src/clients/consumer/index.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { buildEndTransactionMarkerBatch, ControlRecordType } from '../../../storage/record/control-record.js';
import { buildRecordBatch } from '../../../storage/record/record-batch-builder.js';

describe('read_committed decoding (CompletedFetch)', () => {
  it('skips aborted transactions and control batches, and moves the position past them', () => {
    const batches = [
      buildRecordBatch([{ value: 'plain-0' }], { baseOffset: 0 }),
      buildRecordBatch([{ value: 'aborted-1' }, { value: 'aborted-2' }], {
        baseOffset: 1,
        producerId: 7,
        producerEpoch: 0,
        baseSequence: 0,
        isTransactional: true,
      }),
      buildRecordBatch([{ value: 'committed-3' }], { baseOffset: 3, producerId: 8, producerEpoch: 0, baseSequence: 0, isTransactional: true }),
      buildEndTransactionMarkerBatch({ type: ControlRecordType.Abort, coordinatorEpoch: 0 }, { producerId: 7, producerEpoch: 0, baseOffset: 4 }),
      buildEndTransactionMarkerBatch({ type: ControlRecordType.Commit, coordinatorEpoch: 0 }, { producerId: 8, producerEpoch: 0, baseOffset: 5 }),
      buildRecordBatch([{ value: 'later-6' }], { baseOffset: 6, producerId: 7, producerEpoch: 0, baseSequence: 2, isTransactional: true }),
    ];
    const bytes = Buffer.concat(batches);
    const read = (readCommitted: boolean) => {
      const fetch = new CompletedFetch('t', 0, 0, 0, bytes, { readCommitted, checkCrcs: true, abortedTransactions: [{ producerId: 7, firstOffset: 1 }] });
      const out: ConsumerRecord<string | null, string | null>[] = [];
      while (!fetch.consumed) fetch.take(100, stringDeserializer, stringDeserializer, out);
      return { values: out.map((r) => `${r.offset}:${r.value}`), next: fetch.nextFetchOffset };
    };
    expect(read(true)).toEqual({ values: ['0:plain-0', '3:committed-3', '6:later-6'], next: 7 });
    expect(read(false)).toEqual({ values: ['0:plain-0', '1:aborted-1', '2:aborted-2', '3:committed-3', '6:later-6'], next: 7 });
  });

  it('a fetch that starts at an ABORT marker, whose transaction began before it, still returns the producer’s next (committed) transaction', () => {
    // Offsets 10-11 (aborted data) were read by an earlier fetch; this one starts at the marker, and the broker lists the
    // aborted transaction because its marker is in range. Consumed before the marker is seen, it ends there.
    const bytes = Buffer.concat([
      buildEndTransactionMarkerBatch({ type: ControlRecordType.Abort, coordinatorEpoch: 0 }, { producerId: 9, producerEpoch: 0, baseOffset: 12 }),
      buildRecordBatch([{ value: 'next-13' }, { value: 'next-14' }], {
        baseOffset: 13,
        producerId: 9,
        producerEpoch: 0,
        baseSequence: 2,
        isTransactional: true,
      }),
      buildEndTransactionMarkerBatch({ type: ControlRecordType.Commit, coordinatorEpoch: 0 }, { producerId: 9, producerEpoch: 0, baseOffset: 15 }),
    ]);
    const fetch = new CompletedFetch('t', 0, 12, 0, bytes, { readCommitted: true, checkCrcs: true, abortedTransactions: [{ producerId: 9, firstOffset: 10 }] });
    const out: ConsumerRecord<string | null, string | null>[] = [];
    while (!fetch.consumed) fetch.take(100, stringDeserializer, stringDeserializer, out);
    expect(out.map((r) => `${r.offset}:${r.value}`)).toEqual(['13:next-13', '14:next-14']);
    expect(fetch.nextFetchOffset).toBe(16);
  });

  it('starts inside a batch at the fetch offset and hands records out a few at a time', () => {
    const bytes = buildRecordBatch(
      Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      { baseOffset: 100 },
    );
    const fetch = new CompletedFetch('t', 3, 104, 0, bytes, { readCommitted: false, checkCrcs: true, abortedTransactions: null });
    const out: ConsumerRecord<string | null, string | null>[] = [];
    expect(fetch.take(4, stringDeserializer, stringDeserializer, out)).toBe(4);
    expect(fetch.nextFetchOffset).toBe(108);
    expect(fetch.take(4, stringDeserializer, stringDeserializer, out)).toBe(2);
    expect(fetch.consumed).toBe(true);
    expect(out.map((r) => `${r.partition}/${r.offset}:${r.key}=${r.value}`)).toEqual([
      '3/104:k4=v4',
      '3/105:k5=v5',
      '3/106:k6=v6',
      '3/107:k7=v7',
      '3/108:k8=v8',
      '3/109:k9=v9',
    ]);
    // Keys and values are slices of the fetched bytes, not copies.
    const raw: ConsumerRecord<Buffer | null, Buffer | null>[] = [];
    const bytesDe = { deserialize: (_t: string, d: Buffer | null) => d };
    new CompletedFetch('t', 3, 100, 0, bytes, { readCommitted: false, checkCrcs: true, abortedTransactions: null }).take(1, bytesDe, bytesDe, raw);
    expect(raw[0]!.value!.buffer).toBe(bytes.buffer);
  });
});

describe('record decoding (CompletedFetch)', () => {
  const plain = { readCommitted: false, checkCrcs: true, abortedTransactions: null };
  const bytesDe = { deserialize: (_t: string, d: Buffer | null) => d };
  const takeAll = (fetch: CompletedFetch) => {
    const out: ConsumerRecord<Buffer | null, Buffer | null>[] = [];
    while (!fetch.consumed) fetch.take(1000, bytesDe, bytesDe, out);
    return out;
  };

  it('reads compressed batches with headers, and LogAppendTime timestamps', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      key: i % 3 ? `k${i}` : null,
      value: i % 4 ? Buffer.alloc(i * 3, i) : null,
      timestamp: 1_000_000 + i,
      headers:
        i % 2
          ? [
              { key: 'h', value: `v${i}` },
              { key: 'ünï', value: null },
            ]
          : [],
    }));
    for (const compression of [1, 2, 3, 4]) {
      const bytes = Buffer.concat([
        buildRecordBatch(records.slice(0, 25), { baseOffset: 10, compression, partitionLeaderEpoch: 3 }),
        buildRecordBatch(records.slice(25), { baseOffset: 35, compression, logAppendTime: 2_000_000 }),
      ]);
      const got = takeAll(new CompletedFetch('t', 0, 10, 0, bytes, plain));
      expect(got.map((r) => [r.offset, r.key?.toString() ?? null, r.value, r.timestamp, r.timestampType, r.leaderEpoch])).toEqual(
        records.map((x, i) => [10 + i, x.key, x.value, i < 25 ? x.timestamp : 2_000_000, i < 25 ? 'CreateTime' : 'LogAppendTime', i < 25 ? 3 : undefined]),
      );
      expect(got.map((r) => r.headers.map((h) => [h.key, h.value?.toString() ?? null]))).toEqual(records.map((x) => x.headers.map((h) => [h.key, h.value])));
    }
  });

  it('refuses a batch whose CRC does not match (unless check.crcs is false), after handing out what came before', () => {
    const good = buildRecordBatch([{ value: 'a' }, { value: 'b' }], { baseOffset: 0 });
    const bad = buildRecordBatch([{ value: 'c' }], { baseOffset: 2 });
    bad[bad.length - 2] ^= 0x20; // the value 'c' becomes 'C'
    const bytes = Buffer.concat([good, bad]);
    const fetch = new CompletedFetch('t', 0, 0, 0, bytes, plain);
    const out: ConsumerRecord<Buffer | null, Buffer | null>[] = [];
    expect(fetch.take(10, bytesDe, bytesDe, out)).toBe(2);
    expect(fetch.nextFetchOffset).toBe(2);
    let error: unknown;
    try {
      fetch.take(10, bytesDe, bytesDe, out);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error).toMatchObject({ errorCode: ErrorCode.CORRUPT_MESSAGE, message: expect.stringMatching(/t-0 at offset 2: crc/) });
    expect(fetch.consumed).toBe(true);
    const unchecked = takeAll(new CompletedFetch('t', 0, 0, 0, bytes, { ...plain, checkCrcs: false }));
    expect(unchecked.map((r) => `${r.offset}:${r.value}`)).toEqual(['0:a', '1:b', '2:C']);
  });
});
