import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { samsa, stopRunning } from './run-samsa.js';

const TOTAL_LINE =
  /^(\d+) records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.00 ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/;
const CONSUMER_HEADER =
  'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
const TIME = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}`;
const NUM = String.raw`(?:\d+\.\d{4}|Infinity|NaN)`;

describe('samsa producer-perf-test and consumer-perf-test', () => {
  let b: TestBroker;
  let admin: Admin;

  /** The records in a topic: the sum of its partitions' latest offsets. */
  async function recordsIn(topic: string): Promise<number> {
    const [d] = await admin.describeTopics([topic]);
    const offsets = await admin.listOffsets(d!.partitions.map((p) => ({ topic, partition: p.partition, spec: 'latest' as const })));
    return offsets.reduce((sum, o) => sum + o.offset, 0);
  }

  beforeAll(async () => {
    b = await startBroker({ 'group.initial.rebalance.delay.ms': 0 });
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    await admin.createTopics([
      { name: 'perf', numPartitions: 2 },
      { name: 'perf-txn', numPartitions: 1 },
      { name: 'perf-payloads', numPartitions: 1 },
    ]);
  });

  afterEach(stopRunning);

  afterAll(async () => {
    await admin?.close();
    await b?.stop();
  });

  it('sends --num-records records of --record-size bytes and prints Kafka’s summary line', async () => {
    const run = await samsa([
      'producer-perf-test',
      '--topic',
      'perf',
      '--num-records',
      '5000',
      '--record-size',
      '100',
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${b.bootstrap}`,
      'acks=1',
    ]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(TOTAL_LINE);
    expect(TOTAL_LINE.exec(lines.at(-1)!)![1]).toBe('5000');
    expect(await recordsIn('perf')).toBe(5000);
  });

  it('reports progress every five seconds while it runs, as Kafka prints it', { timeout: 60_000 }, async () => {
    // 6,000 records at 1,000 a second take six seconds at least: one window's line comes before the summary.
    const run = await samsa([
      'producer-perf-test',
      '--topic',
      'perf',
      '--num-records',
      '6000',
      '--record-size',
      '100',
      '--throughput',
      '1000',
      '--producer-props',
      `bootstrap.servers=${b.bootstrap}`,
    ]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(TOTAL_LINE);
    const windows = lines.slice(0, -1);
    expect(windows.length).toBeGreaterThanOrEqual(1);
    for (const line of windows)
      expect(line).toMatch(/^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/);
    expect(windows.reduce((n, line) => n + Number(line.split(' ')[0]), 0)).toBeLessThanOrEqual(6000);
  });

  it('throttles to --throughput, reads payloads from a file, and commits transactions', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'samsa-perf-')), 'payloads.txt');
    writeFileSync(file, 'alpha\nbeta\ngamma\n');
    const payloads = await samsa([
      'producer-perf-test',
      '--topic',
      'perf-payloads',
      '--num-records',
      '300',
      '--payload-file',
      file,
      '--throughput',
      '1000',
      '--bootstrap-server',
      b.bootstrap,
      '--warmup-records',
      '100',
    ]);
    expect(payloads.status).toBe(0);
    expect(payloads.stdout).toContain('Number of messages read: 3\n');
    expect(payloads.stdout).toContain('Warmup first 100 records. Steady state results will print after the complete test summary.\n');
    expect(payloads.stdout).toMatch(/\n200 steady state records sent, /);
    const read = await samsa([
      'console-consumer',
      '--bootstrap-server',
      b.bootstrap,
      '--topic',
      'perf-payloads',
      '--partition',
      '0',
      '--offset',
      'earliest',
      '--max-messages',
      '300',
    ]);
    expect(new Set(read.stdout.trimEnd().split('\n'))).toEqual(new Set(['alpha', 'beta', 'gamma']));

    const txn = await samsa([
      'producer-perf-test',
      '--topic',
      'perf-txn',
      '--num-records',
      '500',
      '--payload-monotonic',
      '--throughput',
      '-1',
      '--bootstrap-server',
      b.bootstrap,
      '--transaction-duration-ms',
      '50',
    ]);
    expect(txn.status).toBe(0);
    const committed = await samsa([
      'console-consumer',
      '--bootstrap-server',
      b.bootstrap,
      '--topic',
      'perf-txn',
      '--partition',
      '0',
      '--offset',
      'earliest',
      '--isolation-level',
      'read_committed',
      '--max-messages',
      '500',
    ]);
    expect(committed.stdout).toBe(`${Array.from({ length: 500 }, (_, i) => i).join('\n')}\n`);
  });

  it('consumes --messages records in a group and prints the header and Kafka’s summary line', async () => {
    const run = await samsa(['consumer-perf-test', '--bootstrap-server', b.bootstrap, '--topic', 'perf', '--messages', '5000', '--group', 'perf-group']);
    expect(run.status).toBe(0);
    const [header, summary, end] = run.stdout.split('\n');
    expect(header).toBe(CONSUMER_HEADER);
    expect(end).toBe('');
    expect(summary).toMatch(new RegExp(`^${TIME}, ${TIME}, 0\\.4768, ${NUM}, 5000, ${NUM}, \\d+, -?\\d+, ${NUM}, ${NUM}$`));
  });

  it('warns when the records run out before --messages, after --timeout', async () => {
    const run = await samsa([
      'consumer-perf-test',
      '--bootstrap-server',
      b.bootstrap,
      '--topic',
      'perf-payloads',
      '--messages',
      '1000',
      '--timeout',
      '3000',
      '--hide-header',
    ]);
    expect(run.status).toBe(0);
    const [warning, summary] = run.stdout.split('\n');
    expect(warning).toBe(
      'WARNING: Exiting before consuming the expected number of messages: timeout (3000 ms) exceeded. You can use the --timeout option to increase the timeout.',
    );
    expect(summary).toMatch(new RegExp(`^${TIME}, ${TIME}, ${NUM}, ${NUM}, 300, `));
  });

  it('refuses bad command lines: argparse4j’s usage for the producer, jopt-simple’s for the consumer, exit 1', async () => {
    const missing = await samsa(['producer-perf-test', '--topic', 'perf', '--record-size', '1', '--throughput', '-1']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^usage: producer-performance /);
    expect(missing.stderr).toContain('producer-performance: error: argument --num-records is required\n');
    const both = await samsa([
      'producer-perf-test',
      '--topic',
      'perf',
      '--num-records',
      '1',
      '--record-size',
      '1',
      '--payload-monotonic',
      '--throughput',
      '-1',
    ]);
    expect(both.stderr).toContain('producer-performance: error: argument --payload-monotonic: not allowed with argument --record-size');
    const unknown = await samsa(['consumer-perf-test', '--bootstrap-server', b.bootstrap, '--topic', 'perf', '--messages', '1', '--bogus']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('bogus is not a recognized option');
    const noMessages = await samsa(['consumer-perf-test', '--bootstrap-server', b.bootstrap, '--topic', 'perf']);
    expect(noMessages.status).toBe(1);
    expect(noMessages.stderr).toContain('Missing required argument "[messages]"');
  });
});
