import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { kcat } from '../interop/kcat.js';
import { waitFor } from '../wait-for.js';
import { samsa, shell, startSamsa, stopRunning, USAGE_HEADER } from './run-samsa.js';

describe('samsa console-producer and console-consumer', () => {
  let b: TestBroker;
  let admin: Admin;
  const producer = (...args: string[]) => ['console-producer', '--bootstrap-server', b.bootstrap, ...args];
  const consumer = (...args: string[]) => ['console-consumer', '--bootstrap-server', b.bootstrap, ...args];

  beforeAll(async () => {
    b = await startBroker({ 'group.initial.rebalance.delay.ms': 0, 'auto.create.topics.enable': false });
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    await admin.createTopics([
      { name: 'lines', numPartitions: 1 },
      { name: 'stamped', numPartitions: 2 },
      { name: 'grouped', numPartitions: 2 },
      { name: 'squeezed', numPartitions: 1 },
      { name: 'many', numPartitions: 1 },
      { name: 'headed', numPartitions: 1 },
    ]);
  });

  afterEach(stopRunning);

  afterAll(async () => {
    await admin?.close();
    await b?.stop();
  });

  it('sends each line of stdin, with keys and headers parsed, read back by kcat', async () => {
    const input = 'h1:v1,h2:v2\tk1\thello\nh3:\tk2\tworld\nNULL\tNULL\tNULL\n';
    const run = await samsa(
      producer('--topic', 'lines', '--property', 'parse.key=true', '--property', 'parse.headers=true', '--property', 'null.marker=NULL'),
      input,
    );
    expect(run).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const read = await kcat(['-b', b.bootstrap, '-C', '-t', 'lines', '-e', '-q', '-Z', '-f', '%o|%k|%s|%h\n']);
    expect(read).toBe('0|k1|hello|h1=v1,h2=v2\n1|k2|world|h3=\n2|NULL|NULL|\n');
    const nulls = await kcat(['-b', b.bootstrap, '-C', '-t', 'lines', '-o', '2', '-e', '-q', '-f', '%K %S\n']);
    expect(nulls).toBe('-1 -1\n');
  });

  it('prints what Kafka prints with every print.* property, from an offset of one partition', async () => {
    const p = new Producer({ 'bootstrap.servers': b.bootstrap });
    await p.send({ topic: 'stamped', partition: 1, key: 'a', value: 'first', timestamp: 1_700_000_000_000, headers: { trace: 'x1', empty: null } });
    await p.send({ topic: 'stamped', partition: 1, key: null, value: 'second', timestamp: 1_700_000_000_001 });
    await p.send({ topic: 'stamped', partition: 1, key: 'c', value: null, timestamp: 1_700_000_000_002 });
    await p.close();
    const props = ['print.timestamp', 'print.partition', 'print.offset', 'print.headers', 'print.key'].flatMap((name) => ['--property', `${name}=true`]);
    const all = await samsa(consumer('--topic', 'stamped', '--partition', '1', '--offset', 'earliest', '--max-messages', '3', ...props));
    expect(all.status).toBe(0);
    expect(all.stdout).toBe(
      'CreateTime:1700000000000\tPartition:1\tOffset:0\ttrace:x1,empty:null\ta\tfirst\n' +
        'CreateTime:1700000000001\tPartition:1\tOffset:1\tNO_HEADERS\tnull\tsecond\n' +
        'CreateTime:1700000000002\tPartition:1\tOffset:2\tNO_HEADERS\tc\tnull\n',
    );
    expect(all.stderr).toBe('Processed a total of 3 messages\n');
    const fromOne = await samsa(
      consumer(
        '--topic',
        'stamped',
        '--partition',
        '1',
        '--offset',
        '1',
        '--max-messages',
        '1',
        '--property',
        'print.key=true',
        '--property',
        'key.separator=:',
      ),
    );
    expect(fromOne.stdout).toBe('null:second\n');
    const keysOnly = await samsa(
      consumer(
        '--topic',
        'stamped',
        '--partition',
        '1',
        '--offset',
        '2',
        '--max-messages',
        '1',
        '--property',
        'print.key=true',
        '--property',
        'print.value=false',
      ),
    );
    expect(keysOnly.stdout).toBe('c\n');
  });

  it('prints what kcat produced: keys, headers and values, as Kafka prints them', async () => {
    await kcat(['-b', b.bootstrap, '-P', '-t', 'lines', '-p', '0', '-K', ':', '-H', 'origin=kcat', '-H', 'n=1'], 'kk:from-kcat\n');
    const run = await samsa(
      consumer(
        '--topic',
        'lines',
        '--partition',
        '0',
        '--offset',
        '3',
        '--max-messages',
        '1',
        '--property',
        'print.key=true',
        '--property',
        'print.headers=true',
      ),
    );
    expect(run.stdout).toBe('origin:kcat,n:1\tkk\tfrom-kcat\n');
  });

  it('exits 0 after --timeout-ms without a record, counting what it printed', async () => {
    const run = await samsa(consumer('--topic', 'stamped', '--partition', '0', '--offset', 'earliest', '--timeout-ms', '500'));
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/TimeoutException\nProcessed a total of 0 messages\n$/);
  });

  it('pipes: a producer fed by seq, a consumer of a group piped into sort, committing its offsets', async () => {
    const sent = await shell(`seq 1 500 | samsa console-producer --bootstrap-server ${b.bootstrap} --topic grouped`);
    expect(sent.status).toBe(0);
    const read = await shell(
      `samsa console-consumer --bootstrap-server ${b.bootstrap} --topic grouped --group piped --from-beginning --max-messages 500 --consumer-property auto.commit.interval.ms=100 | sort -n | tail -n 1`,
    );
    expect(read).toMatchObject({ status: 0, stdout: '500\n' });
    expect(read.stderr).toContain('Processed a total of 500 messages');
    const offsets = await admin.listConsumerGroupOffsets('piped');
    expect(offsets.reduce((sum, o) => sum + o.offset, 0)).toBe(500);
  });

  it('stops when its stdout closes (piped into head)', async () => {
    // More than a pipe holds, so the consumer is still writing when head has gone (it learns of it on its next write, as Kafka's does).
    expect((await shell(`seq 1 50000 | samsa console-producer --bootstrap-server ${b.bootstrap} --topic headed`)).status).toBe(0);
    const run = await shell(`samsa console-consumer --bootstrap-server ${b.bootstrap} --topic headed --partition 0 --offset earliest | head -n 2`);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')).toHaveLength(3);
    expect(run.stderr).toMatch(/Processed a total of \d+ messages/);
  });

  it('stops on SIGINT with exit 130, closing its consumer', async () => {
    const started = startSamsa(consumer('--topic', 'lines', '--from-beginning', '--group', 'interrupted'));
    await waitFor(() => started.output.stdout.split('\n').length > 3, 'the records printed');
    started.child.kill('SIGINT');
    const run = await started.done;
    expect(run.status).toBe(130);
    expect(run.stderr).toContain(`Processed a total of ${run.stdout.split('\n').length - 1} messages`);
  });

  it('compresses with --compression-codec (gzip without a value), with acks from --request-required-acks', async () => {
    expect((await samsa(producer('--topic', 'squeezed', '--compression-codec', '--request-required-acks', '1'), 'a\nb\n')).status).toBe(0);
    expect((await samsa(producer('--topic', 'squeezed', '--compression-codec', 'lz4', '--sync'), 'c\n')).status).toBe(0);
    const dir = join(b.dir, 'squeezed-0');
    const segment = readdirSync(dir).find((f) => f.endsWith('.log'))!;
    const dump = await samsa(['dump-log', join(dir, segment)]);
    expect(dump.stdout).toMatch(/baseOffset: 0 lastOffset: 1 count: 2 .* compresscodec: gzip/);
    expect(dump.stdout).toMatch(/baseOffset: 2 lastOffset: 2 count: 1 .* compresscodec: lz4/);
    const read = await samsa(consumer('--topic', 'squeezed', '--partition', '0', '--offset', 'earliest', '--max-messages', '3'));
    expect(read.stdout).toBe('a\nb\nc\n');
  });

  it('reads a large input in order', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `record-${i}`);
    expect((await samsa(producer('--topic', 'many'), `${lines.join('\n')}\n`)).status).toBe(0);
    const read = await samsa(consumer('--topic', 'many', '--partition', '0', '--offset', 'earliest', '--max-messages', String(lines.length)));
    expect(read.stdout).toBe(`${lines.join('\n')}\n`);
  });

  it('fails a line without its key separator: exit 1 with Kafka message', async () => {
    const run = await samsa(producer('--topic', 'lines', '--property', 'parse.key=true', '--sync'), 'k\tv\nno-separator\n');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("No key separator found on line number 2: 'no-separator'");
  });

  it('reports a record it could not send: logged and exit 0 when asynchronous, exit 1 with --sync (as Kafka)', async () => {
    const asynchronous = await samsa(producer('--topic', 'no-such-topic', '--max-block-ms', '300'), 'x\n');
    expect(asynchronous.status).toBe(0);
    expect(asynchronous.stderr).toMatch(/^ERROR Error when sending message to topic no-such-topic with key: null, value: 1 bytes with error: TimeoutError/);
    const synchronous = await samsa(producer('--topic', 'no-such-topic', '--max-block-ms', '300', '--sync'), 'x\n');
    expect(synchronous.status).toBe(1);
    expect(synchronous.stderr).toMatch(/TimeoutError/);
  });

  it('cannot reach a broker: the producer reports the record, the consumer times out', async () => {
    const sent = await samsa(['console-producer', '--bootstrap-server', '127.0.0.1:1', '--topic', 't', '--max-block-ms', '300', '--sync'], 'x\n');
    expect(sent.status).toBe(1);
    const read = await samsa(['console-consumer', '--bootstrap-server', '127.0.0.1:1', '--topic', 't', '--timeout-ms', '300']);
    expect(read.status).toBe(0);
    expect(read.stderr).toContain('Processed a total of 0 messages');
  });

  it('prints the usage and exits 1 for bad command lines', async () => {
    const cases: Array<[string[], string]> = [
      [['console-producer', '--bootstrap-server', 'x:1', '--topic', 't', '--frobnicate'], 'frobnicate is not a recognized option'],
      [['console-producer', '--bootstrap-server', 'x:1'], 'Missing required argument "[topic]"'],
      [['console-consumer', '--bootstrap-server', 'x:1'], 'Exactly one of whitelist/include/topic is required.'],
      [['console-consumer', '--bootstrap-server', 'x:1', '--topic', 't', '--offset', '3'], 'The partition is required when offset is specified.'],
      [
        ['console-consumer', '--bootstrap-server', 'x:1', '--topic', 't', '--partition', '0', '--offset', 'soon'],
        "The provided offset value 'soon' is incorrect",
      ],
      [
        ['console-consumer', '--bootstrap-server', 'x:1', '--topic', 't', '--partition', '0', '--group', 'g'],
        'Options group and partition cannot be specified together.',
      ],
      [['console-consumer', '--topic', 't'], 'Missing required argument "[bootstrap-server]"'],
    ];
    for (const [args, message] of cases) {
      const run = await samsa(args);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stderr, args.join(' ')).toContain(message);
      expect(run.stderr, args.join(' ')).toContain(USAGE_HEADER);
    }
  });
});
