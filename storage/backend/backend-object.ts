import { StorageError } from './storage-error.js';

/** What every backend's objects share: their names, the closed state and the checks on it. */
export abstract class BackendObject {
  protected closed = false;

  constructor(
    readonly name: string,
    readonly path: string,
    public size: number,
  ) {}

  protected check(): void {
    if (this.closed) throw new StorageError('CLOSED', this.path, 'object used after close');
  }

  /**
   * A read must start at a position that exists: positions come from index
   * files, and a damaged one must fail here, not read elsewhere (a negative
   * start slices a mapping from its end, past the file: SIGBUS).
   */
  protected checkRead(position: number): void {
    this.check();
    if (!Number.isSafeInteger(position) || position < 0) throw new StorageError('RANGE', this.path, `read at ${position} is not a position in the object`);
  }

  /** An overwrite must start inside the object or at its end. */
  protected checkWrite(position: number): void {
    this.check();
    if (position < 0 || position > this.size) throw new StorageError('RANGE', this.path, `write at ${position} is outside 0..${this.size}`);
  }
}
