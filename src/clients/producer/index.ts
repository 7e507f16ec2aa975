export * from './interceptors.js';
export * from './murmur2.js';
export * from './partitioner.js';
export * from './producer.js';
export * from './producer-config.js';
export * from './producer-record.js';
export * from './serializers.js';
