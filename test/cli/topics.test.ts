import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { TopicAlreadyExistsError, UnknownTopicOrPartitionError } from '../../src/clients/network/errors.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { commandConfig, samsa, stopRunning, USAGE_HEADER } from './run-samsa.js';

const ZERO_ID = Buffer.alloc(16);

describe('samsa topics', () => {
  let b: TestBroker;
  let admin: Admin;
  const topics = (...args: string[]) => samsa(['topics', '--bootstrap-server', b.bootstrap, ...args]);

  /** The TopicId column as Kafka prints it. */
  async function topicId(name: string): Promise<string> {
    const [d] = await admin.describeTopics([name]);
    expect(d!.topicId.equals(ZERO_ID)).toBe(false);
    return d!.topicId.toString('base64url');
  }

  beforeAll(async () => {
    b = await startBroker({ 'num.partitions': 2 });
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
  });

  afterEach(stopRunning);

  afterAll(async () => {
    await admin?.close();
    await b?.stop();
  });

  it('creates a topic with partitions and configs, and describes it as Kafka prints it', async () => {
    const created = await topics('--create', '--topic', 'orders', '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=60000');
    expect(created).toMatchObject({ status: 0, stdout: 'Created topic orders.\n', stderr: '' });
    const id = await topicId('orders');
    const described = await topics('--describe', '--topic', 'orders');
    expect(described.status).toBe(0);
    const partition = (p: number) => `\tTopic: orders\tPartition: ${p}\tLeader: 0\tReplicas: 0\tIsr: 0\tElr: \tLastKnownElr: \n`;
    expect(described.stdout).toBe(
      `Topic: orders\tTopicId: ${id}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=60000\n${partition(0)}${partition(1)}${partition(2)}`,
    );
  });

  it('takes the broker defaults without --partitions, and a replica assignment instead of counts', async () => {
    expect((await topics('--create', '--topic', 'defaults')).status).toBe(0);
    expect((await admin.describeTopics(['defaults']))[0]!.partitions).toHaveLength(2);
    expect((await topics('--create', '--topic', 'assigned', '--replica-assignment', '0,0,0')).stdout).toBe('Created topic assigned.\n');
    expect((await admin.describeTopics(['assigned']))[0]!.partitions.map((p) => p.replicas)).toEqual([[0], [0], [0]]);
  });

  it('warns about a period or underscore in the name', async () => {
    const run = await topics('--create', '--topic', 'metrics.in_flight', '--partitions', '1');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\nCreated topic metrics.in_flight.\n",
    );
  });

  it('refuses to create a topic that exists, unless --if-not-exists', async () => {
    await expect(admin.createTopics([{ name: 'orders' }])).rejects.toBeInstanceOf(TopicAlreadyExistsError);
    const again = await topics('--create', '--topic', 'orders', '--partitions', '1');
    expect(again.status).toBe(1);
    expect(again.stdout).toBe("Error while executing topic command : Topic 'orders' already exists.\n");
    expect(await topics('--create', '--topic', 'orders', '--partitions', '1', '--if-not-exists')).toMatchObject({ status: 0, stdout: '' });
  });

  it('lists topics sorted, filtered by a regular expression', async () => {
    const all = await topics('--list');
    expect(all.status).toBe(0);
    const names = all.stdout.trimEnd().split('\n');
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['assigned', 'defaults', 'metrics.in_flight', 'orders']));
    expect((await topics('--list', '--topic', 'ord.*')).stdout).toBe('orders\n');
    expect((await topics('--list', '--topic', 'orders,assigned')).stdout).toBe('assigned\norders\n');
  });

  it('lists internal topics unless --exclude-internal', async () => {
    await admin.alterConsumerGroupOffsets('topics-test', [{ topic: 'orders', partition: 0, offset: 0 }]);
    expect((await topics('--list')).stdout.split('\n')).toContain('__consumer_offsets');
    expect((await topics('--list', '--exclude-internal')).stdout.split('\n')).not.toContain('__consumer_offsets');
    expect((await topics('--describe', '--exclude-internal')).stdout).not.toContain('__consumer_offsets');
  });

  it('adds partitions with --alter, and reports a decrease as Kafka does', async () => {
    expect(await topics('--alter', '--topic', 'defaults', '--partitions', '4')).toMatchObject({ status: 0, stdout: '' });
    expect((await admin.describeTopics(['defaults']))[0]!.partitions).toHaveLength(4);
    const smaller = await topics('--alter', '--topic', 'defaults', '--partitions', '3');
    expect(smaller.status).toBe(1);
    expect(smaller.stdout).toMatch(/^Error while executing topic command : .*4 partitions.*\n$/);
    const unknown = await topics('--alter', '--topic', 'nope', '--partitions', '3');
    expect(unknown).toMatchObject({ status: 1, stdout: '', stderr: "Topic 'nope' does not exist as expected\n" });
    expect((await topics('--alter', '--topic', 'nope', '--partitions', '3', '--if-exists')).status).toBe(0);
  });

  it('shows only topics with overrides, and no partition for the report filters of a healthy broker', async () => {
    const id = await topicId('orders');
    const overrides = await topics('--describe', '--topics-with-overrides', '--exclude-internal');
    expect(overrides.stdout).toBe(`Topic: orders\tTopicId: ${id}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=60000\n`);
    for (const report of ['--under-replicated-partitions', '--unavailable-partitions', '--under-min-isr-partitions']) {
      expect(await topics('--describe', report)).toMatchObject({ status: 0, stdout: '' });
    }
    const atMin = await topics('--describe', '--topic', 'orders', '--at-min-isr-partitions');
    expect(atMin.stdout.trimEnd().split('\n')).toHaveLength(3);
  });

  it('deletes topics, and a topic that does not exist is an error unless --if-exists', async () => {
    expect(await topics('--delete', '--topic', 'assigned')).toMatchObject({ status: 0, stdout: '' });
    await expect(admin.describeTopics(['assigned'])).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(await topics('--delete', '--topic', 'assigned')).toMatchObject({ status: 1, stderr: "Topic 'assigned' does not exist as expected\n" });
    expect(await topics('--delete', '--topic', 'assigned', '--if-exists')).toMatchObject({ status: 0, stderr: '' });
    expect((await topics('--describe', '--topic', 'assigned')).status).toBe(1);
  });

  it('prints the usage and exits 1 for an unknown option, a missing action or a missing --topic', async () => {
    for (const args of [['--list', '--frobnicate'], ['--topic', 'x'], ['--create'], ['--list', '--describe'], ['--describe', '--replication-factor', '2']]) {
      const run = await topics(...args);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stderr, args.join(' ')).toContain(USAGE_HEADER);
      expect(run.stdout).toBe('');
    }
    expect((await topics('--list', '--frobnicate')).stderr.split('\n')[0]).toBe('frobnicate is not a recognized option');
    expect((await topics('--create', '--topic', 'x', '--partitions', 'two')).stderr.split('\n')[0]).toBe("Cannot parse argument 'two' of option partitions");
    expect(await samsa(['topics', '--list'])).toMatchObject({ status: 1, stderr: '--bootstrap-server must be specified\n' });
    const help = await samsa(['topics', '--help']);
    expect(help.stderr).toContain('This tool helps to create, delete, describe, or change a topic.');
  });

  it('fails with an error when no broker can be reached', async () => {
    const config = commandConfig({ 'default.api.timeout.ms': 1000, 'request.timeout.ms': 500 });
    const run = await samsa(['topics', '--bootstrap-server', '127.0.0.1:1', '--command-config', config, '--list']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^Error while executing topic command : .*timed out/);
  });
});
