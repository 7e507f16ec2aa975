import type { ChildProcess } from 'node:child_process';

/**
 * What a test started (brokers, clients, servers, child processes), stopped
 * when it ends whatever happened: `add` each as it starts, and run `stopAll`
 * in afterEach (or a finally). Newest first, so a broker restarted on the
 * same log dir stops before the one it replaced. A failing stop does not keep
 * the others from running; the first failure is thrown once all have run.
 */
export class Cleanup {
  private readonly stops: Array<() => unknown> = [];

  add<T>(thing: T, stop: (thing: T) => unknown): T {
    this.stops.push(() => stop(thing));
    return thing;
  }

  async stopAll(): Promise<void> {
    let failure: unknown;
    for (const stop of this.stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/** Kills a child process by its PID (SIGKILL) unless it has exited, and waits until it has. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
