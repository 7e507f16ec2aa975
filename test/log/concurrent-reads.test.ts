import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, createBackend } from '../../storage/backend/index.js';
import { LogConfig } from '../../storage/config/log-config.js';
import { Log } from '../../storage/log/index.js';
import { buildRecordBatch, validateBatches } from '../../storage/record/index.js';

describe.each(BACKEND_NAMES)('concurrent reads on the %s backend', (backend) => {
  // Fetches, the cleaner and the group coordinator read one segment at the same time; their
  // reads interleave at every await and must not share scratch state (a shared header buffer
  // once made a fetch see another read's batch and answer CORRUPT_MESSAGE).
  it('answers many interleaved reads of one segment each with its own offsets', async () => {
    const root = mkdtempSync(join(tmpdir(), 'samsa-concurrent-reads-'));
    const dir = await createBackend(backend).openDirectory(root);
    const log = await Log.open(dir, LogConfig.from({ 'index.interval.bytes': 64 }), { warn: () => undefined });
    try {
      // Batches of different sizes, so a header read for one position is wrong for any other.
      for (let i = 0; i < 200; i++)
        await log.append(buildRecordBatch(Array.from({ length: 1 + (i % 7) }, (_, r) => ({ value: `b${i}-r${r}-${'x'.repeat(i % 50)}` }))));
      const offsets = Array.from({ length: 300 }, (_, i) => (i * 37) % log.logEndOffset);
      const reads = await Promise.all(offsets.map((offset) => log.read(offset, 1 + (offset % 3) * 500)));
      reads.forEach((read, i) => {
        const batches = validateBatches(Buffer.from(read.bytes));
        expect(batches.length).toBeGreaterThan(0);
        expect(batches[0]!.baseOffset).toBe(read.firstOffset);
        expect(batches[0]!.baseOffset).toBeLessThanOrEqual(offsets[i]!);
        expect(batches[0]!.lastOffset).toBeGreaterThanOrEqual(offsets[i]!);
      });
    } finally {
      await log.close();
      await dir.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
