// SIGKILL during durable appends (flush.messages=1) loses nothing that was
// acknowledged, on every backend: a child process appends through the log
// engine and is killed mid-stream; the log recovered from its files holds
// every record whose append was answered, where the answer said.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES } from '../../storage/backend/index.js';
import { Cleanup, stopChild } from '../cleanup.js';
import { packageRoot } from '../package-root.js';
import { recoveredRecordValues } from './record-values.js';

const root = packageRoot(import.meta.url);

describe('SIGKILL during durable appends', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  for (const backend of BACKEND_NAMES) {
    it(`loses nothing acknowledged on ${backend}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `samsa-durable-crash-${backend}-`));
      cleanup.add(dir, (d) => rmSync(d, { recursive: true, force: true }));
      const child = spawn(process.execPath, ['dist/test/log/durable-append-child.js', backend, dir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      cleanup.add(child, stopChild);
      const acks: Array<{ writer: number; seq: number; offset: number }> = [];
      let pending = '';
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code, signal) => reject(new Error(`the append child exited (${code ?? signal}) after ${acks.length} acknowledgements`)));
        child.stdout!.on('data', (data: Buffer) => {
          const lines = (pending + data.toString()).split('\n');
          pending = lines.pop()!; // a line the kill may cut is not an acknowledgement yet
          for (const line of lines) {
            const [, writer, seq, offset] = line.split(' ').map(Number);
            acks.push({ writer: writer!, seq: seq!, offset: offset! });
          }
          // Enough for several rolls (16 KiB segments) and checkpoints.
          if (acks.length >= 3000) resolve();
        });
      });
      await stopChild(child); // SIGKILL, mid-append

      const { values, segmentCount } = await recoveredRecordValues(dir, backend, 'durable');
      expect(segmentCount).toBeGreaterThan(2);
      const lost = acks.filter(({ writer, seq, offset }) => !values.get(offset)?.startsWith(`${writer}:${seq}:0.`));
      expect(lost, `${lost.length} of ${acks.length} acknowledged appends missing after recovery`).toEqual([]);
    });
  }
});
