// `samsa broker` in a child process, for the benchmarks, the chaos run and the
// tests (test/broker/broker-process.ts re-exports it): one copy of how a
// broker process is started, waited for and stopped.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../test/package-root.js';

/** The repository root (this file runs from bench/ under vitest and from dist/bench/ compiled). */
export const root = packageRoot(import.meta.url);

/** How much of a broker's stderr `output()` keeps: the last MiB. */
const OUTPUT_KEPT = 1024 * 1024;

/** The compiled CLI (`npx tsc -p .` builds it; test/global-setup.ts does before the tests run). */
export const MAIN = join(root, 'dist', 'src', 'cli', 'main.js');

/** `--override key=value` arguments for `samsa broker`. */
export function overrideArgs(settings: Readonly<Record<string, string>>): string[] {
  return Object.entries(settings).flatMap(([key, value]) => ['--override', `${key}=${value}`]);
}

/** The child's exit code once it has exited and its output is all read ('close'); null when a signal ended it. */
export function closed(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

/** Sends SIGKILL to a child still running, by its PID (for `finally` blocks). */
export function killIfRunning(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
}

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Every listener's bound port by listener name (the start line's `NAME (PROTOCOL) host:port, …`). */
  readonly ports: ReadonlyMap<string, number>;
  /** 127.0.0.1:port */
  readonly bootstrap: string;
  /** What the broker has written to stderr so far (its last MiB or two). */
  output(): string;
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL if it still runs: for `finally`. */
  kill(): void;
}

export interface BrokerProcessOptions {
  /** Rejects (killing the broker) if it has not listened within this many ms (20 s). */
  startMs?: number;
  /** Node options for the broker's process, e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
  execArgv?: readonly string[];
  /** Where the broker's stderr is also appended (the chaos run keeps every broker's log). */
  logFile?: string;
  /** Hears of the child as soon as it is spawned, before it listens: whoever must stop it meanwhile kills it by its PID. */
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * `samsa broker` in a child process on a free loopback port with its logs in
 * `logDir`; resolves once it listens, rejects (and kills it) if it exits or
 * has not listened within `startMs`.
 */
export function startBrokerProcess(
  logDir: string,
  settings: Readonly<Record<string, string>> = {},
  options: BrokerProcessOptions | number = {},
): Promise<BrokerProcess> {
  const { startMs = 20_000, execArgv = [], logFile, onSpawn } = typeof options === 'number' ? { startMs: options } : options;
  const args = overrideArgs({ listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': logDir, 'broker.id': '0', ...settings });
  const child = spawn(process.execPath, [...execArgv, MAIN, 'broker', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  onSpawn?.(child);
  const exited = closed(child);
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  if (log) void exited.then(() => log.end());
  let output = '';
  let listened = false;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      killIfRunning(child);
      reject(new Error(`broker ${why}:\n${output}`));
    };
    const timer = setTimeout(() => fail(`did not listen within ${startMs} ms`), startMs);
    child.once('exit', (code) => fail(`exited with ${code}`));
    child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      output += text;
      // A broker logging for long (a fuzz or chaos run) keeps its last MiB; searching all of it per chunk cost the caller more than the broker.
      if (output.length > OUTPUT_KEPT * 2) output = output.slice(-OUTPUT_KEPT);
      if (log) {
        // Each line stamped with the time it arrived, so the logs of several brokers can be merged.
        const lines = text.split('\n');
        const stamp = new Date().toISOString().slice(11, 23);
        log.write(lines.map((line, i) => (i === lines.length - 1 ? line : `${stamp} ${line}\n`)).join(''));
      }
      if (listened) return;
      // The whole start line (a chunk may end inside it): `listening on NAME (PROTOCOL) host:port, …`.
      const listening = /listening on ([^\n]*?:(\d+)[^\n]*)\n/.exec(output);
      if (!listening) return;
      listened = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const port = Number(listening[2]);
      const ports = new Map([...listening[1]!.matchAll(/([A-Z0-9_-]+) \([A-Z_]+\) [^ ,]*:(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
      resolve({
        child,
        port,
        ports,
        bootstrap: `127.0.0.1:${port}`,
        output: () => output,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
          return exited;
        },
        kill: () => killIfRunning(child),
      });
    });
  });
}
