export * from './admin.js';
export * from './admin-config.js';
export * from './types.js';
