import type { LogDirectory } from '../../backend/storage-backend.js';
import { CLEANER_OFFSET_CHECKPOINT, formatOffsetCheckpoint, parseOffsetCheckpoint, type TopicPartitionOffset } from '../../checkpoint/offset-checkpoint.js';

/**
 * Where the cleaner keeps, per log, the offset up to which the log is clean
 * (the start of its dirty section). Keys are partition directory names,
 * `<topic>-<partition>`. The LogManager keeps them in each log dir's
 * cleaner-offset-checkpoint file; an embedder cleaning a lone Log may keep
 * them in memory.
 */
export interface CleanerCheckpoints {
  get(key: string): number | undefined;
  /** Records a log's new clean offset (durably, for the LogManager's store). */
  set(key: string, offset: number): Promise<void>;
}

/** Checkpoints that live as long as the process. */
export class InMemoryCleanerCheckpoints implements CleanerCheckpoints {
  readonly offsets = new Map<string, number>();

  get(key: string): number | undefined {
    return this.offsets.get(key);
  }

  async set(key: string, offset: number): Promise<void> {
    this.offsets.set(key, offset);
  }
}

const PARTITION_KEY = /^(.+)-(\d+)$/;

/** Reads a log dir's cleaner-offset-checkpoint (empty when absent), keyed `<topic>-<partition>`. */
export async function readCleanerCheckpoint(root: LogDirectory): Promise<Map<string, number>> {
  const offsets = new Map<string, number>();
  if (!(await root.exists(CLEANER_OFFSET_CHECKPOINT))) return offsets;
  const text = (await root.readAll(CLEANER_OFFSET_CHECKPOINT)).toString('utf8');
  for (const e of parseOffsetCheckpoint(text, `${root.path}/${CLEANER_OFFSET_CHECKPOINT}`)) offsets.set(`${e.topic}-${e.partition}`, e.offset);
  return offsets;
}

/** Writes a log dir's cleaner-offset-checkpoint atomically, in Kafka's text format, sorted by partition. */
export async function writeCleanerCheckpoint(root: LogDirectory, offsets: Iterable<readonly [string, number]>): Promise<void> {
  const entries: TopicPartitionOffset[] = [];
  for (const [key, offset] of [...offsets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const m = PARTITION_KEY.exec(key);
    if (m) entries.push({ topic: m[1]!, partition: Number(m[2]), offset });
  }
  await root.writeAtomically(CLEANER_OFFSET_CHECKPOINT, Buffer.from(formatOffsetCheckpoint(entries)));
}
