/**
 * Bytes with one owner, who gives them back. Whoever holds a PooledBytes owns
 * `bytes`: a function that returns one hands ownership to its caller, and one
 * that takes one as a parameter takes ownership from its caller (code that
 * only reads the bytes is passed `bytes`, not the PooledBytes). The owner calls
 * `release()` once nothing will read the bytes again — not even a socket write
 * still in progress — and must not touch them afterwards: a pooled buffer is
 * then lent to someone else. Only the first call counts. An owner may also
 * drop them unreleased: the buffer is then garbage-collected, and the pool
 * allocates a fresh one for a later read. Bytes that belong to no pool (an
 * mmap slice, a small read, an empty read) come as PooledBytes too, with a
 * release that does nothing, so every read has one type.
 */
export interface PooledBytes {
  readonly bytes: Buffer;
  release(): void;
}

function releaseNothing(): void {}

/** `bytes` that belong to no pool, as a PooledBytes whose release does nothing. */
export function unpooled(bytes: Buffer): PooledBytes {
  return { bytes, release: releaseNothing };
}

/**
 * Recycled buffers for large reads and request frames. A fresh large buffer
 * costs page faults on first touch (a few hundred MB/s on this machine) while
 * a recycled one is already mapped, so the hot paths take buffers from here,
 * and whoever owns one last (see PooledBytes) gives it back.
 */
export class BufferPool {
  private readonly shelf: Shelf;

  constructor(
    /** Below this a plain allocation is cheap (Node's own 8 KiB slab or malloc's heap). */
    readonly minSize = 64 * 1024,
    /** Idle bytes kept at most. */
    readonly maxPooledBytes = 64 * 1024 * 1024,
  ) {
    this.shelf = new Shelf(maxPooledBytes);
  }

  /** Idle bytes waiting to be lent again. */
  get idleBytes(): number {
    return this.shelf.bytes;
  }

  /** `size` bytes, owned by the caller: a recycled buffer when the size is worth pooling, else a plain allocation (whose release does nothing). */
  acquire(size: number): PooledBytes {
    if (size < this.minSize || size > this.maxPooledBytes) return unpooled(Buffer.allocUnsafe(size));
    const capacity = 2 ** Math.ceil(Math.log2(size));
    const store = this.shelf.take(capacity) ?? new ArrayBuffer(capacity);
    return new Lease(Buffer.from(store, 0, size), this.shelf);
  }
}

/**
 * Idle backing stores by capacity. Only a Lease puts one back, at most once
 * (its release forgets the shelf), and only BufferPool.acquire makes leases,
 * so every store here was lent by the pool and is lent again to one owner.
 */
class Shelf {
  private readonly free = new Map<number, ArrayBuffer[]>();
  bytes = 0;

  constructor(private readonly maxBytes: number) {}

  take(capacity: number): ArrayBuffer | undefined {
    const store = this.free.get(capacity)?.pop();
    if (store) this.bytes -= capacity;
    return store;
  }

  put(store: ArrayBuffer): void {
    const capacity = store.byteLength;
    if (this.bytes + capacity > this.maxBytes) return;
    let list = this.free.get(capacity);
    if (!list) this.free.set(capacity, (list = []));
    list.push(store);
    this.bytes += capacity;
  }
}

/** A pooled buffer lent to one owner: its first release puts the backing store back on the shelf. */
class Lease implements PooledBytes {
  constructor(
    readonly bytes: Buffer,
    private shelf: Shelf | undefined,
  ) {}

  release(): void {
    const shelf = this.shelf;
    if (shelf === undefined) return;
    this.shelf = undefined;
    shelf.put(this.bytes.buffer as ArrayBuffer);
  }
}

/** The process-wide pool the file backend reads into and the broker's connections take Produce frames from. */
export const sharedBufferPool = new BufferPool();
