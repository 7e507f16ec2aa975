export * from './codec.js';
export * from './corrupt-record-error.js';
export { DEFAULT_MAX_DECOMPRESSED_BYTES } from './limits.js';
export { codecFor, COMPRESSION_NAMES } from './registry.js';
