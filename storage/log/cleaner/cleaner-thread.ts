import { existsSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CleanerCore, deserializeError } from './cleaner-core.js';
import type { CleanerRequest, ReplyTo, WorkerReply, WorkerRequest } from './cleaner-protocol.js';

/**
 * Where the cleaner's worker script is. Compiled, this module is
 * dist/storage/log/cleaner/cleaner-thread.js and the worker is its sibling
 * cleaner-worker.js, found with `new URL(…, import.meta.url)` wherever dist/
 * is installed. Run from the TypeScript sources (vitest runs the .ts files in
 * place), the sibling is a .ts file that a plain Node 20 worker cannot load,
 * so the compiled copy under dist/ is used: test/global-setup.ts compiles the
 * project before any test runs. (The two speak through structured messages
 * only, so the worker's compiled classes need not be the caller's.)
 */
export function defaultWorkerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../../dist/storage/log/cleaner/cleaner-worker.js', here) : new URL('./cleaner-worker.js', here);
}

/** The cleaner's worker thread stopped (crashed, or was ended) with requests outstanding: the cleaning fails, not the log. */
export class CleanerWorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CleanerWorkerError';
  }
}

/** A CleanerCore as the main thread sees it: requests in, replies out, in order. */
export interface CoreHandle {
  /** True when the core runs in the worker thread. */
  readonly inWorker: boolean;
  /** False once its thread stopped: the next cleaning needs another handle. */
  readonly usable: boolean;
  /** `transfer`: the buffers the request moves to the worker (ignored in-thread, where they are shared). */
  call<R extends CleanerRequest>(request: R, transfer?: ArrayBuffer[]): Promise<ReplyTo<R>>;
  /** Frees the core and its offset map. */
  dispose(): void;
}

/**
 * The fallback when no worker can start (or `threads: 0`): the core runs on
 * the calling thread, one request per turn of the event loop, so even then a
 * cleaning yields between chunks.
 */
export class InThreadCore implements CoreHandle {
  readonly inWorker = false;
  readonly usable = true;
  private core: CleanerCore | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  call<R extends CleanerRequest>(request: R): Promise<ReplyTo<R>> {
    const run = this.tail.then(async () => {
      await nextTurn();
      if (request.op === 'beginMap') this.core ??= new CleanerCore(request.options);
      if (request.op === 'dispose') {
        this.core = undefined;
        return undefined;
      }
      if (!this.core) throw new Error(`cleaner request ${request.op} before beginMap`);
      return this.core.handle(request).value;
    });
    this.tail = run.catch(() => undefined);
    return run as Promise<ReplyTo<R>>;
  }

  dispose(): void {
    this.core = undefined;
  }
}

/** How long a worker with no Cleaner attached lives on, in case another comes (LogCleaner.cleanLog attaches one per call). */
const IDLE_WORKER_MS = 10_000;

let nextCoreId = 1;
const live = new Map<string, CleanerThread>();
const starting = new Map<string, Promise<CleanerThread>>();

/**
 * A cleaner worker thread, one per process (per worker script) for each
 * cleaner thread of log.cleaner.threads, shared by every Cleaner given that
 * index: each has its core in it. Cleanings of several Cleaners
 * interleave there chunk by chunk. The worker keeps the process alive only
 * while a request is outstanding, and stops once no Cleaner has been
 * attached for a while. If it dies, outstanding requests fail (their
 * cleanings fail), and the next cleaning starts another.
 */
export class CleanerThread {
  private nextCallId = 1;
  private readonly calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly cores = new Set<number>();
  private idleTimer: NodeJS.Timeout | undefined;
  private failure: CleanerWorkerError | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly key: string,
  ) {
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (error: Error) => this.fail(new CleanerWorkerError(`the log cleaner's worker thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.fail(new CleanerWorkerError(`the log cleaner's worker thread exited with code ${code}`)));
  }

  /** The process's worker `index` running `script`, started (and awaited until ready) if there is none. Rejects when it cannot start. */
  static get(script: URL, index = 0): Promise<CleanerThread> {
    const key = index === 0 ? script.href : `${script.href}#${index}`;
    const running = live.get(key);
    if (running) return Promise.resolve(running);
    let pending = starting.get(key);
    if (!pending) {
      pending = CleanerThread.start(script, key, index).finally(() => starting.delete(key));
      starting.set(key, pending);
    }
    return pending;
  }

  private static start(script: URL, key: string, index: number): Promise<CleanerThread> {
    const path = fileURLToPath(script);
    if (!existsSync(path)) return Promise.reject(new Error(`${path} does not exist (is the project compiled?)`));
    return new Promise((resolve, reject) => {
      // No inherited execArgv: the worker needs none of the process's flags, and some
      // are refused in a worker (`node --input-type=module -e …` would fail it).
      const worker = new Worker(script, { name: `samsa-log-cleaner-${index}`, execArgv: [] });
      const settle = (error?: Error) => {
        worker.off('message', onMessage).off('error', settle).off('exit', onExit);
        if (error) {
          void worker.terminate();
          reject(error);
          return;
        }
        const thread = new CleanerThread(worker, key);
        live.set(key, thread);
        resolve(thread);
      };
      const onMessage = (message: WorkerReply) => {
        if ('ready' in message) settle();
      };
      const onExit = (code: number) => settle(new Error(`it exited with code ${code} while starting`));
      worker.on('message', onMessage).on('error', settle).on('exit', onExit);
    });
  }

  get stopped(): boolean {
    return this.failure !== undefined;
  }

  /** A core for a new Cleaner. */
  attach(): CoreHandle {
    const core = nextCoreId++;
    this.cores.add(core);
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const thread = this;
    return {
      inWorker: true,
      get usable() {
        return !thread.stopped;
      },
      call: <R extends CleanerRequest>(request: R, transfer: ArrayBuffer[] = []) => this.call(core, request, transfer) as Promise<ReplyTo<R>>,
      dispose: () => this.detach(core),
    };
  }

  private detach(core: number): void {
    if (!this.cores.delete(core) || this.stopped) return;
    this.call(core, { op: 'dispose' }, []).catch(() => undefined);
    if (this.cores.size === 0) {
      this.idleTimer = setTimeout(() => this.stop(), IDLE_WORKER_MS);
      this.idleTimer.unref();
    }
  }

  private call(core: number, request: CleanerRequest, transfer: ArrayBuffer[]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextCallId++;
    return new Promise((resolve, reject) => {
      try {
        this.worker.postMessage({ id, core, request } satisfies WorkerRequest, transfer);
      } catch (error) {
        reject(error as Error);
        return;
      }
      this.calls.set(id, { resolve, reject });
      if (this.calls.size === 1) this.worker.ref(); // busy: the process waits for the reply
    });
  }

  private onReply(reply: WorkerReply): void {
    if ('ready' in reply) return;
    const call = this.calls.get(reply.id);
    if (!call) return;
    this.calls.delete(reply.id);
    if (this.calls.size === 0) this.worker.unref();
    if ('error' in reply) call.reject(deserializeError(reply.error));
    else call.resolve(reply.value);
  }

  private fail(error: CleanerWorkerError): void {
    this.failure ??= error;
    if (live.get(this.key) === this) live.delete(this.key);
    clearTimeout(this.idleTimer);
    for (const call of this.calls.values()) call.reject(this.failure);
    this.calls.clear();
  }

  /** Ends the worker (no Cleaner is attached). */
  private stop(): void {
    this.fail(new CleanerWorkerError("the log cleaner's worker thread was stopped"));
    void this.worker.terminate();
  }
}
