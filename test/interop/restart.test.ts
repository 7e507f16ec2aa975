import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, stopChild } from '../cleanup.js';
import { BACKENDS } from './backends.js';

const MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

interface Child {
  process: ChildProcess;
  port: number;
  output: () => string;
}

const cleanup = new Cleanup();
afterEach(() => cleanup.stopAll());

/** `samsa broker` as a separate process (so it can be SIGKILLed), killed when the test ends if still running; resolves once it listens. */
function startChild(dir: string, backend: string): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = cleanup.add(spawn(process.execPath, [MAIN, 'broker', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${dir}`, '--override', `storage.backend=${backend}`, '--override', 'broker.id=0'], { stdio: ['ignore', 'ignore', 'pipe'] }), stopChild);
    let output = '';
    const timer = setTimeout(() => reject(new Error(`broker did not start:\n${output}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /listening on [^:]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ process: child, port: Number(m[1]), output: () => output });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code}:\n${output}`));
    });
  });
}

function kcat(args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/kcat', args, { timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
    child.stdin!.end(input);
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe.each(BACKENDS)('broker restarts on the %s backend', (backend) => {
  it('keeps every acknowledged record through SIGKILL, recovers, and stops cleanly on SIGTERM', async () => {
    const dir = cleanup.add(mkdtempSync(join(tmpdir(), 'samsa-restart-')), (path) => rmSync(path, { recursive: true, force: true }));
    let broker = await startChild(dir, backend);
    const lines = Array.from({ length: 2000 }, (_, i) => `record-${i}`);
    // kcat -P exits after every message is acknowledged (acks=all).
    await kcat(['-b', `127.0.0.1:${broker.port}`, '-P', '-t', 'survivor', '-p', '0', '-X', 'acks=all', '-z', 'lz4'], lines.slice(0, 1000).join('\n') + '\n');
    await kcat(['-b', `127.0.0.1:${broker.port}`, '-P', '-t', 'survivor', '-p', '0', '-X', 'acks=all'], lines.slice(1000).join('\n') + '\n');
    broker.process.kill('SIGKILL');
    await exited(broker.process);

    broker = await startChild(dir, backend);
    const out = await kcat(['-b', `127.0.0.1:${broker.port}`, '-C', '-t', 'survivor', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %s\n']);
    expect(out.trim().split('\n')).toEqual(lines.map((l, i) => `${i} ${l}`));
    // Producing continues at the right offset after recovery.
    await kcat(['-b', `127.0.0.1:${broker.port}`, '-P', '-t', 'survivor', '-p', '0'], 'after\n');
    const last = await kcat(['-b', `127.0.0.1:${broker.port}`, '-C', '-t', 'survivor', '-p', '0', '-o', '-1', '-e', '-q', '-f', '%o %s\n']);
    expect(last.trim()).toBe('2000 after');

    broker.process.kill('SIGTERM');
    expect(await exited(broker.process)).toBe(0);
    expect(broker.output()).toMatch(/shut down cleanly/);
  }, 60_000);
});
