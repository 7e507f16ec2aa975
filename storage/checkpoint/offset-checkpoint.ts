import { formatCheckpoint, parseCheckpoint, parseDecimal } from './checkpoint-format.js';

/** The per-log-dir checkpoints keyed by partition: recovery point, log start offset, cleaner offset, high watermark. */
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
/** Each partition's high watermark, so a restarted replica never exposes more than was committed. */
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';

const VERSION = 0;

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export function formatOffsetCheckpoint(entries: readonly TopicPartitionOffset[]): string {
  return formatCheckpoint(
    VERSION,
    entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`),
  );
}

export function parseOffsetCheckpoint(text: string, path: string): TopicPartitionOffset[] {
  return parseCheckpoint(text, path, VERSION, (fields) => {
    if (fields.length !== 3) return `expected 'topic partition offset', got '${fields.join(' ')}'`;
    const [topic, partitionText, offsetText] = fields as [string, string, string];
    const partition = parseDecimal(partitionText);
    const offset = parseDecimal(offsetText);
    if (partition === undefined || partition < 0) return `bad partition '${partitionText}'`;
    if (offset === undefined) return `bad offset '${offsetText}'`;
    return { topic, partition, offset };
  });
}
