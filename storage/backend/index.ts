import { fileBackend } from './file-backend.js';
import { createLevelBackend, levelBackend } from './level-backend.js';
import type { LevelOptions } from './level-options.js';
import { mmapBackend } from './mmap-backend.js';
import type { BackendName, StorageBackend } from './storage-backend.js';
import { StorageError } from './storage-error.js';

export { BufferPool, type PooledBytes, sharedBufferPool, unpooled } from './buffer-pool.js';
export { LOCK_FILE } from './directory-lock.js';
export { DEFAULT_LEVEL_OPTIONS, type LevelOptions } from './level-options.js';
export * from './storage-backend.js';
export { StorageError } from './storage-error.js';

const BACKENDS: Record<BackendName, StorageBackend> = { file: fileBackend, mmap: mmapBackend, level: levelBackend };
export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];

/**
 * The backend named by `storage.backend`; an unknown name is an error listing
 * the valid ones. `level` settings make a level backend of its own (with its
 * own chunk cache); without them every caller shares one with the defaults.
 */
export function createBackend(name: string, level?: Partial<LevelOptions>): StorageBackend {
  const backend = BACKENDS[name as BackendName];
  if (!backend) {
    throw new StorageError('BAD_CONFIG', 'storage.backend', `unknown storage backend '${name}'; valid backends are ${BACKEND_NAMES.join(', ')}`);
  }
  return name === 'level' && level !== undefined ? createLevelBackend(level) : backend;
}
