// The package's public surface: what `import … from 'samsa'` gives an embedding program.
export * from '../codecs/index.js';
export * from '../storage/record/index.js';
export * from './clients/network/errors.js';
