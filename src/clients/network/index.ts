export * from './apis.js';
export * from './broker-connection.js';
export * from './cluster.js';
export * from './config.js';
export * from './errors.js';
export * from './in-flight-requests.js';
export * from './metadata.js';
export * from './network-client.js';
