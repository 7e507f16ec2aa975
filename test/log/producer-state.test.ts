import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend } from '../../storage/backend/index.js';
import type { LogDirectory } from '../../storage/backend/storage-backend.js';
import { LogConfig } from '../../storage/config/log-config.js';
import { InvalidProducerEpochError, Log, OutOfOrderSequenceError } from '../../storage/log/index.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';

const idempotent = (producerId: number, epoch: number, sequence: number, count = 2) =>
  buildRecordBatch(
    Array.from({ length: count }, (_, i) => ({ value: `p${producerId}-s${sequence + i}` })),
    { producerId, producerEpoch: epoch, baseSequence: sequence },
  );

describe('idempotent producers', () => {
  let root: string;
  let dir: LogDirectory;
  let log: Log;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'samsa-producer-state-'));
    dir = await createBackend('file').openDirectory(root);
    log = await Log.open(dir, LogConfig.from(), { warn: () => undefined });
  });

  afterEach(async () => {
    await log.close();
    await dir.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes a retried batch once and answers the retry with the first offsets', async () => {
    expect(await log.append(idempotent(7, 0, 0))).toMatchObject({ baseOffset: 0, lastOffset: 1 });
    expect(await log.append(idempotent(7, 0, 2))).toMatchObject({ baseOffset: 2, lastOffset: 3 });
    // The first batch again (its acknowledgement was lost): same offsets, nothing appended.
    expect(await log.append(idempotent(7, 0, 0))).toMatchObject({ baseOffset: 0, lastOffset: 1 });
    expect(log.logEndOffset).toBe(4);
  });

  it('refuses a gap in sequences and an older epoch, and starts over at sequence 0 in a new epoch', async () => {
    await log.append(idempotent(9, 0, 0));
    await expect(log.append(idempotent(9, 0, 5))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
    await log.append(idempotent(9, 1, 0));
    await expect(log.append(idempotent(9, 0, 2))).rejects.toBeInstanceOf(InvalidProducerEpochError);
    await expect(log.append(idempotent(9, 2, 3))).rejects.toMatchObject({ errorCode: 45 });
    expect(log.logEndOffset).toBe(4);
  });

  it('keeps producers apart and ignores non-idempotent batches', async () => {
    await log.append(idempotent(1, 0, 0));
    await log.append(idempotent(2, 0, 0));
    await log.append(buildRecordBatch([{ value: 'plain' }]));
    await log.append(buildRecordBatch([{ value: 'plain' }]));
    expect(log.logEndOffset).toBe(6);
    expect(log.producerState.producerCount).toBe(2);
  });
});
