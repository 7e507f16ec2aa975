import { type ClientClosedError, TimeoutError } from '../network/errors.js';

interface Waiter {
  size: number;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * buffer.memory as Kafka's BufferPool bounds it: every batch reserves its
 * size when created and gives it back when done. When the memory is used up,
 * new batches wait — first come, first served — up to max.block.ms.
 */
export class MemoryPool {
  private available: number;
  private readonly waiters: Waiter[] = [];

  constructor(readonly totalMemory: number) {
    this.available = totalMemory;
  }

  get availableMemory(): number {
    return this.available;
  }

  /** How many allocations are waiting (the accumulator then sends what it has at once). */
  get queued(): number {
    return this.waiters.length;
  }

  /** Takes `size` bytes now if nobody is waiting before us and they are free. */
  tryAllocate(size: number): boolean {
    if (this.waiters.length > 0 || size > this.available) return false;
    this.available -= size;
    return true;
  }

  /** Takes `size` bytes, waiting up to `maxWaitMs` for them. */
  allocate(size: number, maxWaitMs: number): Promise<void> {
    if (this.tryAllocate(size)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        size,
        resolve,
        reject,
        timer: setTimeout(
          () => {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            reject(
              new TimeoutError(
                `Failed to allocate ${size} bytes within the configured max blocking time ${maxWaitMs} ms. Total memory: ${this.totalMemory} bytes. Available memory: ${this.available} bytes.`,
              ),
            );
            this.serve();
          },
          Math.max(0, maxWaitMs),
        ),
      };
      this.waiters.push(waiter);
    });
  }

  deallocate(size: number): void {
    this.available += size;
    this.serve();
  }

  private serve(): void {
    while (this.waiters.length > 0 && this.waiters[0]!.size <= this.available) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      this.available -= w.size;
      w.resolve();
    }
  }

  /** Fails every waiting allocation (the producer is closing forcefully). */
  abortWaiters(error: ClientClosedError): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  }
}
