// A broker killed with SIGKILL while a real client produces keeps every
// record it acknowledged, on every backend: to a topic with
// flush.messages=1 (answered only once synced), and to a plain one (answered
// once written where a process crash cannot take it: the page cache, or on
// LevelDB, which writes appends behind in batches, the written batch).
// confluent-kafka (librdkafka) produces, the broker process is killed
// mid-stream, and the log recovered from its directory holds each
// acknowledged record at the offset its answer gave.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { startBrokerProcess } from '../broker/broker-process.js';
import { Cleanup, stopChild } from '../cleanup.js';
import { recoveredRecordValues } from '../log/record-values.js';
import { BACKENDS } from './backends.js';

// Debian's interpreter: its dist-packages hold python3-confluent-kafka.
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/durable_producer.py', import.meta.url));

describe.each(BACKENDS)('SIGKILL of a broker during durable produce on the %s backend', (backend) => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  it.each([
    ['flush.messages=1', { 'flush.messages': '1' }],
    ['the default flush settings', {}],
  ])(
    'loses no record it acknowledged, on a topic with %s',
    async (_what, configs) => {
      const dir = mkdtempSync(join(tmpdir(), `samsa-durable-kill-${backend}-`));
      cleanup.add(dir, (d) => rmSync(d, { recursive: true, force: true }));
      // Small segments: rolls, their syncs and recovery-point checkpoints happen during the run.
      const broker = await startBrokerProcess(dir, {
        'storage.backend': backend,
        'log.segment.bytes': '65536',
        'log.flush.offset.checkpoint.interval.ms': '100',
      });
      cleanup.add(broker, (b) => b.kill());
      const admin = new Admin({ 'bootstrap.servers': broker.bootstrap });
      cleanup.add(admin, (a) => a.close());
      await admin.createTopics([{ name: 'durable', numPartitions: 1, replicationFactor: 1, configs }]);

      const producer = spawn(PYTHON, [SCRIPT, broker.bootstrap, 'durable'], { stdio: ['ignore', 'pipe', 'inherit'] });
      cleanup.add(producer, stopChild);
      const acked = new Map<number, string>();
      let pending = '';
      await new Promise<void>((resolve, reject) => {
        producer.once('exit', (code, signal) => reject(new Error(`the producer exited (${code ?? signal}) after ${acked.size} acknowledgements`)));
        producer.stdout!.on('data', (data: Buffer) => {
          const lines = (pending + data.toString()).split('\n');
          pending = lines.pop()!;
          for (const line of lines) {
            const [, offset, value] = line.split(' ');
            acked.set(Number(offset), value!);
          }
          if (acked.size >= 3000) resolve();
        });
      });
      expect(await broker.stop('SIGKILL')).toBeNull();
      producer.stdout!.removeAllListeners('data');
      await stopChild(producer);

      const { values, segmentCount } = await recoveredRecordValues(dir, backend, 'durable');
      expect(segmentCount).toBeGreaterThan(1);
      const lost = [...acked].filter(([offset, value]) => values.get(offset) !== value);
      expect(lost, `${lost.length} of ${acked.size} acknowledged records missing after recovery`).toEqual([]);
    },
    120_000,
  );
});
