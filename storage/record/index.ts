export * from '../native/crc32c.js';
export * from './control-record.js';
export * from './invalid-record-error.js';
export * from './record.js';
export * from './record-batch-builder.js';
export {
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
  TimestampType,
} from './record-batch-layout.js';
export * from './record-batch-scan.js';
export * from './record-batch-view.js';
export * from './record-walk.js';
export * from './sequence.js';
export * from './varint.js';
