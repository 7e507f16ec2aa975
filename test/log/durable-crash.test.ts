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
import { LogManager } from '../../storage/log/index.js';
import { decodeRecords, scanBatches } from '../../storage/record/index.js';
import { Cleanup, stopChild } from '../cleanup.js';
import { packageRoot } from '../package-root.js';

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

      const manager = await LogManager.open({
        logDirs: [dir],
        defaults: { 'storage.backend': backend, 'segment.bytes': 16 * 1024 },
        retentionCheckIntervalMs: 0,
        cleanerEnable: false,
        warn: () => undefined, // recovery cutting a torn tail is expected
      });
      cleanup.add(manager, (m) => m.close());
      const log = manager.getLog('durable', 0)!;
      expect(log.segmentCount).toBeGreaterThan(2);
      const values = new Map<number, string>();
      for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
        const read = await log.read(offset, 1 << 20);
        const before = offset;
        for (const batch of scanBatches(read.bytes).batches) {
          for (const record of decodeRecords(batch)) values.set(record.offset, record.value!.toString());
          offset = batch.nextOffset;
        }
        read.release();
        if (offset === before) break; // nothing readable there: what is missing shows below
      }
      const lost = acks.filter(({ writer, seq, offset }) => !values.get(offset)?.startsWith(`${writer}:${seq}:0.`));
      expect(lost, `${lost.length} of ${acks.length} acknowledged appends missing after recovery`).toEqual([]);
    });
  }
});
