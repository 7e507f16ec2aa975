import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { StorageError } from '../../storage/backend/index.js';
import { CLEAN_SHUTDOWN_FILE, LogManager } from '../../storage/log/index.js';
import { buildRecordBatch } from '../../storage/record/index.js';
import { expectRejected } from '../errors.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const batch = (n: number) => buildRecordBatch(Array.from({ length: n }, (_, i) => ({ value: `value-${i}` })));

describe('LogManager', () => {
  let base: string;
  const warnings: string[] = [];
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'samsa-manager-'));
    warnings.length = 0;
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const open = (dirs: string[]) => LogManager.open({ logDirs: dirs, retentionCheckIntervalMs: 0, warn: (m) => warnings.push(m) });

  it('spreads partitions over log.dirs and keeps them across a clean restart, with Kafka checkpoints', async () => {
    const dirs = [join(base, 'a'), join(base, 'b')];
    let manager = await open(dirs);
    for (let p = 0; p < 4; p++) await (await manager.getOrCreateLog('orders', p)).append(batch(p + 1));
    expect(readdirSync(dirs[0]!).filter((n) => n.startsWith('orders-')).length).toBe(2);
    expect(readdirSync(dirs[1]!).filter((n) => n.startsWith('orders-')).length).toBe(2);
    await manager.close();
    expect(existsSync(join(dirs[0]!, CLEAN_SHUTDOWN_FILE))).toBe(true);
    const checkpoint = readFileSync(join(dirs[0]!, 'recovery-point-offset-checkpoint'), 'utf8');
    expect(checkpoint).toMatch(/^0\n2\norders \d \d\norders \d \d\n$/);

    manager = await open(dirs);
    expect(existsSync(join(dirs[0]!, CLEAN_SHUTDOWN_FILE))).toBe(false);
    for (let p = 0; p < 4; p++) expect(manager.getLog('orders', p)!.logEndOffset).toBe(p + 1);
    await manager.close();
    expect(warnings).toEqual([]);
  });

  it('deletes a log as Kafka does: renamed to <topic>-<partition>.<id>-delete at once, removed in the background, and a leftover removed at the next open', async () => {
    const dirs = [join(base, 'a')];
    const manager = await open(dirs);
    await (await manager.getOrCreateLog('doomed', 0)).append(batch(5));
    await (await manager.getOrCreateLog('kept', 0)).append(batch(1));
    await manager.deleteLog('doomed', 0);
    const entries = readdirSync(dirs[0]!);
    expect(entries).not.toContain('doomed-0');
    expect(entries).toContain('kept-0');
    expect(manager.getLog('doomed', 0)).toBeUndefined();
    // The same topic again starts empty, beside the old one still being removed.
    expect((await manager.getOrCreateLog('doomed', 0)).logEndOffset).toBe(0);
    await manager.removalsDone();
    expect(readdirSync(dirs[0]!).filter((n) => n.endsWith('-delete'))).toEqual([]);
    await manager.close();

    // A crash during a removal leaves the renamed directory: the next open removes it without loading or warning about it.
    const leftover = join(dirs[0]!, `gone-3.${'ab'.repeat(16)}-delete`);
    mkdirSync(leftover);
    writeFileSync(join(leftover, '00000000000000000000.log'), batch(2));
    const again = await open(dirs);
    await again.removalsDone();
    expect(existsSync(leftover)).toBe(false);
    expect(again.getLog('gone', 3)).toBeUndefined();
    expect(again.getLog('kept', 0)!.logEndOffset).toBe(1);
    await again.close();
    expect(warnings).toEqual([]);
  });

  it('recovers a log after an unclean shutdown and says what it cut', async () => {
    const dirs = [join(base, 'a')];
    const manager = await open(dirs);
    const log = await manager.getOrCreateLog('events', 0);
    await log.append(batch(3));
    await manager.close();
    // Simulate a crash after the restart: no marker, and a torn batch at the end.
    rmSync(join(dirs[0]!, CLEAN_SHUTDOWN_FILE));
    const segment = join(dirs[0]!, 'events-0', '00000000000000000000.log');
    writeFileSync(segment, Buffer.concat([readFileSync(segment), batch(2).subarray(0, 30)]));
    const again = await open(dirs);
    expect(again.getLog('events', 0)!.logEndOffset).toBe(3);
    expect(warnings.some((w) => /recovery truncated 30 bytes/.test(w))).toBe(true);
    await again.close();
  });

  it('refuses a log dir another process holds', async () => {
    const dirs = [join(base, 'a')];
    const manager = await open(dirs);
    await expectRejected(open(dirs), StorageError, { code: 'LOCKED', errorCode: ErrorCode.KAFKA_STORAGE_ERROR }, /locked by process/);
    await manager.close();
  });

  it('runs the README example as written', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const code = /## Embedding the log engine[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    // A scratch folder inside the package, so 'samsa/storage' resolves to it by self-reference.
    const cwd = mkdtempSync(join(root, 'dist', 'readme-example-'));
    onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
    writeFileSync(join(cwd, 'example.mjs'), code!);
    const run = spawnSync(process.execPath, ['example.mjs'], { cwd, encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('0 order-1 {"total":42}\n1 order-2 {"total":7}\nappended offsets 0..1; log end offset 2\n');
    expect(existsSync(join(cwd, 'data', 'orders-0', '00000000000000000000.log'))).toBe(true);
  });
});

describe('LogManager topic configs', () => {
  it('opens found logs with the configs the embedder keeps, and applies new ones to every partition', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-topic-configs-'));
    try {
      let manager = await LogManager.open({ logDirs: [dir], retentionCheckIntervalMs: 0, cleanerEnable: false });
      await manager.getOrCreateLog('orders', 0, { 'retention.ms': 1000 });
      await manager.getOrCreateLog('orders', 1, { 'retention.ms': 1000 });
      await manager.close();
      manager = await LogManager.open({
        logDirs: [dir],
        retentionCheckIntervalMs: 0,
        cleanerEnable: false,
        topicConfigs: (topic) => (topic === 'orders' ? { 'retention.ms': 1000 } : undefined),
      });
      expect(manager.getLog('orders', 0)!.config.retentionMs).toBe(1000);
      manager.setTopicConfig('orders', { 'retention.ms': 5000, 'cleanup.policy': 'compact' });
      expect([0, 1].map((p) => [manager.getLog('orders', p)!.config.retentionMs, manager.getLog('orders', p)!.config.compact])).toEqual([
        [5000, true],
        [5000, true],
      ]);
      await manager.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
