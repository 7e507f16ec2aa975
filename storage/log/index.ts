export * from './log.js';
export * from './log-errors.js';
export * from './log-file-names.js';
export { LogSegment } from './log-segment.js';
export { OffsetIndex } from './offset-index.js';
export { TimeIndex } from './time-index.js';
export * from './log-manager.js';
export { LeaderEpochCache } from './leader-epoch-cache.js';
export * from './cleaner/index.js';
