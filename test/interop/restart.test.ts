import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BrokerProcess, startBrokerProcess } from '../broker/broker-process.js';
import { BACKENDS } from './backends.js';

function kcat(args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/kcat', args, { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin!.end(input);
  });
}

describe.each(BACKENDS)('broker restarts on the %s backend', (backend) => {
  it('keeps every acknowledged record through SIGKILL, recovers, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-restart-'));
    let broker: BrokerProcess | undefined;
    try {
      broker = await startBrokerProcess(dir, { 'storage.backend': backend });
      const lines = Array.from({ length: 2000 }, (_, i) => `record-${i}`);
      // kcat -P exits after every message is acknowledged (acks=all).
      await kcat(['-b', `127.0.0.1:${broker.port}`, '-P', '-t', 'survivor', '-p', '0', '-X', 'acks=all', '-z', 'lz4'], `${lines.slice(0, 1000).join('\n')}\n`);
      await kcat(['-b', `127.0.0.1:${broker.port}`, '-P', '-t', 'survivor', '-p', '0', '-X', 'acks=all'], `${lines.slice(1000).join('\n')}\n`);
      expect(await broker.stop('SIGKILL')).toBeNull();

      broker = await startBrokerProcess(dir, { 'storage.backend': backend });
      const out = await kcat(['-b', `127.0.0.1:${broker.port}`, '-C', '-t', 'survivor', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %s\n']);
      expect(out.trim().split('\n')).toEqual(lines.map((l, i) => `${i} ${l}`));
      // Producing continues at the right offset after recovery.
      await kcat(['-b', `127.0.0.1:${broker.port}`, '-P', '-t', 'survivor', '-p', '0'], 'after\n');
      const last = await kcat(['-b', `127.0.0.1:${broker.port}`, '-C', '-t', 'survivor', '-p', '0', '-o', '-1', '-e', '-q', '-f', '%o %s\n']);
      expect(last.trim()).toBe('2000 after');

      expect(await broker.stop()).toBe(0);
      expect(broker.output()).toMatch(/shut down cleanly/);
    } finally {
      broker?.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
