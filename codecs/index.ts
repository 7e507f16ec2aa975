export * from './codec.js';
export * from './corrupt-record-error.js';
export { DEFAULT_MAX_DECOMPRESSED_BYTES } from './limits.js';
export { COMPRESSION_NAMES, codecFor } from './registry.js';
export * from './unsupported-compression-error.js';
