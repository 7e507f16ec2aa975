import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { commandConfig, samsa, stopRunning, USAGE_HEADER } from './run-samsa.js';

describe('samsa get-offsets, delete-records and log-dirs', () => {
  let b: TestBroker;
  let admin: Admin;
  const files = mkdtempSync(join(tmpdir(), 'samsa-offsets-'));
  const tool = (name: string, ...args: string[]) => samsa([name, '--bootstrap-server', b.bootstrap, ...args]);
  const jsonFile = (name: string, content: string) => {
    const path = join(files, name);
    writeFileSync(path, content);
    return path;
  };

  beforeAll(async () => {
    b = await startBroker();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    await admin.createTopics([
      { name: 'events', numPartitions: 3 },
      { name: 'other', numPartitions: 1 },
      { name: 'wide', numPartitions: 12 },
    ]);
    const p = new Producer({ 'bootstrap.servers': b.bootstrap, 'linger.ms': 0 });
    // events-0: five records at 1000…5000 ms; events-1: two at 10000 and 20000; events-2: none.
    for (let i = 0; i < 5; i++) await p.send({ topic: 'events', partition: 0, value: `e${i}`, timestamp: (i + 1) * 1000 });
    for (let i = 0; i < 2; i++) await p.send({ topic: 'events', partition: 1, value: `f${i}`, timestamp: (i + 1) * 10_000 });
    await p.send({ topic: 'other', partition: 0, value: 'o', timestamp: 1 });
    await p.close();
  });

  afterEach(stopRunning);

  afterAll(async () => {
    await admin?.close();
    await b?.stop();
  });

  describe('get-offsets', () => {
    it('prints the latest offsets as topic:partition:offset, or the earliest, or by time', async () => {
      expect(await tool('get-offsets', '--topic', 'events')).toMatchObject({ status: 0, stdout: 'events:0:5\nevents:1:2\nevents:2:0\n', stderr: '' });
      expect((await tool('get-offsets', '--topic', 'events', '--time', '-2')).stdout).toBe('events:0:0\nevents:1:0\nevents:2:0\n');
      expect((await tool('get-offsets', '--topic', 'events', '--time', 'earliest')).stdout).toBe('events:0:0\nevents:1:0\nevents:2:0\n');
      // The first record at or after 3000 ms; a partition with none is left out.
      expect((await tool('get-offsets', '--topic', 'events', '--time', '3000')).stdout).toBe('events:0:2\nevents:1:0\n');
      expect((await tool('get-offsets', '--topic', 'events', '--time', '-3')).stdout).toBe('events:0:4\nevents:1:1\n');
    });

    it('filters by --partitions and by --topic-partitions rules', async () => {
      expect((await tool('get-offsets', '--topic', 'events', '--partitions', '0,2')).stdout).toBe('events:0:5\nevents:2:0\n');
      expect((await tool('get-offsets', '--topic-partitions', 'events:1-,other')).stdout).toBe('events:1:2\nevents:2:0\nother:0:1\n');
      expect((await tool('get-offsets', '--topic-partitions', 'ev.*:-1')).stdout).toBe('events:0:5\n');
      expect((await tool('get-offsets', '--topic-partitions', ':0')).stdout).toMatch(/^events:0:5\nother:0:1\nwide:0:0\n$/);
    });

    it('sorts as Kafka does, by the partition name as a string', async () => {
      const run = await tool('get-offsets', '--topic', 'wide');
      expect(
        run.stdout
          .trimEnd()
          .split('\n')
          .map((l) => Number(l.split(':')[1])),
      ).toEqual([0, 1, 10, 11, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('fails with "Error occurred" and exit 1', async () => {
      expect(await tool('get-offsets', '--topic', 'nope')).toMatchObject({
        status: 1,
        stdout: '',
        stderr: 'Error occurred: Could not match any topic-partitions with the specified filters\n',
      });
      expect((await tool('get-offsets', '--time', 'soon')).stderr).toMatch(/^Error occurred: Malformed time argument soon\. /);
      expect((await tool('get-offsets', '--topic', 'events', '--topic-partitions', 'events')).stderr).toBe(
        'Error occurred: --topic-partitions cannot be used with --topic or --partitions\n',
      );
      expect((await tool('get-offsets', '--partitions', 'a,b')).stderr).toBe(
        'Error occurred: --partitions expects a comma separated list of numeric partition ids, but received: a,b\n',
      );
      const config = commandConfig({ 'default.api.timeout.ms': 800, 'request.timeout.ms': 400 });
      const unreachable = await samsa(['get-offsets', '--bootstrap-server', '127.0.0.1:1', '--command-config', config]);
      expect(unreachable.status).toBe(1);
      expect(unreachable.stderr).toMatch(/^Error occurred: .*timed out/);
    });

    it('prints the usage and exits 1 for a bad command line', async () => {
      for (const args of [['get-offsets', '--bootstrap-server', 'x:1', '--frobnicate'], ['get-offsets', '--topic', 'x'], ['get-offsets']]) {
        const run = await samsa(args);
        expect(run.status, args.join(' ')).toBe(1);
        expect(run.stderr, args.join(' ')).toContain(USAGE_HEADER);
      }
    });
  });

  describe('delete-records', () => {
    it('deletes before each offset and prints each partition, in the order of Kafka’s HashMap, errors beside their partition', async () => {
      const file = jsonFile(
        'delete.json',
        JSON.stringify({
          partitions: [
            { topic: 'events', partition: 0, offset: 2 },
            { topic: 'events', partition: 1, offset: 100 },
            { topic: 'nope', partition: 0, offset: 1 },
          ],
          version: 1,
        }),
      );
      const run = await tool('delete-records', '--offset-json-file', file);
      expect(run.status).toBe(0);
      // Order worked out apart from samsa, with Java's TopicPartition.hashCode and HashMap buckets.
      expect(run.stdout).toBe(
        'Executing records delete operation\nRecords delete operation completed:\n' +
          'partition: nope-0\terror: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.\n' +
          'partition: events-0\tlow_watermark: 2\n' +
          'partition: events-1\terror: org.apache.kafka.common.errors.OffsetOutOfRangeException: The requested offset is not within the range of offsets maintained by the server.\n',
      );
      expect((await tool('get-offsets', '--topic', 'events', '--time', 'earliest')).stdout).toBe('events:0:2\nevents:1:0\nevents:2:0\n');
    });

    it('refuses a file that is not Kafka’s format, exit 1', async () => {
      const cases: Array<[string, string]> = [
        ['{not json', 'The input string is not a valid JSON'],
        ['{"version":2,"partitions":[]}', 'Not supported version field value 2'],
        ['{"version":1}', 'Missing partitions field'],
        [
          '{"partitions":[{"topic":"events","partition":0,"offset":1},{"topic":"events","partition":0,"offset":2}]}',
          'Offset json file contains duplicate topic partitions: events-0',
        ],
      ];
      for (const [content, message] of cases) {
        const run = await tool('delete-records', '--offset-json-file', jsonFile('bad.json', content));
        expect(run.status, content).toBe(1);
        expect(run.stderr, content).toContain(message);
      }
      const missing = await tool('delete-records');
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain('Missing required argument "[offset-json-file]"');
      expect(missing.stderr).toContain(USAGE_HEADER);
    });
  });

  describe('log-dirs', () => {
    it('prints the JSON Kafka prints, keys in its order', async () => {
      const run = await tool('log-dirs', '--describe');
      expect(run.status).toBe(0);
      const [querying, received, json, end] = run.stdout.split('\n');
      expect([querying, received, end]).toEqual(['Querying brokers for log directories information', 'Received log directory information from brokers 0', '']);
      expect(json).toMatch(/^\{"brokers":\[\{"broker":0,"logDirs":\[\{"partitions":\[\{"partition":"[^"]+","size":\d+,"offsetLag":0,"isFuture":false\}/);
      expect(json!.endsWith(`],"error":null,"logDir":${JSON.stringify(b.dir)}}]}],"version":1}`)).toBe(true);
      const parsed = JSON.parse(json!);
      const partitions = parsed.brokers[0].logDirs[0].partitions as Array<{ partition: string; size: number }>;
      expect(partitions.map((p) => p.partition).sort()).toEqual(
        ['events-0', 'events-1', 'events-2', 'other-0', ...Array.from({ length: 12 }, (_, i) => `wide-${i}`)].sort(),
      );
      expect(partitions.find((p) => p.partition === 'events-0')!.size).toBeGreaterThan(0);
    });

    it('keeps only the topics of --topic-list, and refuses brokers not in the cluster', async () => {
      const only = await tool('log-dirs', '--describe', '--topic-list', 'other', '--broker-list', '0');
      expect(only.stdout.split('\n')[2]).toBe(
        `{"brokers":[{"broker":0,"logDirs":[{"partitions":[{"partition":"other-0","size":${JSON.parse(only.stdout.split('\n')[2]!).brokers[0].logDirs[0].partitions[0].size},"offsetLag":0,"isFuture":false}],"error":null,"logDir":${JSON.stringify(b.dir)}}]}],"version":1}`,
      );
      expect(await tool('log-dirs', '--describe', '--broker-list', '0,7')).toMatchObject({
        status: 1,
        stdout: '',
        stderr: 'ERROR: The given brokers do not exist from --broker-list: 7. Current existent brokers: 0\n',
      });
      const noDescribe = await tool('log-dirs');
      expect(noDescribe.status).toBe(1);
      expect(noDescribe.stderr).toContain('Missing required argument "[describe]"');
    });
  });
});
