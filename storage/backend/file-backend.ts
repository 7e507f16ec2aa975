import * as fs from 'node:fs';
import { join } from 'node:path';
import { BackendObject } from './backend-object.js';
import { type PooledBytes, sharedBufferPool } from './buffer-pool.js';
import { LOCK_FILE, lockDirectory } from './directory-lock.js';
import { fdatasync, readFully, writeFully } from './fd-io.js';
import type { LogDirectory, OpenOptions, StorageBackend, StorageObject } from './storage-backend.js';
import { StorageError } from './storage-error.js';

/** A fixed-size name check: objects are flat names inside their directory. */
export function checkObjectName(dir: string, name: string): string {
  if (name.length === 0 || name.includes('/') || name.includes('\0') || name === '.' || name === '..' || name === LOCK_FILE) {
    throw new StorageError('BAD_NAME', join(dir, name), `'${name}' is not a valid object name`);
  }
  return join(dir, name);
}

/** Objects as plain files: positional reads and writes on descriptors, fdatasync to flush. */
export class FileObject extends BackendObject implements StorageObject {
  constructor(
    name: string,
    path: string,
    private readonly fd: number,
    size: number,
  ) {
    super(name, path, size);
  }

  async append(bytes: Uint8Array): Promise<number> {
    return this.appendSync(bytes);
  }

  appendSync(bytes: Uint8Array): number {
    this.check();
    const position = this.size;
    writeFully(this.fd, this.path, position, bytes, 'append', position);
    this.size = position + bytes.length;
    return position;
  }

  async write(position: number, bytes: Uint8Array): Promise<void> {
    this.checkWrite(position);
    writeFully(this.fd, this.path, position, bytes, 'write', this.size);
    this.size = Math.max(this.size, position + bytes.length);
  }

  async read(position: number, length: number): Promise<PooledBytes> {
    this.checkRead(position);
    const available = Math.max(0, Math.min(length, this.size - position));
    // Large reads are fetches on their way to a socket, whose connection releases them once written.
    const target = sharedBufferPool.acquire(available);
    this.readIntoSync(position, target.bytes, 0, available);
    return target;
  }

  async readInto(position: number, target: Uint8Array, offset = 0, length = target.length - offset): Promise<number> {
    return this.readIntoSync(position, target, offset, length);
  }

  private readIntoSync(position: number, target: Uint8Array, offset: number, length: number): number {
    this.checkRead(position);
    const wanted = Math.max(0, Math.min(length, this.size - position));
    readFully(this.fd, this.path, position, target, offset, wanted, this.size);
    return wanted;
  }

  async truncate(size: number): Promise<void> {
    this.check();
    try {
      fs.ftruncateSync(this.fd, size);
    } catch (error) {
      throw StorageError.from(error, this.path, 'truncate');
    }
    this.size = size;
  }

  async flush(): Promise<void> {
    this.check();
    await fdatasync(this.fd, this.path);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

export class FileDirectory implements LogDirectory {
  private closed = false;
  /** The last atomic write of each name in progress, which the next one of that name waits for. */
  private readonly atomicWrites = new Map<string, Promise<void>>();

  constructor(
    readonly path: string,
    private readonly unlock: () => void,
  ) {}

  protected check(): void {
    if (this.closed) throw new StorageError('CLOSED', this.path, 'log directory used after close');
  }

  protected objectPath(name: string): string {
    this.check();
    return checkObjectName(this.path, name);
  }

  async list(): Promise<string[]> {
    this.check();
    try {
      return fs
        .readdirSync(this.path, { withFileTypes: true })
        .filter((e) => e.isFile() && e.name !== LOCK_FILE)
        .map((e) => e.name)
        .sort();
    } catch (error) {
      throw StorageError.from(error, this.path, 'listing');
    }
  }

  async exists(name: string): Promise<boolean> {
    return fs.existsSync(this.objectPath(name));
  }

  async open(name: string, options: OpenOptions = {}): Promise<StorageObject> {
    const path = this.objectPath(name);
    let fd: number;
    try {
      fd = fs.openSync(path, options.create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDWR);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new StorageError('NOT_FOUND', path, `object '${name}' does not exist`);
      throw StorageError.from(error, path, 'open');
    }
    try {
      return this.wrap(name, path, fd, fs.fstatSync(fd).size, options);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  /** Builds the object over an open descriptor; the mmap backend maps it instead. */
  protected wrap(name: string, path: string, fd: number, size: number, _options: OpenOptions): StorageObject {
    return new FileObject(name, path, fd, size);
  }

  async delete(name: string): Promise<void> {
    const path = this.objectPath(name);
    try {
      // On the thread pool: unlinking a gigabyte segment holds the caller for tens of milliseconds.
      await fs.promises.unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageError('NOT_FOUND', path, `object '${name}' does not exist`);
      throw StorageError.from(error, path, 'delete');
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.objectPath(from);
    try {
      fs.renameSync(source, this.objectPath(to));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageError('NOT_FOUND', source, `object '${from}' does not exist`);
      throw StorageError.from(error, source, 'rename');
    }
  }

  /**
   * Write a temporary file, sync it, rename it over the old one, sync the
   * directory: on the thread pool, since a sync waits for the disk (while
   * other logs write heavily, an fdatasync on the event loop stalled a
   * leader's every partition for half a second). Writes of the same name go
   * one after another: they share the temporary file.
   */
  writeAtomically(name: string, bytes: Uint8Array): Promise<void> {
    const path = this.objectPath(name);
    const previous = this.atomicWrites.get(name) ?? Promise.resolve();
    const write = previous.then(() => this.replaceDurably(path, bytes));
    const tail = write.catch(() => {});
    this.atomicWrites.set(name, tail);
    void tail.then(() => {
      if (this.atomicWrites.get(name) === tail) this.atomicWrites.delete(name);
    });
    return write;
  }

  private async replaceDurably(path: string, bytes: Uint8Array): Promise<void> {
    const temp = `${path}.tmp`;
    try {
      const file = await fs.promises.open(temp, 'w');
      try {
        await file.writeFile(bytes);
        await file.datasync();
      } finally {
        await file.close();
      }
      await fs.promises.rename(temp, path);
      const dir = await fs.promises.open(this.path, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      throw StorageError.from(error, path, 'atomic write');
    }
  }

  async readAll(name: string): Promise<Buffer> {
    const path = this.objectPath(name);
    try {
      return fs.readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageError('NOT_FOUND', path, `object '${name}' does not exist`);
      throw StorageError.from(error, path, 'read');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.atomicWrites.values()); // a checkpoint being replaced is finished before the lock goes
    this.unlock();
  }
}

export const fileBackend: StorageBackend = {
  name: 'file',
  async openDirectory(path) {
    return new FileDirectory(path, lockDirectory(path));
  },
};
