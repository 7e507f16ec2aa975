import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptRecordError, codecFor } from '../../codecs/index.js';
import { createBackend, type LogDirectory } from '../../storage/backend/index.js';
import { LogConfig } from '../../storage/config/log-config.js';
import { AppendOrigin, InvalidTxnStateError, Log } from '../../storage/log/index.js';
import {
  buildEndTransactionMarkerBatch,
  buildRecordBatch,
  ControlRecordType,
  decodeRecords,
  InvalidRecordError,
  scanBatches,
} from '../../storage/record/index.js';
import { badBatches, goodBatch, threeRecords, wrapRecords } from '../record/bad-batches.js';

const ERROR_CLASSES: Record<number, new (...args: never[]) => Error> = { 2: CorruptRecordError, 48: InvalidTxnStateError, 87: InvalidRecordError };

async function valuesIn(log: Log): Promise<string[]> {
  const { bytes } = await log.read(0, 1 << 20);
  return scanBatches(bytes).batches.flatMap((b) => [...decodeRecords(b)].map((r) => `${r.offset}:${r.value}`));
}

describe('Log.append validates what producers send (AppendOrigin.Client)', () => {
  let path: string;
  let dir: LogDirectory;
  let log: Log;
  const open = (props: Record<string, unknown> = {}) => Log.open(dir, LogConfig.from({ 'storage.backend': 'file', ...props }), { warn: () => {} });

  beforeEach(async () => {
    path = mkdtempSync(join(tmpdir(), 'samsa-append-validation-'));
    dir = await createBackend('file').openDirectory(path);
  });
  afterEach(async () => {
    await log?.close();
    await dir.close();
    rmSync(path, { recursive: true, force: true });
  });

  it.each(badBatches().map((b) => [b.name, b] as const))(
    'refuses %s, appends nothing, and takes the next good batch at the right offset',
    async (_name, bad) => {
      log = await open();
      await log.append(goodBatch('before', 2), { origin: AppendOrigin.Client });
      const size = log.sizeInBytes;
      const error = await log.append(Buffer.from(bad.bytes), { origin: AppendOrigin.Client }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ERROR_CLASSES[bad.errorCode]);
      expect((error as { errorCode: number }).errorCode).toBe(bad.errorCode);
      expect(error instanceof InvalidRecordError ? error.recordErrors.map((r) => r.batchIndex) : []).toEqual(bad.recordErrors);
      expect(log.logEndOffset).toBe(2);
      expect(log.sizeInBytes).toBe(size);
      expect(await log.append(goodBatch('after'), { origin: AppendOrigin.Client })).toMatchObject({ baseOffset: 2, lastOffset: 2 });
      expect(await valuesIn(log)).toEqual(['0:before-0', '1:before-1', '2:after-0']);
    },
  );

  it('names every keyless record on a compacted topic in recordErrors', async () => {
    log = await open({ 'cleanup.policy': 'compact' });
    const keyless = buildRecordBatch([
      { key: 'a', value: '0' },
      { key: null, value: '1' },
      { key: 'c', value: '2' },
      { key: null, value: '3' },
    ]);
    const error = await log.append(keyless, { origin: AppendOrigin.Client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect((error as InvalidRecordError).errorCode).toBe(87);
    expect((error as InvalidRecordError).recordErrors.map((r) => r.batchIndex)).toEqual([1, 3]);
    expect(log.logEndOffset).toBe(0);
    expect(await log.append(buildRecordBatch([{ key: 'a', value: 'kept' }]), { origin: AppendOrigin.Client })).toMatchObject({ baseOffset: 0 });
  });

  it('walks every codec: good compressed batches are appended, bad ones refused', async () => {
    log = await open();
    for (const compression of [1, 2, 3, 4]) {
      const good = goodBatch(`codec${compression}`, 20, compression);
      expect(good[22]! & 7).toBe(compression);
      await log.append(good, { origin: AppendOrigin.Client });
      const short = wrapRecords(codecFor(compression).compress(threeRecords()), { count: 4, compression });
      await expect(log.append(short, { origin: AppendOrigin.Client })).rejects.toBeInstanceOf(InvalidRecordError);
    }
    expect(log.logEndOffset).toBe(80);
  });

  it('lets coordinators write control batches, but still walks their records', async () => {
    log = await open();
    const marker = buildEndTransactionMarkerBatch({ type: ControlRecordType.Commit, coordinatorEpoch: 0 }, { producerId: 7, producerEpoch: 0 });
    expect(await log.append(marker, { origin: AppendOrigin.Coordinator })).toMatchObject({ baseOffset: 0 });
    await expect(log.append(wrapRecords(threeRecords(), { count: 2 }), { origin: AppendOrigin.Coordinator })).rejects.toBeInstanceOf(InvalidRecordError);
    expect(log.logEndOffset).toBe(1);
  });

  it('trusts the batches of appends without an origin and of followers: no walk', async () => {
    log = await open();
    // A compacted batch keeps its lastOffsetDelta and has gaps in its offsets: valid from a leader's log, refused from a producer.
    const compacted = buildRecordBatch(
      [
        { key: 'a', value: '0', offsetDelta: 0 },
        { key: 'b', value: '4', offsetDelta: 4 },
      ],
      { lastOffsetDelta: 5 },
    );
    await expect(log.append(Buffer.from(compacted), { origin: AppendOrigin.Client })).rejects.toBeInstanceOf(InvalidRecordError);
    expect(await log.append(Buffer.from(compacted))).toMatchObject({ baseOffset: 0, lastOffset: 5 });
    expect(await log.appendAsFollower(buildRecordBatch([], { baseOffset: 6 }))).toMatchObject({ baseOffset: 6, lastOffset: 6 });
    expect(log.logEndOffset).toBe(7);
  });
});
