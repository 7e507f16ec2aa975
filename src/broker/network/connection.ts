import type { Socket } from 'node:net';
import type { BufferPool, PooledBytes } from '../../../storage/backend/buffer-pool.js';
import { FrameReader } from '../../protocol/frame-reader.js';
import { ResponseAllowance, ResponseMemory } from './response-memory.js';

const PRODUCE_API_KEY = 0;

export interface ConnectionOptions {
  /** socket.request.max.bytes: a larger frame closes the connection. */
  maxRequestBytes: number;
  /** Requests in flight on one connection before reading from it pauses (backpressure). */
  maxInFlight: number;
  /** Bytes of responses this connection may hold unwritten (reserved by handlers, queued in the socket) before reading pauses. */
  maxPendingWriteBytes: number;
  /** The broker-wide budget of response bytes every connection reserves from too. */
  brokerResponseMemory: ResponseMemory;
  /** What answers this connection's frames (the listener's security decides what it lets through). */
  handler: FrameHandler;
  onError(connection: Connection, error: Error): void;
  onClose(connection: Connection): void;
  /** Where Produce frames split across reads are copied to; they go back once their handler is done. */
  bufferPool?: BufferPool;
}

/** A response after which the connection closes (failed authentication); null: close without one. */
export interface ClosingResponse {
  readonly closing: Buffer[] | null;
}

/** What a handler answers: a response frame's chunks, null for none (acks=0), or a last response before closing. */
export type HandlerReply = Buffer[] | null | ClosingResponse;

/** Answers the frames of one connection. A rejection closes the connection. */
export interface FrameHandler {
  handle(frame: Buffer, allowance: ResponseAllowance): Promise<HandlerReply>;
  /** The largest frame accepted now: socket.request.max.bytes, or less until the client has authenticated. */
  maxFrameBytes(): number;
}

interface Slot {
  done: boolean;
  response: Buffer[] | null;
  /** The connection closes once this slot's response is written. */
  closing: boolean;
  /** The response bytes its handler reserved and the pooled bytes it carries, given back once the response is written or dropped. */
  allowance: ResponseAllowance;
}

/**
 * One client connection: splits the byte stream into 4-byte length-prefixed
 * frames, runs requests as they arrive (pipelining), and writes responses in
 * request order. Small frames are slices of the received chunk; only a frame
 * split across chunks is copied once into its own buffer.
 */
export class Connection {
  lastActiveMs = Date.now();
  private readonly frames: FrameReader<PooledBytes>;
  private readonly inFlight: Slot[] = [];
  /** Responses handed to the socket whose last chunk the kernel has not yet taken. */
  private readonly writing = new Set<ResponseAllowance>();
  private readonly responseMemory: ResponseMemory;
  private paused = false;
  private closed = false;
  /** Until when reading stays paused: a throttled client's quota (Date.now() ms). */
  private mutedUntil = 0;
  private unmuteTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    // Produce frames are the one kind whose handler keeps nothing of them: those split across reads go into pooled buffers.
    this.responseMemory = new ResponseMemory(options.maxPendingWriteBytes);
    const pool = options.bufferPool;
    this.frames = new FrameReader(
      options.maxRequestBytes,
      pool ? (size, head) => (head.readInt16BE(0) === PRODUCE_API_KEY ? pool.acquire(size) : undefined) : undefined,
    );
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => {
      this.closed = true;
      clearTimeout(this.unmuteTimer);
      this.releaseAll();
      options.onClose(this);
    });
  }

  get idle(): boolean {
    return this.inFlight.length === 0;
  }

  /**
   * Kafka's idle connection: nothing read from it or written to it since
   * `cutoffMs`, and nothing in flight but responses the client does not take
   * (a client that stopped reading holds response memory until it is closed).
   */
  idleSince(cutoffMs: number): boolean {
    return this.lastActiveMs < cutoffMs && (this.inFlight.length === 0 || this.writing.size > 0);
  }

  get pendingRequests(): number {
    return this.inFlight.length;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return; // closing: bytes still arriving are read only to be dropped
    this.lastActiveMs = Date.now();
    try {
      this.frames.maxFrameBytes = this.options.handler.maxFrameBytes();
      this.frames.push(chunk, (frame, owned) => {
        this.dispatch(frame, owned);
        return !this.closed;
      });
    } catch (e) {
      this.fail(new Error(`${(e as Error).message} (socket.request.max.bytes); closing the connection`));
    }
  }

  /** Runs the frame's handler; `owned` (the frame's pooled copy, if any) is released once the handler is done with it. */
  private dispatch(frame: Buffer, owned: PooledBytes | undefined): void {
    const slot: Slot = {
      done: false,
      response: null,
      closing: false,
      allowance: new ResponseAllowance(this.responseMemory, this.options.brokerResponseMemory, (ms) => this.mute(ms)),
    };
    this.inFlight.push(slot);
    this.maybePause();
    this.options.handler.handle(frame, slot.allowance).then(
      (reply) => {
        owned?.release();
        slot.done = true;
        if (reply === null || Array.isArray(reply)) slot.response = reply;
        else {
          slot.response = reply.closing;
          slot.closing = true;
        }
        if (this.closed) dropped(slot.allowance);
        this.flush();
      },
      (e: unknown) => {
        owned?.release();
        dropped(slot.allowance);
        this.fail(e as Error);
      },
    );
  }

  /** Writes every finished response at the head of the queue, in request order. */
  private flush(): void {
    if (this.closed) return;
    let wrote = false;
    while (this.inFlight.length > 0 && this.inFlight[0]!.done) {
      const { response, allowance, closing } = this.inFlight.shift()!;
      if (closing) {
        // Nothing after this response is answered: the rest are dropped, the socket ends once it is written.
        if (response) this.socket.write(Buffer.concat(response), () => dropped(allowance));
        else dropped(allowance);
        if (wrote) this.socket.uncork();
        this.end(1_000);
        return;
      }
      if (!response) {
        dropped(allowance);
        continue;
      }
      if (!wrote) this.socket.cork();
      wrote = true;
      const last = response.length - 1;
      for (let i = 0; i < last; i++) this.socket.write(response[i]!);
      // Once the kernel has taken the last chunk (or the socket is destroyed), nothing reads the response's buffers any more.
      this.writing.add(allowance);
      this.socket.write(response[last]!, () => {
        allowance.releaseCarried();
        this.writing.delete(allowance);
        allowance.release();
        this.lastActiveMs = Date.now();
        this.maybeResume();
      });
    }
    if (wrote) process.nextTick(() => this.socket.uncork());
    this.maybeResume();
  }

  /** Reading pauses while too many requests are in flight or their responses fill the connection's budget (Kafka mutes the channel). */
  private maybePause(): void {
    if (
      !this.paused &&
      (this.inFlight.length >= this.options.maxInFlight || this.socket.writableLength > this.options.maxPendingWriteBytes || this.responseMemory.full)
    ) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** Stops reading for `ms`, as Kafka mutes a throttled client's channel (its response tells it to wait as long). */
  private mute(ms: number): void {
    if (ms <= 0 || this.closed) return;
    this.mutedUntil = Math.max(this.mutedUntil, Date.now() + ms);
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.armUnmute();
  }

  private armUnmute(): void {
    if (this.unmuteTimer) return;
    this.unmuteTimer = setTimeout(
      () => {
        this.unmuteTimer = undefined;
        // Timers run on the event loop's cached clock: wait on if the wall clock says it is not time yet.
        if (Date.now() < this.mutedUntil) this.armUnmute();
        else this.maybeResume();
      },
      Math.max(1, this.mutedUntil - Date.now()),
    );
  }

  private maybeResume(): void {
    if (
      this.paused &&
      !this.closed &&
      Date.now() >= this.mutedUntil &&
      this.inFlight.length < this.options.maxInFlight &&
      this.socket.writableLength <= this.options.maxPendingWriteBytes &&
      !this.responseMemory.full
    ) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.options.onError(this, error);
    this.close();
  }

  /** Resolves once every request already received has been answered (graceful shutdown). */
  async drain(): Promise<void> {
    while (!this.closed && this.inFlight.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  /** Closes after writing what is queued. */
  /**
   * Closes after writing what is queued. Reading resumes so the peer's own
   * close is seen (requests it sends meanwhile are dropped); a peer that
   * never closes its side is cut off after a grace period.
   */
  end(graceMs = 5_000): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    this.socket.resume();
    setTimeout(() => this.socket.destroy(), graceMs).unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.unmuteTimer);
    this.socket.destroy();
    this.releaseAll();
  }

  /**
   * A closed connection holds no response memory: responses that will never
   * be written, writes the kernel will never take, reservations still
   * waiting. The buffers of writes handed to the socket go back in their
   * write callbacks, which the socket still calls.
   */
  private releaseAll(): void {
    for (const slot of this.inFlight) dropped(slot.allowance);
    for (const allowance of this.writing) allowance.release();
    this.writing.clear();
  }
}

/** A response that will never reach the socket: its reservation ends and nothing will read the buffers it carries. */
function dropped(allowance: ResponseAllowance): void {
  allowance.release();
  allowance.releaseCarried();
}
