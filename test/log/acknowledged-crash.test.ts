// An append the log engine has answered is stored where a process crash
// cannot take it, with the default flush settings too, on every backend: the
// page cache on file and mmap, the written batch on LevelDB (which writes
// appends behind). A child appends and kills itself with SIGKILL in the very
// tick it is answered; every answered record is in the recovered log.
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

describe('SIGKILL right after an append is answered', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  for (const backend of BACKEND_NAMES) {
    it(`loses nothing answered on ${backend}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `samsa-acknowledged-crash-${backend}-`));
      cleanup.add(dir, (d) => rmSync(d, { recursive: true, force: true }));
      const child = spawn(process.execPath, ['dist/test/log/acknowledged-append-child.js', backend, dir], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      cleanup.add(child, stopChild);
      let output = '';
      child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, s) => resolve(s)));
      expect(signal).toBe('SIGKILL');
      const acks = output
        .split('\n')
        .filter((line) => line.startsWith('ack '))
        .map((line) => line.split(' ').map(Number))
        .map(([, writer, seq, offset]) => ({ writer: writer!, seq: seq!, offset: offset! }));
      // The child writes each line synchronously before the next append can be answered: all 2,000 reach us.
      expect(acks).toHaveLength(2000);
      const { values } = await recoveredRecordValues(dir, backend, 'acknowledged');
      const lost = acks.filter(({ writer, seq, offset }) => !values.get(offset)?.startsWith(`${writer}:${seq}:0.`));
      expect(lost, `${lost.length} of ${acks.length} answered appends missing after recovery`).toEqual([]);
    });
  }
});
