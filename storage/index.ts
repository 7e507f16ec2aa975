// `import … from 'samsa/storage'`: the log engine on its own, for programs that embed it.
export { CorruptRecordError, UnsupportedCompressionError } from '../codecs/index.js';
export * from './backend/index.js';
export { CorruptCheckpointError } from './checkpoint/checkpoint-format.js';
export * from './checkpoint/leader-epoch-checkpoint.js';
export * from './checkpoint/offset-checkpoint.js';
export * from './config/config-error.js';
export * from './config/log-config.js';
export * from './log/index.js';
export * from './record/index.js';
