import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRecordBatch, CompressionType } from '../../src/index.js';
import { AppendOrigin, LogManager } from '../../storage/log/index.js';
import { buildEndTransactionMarkerBatch, ControlRecordType } from '../../storage/record/index.js';

const coordinator = { origin: AppendOrigin.Coordinator };

const root = fileURLToPath(new URL('../..', import.meta.url));
const base = mkdtempSync(join(tmpdir(), 'samsa-dump-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function samsa(...args: string[]) {
  return spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });
}

describe('samsa dump-log', () => {
  it('prints batches and, with --print-data-log, records of a real segment', async () => {
    const logs = await LogManager.open({ logDirs: [base], retentionCheckIntervalMs: 0 });
    const log = await logs.getOrCreateLog('orders', 0);
    await log.append(
      buildRecordBatch([
        { key: 'k1', value: 'first', timestamp: 1000, headers: [{ key: 'trace', value: 'x' }] },
        { key: null, value: 'second', timestamp: 1001 },
      ]),
    );
    await log.append(buildRecordBatch([{ key: 'k3', value: 'third', timestamp: 1002 }], { compression: CompressionType.Lz4 }));
    await logs.close();
    const segment = join(base, 'orders-0', '00000000000000000000.log');

    const batches = samsa('dump-log', segment);
    expect(batches.status).toBe(0);
    expect(batches.stdout).toContain(`Dumping ${segment}\nLog starting offset: 0\n`);
    expect(batches.stdout).toMatch(/baseOffset: 0 lastOffset: 1 count: 2 .* position: 0 CreateTime: 1001 .* compresscodec: none .* isvalid: true/);
    expect(batches.stdout).toMatch(/baseOffset: 2 lastOffset: 2 count: 1 .* compresscodec: lz4 .* isvalid: true/);
    expect(batches.stdout).not.toContain('| offset');

    const records = samsa('dump-log', join(base, 'orders-0'), '--print-data-log');
    expect(records.stdout).toContain('| offset: 0 CreateTime: 1000 keySize: 2 valueSize: 5 sequence: -1 headerKeys: [trace] key: k1 payload: first');
    expect(records.stdout).toContain('| offset: 1 CreateTime: 1001 keySize: -1 valueSize: 6 sequence: -1 headerKeys: [] payload: second');
    expect(records.stdout).toContain('| offset: 2 CreateTime: 1002 keySize: 2 valueSize: 5 sequence: -1 headerKeys: [] key: k3 payload: third');

    // Damage the second batch: it is reported invalid, the first still prints.
    const bytes = readFileSync(segment);
    bytes[bytes.length - 2] ^= 0xff;
    writeFileSync(segment, bytes);
    const damaged = samsa('dump-log', segment, '--print-data-log');
    expect(damaged.stdout).toMatch(/baseOffset: 2 .* isvalid: false/);
    expect(damaged.stdout).toContain('payload: second');
  });

  it('prints the producers of a .snapshot file, as kafka-dump-log does', async () => {
    const dir = join(base, 'snapshots');
    const logs = await LogManager.open({ logDirs: [dir], retentionCheckIntervalMs: 0 });
    const log = await logs.getOrCreateLog('payments', 0);
    const now = Date.now();
    await log.append(
      buildRecordBatch(
        [
          { value: 'a', timestamp: now },
          { value: 'b', timestamp: now },
        ],
        { producerId: 5001, producerEpoch: 2, baseSequence: 0 },
      ),
    );
    await log.append(buildRecordBatch([{ value: 'c', timestamp: now + 1 }], { producerId: 5001, producerEpoch: 2, baseSequence: 2 }));
    await log.append(buildRecordBatch([{ value: 'd', timestamp: now + 2 }]));
    await logs.close(); // a clean shutdown writes the snapshot at the log end, 4
    const snapshot = join(dir, 'payments-0', '00000000000000000004.snapshot');

    const run = samsa('dump-log', snapshot);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Dumping ${snapshot}\n`);
    expect(run.stdout).toContain(
      `producerId: 5001 producerEpoch: 2 coordinatorEpoch: -1 currentTxnFirstOffset: None lastTimestamp: ${now + 1} firstSequence: 2 lastSequence: 2 lastOffset: 2 offsetDelta: 0`,
    );
    expect(samsa('dump-log', join(dir, 'payments-0')).stdout).toContain('producerId: 5001 producerEpoch: 2');

    writeFileSync(snapshot, Buffer.from('garbage'));
    expect(samsa('dump-log', snapshot).stdout).toMatch(/Found corrupt data: .*corrupt producer snapshot/);
  });

  it('prints the aborted transactions of a .txnindex file, as kafka-dump-log does', async () => {
    const dir = join(base, 'txnindex');
    const logs = await LogManager.open({ logDirs: [dir], retentionCheckIntervalMs: 0 });
    const log = await logs.getOrCreateLog('transfers', 0);
    const marker = (type: ControlRecordType, producerId: number) =>
      buildEndTransactionMarkerBatch({ type, coordinatorEpoch: 1 }, { producerId, producerEpoch: 0 });
    await log.append(buildRecordBatch([{ key: 'k', value: 'x' }], { producerId: 8001, producerEpoch: 0, baseSequence: 0, isTransactional: true }), coordinator);
    await log.append(buildRecordBatch([{ key: 'k', value: 'y' }], { producerId: 8002, producerEpoch: 0, baseSequence: 0, isTransactional: true }), coordinator);
    await log.append(marker(ControlRecordType.Abort, 8001), coordinator);
    await log.append(marker(ControlRecordType.Abort, 8002), coordinator);
    await logs.close();
    const index = join(dir, 'transfers-0', '00000000000000000000.txnindex');

    const run = samsa('dump-log', index);
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      `Dumping ${index}`,
      'version: 0 producerId: 8001 firstOffset: 0 lastOffset: 2 lastStableOffset: 1',
      'version: 0 producerId: 8002 firstOffset: 1 lastOffset: 3 lastStableOffset: 4',
    ]);
    expect(samsa('dump-log', join(dir, 'transfers-0')).stdout).toContain(`Dumping ${index}\nversion: 0 producerId: 8001`);

    const bytes = readFileSync(index);
    bytes.writeInt16BE(7, 34); // an entry of a version Kafka does not know yet
    writeFileSync(index, bytes);
    expect(samsa('dump-log', index).stdout).toMatch(/Found corrupt data: .*aborted transaction version 7/);
  });

  it('names a missing path', () => {
    const run = samsa('dump-log', join(base, 'nope.log'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('nope.log does not exist');
  });
});

describe('samsa dump-log: indexes and command lines as kafka-dump-log.sh', () => {
  const dir = join(base, 'indexed');
  let partition: string;
  const file = (suffix: string) => join(partition, `00000000000000000000${suffix}`);

  it('prints .index and .timeindex entries that match their segment, with no problem reported', async () => {
    const logs = await LogManager.open({ logDirs: [dir], retentionCheckIntervalMs: 0 });
    const log = await logs.getOrCreateLog('indexed', 0, { 'index.interval.bytes': 1 });
    for (let i = 0; i < 6; i++)
      await log.append(
        buildRecordBatch([
          { value: `v${i}a`, timestamp: 10_000 + i * 10 },
          { value: `v${i}b`, timestamp: 10_000 + i * 10 + 5 },
        ]),
      );
    await logs.close();
    partition = join(dir, 'indexed-0');

    const segment = samsa('dump-log', '--files', file('.log'));
    const positions = new Map([...segment.stdout.matchAll(/lastOffset: (\d+) .* position: (\d+) /g)].map((m) => [Number(m[1]), Number(m[2])]));
    expect(positions.size).toBe(6);
    const index = samsa('dump-log', '--files', file('.index'));
    expect(index.status).toBe(0);
    expect(index.stderr).toBe('');
    const entries = [...index.stdout.matchAll(/^offset: (\d+) position: (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(entries.length).toBeGreaterThan(0);
    for (const [offset, position] of entries) expect(positions.get(offset!)).toBe(position);

    const time = samsa('dump-log', '--files', file('.timeindex'));
    expect(time.status).toBe(0);
    expect(time.stderr).toBe('');
    const stamps = [...time.stdout.matchAll(/^timestamp: (\d+) offset: (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(stamps.length).toBeGreaterThan(0);
    // Each entry is a batch's largest timestamp and last offset: 10005 at 1, 10015 at 3, …
    for (const [timestamp, offset] of stamps) expect(timestamp).toBe(10_000 + ((offset! - 1) / 2) * 10 + 5);

    const sane = samsa('dump-log', '--files', `${file('.index')},${file('.timeindex')}`, '--index-sanity-check');
    expect(sane.stdout).toContain(`${file('.index')} passed sanity check.\n`);
    expect(sane.stdout).toContain(`${file('.timeindex')} passed sanity check.\n`);
  });

  it('reports an index entry that points elsewhere, and fails the sanity check of a cut index', () => {
    const bytes = readFileSync(file('.index'));
    const moved = Buffer.from(bytes);
    moved.writeInt32BE(0, 4); // the first entry now points at the first batch
    writeFileSync(file('.index'), moved);
    const firstOffset = bytes.readInt32BE(0);
    const run = samsa('dump-log', '--files', file('.index'), '--verify-index-only');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`Dumping ${file('.index')}\n`);
    expect(run.stderr).toBe(`Mismatches in :${file('.index')}\n  Index offset: ${firstOffset}, log offset: 1\n`);

    writeFileSync(file('.index'), bytes.subarray(0, bytes.length - 3));
    const cut = samsa('dump-log', '--files', file('.index'), '--index-sanity-check');
    expect(cut.status).toBe(1);
    expect(cut.stderr).toContain(`Index file ${file('.index')} is corrupt, found ${bytes.length - 3} bytes which is neither positive nor a multiple of 8.`);
    writeFileSync(file('.index'), bytes);
  });

  it('iterates records with --deep-iteration, without their contents', () => {
    const run = samsa('dump-log', file('.log'), '--deep-iteration');
    expect(run.stdout).toContain('| offset: 0 CreateTime: 10000 keySize: -1 valueSize: 3 sequence: -1 headerKeys: []\n');
    expect(run.stdout).not.toContain('payload:');
  });

  it('refuses an unknown option, no file, and a file that is not the log’s, exit 1', () => {
    const unknown = samsa('dump-log', file('.log'), '--frobnicate');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('frobnicate is not a recognized option');
    expect(unknown.stderr).toContain('Option                                  Description');
    const none = samsa('dump-log', '--print-data-log');
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('Missing required argument "[files]"');
    const notes = join(base, 'notes.txt');
    writeFileSync(notes, 'hello\n');
    const other = samsa('dump-log', notes);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain(`Ignoring unknown file ${notes}`);
    const junk = join(base, '00000000000000000000.log');
    writeFileSync(junk, 'this is not a segment, only text long enough to look like a header');
    const notSegment = samsa('dump-log', junk);
    expect(notSegment.status).toBe(1);
    expect(notSegment.stderr).toContain('is not a log segment');
  });
});

describe('samsa dump-log --offsets-decoder and --transaction-log-decoder', () => {
  it('prints __consumer_offsets and __transaction_state records as the JSON Kafka prints', async () => {
    const { startBroker } = await import('../broker/harness.js');
    const { Admin, Producer } = await import('../../src/index.js');
    const b = await startBroker({ 'offsets.topic.num.partitions': 1, 'transaction.state.log.num.partitions': 1 });
    try {
      const admin = new Admin({ 'bootstrap.servers': b.bootstrap });
      await admin.createTopics([{ name: 'decoded', numPartitions: 1 }]);
      await admin.alterConsumerGroupOffsets('decoders', [{ topic: 'decoded', partition: 0, offset: 7, metadata: 'm' }]);
      await admin.close();
      const producer = new Producer({ 'bootstrap.servers': b.bootstrap, 'transactional.id': 'decoded-tx' });
      await producer.initTransactions();
      producer.beginTransaction();
      await producer.send({ topic: 'decoded', value: 'x' });
      await producer.commitTransaction();
      await producer.close();
    } finally {
      await b.stop(true);
    }
    try {
      const offsets = samsa('dump-log', join(b.dir, '__consumer_offsets-0'), '--offsets-decoder');
      expect(offsets.status).toBe(0);
      expect(offsets.stdout).toMatch(
        /\| offset: \d+ CreateTime: \d+ keySize: \d+ valueSize: \d+ sequence: -1 headerKeys: \[\] key: \{"type":"1","data":\{"group":"decoders","topic":"decoded","partition":0\}\} payload: \{"version":"3","data":\{"offset":7,"leaderEpoch":-1,"metadata":"m","commitTimestamp":\d+\}\}\n/,
      );
      const txns = samsa('dump-log', join(b.dir, '__transaction_state-0'), '--transaction-log-decoder');
      expect(txns.status).toBe(0);
      const payloads = [...txns.stdout.matchAll(/key: \{"type":"0","data":\{"transactionalId":"decoded-tx"\}\} payload: (.*)$/gm)].map((m) =>
        JSON.parse(m[1]!),
      );
      // Empty, Ongoing, PrepareCommit (CompleteCommit follows once the markers are written, which commitTransaction does not wait for).
      expect(payloads.map((p) => p.data.transactionStatus).slice(0, 3)).toEqual([0, 1, 2]);
      expect(payloads[1].data.transactionPartitions).toEqual([{ topic: 'decoded', partitionIds: [0] }]);
      expect(payloads[0]).toMatchObject({ version: '0', data: { producerEpoch: 0, transactionTimeoutMs: 60000, transactionPartitions: null } });
      const both = samsa('dump-log', b.dir, '--offsets-decoder', '--transaction-log-decoder');
      expect(both.status).toBe(1);
      expect(both.stderr).toContain("can't be used with option");
    } finally {
      rmSync(b.dir, { recursive: true, force: true });
    }
  });
});
