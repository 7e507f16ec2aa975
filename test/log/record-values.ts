import { type Log, LogManager } from '../../storage/log/index.js';
import { decodeRecords, scanBatches } from '../../storage/record/index.js';

/** Every record the log holds, offset → value (with `trim`'s padding cut); stops at a place nothing can be read from, so what is missing shows in the map. */
export async function recordValues(log: Log, trim = (value: string) => value): Promise<Map<number, string>> {
  const values = new Map<number, string>();
  for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
    const read = await log.read(offset, 1 << 20);
    const before = offset;
    for (const batch of scanBatches(read.bytes).batches) {
      for (const record of decodeRecords(batch)) values.set(record.offset, trim(record.value!.toString()));
      offset = batch.nextOffset;
    }
    read.release();
    if (offset === before) break;
  }
  return values;
}

/**
 * What a crashed process left in `dir`, as the next start sees it: a
 * LogManager recovers the partition's log (warnings of a torn tail cut are
 * expected), its records are read, and it is closed again.
 */
export async function recoveredRecordValues(dir: string, backend: string, topic: string): Promise<{ values: Map<number, string>; segmentCount: number }> {
  const manager = await LogManager.open({
    logDirs: [dir],
    defaults: { 'storage.backend': backend },
    retentionCheckIntervalMs: 0,
    cleanerEnable: false,
    warn: () => undefined,
  });
  try {
    const log = manager.getLog(topic, 0)!;
    return { values: await recordValues(log), segmentCount: log.segmentCount };
  } finally {
    await manager.close();
  }
}
