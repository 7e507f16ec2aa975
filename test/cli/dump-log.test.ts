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
    expect(batches.stdout).toContain('Dumping 00000000000000000000.log');
    expect(batches.stdout).toMatch(/baseOffset: 0 lastOffset: 1 count: 2 .* position: 0 CreateTime: 1001 .* compresscodec: none .* isvalid: true/);
    expect(batches.stdout).toMatch(/baseOffset: 2 lastOffset: 2 count: 1 .* compresscodec: lz4 .* isvalid: true/);
    expect(batches.stdout).not.toContain('| offset');

    const records = samsa('dump-log', join(base, 'orders-0'), '--print-data-log');
    expect(records.stdout).toContain('| offset: 0 CreateTime: 1000 keySize: 2 valueSize: 5 headerKeys: [trace] key: k1 payload: first');
    expect(records.stdout).toContain('| offset: 1 CreateTime: 1001 keySize: -1 valueSize: 6 headerKeys: [] key: null payload: second');
    expect(records.stdout).toContain('| offset: 2 CreateTime: 1002 keySize: 2 valueSize: 5 headerKeys: [] key: k3 payload: third');

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
    expect(run.stdout).toContain('Dumping 00000000000000000004.snapshot');
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
      'Dumping 00000000000000000000.txnindex',
      'version: 0 producerId: 8001 firstOffset: 0 lastOffset: 2 lastStableOffset: 1',
      'version: 0 producerId: 8002 firstOffset: 1 lastOffset: 3 lastStableOffset: 4',
    ]);
    expect(samsa('dump-log', join(dir, 'transfers-0')).stdout).toContain('Dumping 00000000000000000000.txnindex\nversion: 0 producerId: 8001');

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
