import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../storage/config/config-error.js';
import { CLEAN_SHUTDOWN_FILE, LogManager } from '../../storage/log/index.js';
import { buildRecordBatch } from '../../storage/record/index.js';
import { expectRejected } from '../errors.js';

const keyed = (round: number) => buildRecordBatch(Array.from({ length: 20 }, (_, i) => ({ key: `key-${i}`, value: `value-${round}-${i}`.padEnd(40, '.') })));

describe('what a LogManager reports while it works', () => {
  let dir: string;
  const info: string[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'samsa-progress-'));
    info.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (backend: string, defaults: Record<string, unknown> = {}) =>
    LogManager.open({
      logDirs: [dir],
      defaults: { 'storage.backend': backend, ...defaults },
      retentionCheckIntervalMs: 0,
      cleanerEnable: false,
      warn: () => {},
      info: (m) => info.push(m),
    });

  it('logs each log loaded, with how far the start has come, and each segment recovered after a crash with its size and rate', async () => {
    let manager = await open('file');
    for (let p = 0; p < 3; p++) await (await manager.getOrCreateLog('loaded', p)).append(keyed(p));
    await manager.close();
    // A crash: no clean-shutdown marker, and no recovery point, so every segment is re-validated.
    rmSync(join(dir, CLEAN_SHUTDOWN_FILE));
    rmSync(join(dir, 'recovery-point-offset-checkpoint'));
    manager = await open('file');
    await manager.close();
    expect(info[0]).toBe(`${dir}: loading 3 logs after an unclean shutdown: segments past the recovery point are recovered`);
    const loads = info.filter((m) => m.startsWith('completed load of log'));
    expect(loads.map((m) => /\((\d+\/3) completed in /.exec(m)?.[1])).toEqual(['1/3', '2/3', '3/3']);
    expect(loads[0]).toMatch(/^completed load of log loaded-\d with 1 segments, log start offset 0 and log end offset 20 in \d+ ms/);
    const recovered = info.filter((m) => m.includes('recovered segment 0 to offset 20 in'));
    expect(recovered).toHaveLength(3);
    expect(info.filter((m) => /recovering segment 0 \(\d+(\.\d)? (B|KiB)\)$/.test(m))).toHaveLength(3);
    expect(info[info.length - 1]).toMatch(new RegExp(`^${dir}: loaded 3 logs in \\d+ ms$`));

    // After a clean shutdown nothing is recovered.
    info.length = 0;
    manager = await open('file');
    await manager.close();
    expect(info[0]).toBe(`${dir}: loading 3 logs after a clean shutdown`);
    expect(info.filter((m) => m.includes('recover'))).toEqual([]);
  });

  it("sums up each cleaning as Kafka's cleaner does: the dirty section, bytes processed and rate, size reduction, records kept", async () => {
    const manager = await open('file', { 'cleanup.policy': 'compact', 'segment.bytes': 2048, 'file.delete.delay.ms': 0 });
    try {
      const log = await manager.getOrCreateLog('compacted', 0);
      for (let round = 0; round < 6; round++) await log.append(keyed(round));
      // Cleaning stops at the active segment and the high watermark.
      await log.roll();
      log.highWatermark = log.logEndOffset;
      expect((await manager.cleaner.cleanNow())?.key).toBe('compacted-0');
      expect(info).toContainEqual(expect.stringMatching(/^cleaning log compacted-0: offsets 0 to \d+ are dirty$/));
      const summary = info.find((m) => m.startsWith('cleaned log compacted-0'));
      expect(summary).toMatch(
        /^cleaned log compacted-0 \(dirty section = \[0, \d+\]\): [\d.]+ KiB of log processed in [\d.]+ s \([\d.]+ (KiB|MiB)\/s\), [\d.]+ KiB of \d+ segments rewritten to [\d.]+ (B|KiB) \([\d.]+% size reduction\), 20 of \d+ records kept$/,
      );
    } finally {
      await manager.close();
    }
  });

  it('refuses a log dir another backend wrote, naming storage.backend, and lets file and mmap share theirs', async () => {
    const fileWritten = await open('file');
    await (await fileWritten.getOrCreateLog('shared', 0)).append(keyed(0));
    await fileWritten.close();
    await expectRejected(
      open('level'),
      ConfigError,
      { key: 'storage.backend' },
      /holds logs written by storage.backend=file or mmap \(segment files\), not level/,
    );
    // The same segment files under mmap.
    const mmap = await open('mmap');
    expect(mmap.getLog('shared', 0)!.logEndOffset).toBe(20);
    await mmap.close();

    rmSync(dir, { recursive: true, force: true });
    const levelWritten = await open('level');
    await (await levelWritten.getOrCreateLog('shared', 0)).append(keyed(0));
    await levelWritten.close();
    await expectRejected(
      open('file'),
      ConfigError,
      { key: 'storage.backend' },
      /holds logs written by storage.backend=level \(a LevelDB database in each partition directory\), not file/,
    );
  });
});
