/** Every interop suite runs once per storage backend: a client must not tell them apart. */
export const BACKENDS = ['file', 'mmap', 'level'] as const;
