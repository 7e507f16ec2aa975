// Log compaction (cleanup.policy=compact), shaped after Kafka's LogCleaner.
export { type CleanableRange, cleanableRange, isCleanable } from './cleanable-range.js';
export {
  Cleaner,
  type CleanerOptions,
  type CleaningResult,
  DEFAULT_DEDUPE_BUFFER_LOAD_FACTOR,
  DEFAULT_DEDUPE_BUFFER_SIZE,
  DEFAULT_IO_BUFFER_SIZE,
  type DirtySection,
} from './cleaner.js';
export { type CleanerCheckpoints, InMemoryCleanerCheckpoints, readCleanerCheckpoint, writeCleanerCheckpoint } from './cleaner-checkpoint.js';
export type { CleanerStats } from './cleaner-stats.js';
export { CleanerWorkerError } from './cleaner-thread.js';
export { IoThrottler } from './io-throttler.js';
export { hashKey } from './key-hash.js';
export { type CleanerSettings, DEFAULT_CLEANER_BACKOFF_MS, LogCleaner, type LogCleanerOptions, type LogCleaningOutcome } from './log-cleaner.js';
export { OffsetMap } from './offset-map.js';
