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

  /** An overwrite must start inside the object or at its end. */
  protected checkWrite(position: number): void {
    this.check();
    if (position < 0 || position > this.size) throw new StorageError('RANGE', this.path, `write at ${position} is outside 0..${this.size}`);
  }
}
