import { fileBackend } from './file-backend.js';
import { levelBackend } from './level-backend.js';
import { mmapBackend } from './mmap-backend.js';
import type { BackendName, StorageBackend } from './storage-backend.js';
import { StorageError } from './storage-error.js';

export { BufferPool, type PooledBytes, sharedBufferPool, unpooled } from './buffer-pool.js';
export { LOCK_FILE } from './directory-lock.js';
export * from './storage-backend.js';
export { StorageError } from './storage-error.js';

const BACKENDS: Record<BackendName, StorageBackend> = { file: fileBackend, mmap: mmapBackend, level: levelBackend };
export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];

/** The backend named by `storage.backend`; an unknown name is an error listing the valid ones. */
export function createBackend(name: string): StorageBackend {
  const backend = BACKENDS[name as BackendName];
  if (!backend) {
    throw new StorageError('BAD_CONFIG', 'storage.backend', `unknown storage backend '${name}'; valid backends are ${BACKEND_NAMES.join(', ')}`);
  }
  return backend;
}
