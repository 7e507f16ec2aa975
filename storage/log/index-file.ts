import type { StorageObject } from '../backend/storage-backend.js';

/** Entries are written to the backend a block at a time, not one system call each. */
const WRITE_BLOCK_BYTES = 4096;

/**
 * What the offset and time indexes share: fixed-size entries kept in memory
 * (for binary search) and appended to a backend object in blocks, and on
 * flush and close. Entries not yet written are only lost in a crash, after
 * which recovery rebuilds the indexes of every segment past the recovery
 * point (as Kafka, whose mmapped indexes are not synced either). Entries
 * must grow strictly by their search key. On open, entries past the first
 * one that does not grow are a preallocated or torn tail (zeros after a
 * crash) and are dropped, as Kafka's sanity check does.
 */
export abstract class IndexFile {
  protected entries: Buffer;
  protected count = 0;
  /** Entries already written to the backend object. */
  private persisted = 0;

  constructor(
    protected readonly object: StorageObject,
    readonly baseOffset: number,
    protected readonly entrySize: number,
    /** segment.index.bytes: an index that reaches it is full and its segment rolls. */
    private readonly maxBytes: number,
  ) {
    this.entries = Buffer.alloc(Math.min(maxBytes, 64 * 1024));
  }

  /** The key entries are sorted by: a relative offset or a timestamp. */
  protected abstract keyAt(index: number): number;

  protected async load(): Promise<void> {
    const whole = Math.floor(this.object.size / this.entrySize);
    const { bytes } = await this.object.read(0, whole * this.entrySize);
    this.reserve(whole);
    bytes.copy(this.entries);
    let valid = 0;
    while (valid < whole && (valid === 0 || this.keyAt(valid) > this.keyAt(valid - 1))) valid++;
    this.count = valid;
    // A lone all-zero entry followed by more zeros is preallocated space, not an entry.
    // (Were it real, dropping it costs nothing: a lookup then starts at position 0.)
    if (this.count === 1 && this.isZeroEntry(0) && whole > 1) this.count = 0;
    if (this.object.size !== this.count * this.entrySize) await this.object.truncate(this.count * this.entrySize);
    this.persisted = this.count;
  }

  private isZeroEntry(index: number): boolean {
    const at = index * this.entrySize;
    for (let i = at; i < at + this.entrySize; i++) if (this.entries[i] !== 0) return false;
    return true;
  }

  /** The index file's path, for messages. */
  get path(): string {
    return this.object.path;
  }

  get entryCount(): number {
    return this.count;
  }

  get isFull(): boolean {
    return (this.count + 1) * this.entrySize > this.maxBytes;
  }

  get sizeInBytes(): number {
    return this.count * this.entrySize;
  }

  private reserve(entries: number): void {
    if (entries * this.entrySize <= this.entries.length) return;
    const grown = Buffer.alloc(Math.min(Math.max(entries * this.entrySize, this.entries.length * 2), Math.max(this.maxBytes, entries * this.entrySize)));
    this.entries.copy(grown, 0, 0, this.count * this.entrySize);
    this.entries = grown;
  }

  /**
   * Adds an entry in memory. A full block is written at once where the
   * backend writes synchronously; elsewhere `writeFullBlock` writes it.
   */
  protected addEntry(entry: Buffer): void {
    this.reserve(this.count + 1);
    entry.copy(this.entries, this.count * this.entrySize);
    this.count++;
    if (this.blockDue && this.object.appendSync) {
      this.object.appendSync(this.unpersisted());
      this.persisted = this.count;
    }
  }

  private get blockDue(): boolean {
    return (this.count - this.persisted) * this.entrySize >= WRITE_BLOCK_BYTES;
  }

  private unpersisted(): Buffer {
    return this.entries.subarray(this.persisted * this.entrySize, this.count * this.entrySize);
  }

  /** Writes a block of added entries if one is due (only ever on backends without synchronous appends). */
  async writeFullBlock(): Promise<void> {
    if (this.blockDue) await this.persist();
  }

  /** Writes the entries not yet written, as one append. */
  private async persist(): Promise<void> {
    if (this.persisted >= this.count) return;
    const upTo = this.count;
    await this.object.append(this.unpersisted());
    this.persisted = upTo;
  }

  /** Index of the last entry whose key is ≤ `key`, or -1. */
  protected floor(key: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keyAt(mid) <= key) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Keeps the first `entries` entries. */
  protected async keep(entries: number): Promise<void> {
    if (entries >= this.count) return;
    this.count = entries;
    if (this.persisted > entries) {
      this.persisted = entries;
      await this.object.truncate(entries * this.entrySize);
    }
  }

  async flush(): Promise<void> {
    await this.persist();
    await this.object.flush();
  }

  async close(): Promise<void> {
    await this.persist();
    await this.object.close();
  }
}
