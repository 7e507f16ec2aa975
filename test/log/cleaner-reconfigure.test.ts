import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Log, LogManager, type LogManagerOptions } from '../../storage/log/index.js';
import { buildRecordBatch } from '../../storage/record/index.js';
import { waitFor } from '../wait-for.js';
import { recordValues } from './record-values.js';

// LogCleaner.reconfigure, Kafka's restart of its cleaner with new settings:
// with a cleaning in progress (held in the throttle's pause, the transition a
// restart must interrupt) the cleaning stops and leaves the log whole, and a
// new thread under the new settings cleans it; with the loops running, the
// new threads pass at once.

const KEYS = 20;
const ROUNDS = 60;

describe('the log cleaner restarted with new settings', () => {
  let dir: string | undefined;
  let manager: LogManager | undefined;
  afterEach(async () => {
    await manager?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    manager = dir = undefined;
  });

  /** ROUNDS values of KEYS keys, a batch per record, rolled so all of it is cleanable. */
  async function fill(log: Log): Promise<void> {
    for (let round = 0; round < ROUNDS; round++)
      for (let k = 0; k < KEYS; k++) await log.append(buildRecordBatch([{ key: `k${k}`, value: `round-${round}-${'x'.repeat(100)}`, timestamp: Date.now() }]));
    await log.roll();
    log.highWatermark = log.logEndOffset;
  }

  const open = (options: Partial<LogManagerOptions>) => {
    dir = mkdtempSync(join(tmpdir(), 'samsa-cleaner-restart-'));
    return LogManager.open({
      logDirs: [dir],
      defaults: { 'cleanup.policy': 'compact', 'file.delete.delay.ms': 0 },
      retentionCheckIntervalMs: 0,
      warn: () => undefined,
      ...options,
    });
  };

  it('stops a cleaning paused by log.cleaner.io.max.bytes.per.second and keeps the log whole; a new thread cleans it under the new settings', async () => {
    // No loops: the passes are the test's.
    manager = await open({ cleanerEnable: false, cleanerIoBufferSize: 4096, cleanerIoMaxBytesPerSecond: 1 });
    const cleaner = manager.cleaner;
    const log = await manager.getOrCreateLog('t', 0);
    await fill(log);
    const before = await recordValues(log);
    const dirtyEnd = (await cleaner.measure()).get('t-0')!.firstUncleanableOffset;
    expect(dirtyEnd).toBe(KEYS * ROUNDS);

    // A byte a second: the first chunk read puts the cleaning in a pause of over an hour.
    const held = cleaner.cleanNow();
    await waitFor(() => cleaner.throttling, 'the cleaning to pause for the I/O rate');
    await cleaner.reconfigure({ threads: 2, maxIoBytesPerSecond: Number.MAX_VALUE });
    expect(await held).toBeUndefined();
    expect(cleaner.threadCount).toBe(2);
    expect(await recordValues(log)).toEqual(before);
    expect(cleaner.checkpoints.get('t-0')).toBeUndefined();
    expect(cleaner.throttledMs).toBeGreaterThan(0);

    const outcome = await cleaner.cleanNow();
    expect(outcome).toMatchObject({ key: 't-0', thread: 0, endOffset: dirtyEnd });
    const after = await recordValues(log);
    expect(after.size).toBe(KEYS);
    for (const [offset, value] of after) expect(value).toBe(before.get(offset));
    expect([...after.keys()].every((offset) => offset >= KEYS * (ROUNDS - 1))).toBe(true);
  });

  it('restarted while its loops run, the new threads pass at once rather than after log.cleaner.backoff.ms', async () => {
    // The first pass of the loops is an hour away.
    manager = await open({ cleanerBackoffMs: 3_600_000 });
    const cleaner = manager.cleaner;
    const log = await manager.getOrCreateLog('t', 0);
    await fill(log);
    await cleaner.reconfigure({ threads: 2, backoffMs: 1_800_000 });
    expect(cleaner.currentSettings).toMatchObject({ threads: 2, backoffMs: 1_800_000 });
    await waitFor(() => cleaner.checkpoints.get('t-0') === KEYS * ROUNDS, 'the restarted cleaner to clean the log');
    expect((await recordValues(log)).size).toBe(KEYS);
  });

  it('changes nothing when the settings are the same, and leaves a stopped cleaner stopped', async () => {
    manager = await open({ cleanerEnable: false });
    const cleaner = manager.cleaner;
    const settings = cleaner.currentSettings;
    await cleaner.reconfigure({ ...settings });
    expect(cleaner.currentSettings).toBe(settings);
    await cleaner.stop();
    await cleaner.reconfigure({ threads: 2 });
    expect(cleaner.threadCount).toBe(1);
    expect(await cleaner.cleanNow()).toBeUndefined();
  });
});
