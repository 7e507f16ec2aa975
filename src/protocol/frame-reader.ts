import { ProtocolError } from './protocol-error.js';

/** A buffer an allocator supplies, with whatever its owner needs to give it back (the broker's are PooledBytes). */
export interface FrameBuffer {
  readonly bytes: Buffer;
}

/**
 * Chooses the buffer a frame split across received chunks is copied into;
 * `head` is the frame's first received bytes (at least its first two, the API
 * key of a request). Returning undefined means a plain allocation.
 */
export type FrameAllocator<B extends FrameBuffer> = (size: number, head: Buffer) => B | undefined;

/**
 * Splits a socket's byte stream into Kafka's 4-byte size-prefixed frames, for
 * the broker's connections and the clients' alike. A frame inside one received
 * chunk is a slice of it; only a frame split across chunks is copied, once,
 * into its own buffer (or one the allocator supplies).
 */
export class FrameReader<B extends FrameBuffer = FrameBuffer> {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private frameSize = -1;

  constructor(
    /** The largest frame accepted; a connection may lower it for a while (before a client authenticates). */
    public maxFrameBytes: number,
    private readonly allocate?: FrameAllocator<B>,
  ) {}

  /**
   * Adds received bytes and calls `onFrame` for every whole frame, in order;
   * a frame copied into what the allocator gave comes with it (`owned`, whose
   * bytes are the frame), and `onFrame` owns it from then on. `onFrame`
   * returning false stops (the connection is closing). A size prefix outside
   * 0..maxFrameBytes throws ProtocolError.
   */
  push(chunk: Buffer, onFrame: (frame: Buffer, owned: B | undefined) => boolean | undefined): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.frameSize < 0) {
        if (this.buffered < 4) return;
        const size = this.take(4).readInt32BE(0);
        if (size < 0 || size > this.maxFrameBytes) throw new ProtocolError(`frame size ${size} is outside 0..${this.maxFrameBytes}`);
        this.frameSize = size;
      }
      if (this.buffered < this.frameSize) return;
      const size = this.frameSize;
      const first = this.chunks[0]!;
      const into = first.length < size && first.length >= 2 ? this.allocate?.(size, first) : undefined;
      const frame = this.take(size, into?.bytes);
      this.frameSize = -1;
      if (onFrame(frame, into) === false) return;
    }
  }

  /** The next `n` received bytes: a slice when one chunk holds them, else one copy. */
  private take(n: number, into?: Buffer): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n && !into) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = into ?? Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0]!;
      const part = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, part);
      filled += part;
      if (part === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(part);
    }
    return out;
  }
}
