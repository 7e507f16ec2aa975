// Group commit (issue 19): durable appends share syncs, each is answered only
// after a sync that covers its bytes, one sync per flush touches only the
// active segment's .log, and flush.ms flushes without appends to trigger it.
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES, createBackend, type LogDirectory } from '../../storage/backend/index.js';
import { LogConfig } from '../../storage/config/log-config.js';
import { Log } from '../../storage/log/index.js';
import { buildRecordBatch } from '../../storage/record/index.js';
import { waitFor } from '../wait-for.js';
import { recordValues } from './record-values.js';
import { spyingDirectory } from './spying-directory.js';

type Event =
  | { kind: 'write'; name: string; end: number }
  | { kind: 'sync-start'; name: string; id: number; size: number }
  | { kind: 'sync-end'; name: string; id: number }
  | { kind: 'answered'; append: number };

/** `dir`, with every write and sync of the objects it opens recorded in order, as the log's storage sees them. */
function recording(dir: LogDirectory, events: Event[]): LogDirectory {
  let syncs = 0;
  return spyingDirectory(dir, (name, o, k) => {
    if (k === 'appendSync' && o.appendSync) {
      return (bytes: Uint8Array) => {
        const at = o.appendSync!(bytes);
        events.push({ kind: 'write', name, end: o.size });
        return at;
      };
    }
    if (k === 'append' || k === 'write') {
      return async (...args: unknown[]) => {
        const result = await (Reflect.get(o, k) as (...a: unknown[]) => Promise<unknown>).apply(o, args);
        events.push({ kind: 'write', name, end: o.size });
        return result;
      };
    }
    if (k === 'flush') {
      return async () => {
        const id = ++syncs;
        events.push({ kind: 'sync-start', name, id, size: o.size });
        await o.flush();
        events.push({ kind: 'sync-end', name, id });
      };
    }
    return undefined;
  });
}

function batch(first: number): Buffer {
  return buildRecordBatch([{ key: `k${first}`, value: `value ${first}`.padEnd(100, '.'), timestamp: 1_700_000_000_000 + first }]);
}

const LOG = '00000000000000000000.log';

for (const backend of BACKEND_NAMES) {
  describe(`group commit on ${backend}`, () => {
    let path: string;
    let dir: LogDirectory;
    beforeEach(async () => {
      path = mkdtempSync(join(tmpdir(), `samsa-group-commit-${backend}-`));
      dir = await createBackend(backend).openDirectory(path);
    });
    afterEach(async () => {
      await dir.close();
      rmSync(path, { recursive: true, force: true });
    });

    it('answers each of many concurrent durable appends after a sync of the .log that covers it, with far fewer syncs than appends', async () => {
      const events: Event[] = [];
      const log = await Log.open(recording(dir, events), LogConfig.from({ 'flush.messages': 1 }));
      try {
        const appends = 200;
        // Four waves: the ones after the first arrive while a sync runs.
        const answered: Promise<unknown>[] = [];
        for (let wave = 0; wave < 4; wave++) {
          for (let i = 0; i < appends / 4; i++) {
            const n = wave * (appends / 4) + i;
            answered.push(log.append(batch(n)).then(() => events.push({ kind: 'answered', append: n })));
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
        await Promise.all(answered);
        expect(log.recoveryPoint).toBe(appends);

        const logWrites = events.flatMap((e, at) => (e.kind === 'write' && e.name === LOG ? [{ at, end: e.end }] : []));
        expect(logWrites).toHaveLength(appends); // one write per append, in offset order
        const syncs = new Map<number, { start: number; end: number; size: number }>();
        events.forEach((e, at) => {
          if (e.kind === 'sync-start' && e.name === LOG) syncs.set(e.id, { start: at, end: -1, size: e.size });
          if (e.kind === 'sync-end' && e.name === LOG) syncs.get(e.id)!.end = at;
        });
        expect(syncs.size).toBeGreaterThan(0);
        expect(syncs.size).toBeLessThan(appends / 4);
        // Only the .log is synced while appending: indexes wait for a roll or close.
        expect(events.filter((e) => e.kind === 'sync-start' && e.name !== LOG)).toEqual([]);
        events.forEach((e, at) => {
          if (e.kind !== 'answered') return;
          const write = logWrites[e.append]!;
          const covering = [...syncs.values()].filter((s) => s.start > write.at && s.size >= write.end && s.end >= 0 && s.end < at);
          expect(covering.length, `append ${e.append} answered with no sync of its bytes before`).toBeGreaterThan(0);
          // No append waits for more than the sync running at its write and the one after it.
          const ended = [...syncs.values()].filter((s) => s.end > write.at && s.end < at);
          expect(ended.length, `append ${e.append} waited for ${ended.length} syncs`).toBeLessThanOrEqual(2);
        });
      } finally {
        await log.close();
      }
    });

    it('flushes by flush.ms with no append after the data', async () => {
      const events: Event[] = [];
      const log = await Log.open(recording(dir, events), LogConfig.from({ 'flush.ms': 50 }));
      try {
        const { lastOffset } = await log.append(batch(0));
        expect(log.recoveryPoint).toBe(0); // an append does not wait for flush.ms
        await waitFor(() => log.recoveryPoint > lastOffset, 'flush.ms to sync the append');
        expect(events.some((e) => e.kind === 'sync-end' && e.name === LOG)).toBe(true);
        // And again for data appended after that flush.
        await log.append(batch(1));
        await waitFor(() => log.recoveryPoint === 2, 'flush.ms to sync the second append');
      } finally {
        await log.close();
      }
    });

    it('syncs a rolled segment whole, and the recovery point passes it only then', async () => {
      const events: Event[] = [];
      const log = await Log.open(recording(dir, events), LogConfig.from({ 'segment.bytes': 1024, 'flush.messages': 1 }));
      try {
        for (let i = 0; i < 30; i++) await log.append(batch(i));
        expect(log.segmentCount).toBeGreaterThan(2);
        await log.syncRolledSegments();
        expect(log.recoveryPoint).toBe(30);
        const inactive = log.allSegments.slice(0, -1);
        for (const segment of inactive) {
          const base = String(segment.baseOffset).padStart(20, '0');
          for (const suffix of ['.log', '.index', '.timeindex']) {
            expect(
              events.some((e) => e.kind === 'sync-end' && e.name === base + suffix),
              `${base}${suffix} synced`,
            ).toBe(true);
          }
        }
      } finally {
        await log.close();
      }
    });
  });
}

/**
 * A power cut as the log's files see it: each file keeps only the bytes its
 * last completed sync covered (none if never synced), written into `to`.
 * Files written whole and synced by writeAtomically (checkpoints) are kept whole.
 */
function cutPower(from: string, to: string, events: readonly Event[]): void {
  const opened = new Set<string>();
  const synced = new Map<string, number>();
  const started = new Map<number, { name: string; size: number }>();
  for (const e of events) {
    if (e.kind === 'write') opened.add(e.name);
    if (e.kind === 'sync-start') {
      opened.add(e.name);
      started.set(e.id, { name: e.name, size: e.size });
    }
    if (e.kind === 'sync-end') synced.set(e.name, started.get(e.id)!.size);
  }
  for (const name of readdirSync(from)) {
    if (name === '.lock') continue;
    const size = opened.has(name) ? (synced.get(name) ?? 0) : statSync(join(from, name)).size;
    const bytes = Buffer.alloc(size);
    const fd = openSync(join(from, name), 'r');
    try {
      readSync(fd, bytes, 0, size, 0);
    } finally {
      closeSync(fd);
    }
    writeFileSync(join(to, name), bytes);
  }
}

for (const backend of ['file', 'mmap'] as const) {
  describe(`a power cut during durable appends on ${backend}`, () => {
    const paths: string[] = [];
    afterEach(() => {
      for (const path of paths.splice(0)) rmSync(path, { recursive: true, force: true });
    });

    it('loses nothing acknowledged when every unsynced byte of every file is lost', async () => {
      const path = mkdtempSync(join(tmpdir(), `samsa-power-cut-${backend}-`));
      const after = mkdtempSync(join(tmpdir(), `samsa-power-cut-${backend}-after-`));
      paths.push(path, after);
      const events: Event[] = [];
      const dir = await createBackend(backend).openDirectory(path);
      const config = LogConfig.from({ 'flush.messages': 1, 'segment.bytes': 2048, 'index.interval.bytes': 256 });
      const log = await Log.open(recording(dir, events), config);
      const acknowledged = new Map<number, string>();
      let recoveryPoint = -1;
      try {
        const answered: Promise<unknown>[] = [];
        for (let wave = 0; wave < 20; wave++) {
          for (let i = 0; i < 15; i++) {
            const n = wave * 15 + i;
            answered.push(
              log.append(batch(n)).then(({ baseOffset }) => {
                if (recoveryPoint >= 0) return; // after the power cut: not acknowledged to anyone
                acknowledged.set(baseOffset, `value ${n}`);
                if (acknowledged.size === 200) {
                  recoveryPoint = log.recoveryPoint; // as the last checkpoint could have it
                  cutPower(path, after, events);
                }
              }),
            );
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
        await Promise.all(answered);
        expect(recoveryPoint).toBeGreaterThanOrEqual(0);
      } finally {
        await log.close();
        await dir.close();
      }
      const recoveredDir = await createBackend(backend).openDirectory(after);
      try {
        const recovered = await Log.open(recoveredDir, config, { cleanShutdown: false, recoveryPoint, warn: () => undefined });
        try {
          expect(recovered.segmentCount).toBeGreaterThan(2);
          const values = await recordValues(recovered, (value) => value.replace(/\.+$/, ''));
          const lost = [...acknowledged].filter(([offset, value]) => values.get(offset) !== value);
          expect(lost, `${lost.length} of ${acknowledged.size} acknowledged appends lost`).toEqual([]);
        } finally {
          await recovered.close();
        }
      } finally {
        await recoveredDir.close();
      }
    });
  });
}
