// Log compaction (cleanup.policy=compact), shaped after Kafka's LogCleaner.
export { cleanableRange, isCleanable, type CleanableRange } from './cleanable-range.js';
export { Cleaner, DEFAULT_DEDUPE_BUFFER_LOAD_FACTOR, DEFAULT_DEDUPE_BUFFER_SIZE, DEFAULT_IO_BUFFER_SIZE, type CleanerOptions, type CleaningResult, type DirtySection } from './cleaner.js';
export { InMemoryCleanerCheckpoints, readCleanerCheckpoint, writeCleanerCheckpoint, type CleanerCheckpoints } from './cleaner-checkpoint.js';
export type { CleanerStats } from './cleaner-stats.js';
export { CleanerWorkerError } from './cleaner-thread.js';
export { hashKey } from './key-hash.js';
export { DEFAULT_CLEANER_BACKOFF_MS, LogCleaner, type LogCleanerOptions, type LogCleaningOutcome } from './log-cleaner.js';
export { OffsetMap } from './offset-map.js';
