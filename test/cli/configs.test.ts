import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { startBroker, type TestBroker } from '../broker/harness.js';

// `samsa configs` (kafka-configs.sh) driven from a shell against a broker the
// test starts: what it prints on stdout and stderr, and its exit codes.

const root = fileURLToPath(new URL('../..', import.meta.url));
const USAGE_HEADER = 'Option                                  Description';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `samsa configs …` as a child process, asynchronously: the broker it talks to runs in this process. */
function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/src/cli/main.js', 'configs', ...args], { cwd: root }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

describe('samsa configs', () => {
  let b: TestBroker;
  let admin: Admin;
  let server: string[];
  let scratch: string;

  beforeAll(async () => {
    b = await startBroker({ 'log.retention.hours': '48' });
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    await admin.createTopics([{ name: 'orders', configs: { 'retention.ms': '3600000' } }, { name: 'plain' }]);
    server = ['--bootstrap-server', b.bootstrap];
    scratch = mkdtempSync(join(tmpdir(), 'samsa-configs-'));
  });
  afterAll(async () => {
    await admin?.close();
    await b?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("describes a topic's dynamic configs, and all of them with --all, as Kafka prints them", async () => {
    const run = await cli([...server, '--entity-type', 'topics', '--entity-name', 'orders', '--describe']);
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toBe(
      'Dynamic configs for topic orders are:\n  retention.ms=3600000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=3600000, STATIC_BROKER_CONFIG:log.retention.hours=48, DEFAULT_CONFIG:log.retention.hours=168}\n',
    );
    const all = await cli([...server, '--topic', 'plain', '--describe', '--all']);
    expect(all.status).toBe(0);
    const lines = all.stdout.split('\n');
    expect(lines[0]).toBe('All configs for topic plain are:');
    expect(lines).toContain('  cleanup.policy=delete sensitive=false synonyms={DEFAULT_CONFIG:log.cleanup.policy=delete}');
    expect(lines).toContain(
      '  retention.ms=172800000 sensitive=false synonyms={STATIC_BROKER_CONFIG:log.retention.hours=48, DEFAULT_CONFIG:log.retention.hours=168}',
    );
    const names = lines.slice(1, -1).map((l) => l.trim().split('=')[0]!);
    expect(names).toEqual([...names].sort());
  });

  it("alters a topic's configs: --add-config with brackets, --delete-config, and refuses deleting what is not set", async () => {
    const set = await cli([...server, '--alter', '--topic', 'orders', '--add-config', 'cleanup.policy=[compact,delete],segment.bytes = 2000000']);
    expect(set).toMatchObject({ status: 0, stdout: 'Completed updating config for topic orders.\n', stderr: '' });
    expect(b.broker.context.topics.get('orders')!.configs).toEqual({
      'retention.ms': '3600000',
      'cleanup.policy': 'compact,delete',
      'segment.bytes': '2000000',
    });
    const log = b.broker.context.replicas.getPartition('orders', 0)!.log;
    expect(log.config.compact && log.config.delete).toBe(true);

    const del = await cli([...server, '--alter', '--entity-type', 'topics', '--entity-name', 'orders', '--delete-config', 'segment.bytes,cleanup.policy']);
    expect(del.status).toBe(0);
    expect(b.broker.context.topics.get('orders')!.configs).toEqual({ 'retention.ms': '3600000' });

    const missing = await cli([...server, '--alter', '--topic', 'orders', '--delete-config', 'flush.ms']);
    expect(missing).toMatchObject({ status: 1, stdout: '', stderr: 'Invalid config(s): flush.ms\n' });
  });

  it('alters a broker and the cluster-wide default; a read-only key is refused naming it', async () => {
    const own = await cli([...server, '--alter', '--entity-type', 'brokers', '--entity-name', '0', '--add-config', 'log.segment.bytes=5000000']);
    expect(own).toMatchObject({ status: 0, stdout: 'Completed updating config for broker 0.\n' });
    const defaults = await cli([...server, '--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', 'log.retention.ms=7200000']);
    expect(defaults).toMatchObject({ status: 0, stdout: 'Completed updating default config for brokers in the cluster.\n' });
    expect(b.broker.context.replicas.getPartition('plain', 0)!.log.config.segmentBytes).toBe(5_000_000);
    expect(b.broker.context.replicas.getPartition('plain', 0)!.log.config.retentionMs).toBe(7_200_000);

    const described = await cli([...server, '--entity-type', 'brokers', '--describe']);
    expect(described).toMatchObject({ status: 0, stderr: '' });
    expect(described.stdout).toBe(
      [
        'Dynamic configs for broker 0 are:',
        '  log.segment.bytes=5000000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.segment.bytes=5000000, DEFAULT_CONFIG:log.segment.bytes=1073741824}',
        'Default configs for brokers in the cluster are:',
        '  log.retention.ms=7200000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7200000}',
        '',
      ].join('\n'),
    );
    const topic = await cli([...server, '--describe', '--topic', 'plain', '--all']);
    expect(topic.stdout).toContain(
      '  retention.ms=7200000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7200000, STATIC_BROKER_CONFIG:log.retention.hours=48, DEFAULT_CONFIG:log.retention.hours=168}',
    );

    const readOnly = await cli([...server, '--alter', '--broker', '0', '--add-config', 'log.dirs=/elsewhere']);
    expect(readOnly.status).toBe(1);
    expect(readOnly.stdout).toBe('');
    expect(readOnly.stderr).toBe(
      `Error while executing config command with args '${[...server, '--alter', '--broker', '0', '--add-config', 'log.dirs=/elsewhere'].join(' ')}'\n` +
        "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.InvalidRequestException: Invalid config value for resource ConfigResource(type=BROKER, name='0'): Cannot update these configs dynamically: Set(log.dirs)\n",
    );

    const reset = await cli([...server, '--alter', '--broker-defaults', '--delete-config', 'log.retention.ms']);
    expect(reset.status).toBe(0);
    expect(b.broker.context.replicas.getPartition('plain', 0)!.log.config.retentionMs).toBe(48 * 3_600_000);
  });

  it("describes and sets the broker's logger levels", async () => {
    const before = await cli([...server, '--describe', '--entity-type', 'broker-loggers', '--entity-name', '0']);
    expect(before).toMatchObject({ status: 0, stdout: 'Dynamic configs for broker-logger 0 are:\n  root=INFO sensitive=false synonyms={}\n' });
    const set = await cli([...server, '--alter', '--broker-logger', '0', '--add-config', 'root=WARN']);
    expect(set).toMatchObject({ status: 0, stdout: 'Completed updating config for broker-logger 0.\n' });
    expect(b.broker.context.loggers.describe()).toEqual([{ name: 'root', level: 'WARN' }]);
    const unknown = await cli([...server, '--alter', '--broker-logger', '0', '--add-config', 'kafka.controller=DEBUG']);
    expect(unknown).toMatchObject({ status: 1, stderr: 'Invalid broker logger(s): kafka.controller\n' });
    expect((await cli([...server, '--alter', '--broker-logger', '0', '--add-config', 'root=INFO'])).status).toBe(0);
  });

  it('sets, describes and deletes SCRAM credentials of users', async () => {
    const set = await cli([
      ...server,
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      'alice',
      '--add-config',
      'SCRAM-SHA-512=[iterations=8192,password=alice-secret]',
    ]);
    expect(set).toMatchObject({ status: 0, stdout: 'Completed updating config for user alice.\n', stderr: '' });
    const file = join(scratch, 'bob.properties');
    writeFileSync(file, 'SCRAM-SHA-256=password=bob-secret\n');
    expect((await cli([...server, '--alter', '--user', 'bob', '--add-config-file', file])).status).toBe(0);

    const listed = await cli([...server, '--describe', '--entity-type', 'users']);
    expect(listed.stdout.split('\n').sort()).toEqual(
      [
        '',
        "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-512=iterations=8192",
        "SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-256=iterations=4096",
      ].sort(),
    );
    const [alice] = await admin.describeUserScramCredentials(['alice']);
    expect(alice!.credentials).toEqual([{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }]);

    const deleted = await cli([...server, '--alter', '--user', 'alice', '--delete-config', 'SCRAM-SHA-512']);
    expect(deleted).toMatchObject({ status: 0, stdout: 'Completed updating config for user alice.\n' });
    const gone = await cli([...server, '--describe', '--user', 'alice']);
    expect(gone.status).toBe(0);
    expect(gone.stdout).toMatch(/^Error retrieving SCRAM credential configs for user-principal 'alice': ResourceNotFoundException: /);

    const weak = await cli([...server, '--alter', '--user', 'carol', '--add-config', 'SCRAM-SHA-256=[iterations=100,password=x]']);
    expect(weak).toMatchObject({ status: 1, stderr: 'Iterations 100 is less than the minimum 4096 required for SCRAM-SHA-256\n' });
    const other = await cli([...server, '--alter', '--user', 'carol', '--add-config', 'flavour=mint']);
    expect(other).toMatchObject({
      status: 1,
      stderr: "Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: Set(flavour)\n",
    });
  });

  it('sets, describes and removes quotas of users, client ids, their pairs and defaults', async () => {
    const alice = await cli([
      ...server,
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      'quota-alice',
      '--add-config',
      'producer_byte_rate=1024,consumer_byte_rate=2048',
    ]);
    expect(alice).toMatchObject({ status: 0, stdout: 'Completed updating config for user quota-alice.\n', stderr: '' });
    const pair = await cli([...server, '--alter', '--user', 'quota-alice', '--client', 'app', '--add-config', 'producer_byte_rate=512']);
    expect(pair.status).toBe(0);
    const clientDefault = await cli([...server, '--alter', '--client-defaults', '--add-config', 'consumer_byte_rate=4096']);
    expect(clientDefault).toMatchObject({ status: 0, stdout: 'Completed updating default config for clients in the cluster.\n' });

    const described = await cli([...server, '--describe', '--entity-type', 'users', '--entity-name', 'quota-alice']);
    expect(described.stdout.split('\n')[0]).toMatch(
      /^Quota configs for user-principal 'quota-alice' are (producer_byte_rate=1024\.0, consumer_byte_rate=2048\.0|consumer_byte_rate=2048\.0, producer_byte_rate=1024\.0)$/,
    );
    const both = await cli([...server, '--describe', '--user', 'quota-alice', '--client', 'app']);
    expect(both.stdout).toBe("Quota configs for user-principal 'quota-alice', client-id 'app' are producer_byte_rate=512.0\n");
    const defaults = await cli([...server, '--describe', '--entity-type', 'clients', '--entity-default']);
    expect(defaults.stdout).toBe('Quota configs for the default client-id are consumer_byte_rate=4096.0\n');
    const [quotas] = await admin.describeClientQuotas({ components: [{ entityType: 'user', match: 'quota-alice' }], strict: true });
    expect(quotas!.values).toEqual({ producer_byte_rate: 1024, consumer_byte_rate: 2048 });

    const removed = await cli([...server, '--alter', '--user', 'quota-alice', '--delete-config', 'consumer_byte_rate']);
    expect(removed.status).toBe(0);
    const [after] = await admin.describeClientQuotas({ components: [{ entityType: 'user', match: 'quota-alice' }], strict: true });
    expect(after!.values).toEqual({ producer_byte_rate: 1024 });
    const notSet = await cli([...server, '--alter', '--user', 'quota-alice', '--delete-config', 'request_percentage']);
    expect(notSet).toMatchObject({ status: 1, stderr: 'Invalid config(s): request_percentage\n' });
    const badNumber = await cli([...server, '--alter', '--client', 'app', '--add-config', 'producer_byte_rate=fast']);
    expect(badNumber).toMatchObject({ status: 1, stderr: 'Cannot parse quota configuration value for producer_byte_rate: fast\n' });
    const scramOnClient = await cli([...server, '--alter', '--client', 'app', '--add-config', 'SCRAM-SHA-256=[password=x]']);
    expect(scramOnClient).toMatchObject({
      status: 1,
      stderr: "Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: Set(SCRAM-SHA-256)\n",
    });
  });

  it('reports an unknown topic, a bad entity, a bad option and a missing action with exit 1', async () => {
    const unknown = await cli([...server, '--describe', '--topic', 'nowhere']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("org.apache.kafka.common.errors.UnknownTopicOrPartitionException: The topic 'nowhere' does not exist.");

    const badType = await cli([...server, '--describe', '--entity-type', 'planets']);
    expect(badType).toMatchObject({
      status: 1,
      stderr:
        'Invalid entity type planets, the entity type must be one of topics, clients, users, brokers, ips, broker-loggers with a --bootstrap-server or --bootstrap-controller argument\n',
    });
    const badBroker = await cli([...server, '--describe', '--entity-type', 'brokers', '--entity-name', 'zero']);
    expect(badBroker).toMatchObject({ status: 1, stderr: 'The entity name for brokers must be a valid integer broker id, but it is: zero\n' });

    const badOption = await cli([...server, '--describe', '--topic', 'orders', '--colour']);
    expect(badOption.status).toBe(1);
    expect(badOption.stderr.startsWith(`colour is not a recognized option\n${USAGE_HEADER}\n`)).toBe(true);

    const noAction = await cli([...server, '--topic', 'orders']);
    expect(noAction.status).toBe(1);
    expect(noAction.stderr.startsWith(`Command must include exactly one action: --describe, --alter\n${USAGE_HEADER}`)).toBe(true);

    const help = await cli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--entity-type <String>');

    // --command-config's client settings reach the admin client: a short timeout here.
    const quick = join(scratch, 'quick.properties');
    writeFileSync(quick, 'default.api.timeout.ms=1500\nrequest.timeout.ms=1000\n');
    const unreachable = await cli(['--bootstrap-server', '127.0.0.1:1', '--command-config', quick, '--describe', '--topic', 'orders']);
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toContain('Error while executing config command');
    expect(unreachable.stderr).toMatch(/Timeout|timed out/i);
  }, 60_000);
});
