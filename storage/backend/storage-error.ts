/**
 * Anything the storage layer cannot do: a missing or unreadable file, a full
 * disk, a locked directory, use after close, a corrupt database. It always
 * names the path, and `code` is the OS errno name (ENOSPC, EIO, EACCES, …) or
 * one of samsa's own (CLOSED, LOCKED, CORRUPT, NOT_FOUND, BAD_CONFIG, UNAVAILABLE: a backend
 * whose native addon is missing).
 * Kafka answers storage failures with KAFKA_STORAGE_ERROR (error code 56).
 */
export class StorageError extends Error {
  readonly errorCode = 56;

  constructor(
    readonly code: string,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (${path})`, options);
    this.name = 'StorageError';
  }

  /** Wraps an OS error, keeping its errno name as the code. */
  static from(error: unknown, path: string, action: string): StorageError {
    if (error instanceof StorageError) return error;
    const errno = (error as NodeJS.ErrnoException)?.code ?? 'EIO';
    return new StorageError(errno, path, `${action} failed: ${errno}`, { cause: error });
  }
}
