import type { PooledBytes } from '../../../storage/backend/buffer-pool.js';

/**
 * A budget of response bytes: what responses may hold in memory between
 * being built and being handed to the kernel. Kafka mutes a connection while
 * its one response is sent and serves fetches from the page cache; samsa
 * pipelines requests and reads fetched batches into memory, so it bounds
 * those bytes instead, per connection and broker-wide. Waiters are served in
 * arrival order; a reservation larger than the whole budget is granted when
 * nothing else is held, so one large fetch can always proceed.
 */
export class ResponseMemory {
  private used = 0;
  private readonly waiters: Array<{ bytes: number; grant: () => void }> = [];

  constructor(readonly limit: number) {}

  get usedBytes(): number {
    return this.used;
  }

  get full(): boolean {
    return this.used >= this.limit;
  }

  /** Takes `bytes` now if they fit and nobody is waiting ahead. */
  tryTake(bytes: number): boolean {
    if (this.waiters.length > 0 || !this.fits(bytes)) return false;
    this.used += bytes;
    return true;
  }

  /** Takes `bytes` once they fit; resolves false (nothing taken) if that has not happened within `timeoutMs` or `signal` aborts first. */
  take(bytes: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.tryTake(bytes)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const giveUp = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', giveUp);
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve(false);
        this.grantWaiters(); // the head may have been what blocked the others
      };
      const waiter = {
        bytes,
        grant: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', giveUp);
          resolve(true);
        },
      };
      const timer = setTimeout(giveUp, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', giveUp);
      this.waiters.push(waiter);
    });
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
    this.grantWaiters();
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.limit;
  }

  private grantWaiters(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.bytes)) {
      const waiter = this.waiters.shift()!;
      this.used += waiter.bytes;
      waiter.grant();
    }
  }
}

/** The reason a released allowance's waits end with (a shared value: abort() would make a DOMException each time). */
const RELEASED = new Error('the response allowance was released');

/**
 * What one request's response holds: its share of its connection's and the
 * broker's budgets, and the pooled bytes it carries to the socket. The handler
 * reserves before reading data into memory and hands the connection what it
 * read (`carry`); the connection releases both once the response is written
 * (or dropped).
 */
export class ResponseAllowance {
  private held = 0;
  private released = false;
  /**
   * Ends waits in progress at release; made only when a reservation has to
   * wait. Most responses never wait (a produce reserves nothing), and an
   * AbortController per request, with the DOMException its abort() makes,
   * was over a tenth of a replicating leader's time.
   */
  private done: AbortController | undefined;
  private carried: PooledBytes[] | undefined;
  /** The throttle a quota put on this request's client, in ms (0: none). */
  throttleMs = 0;

  constructor(
    private readonly connection: ResponseMemory,
    private readonly broker: ResponseMemory,
    /** Stops the connection reading for a while (Kafka mutes a throttled client's channel). */
    private readonly mute: (ms: number) => void = () => {},
  ) {}

  /** A quota throttles this request's client: the connection stops reading for `ms` from now, and the response says so. */
  throttle(ms: number): void {
    if (ms <= 0) return;
    this.throttleMs = Math.max(this.throttleMs, ms);
    this.mute(ms);
  }

  /**
   * Reserves `bytes` of both budgets, the connection's first (a client that
   * does not read its responses holds up only itself). Resolves false, holding
   * nothing more, if they are not available within `timeoutMs` or the
   * allowance is released meanwhile (its connection closed).
   */
  async reserve(bytes: number, timeoutMs: number): Promise<boolean> {
    if (this.released) return false;
    if (this.connection.tryTake(bytes)) {
      if (this.broker.tryTake(bytes)) {
        this.held += bytes;
        return true;
      }
      this.connection.release(bytes);
    }
    const deadline = Date.now() + timeoutMs;
    const signal = (this.done ??= new AbortController()).signal;
    if (!(await this.connection.take(bytes, timeoutMs, signal))) return false;
    // A grant resolves a promise: the allowance may have been released before this resumes
    // (a closing connection releases its requests in turn, the first one's bytes granted to the next).
    if (this.released || !(await this.broker.take(bytes, Math.max(0, deadline - Date.now()), signal))) {
      this.connection.release(bytes);
      return false;
    }
    if (this.released) {
      this.connection.release(bytes);
      this.broker.release(bytes);
      return false;
    }
    this.held += bytes;
    return true;
  }

  /**
   * Takes ownership of bytes the response's body refers to (fetched records):
   * they are released by `releaseCarried`, once the socket has taken the
   * response or it will never be written.
   */
  carry(bytes: PooledBytes): void {
    (this.carried ??= []).push(bytes);
  }

  /** Releases the bytes carried so far: the connection calls it once nothing will read them. */
  releaseCarried(): void {
    const carried = this.carried;
    if (carried === undefined) return;
    this.carried = undefined;
    for (const bytes of carried) bytes.release();
  }

  /** Gives back what is held, keeping the allowance: a fetch waiting for more data holds nothing meanwhile. */
  giveBack(): void {
    if (this.held === 0) return;
    this.connection.release(this.held);
    this.broker.release(this.held);
    this.held = 0;
  }

  /** Gives back the reserved bytes and ends waits in progress; later reservations fail. Carried bytes are not touched. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.done?.abort(RELEASED);
    if (this.held === 0) return;
    this.connection.release(this.held);
    this.broker.release(this.held);
    this.held = 0;
  }
}
