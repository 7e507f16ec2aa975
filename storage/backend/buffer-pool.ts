/**
 * Recycled buffers for large reads and request frames. A fresh large buffer
 * costs page faults on first touch (a few hundred MB/s on this machine) while
 * a recycled one is already mapped, so the hot paths take buffers from here
 * and whoever finishes with one last (the socket, once a response is written)
 * gives it back. A buffer never given back is simply garbage-collected.
 */
export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Backing stores currently lent out: only these may come back (guards double or foreign returns). */
  private readonly lent = new WeakSet<ArrayBuffer>();
  private pooledBytes = 0;

  constructor(
    /** Below this a plain allocation is cheap (Node's own 8 KiB slab or malloc's heap). */
    readonly minSize = 64 * 1024,
    /** Idle bytes kept at most. */
    readonly maxPooledBytes = 64 * 1024 * 1024,
  ) {}

  /** A buffer of `size` bytes: a recycled one when the size is worth pooling, else a plain allocation. */
  acquire(size: number): Buffer {
    if (size < this.minSize || size > this.maxPooledBytes) return Buffer.allocUnsafe(size);
    const capacity = 2 ** Math.ceil(Math.log2(size));
    const backing = this.free.get(capacity)?.pop();
    if (backing) this.pooledBytes -= capacity;
    const store = backing ?? new ArrayBuffer(capacity);
    this.lent.add(store);
    return Buffer.from(store, 0, size);
  }

  /** Returns the backing store of `buffer` (or any slice of it) if it was lent by this pool; anything else is ignored. */
  recycle(buffer: Uint8Array): void {
    const store = buffer.buffer as ArrayBuffer;
    if (!this.lent.has(store)) return;
    this.lent.delete(store);
    const capacity = store.byteLength;
    if (this.pooledBytes + capacity > this.maxPooledBytes) return;
    let list = this.free.get(capacity);
    if (!list) this.free.set(capacity, (list = []));
    list.push(store);
    this.pooledBytes += capacity;
  }
}

/** The process-wide pool the file backend reads into and the broker's connections return to. */
export const sharedBufferPool = new BufferPool();
