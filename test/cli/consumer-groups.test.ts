import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIsoDuration, parseKafkaDateTime, TimeArgumentError } from '../../src/cli/kafka-time.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { RawClient } from '../broker/raw-client.js';
import { waitFor } from '../wait-for.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TOPIC = 'orders';
/** 2024-01-01T00:00:00Z: the create time of the "old" records, one second apart. */
const BASE = Date.UTC(2024, 0, 1);
const USAGE_HEADER = 'Option                                  Description';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `samsa consumer-groups …` as a child process, asynchronously: the broker it talks to runs in this process. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['dist/src/cli/main.js', 'consumer-groups', ...args],
      { cwd: root, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

/** Java's `%-Ns`. */
const pad = (s: string, n: number) => s.padEnd(n);

/** The dry-run / execute table: GROUP TOPIC PARTITION NEW-OFFSET. */
function planTable(group: string, offsets: Record<number, number>): string {
  const g = Math.max(15, group.length);
  let text = `\n${pad('GROUP', g)} ${pad('TOPIC', 15)} ${pad('PARTITION', 10)} NEW-OFFSET`;
  for (const [p, o] of Object.entries(offsets)) text += `\n${pad(group, g)} ${pad(TOPIC, 15)} ${pad(p, 10)} ${o}`;
  return `${text}\n`;
}

describe('samsa consumer-groups', () => {
  let b: TestBroker;
  let bootstrap: string;
  let raw: RawClient;
  let kafka: Kafka;

  /** The group's committed offsets of the test topic, by partition (OffsetFetch over the raw protocol). */
  async function committed(groupId: string): Promise<Record<number, number>> {
    const response = await raw.request('OffsetFetch', 7, { groupId, topics: null, groups: [], requireStable: false });
    expect(response.errorCode).toBe(0);
    const out: Record<number, number> = {};
    for (const t of response.topics) {
      if (t.name !== TOPIC) continue;
      for (const p of t.partitions) if (p.committedOffset >= 0) out[p.partitionIndex] = p.committedOffset;
    }
    return out;
  }

  /** A simple consumer's commit (generation -1): makes an Empty group with these offsets. */
  async function commit(groupId: string, offsets: Record<number, number>): Promise<void> {
    const response = await raw.request('OffsetCommit', 8, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: TOPIC,
          partitions: Object.entries(offsets).map(([p, o]) => ({
            partitionIndex: Number(p),
            committedOffset: o,
            committedLeaderEpoch: -1,
            committedMetadata: '',
          })),
        },
      ],
    });
    expect(response.topics[0].partitions.map((p: any) => p.errorCode)).toEqual(Object.keys(offsets).map(() => 0));
  }

  beforeAll(async () => {
    b = await startBroker({ 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 });
    bootstrap = b.bootstrap;
    raw = await RawClient.connect(b.port);
    await b.broker.context.topics.create({ name: TOPIC, numPartitions: 3, replicationFactor: -1, assignments: [], configs: {} });
    kafka = new Kafka({ clientId: 'cg-setup', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
    // Partition 0: ten records a second apart from BASE. Partition 1: three old
    // records, then three of now. Partition 2: four old records, the first two deleted.
    const now = Date.now();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      messages: [
        ...Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `p0-${i}`, timestamp: String(BASE + i * 1000) })),
        ...Array.from({ length: 6 }, (_, i) => ({ partition: 1, value: `p1-${i}`, timestamp: String(i < 3 ? BASE + i * 1000 : now) })),
        ...Array.from({ length: 4 }, (_, i) => ({ partition: 2, value: `p2-${i}`, timestamp: String(BASE + i * 1000) })),
      ],
    });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [TOPIC] });
    await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 2, offset: '2' }] });
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    await admin.disconnect();
    expect(offsets.map((o) => [o.partition, o.low, o.high]).sort()).toEqual([
      [0, '0', '10'],
      [1, '0', '6'],
      [2, '2', '4'],
    ]);
  });

  afterAll(async () => {
    raw?.close();
    await b?.stop();
  });

  describe('a group with active members', () => {
    const group = 'cg-active';
    const members = new Map<string, { memberId: string; partitions: number[] }>();
    const consumers: Consumer[] = [];

    async function startMember(clientId: string): Promise<void> {
      const k = new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
      const consumer = k.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 200 });
      consumer.on(consumer.events.GROUP_JOIN, (e) =>
        members.set(clientId, { memberId: e.payload.memberId, partitions: [...(e.payload.memberAssignment[TOPIC] ?? [])].sort() }),
      );
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          // Commit up to offset 5 on partitions 0 and 1; never on partition 2.
          const next = Number(message.offset) + 1;
          if (partition !== 2 && next <= 5) await consumer.commitOffsets([{ topic: TOPIC, partition, offset: String(next) }]);
        },
      });
      consumers.push(consumer);
    }

    beforeAll(async () => {
      await startMember('cg-client-a');
      await waitFor(() => members.size === 1, 'the first member', 30_000);
      await startMember('cg-client-b');
      await waitFor(
        () => {
          const all = [...members.values()].flatMap((m) => m.partitions);
          return members.size === 2 && all.length === 3 && new Set(all).size === 3 && [...members.values()].every((m) => m.partitions.length > 0);
        },
        'two members sharing the partitions',
        30_000,
      );
      await waitFor(
        async () => {
          const c = await committed(group);
          return c[0] === 5 && c[1] === 5;
        },
        'the commits',
        30_000,
      );
      await waitFor(
        async () => (await raw.request('DescribeGroups', 5, { groups: [group], includeAuthorizedOperations: false })).groups[0].groupState === 'Stable',
        'a stable group',
        30_000,
      );
    }, 90_000);

    afterAll(async () => {
      for (const c of consumers) await c.disconnect().catch(() => {});
    });

    it('--describe shows each assigned partition with its committed offset, log end, lag and owner', async () => {
      const run = await cli(['--bootstrap-server', bootstrap, '--describe', '--group', group]);
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('');
      const committedOffsets: Record<number, number> = { 0: 5, 1: 5 };
      const logEnd: Record<number, number> = { 0: 10, 1: 6, 2: 4 };
      // Members with more partitions come first; each member's partitions in order.
      const owners = [...members.entries()].sort((x, y) => y[1].partitions.length - x[1].partitions.length);
      const idWidth = Math.max(15, ...owners.map(([, m]) => m.memberId.length));
      let expected = `\n${pad('GROUP', 15)} ${pad('TOPIC', 15)} ${pad('PARTITION', 10)} ${pad('CURRENT-OFFSET', 15)} ${pad('LOG-END-OFFSET', 15)} ${pad('LAG', 15)} ${pad('CONSUMER-ID', idWidth)} ${pad('HOST', 15)} CLIENT-ID`;
      for (const [clientId, m] of owners) {
        for (const p of m.partitions) {
          const current = committedOffsets[p];
          const lag = current === undefined ? '-' : String(logEnd[p]! - current);
          expected += `\n${pad(group, 15)} ${pad(TOPIC, 15)} ${pad(String(p), 10)} ${pad(current === undefined ? '-' : String(current), 15)} ${pad(String(logEnd[p]), 15)} ${pad(lag, 15)} ${pad(m.memberId, idWidth)} ${pad('/127.0.0.1', 15)} ${clientId}`;
        }
      }
      expect(run.stdout).toBe(`${expected}\n`);
      // The values themselves, read back from the table.
      const rows = run.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/));
      expect(rows.map((r) => [r[2], r[3], r[4], r[5]]).sort()).toEqual([
        ['0', '5', '10', '5'],
        ['1', '5', '6', '1'],
        ['2', '-', '4', '-'],
      ]);
      expect(new Set(rows.map((r) => r[8]))).toEqual(new Set(['cg-client-a', 'cg-client-b']));
    });

    it('--describe --members lists each member with its host, client id and partition count; --verbose adds its assignment', async () => {
      const run = await cli(['--bootstrap-server', bootstrap, '--describe', '--group', group, '--members']);
      expect(run.status).toBe(0);
      const idWidth = Math.max(15, ...[...members.values()].map((m) => m.memberId.length));
      const lines = run.stdout.split('\n');
      expect(lines[0]).toBe('');
      expect(lines[1]).toBe(`${pad('GROUP', 15)} ${pad('CONSUMER-ID', idWidth)} ${pad('HOST', 15)} ${pad('CLIENT-ID', 15)} ${pad('#PARTITIONS', 15)} `);
      const expectedRows = [...members.entries()].map(
        ([clientId, m]) =>
          `${pad(group, 15)} ${pad(m.memberId, idWidth)} ${pad('/127.0.0.1', 15)} ${pad(clientId, 15)} ${pad(String(m.partitions.length), 15)} `,
      );
      expect(lines.slice(2, 4).sort()).toEqual(expectedRows.sort());
      expect(lines.slice(4)).toEqual(['']);

      const verbose = await cli(['--bootstrap-server', bootstrap, '--describe', '--group', group, '--members', '--verbose']);
      expect(verbose.status).toBe(0);
      const vlines = verbose.stdout.split('\n');
      expect(vlines[1]).toBe(
        `${pad('GROUP', 15)} ${pad('CONSUMER-ID', idWidth)} ${pad('HOST', 15)} ${pad('CLIENT-ID', 15)} ${pad('#PARTITIONS', 15)} ${pad('CURRENT-EPOCH', 15)} ${pad('CURRENT-ASSIGNMENT', 20)} ${pad('TARGET-EPOCH', 15)} ${pad('TARGET-ASSIGNMENT', 20)}`,
      );
      const expectedVerbose = [...members.entries()].map(
        ([clientId, m]) =>
          `${pad(group, 15)} ${pad(m.memberId, idWidth)} ${pad('/127.0.0.1', 15)} ${pad(clientId, 15)} ${pad(String(m.partitions.length), 15)} ${pad('-', 15)} ${pad(`${TOPIC}:${m.partitions.join(',')}`, 20)} ${pad('-', 15)} ${pad('-', 20)}`,
      );
      expect(vlines.slice(2, 4).sort()).toEqual(expectedVerbose.sort());
    });

    it('--describe --state shows the coordinator, the assignor, the state and the member count', async () => {
      const run = await cli(['--bootstrap-server', bootstrap, '--describe', '--group', group, '--state']);
      expect(run.status).toBe(0);
      const coordinator = `127.0.0.1:${b.port}  (0)`;
      expect(run.stdout).toBe(
        `\n${pad('GROUP', 15)} ${pad('COORDINATOR (ID)', 25)} ${pad('ASSIGNMENT-STRATEGY', 20)} ${pad('STATE', 20)} #MEMBERS` +
          `\n${pad(group, 15)} ${pad(coordinator, 25)} ${pad('RoundRobinAssigner', 20)} ${pad('Stable', 20)} 2\n`,
      );
    });

    it('--list and --list --state show the group as Stable', async () => {
      const list = await cli(['--bootstrap-server', bootstrap, '--list']);
      expect(list.status).toBe(0);
      expect(list.stdout.split('\n')).toContain(group);
      const stable = await cli(['--bootstrap-server', bootstrap, '--list', '--state', 'stable']);
      expect(stable.status).toBe(0);
      expect(stable.stdout).toBe(`${pad('GROUP', 25)} ${pad('STATE', 20)}\n${pad(group, 25)} ${pad('Stable', 20)}\n`);
      const typed = await cli(['--bootstrap-server', bootstrap, '--list', '--type', '--state', 'Stable']);
      expect(typed.stdout).toBe(`${pad('GROUP', 25)} ${pad('TYPE', 20)} ${pad('STATE', 20)}\n${pad(group, 25)} ${pad('Classic', 20)} ${pad('Stable', 20)}\n`);
    });

    it('--delete refuses a group with members (NON_EMPTY_GROUP) and leaves it intact', async () => {
      const run = await cli(['--bootstrap-server', bootstrap, '--delete', '--group', group]);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe(
        "\nError: Deletion of some consumer groups failed:\n* Group 'cg-active' could not be deleted due to: NON_EMPTY_GROUP: The group is not empty. It still has active members; stop its consumers before deleting it.\n",
      );
      expect(await committed(group)).toEqual({ 0: 5, 1: 5 });
    });

    it('--delete-offsets refuses partitions of a topic the group is subscribed to', async () => {
      const run = await cli(['--bootstrap-server', bootstrap, '--delete-offsets', '--group', group, '--topic', `${TOPIC}:0`]);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe(
        '\nError: Encountered some partition-level error, see the follow-up details.\n' +
          `\n${pad('TOPIC', 15)} ${pad('PARTITION', 10)} ${pad('STATUS', 15)}` +
          `\n${pad(TOPIC, 15)} ${pad('0', 10)} ${pad('Error: GROUP_SUBSCRIBED_TO_TOPIC: The consumer group is actively subscribed to the topic.', 15)}\n`,
      );
      expect(await committed(group)).toEqual({ 0: 5, 1: 5 });
    });

    it("--reset-offsets is refused while the group has members, with Kafka's message", async () => {
      const run = await cli(['--bootstrap-server', bootstrap, '--reset-offsets', '--group', group, '--topic', TOPIC, '--to-earliest', '--execute']);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe(
        `\nError: Assignments can only be reset if the group '${group}' is inactive, but the current state is Stable.\n${planTable(group, {})}`,
      );
      expect(await committed(group)).toEqual({ 0: 5, 1: 5 });
    });

    describe('once its members have left', () => {
      beforeAll(async () => {
        for (const c of consumers.splice(0)) await c.disconnect();
        await waitFor(
          async () => (await raw.request('DescribeGroups', 5, { groups: [group], includeAuthorizedOperations: false })).groups[0].groupState === 'Empty',
          'an empty group',
          15_000,
        );
      });

      it('--describe says it has no active members and shows the committed partitions without owners', async () => {
        const run = await cli(['--bootstrap-server', bootstrap, '--describe', '--group', group]);
        expect(run.status).toBe(0);
        expect(run.stderr).toBe("\nConsumer group 'cg-active' has no active members.\n");
        expect(run.stdout).toBe(
          [
            '',
            'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID',
            'cg-active       orders          0          5               10              5               -               -               -',
            'cg-active       orders          1          5               6               1               -               -               -',
            '',
          ].join('\n'),
        );
        const verbose = await cli(['--bootstrap-server', bootstrap, '--describe', '--group', group, '--offsets', '--verbose']);
        expect(verbose.stdout.split('\n').slice(1, 3)).toEqual([
          'GROUP           TOPIC           PARTITION  LEADER-EPOCH    CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID',
          'cg-active       orders          0          -               5               10              5               -               -               -',
        ]);
      });

      it('--describe --members prints no table and --state shows Empty with no members', async () => {
        const members = await cli(['--bootstrap-server', bootstrap, '--describe', '--group', group, '--members']);
        expect(members.status).toBe(0);
        expect(members.stdout).toBe('');
        expect(members.stderr).toBe("\nConsumer group 'cg-active' has no active members.\n");
        const state = await cli(['--bootstrap-server', bootstrap, '--describe', '--group', group, '--state']);
        expect(state.stdout).toBe(
          `\n${pad('GROUP', 15)} ${pad('COORDINATOR (ID)', 25)} ${pad('ASSIGNMENT-STRATEGY', 20)} ${pad('STATE', 20)} #MEMBERS` +
            `\n${pad(group, 15)} ${pad(`127.0.0.1:${b.port}  (0)`, 25)} ${pad('-', 20)} ${pad('Empty', 20)} 0\n`,
        );
      });

      it('--list --state empty lists it; --delete then removes it and its offsets', async () => {
        const empty = await cli(['--bootstrap-server', bootstrap, '--list', '--state', 'Empty']);
        expect(empty.stdout.split('\n')).toContain(`${pad(group, 25)} ${pad('Empty', 20)}`);
        expect(empty.stdout).not.toMatch(/Stable/);

        const run = await cli(['--bootstrap-server', bootstrap, '--delete', '--group', group]);
        expect(run.status).toBe(0);
        expect(run.stdout).toBe("Deletion of requested consumer groups ('cg-active') was successful.\n");
        expect(await committed(group)).toEqual({});

        const described = await cli(['--bootstrap-server', bootstrap, '--describe', '--group', group]);
        expect(described.status).toBe(1);
        expect(described.stdout).toBe("\nError: Consumer group 'cg-active' does not exist.\n");
        const list = await cli(['--bootstrap-server', bootstrap, '--list']);
        expect(list.stdout.split('\n')).not.toContain(group);

        const again = await cli(['--bootstrap-server', bootstrap, '--delete', '--group', group]);
        expect(again.status).toBe(1);
        expect(again.stdout).toBe(
          "\nError: Deletion of some consumer groups failed:\n* Group 'cg-active' could not be deleted due to: GROUP_ID_NOT_FOUND: The group id does not exist.\n",
        );
      });
    });
  });

  describe('--reset-offsets on an inactive group', () => {
    // Each case starts from a fresh group with offsets 5 and 5 committed on
    // partitions 0 and 1 and none on partition 2. The logs: partition 0 holds
    // offsets [0, 10), partition 1 [0, 6), partition 2 [2, 4).
    const baseline = { 0: 5, 1: 5 };
    const cases: Array<{ name: string; args: string[]; plan: Record<number, number>; stdoutBefore?: string; stderr?: RegExp[]; env?: Record<string, string> }> =
      [
        { name: 'to-earliest', args: ['--to-earliest', '--topic', TOPIC], plan: { 0: 0, 1: 0, 2: 2 } },
        { name: 'to-latest', args: ['--to-latest', '--all-topics'], plan: { 0: 10, 1: 6 } },
        { name: 'to-offset', args: ['--to-offset', '3', '--topic', TOPIC], plan: { 0: 3, 1: 3, 2: 3 } },
        {
          name: 'to-offset-clamped-up',
          args: ['--to-offset', '8', '--topic', `${TOPIC}:0,1,2`],
          plan: { 0: 8, 1: 6, 2: 4 },
          stderr: [/New offset \(8\) is higher than latest offset for topic partition orders-1\. Value will be set to 6/, /orders-2\. Value will be set to 4/],
        },
        {
          name: 'to-offset-below-start',
          args: ['--to-offset', '0', '--topic', `${TOPIC}:2`],
          plan: { 2: 2 },
          stderr: [/New offset \(0\) is lower than earliest offset for topic partition orders-2\. Value will be set to 2/],
        },
        { name: 'shift-by-back', args: ['--shift-by', '-2', '--all-topics'], plan: { 0: 3, 1: 3 } },
        { name: 'shift-by-forward', args: ['--shift-by', '4', '--topic', `${TOPIC}:0,1`], plan: { 0: 9, 1: 6 } },
        { name: 'shift-by-past-start', args: ['--shift-by', '-7', '--all-topics'], plan: { 0: 0, 1: 0 } },
        // No zone: UTC, as Kafka reads it, even where the local zone is nine hours ahead.
        {
          name: 'to-datetime-utc',
          args: ['--to-datetime', '2024-01-01T00:00:03.000', '--topic', TOPIC],
          plan: { 0: 3, 1: 3, 2: 3 },
          env: { TZ: 'Asia/Tokyo' },
        },
        {
          name: 'to-datetime-offset',
          args: ['--to-datetime', '2024-01-01T09:00:07.000+09:00', '--topic', TOPIC],
          plan: { 0: 7, 1: 3, 2: 4 },
          stdoutBefore: '\nWarn: Partition 2 from topic orders is empty. Falling back to latest known offset.\n',
        },
        {
          name: 'by-duration',
          args: ['--by-duration', 'PT1H', '--topic', TOPIC],
          plan: { 0: 10, 1: 3, 2: 4 },
          stdoutBefore:
            '\nWarn: Partition 0 from topic orders is empty. Falling back to latest known offset.\n' +
            '\nWarn: Partition 2 from topic orders is empty. Falling back to latest known offset.\n',
        },
        { name: 'to-current', args: ['--to-current', '--topic', TOPIC], plan: { 0: 5, 1: 5, 2: 4 } },
      ];

    for (const c of cases) {
      it(`${c.name}: a dry run prints the plan and changes nothing; --execute commits it`, async () => {
        const group = `reset-${c.name}`;
        await commit(group, baseline);
        const expected = (c.stdoutBefore ?? '') + planTable(group, c.plan);

        const dry = await cli(['--bootstrap-server', bootstrap, '--reset-offsets', '--group', group, ...c.args, '--dry-run'], c.env);
        expect({ status: dry.status, stdout: dry.stdout }).toEqual({ status: 0, stdout: expected });
        for (const re of c.stderr ?? []) expect(dry.stderr).toMatch(re);
        expect(await committed(group)).toEqual(baseline);

        const run = await cli(['--bootstrap-server', bootstrap, '--reset-offsets', '--group', group, ...c.args, '--execute'], c.env);
        expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 0, stdout: expected });
        expect(run.stderr).not.toMatch(/No action will be performed/);
        expect(await committed(group)).toEqual({ ...baseline, ...c.plan });
      });
    }

    it("without --dry-run or --execute is a dry run, with Kafka's warning", async () => {
      const group = 'reset-default';
      await commit(group, baseline);
      const run = await cli(['--bootstrap-server', bootstrap, '--reset-offsets', '--group', group, '--all-topics', '--to-earliest']);
      expect(run.status).toBe(0);
      expect(run.stderr).toMatch(/^WARN: No action will be performed as the --execute option is missing\./);
      expect(run.stdout).toBe(planTable(group, { 0: 0, 1: 0 }));
      expect(await committed(group)).toEqual(baseline);
    });

    it('on a group that does not exist yet, --execute creates it with the offsets', async () => {
      const group = 'reset-new-group';
      const run = await cli(['--bootstrap-server', bootstrap, '--reset-offsets', '--group', group, '--topic', `${TOPIC}:0,2`, '--to-latest', '--execute']);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(planTable(group, { 0: 10, 2: 4 }));
      expect(await committed(group)).toEqual({ 0: 10, 2: 4 });
      const list = await cli(['--bootstrap-server', bootstrap, '--list']);
      expect(list.stdout.split('\n')).toContain(group);
      const described = await cli(['--bootstrap-server', bootstrap, '--describe', '--group', group]);
      expect(described.stdout.split('\n').slice(2)).toEqual([
        `${pad(group, 15)} orders          0          10              10              0               -               -               -`,
        `${pad(group, 15)} orders          2          4               4               0               -               -               -`,
        '',
      ]);
    });

    it('--export prints the plan as CSV; --from-file applies such a plan, clamped into the log', async () => {
      const group = 'reset-csv';
      await commit(group, baseline);
      const exported = await cli([
        '--bootstrap-server',
        bootstrap,
        '--reset-offsets',
        '--group',
        group,
        '--all-topics',
        '--shift-by',
        '-1',
        '--export',
        '--dry-run',
      ]);
      expect(exported.status).toBe(0);
      expect(exported.stdout).toBe('orders,0,4\norders,1,4\n\n');
      const dir = mkdtempSync(join(tmpdir(), 'samsa-cg-'));
      try {
        const file = join(dir, 'plan.csv');
        writeFileSync(file, 'orders,0,7\norders,2,99\n');
        const run = await cli(['--bootstrap-server', bootstrap, '--reset-offsets', '--group', group, '--from-file', file, '--execute']);
        expect(run.status).toBe(0);
        expect(run.stdout).toBe(planTable(group, { 0: 7, 2: 4 }));
        expect(await committed(group)).toEqual({ 0: 7, 1: 5, 2: 4 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses what Kafka refuses: shifting a partition with no committed offset, unknown partitions and topics, a bad date', async () => {
      const group = 'reset-refusals';
      await commit(group, baseline);
      const shift = await cli(['--bootstrap-server', bootstrap, '--reset-offsets', '--group', group, '--topic', TOPIC, '--shift-by', '1', '--execute']);
      expect(shift.status).toBe(1);
      expect(shift.stderr.split('\n')[0]).toBe('Cannot shift offset for partition orders-2 since there is no current committed offset');
      expect(shift.stderr).toContain(USAGE_HEADER);

      const missing = await cli([
        '--bootstrap-server',
        bootstrap,
        '--reset-offsets',
        '--group',
        group,
        '--topic',
        `${TOPIC}:1,7`,
        '--to-earliest',
        '--execute',
      ]);
      expect(missing.status).toBe(1);
      expect(missing.stdout).toBe('\nError: Executing consumer group command failed due to The partitions "orders-7" do not exist\n');

      const unknown = await cli([
        '--bootstrap-server',
        bootstrap,
        '--reset-offsets',
        '--group',
        group,
        '--topic',
        'no-such-topic',
        '--to-earliest',
        '--execute',
      ]);
      expect(unknown.status).toBe(1);
      expect(unknown.stdout).toMatch(/^\nError: Executing consumer group command failed due to .*no-such-topic/);

      const date = await cli([
        '--bootstrap-server',
        bootstrap,
        '--reset-offsets',
        '--group',
        group,
        '--topic',
        TOPIC,
        '--to-datetime',
        '2024-01-01 00:00:00',
        '--execute',
      ]);
      expect(date.status).toBe(1);
      expect(date.stdout).toMatch(/^\nError: Executing consumer group command failed due to Error parsing timestamp/);

      const duration = await cli(['--bootstrap-server', bootstrap, '--reset-offsets', '--group', group, '--topic', TOPIC, '--by-duration', '1h', '--execute']);
      expect(duration.status).toBe(1);
      expect(duration.stdout).toBe('\nError: Executing consumer group command failed due to Text cannot be parsed to a Duration: 1h\n');

      const badPartition = await cli(['--bootstrap-server', bootstrap, '--reset-offsets', '--group', group, '--topic', `${TOPIC}:x`, '--to-earliest']);
      expect(badPartition.status).toBe(1);
      expect(badPartition.stderr).toContain("Invalid partition 'x' specified in topic arg 'orders:x''");
      expect(await committed(group)).toEqual(baseline);
    });
  });

  it("--execute fails with the broker's error for a partition it refuses to commit, naming the partition", async () => {
    const group = 'reset-refused-commit';
    await commit(group, { 0: 5, 1: 5 });
    const dir = mkdtempSync(join(tmpdir(), 'samsa-cg-'));
    try {
      const file = join(dir, 'plan.csv');
      writeFileSync(file, 'orders,9,3\n');
      const run = await cli(['--bootstrap-server', bootstrap, '--reset-offsets', '--group', group, '--from-file', file, '--execute']);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe(
        `\nError: Executing consumer group command failed due to UNKNOWN_TOPIC_OR_PARTITION: This server does not host this topic-partition. (committing orders-9 for group '${group}')\n`,
      );
      expect(await committed(group)).toEqual({ 0: 5, 1: 5 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--delete-offsets of a group that does not exist: the group's error, and on each partition", async () => {
    const run = await cli(['--bootstrap-server', bootstrap, '--delete-offsets', '--group', 'offsets-no-group', '--topic', `${TOPIC}:0,1`]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(
      '\nError: The group id does not exist.\n' +
        `\n${pad('TOPIC', 15)} ${pad('PARTITION', 10)} ${pad('STATUS', 15)}` +
        `\n${pad(TOPIC, 15)} ${pad('0', 10)} ${pad('Error: GROUP_ID_NOT_FOUND: The group id does not exist.', 15)}` +
        `\n${pad(TOPIC, 15)} ${pad('1', 10)} ${pad('Error: GROUP_ID_NOT_FOUND: The group id does not exist.', 15)}\n`,
    );
  });

  it("--delete-offsets removes an inactive group's offsets of the named partitions", async () => {
    const group = 'offsets-delete';
    await commit(group, { 0: 3, 1: 4, 2: 2 });
    const run = await cli(['--bootstrap-server', bootstrap, '--delete-offsets', '--group', group, '--topic', `${TOPIC}:0,2`]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      `Request succeeded for deleting offsets from group ${group}.\n` +
        `\n${pad('TOPIC', 15)} ${pad('PARTITION', 10)} ${pad('STATUS', 15)}` +
        `\n${pad(TOPIC, 15)} ${pad('0', 10)} ${pad('Successful', 15)}` +
        `\n${pad(TOPIC, 15)} ${pad('2', 10)} ${pad('Successful', 15)}\n`,
    );
    expect(await committed(group)).toEqual({ 1: 4 });
  });

  it('--list prints group ids one per line; --state with a bad state is a usage error', async () => {
    await commit('list-a', { 0: 1 });
    await commit('list-b', { 1: 1 });
    const run = await cli(['--bootstrap-server', bootstrap, '--list']);
    expect(run.status).toBe(0);
    const ids = run.stdout.split('\n').filter((l) => l !== '');
    expect(ids).toContain('list-a');
    expect(ids).toContain('list-b');
    expect(ids).toEqual([...ids].sort());
    const withState = await cli(['--bootstrap-server', bootstrap, '--list', '--state']);
    // The group column is as wide as the longest id plus ten.
    const width = Math.max(15, ...ids.map((id) => id.length)) + 10;
    const table = withState.stdout.split('\n');
    expect(table[0]).toBe(`${pad('GROUP', width)} ${pad('STATE', 20)}`);
    expect(table).toContain(`${pad('list-a', width)} ${pad('Empty', 20)}`);
    expect(table).toContain(`${pad('list-b', width)} ${pad('Empty', 20)}`);
    expect(table.filter((l) => l !== '')).toHaveLength(ids.length + 1);
    const bad = await cli(['--bootstrap-server', bootstrap, '--list', '--state', 'Sleeping']);
    expect(bad.status).toBe(1);
    expect(bad.stderr.split('\n')[0]).toBe(
      "Invalid state list 'Sleeping'. Valid states are: PreparingRebalance, CompletingRebalance, Stable, Dead, Empty, Assigning, Reconciling",
    );
  });

  it('cannot reach a broker: an error after --timeout, exit 1', async () => {
    const run = await cli(['--bootstrap-server', '127.0.0.1:1', '--list', '--timeout', '1000']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^\nError: Executing consumer group command failed due to .*timed out after 1000 ms/);
  });

  describe('bad command lines print the usage on stderr and exit 1', () => {
    const cases: Array<[string, string[], string]> = [
      [
        'no arguments',
        [],
        'This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.',
      ],
      ['an unknown option', ['--bootstrap-server', 'localhost:9092', '--list', '--frobnicate'], 'frobnicate is not a recognized option'],
      ['no --bootstrap-server', ['--list'], 'Missing required argument "[bootstrap-server]"'],
      ['a missing option argument', ['--list', '--bootstrap-server'], 'Option bootstrap-server requires an argument'],
      [
        'no action',
        ['--bootstrap-server', 'localhost:9092'],
        'Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets',
      ],
      [
        'two actions',
        ['--bootstrap-server', 'localhost:9092', '--list', '--delete', '--all-groups'],
        'Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets',
      ],
      [
        '--describe without a group',
        ['--bootstrap-server', 'localhost:9092', '--describe'],
        'Option [describe] takes one of these options: [all-groups], [group]',
      ],
      [
        '--describe with two views',
        ['--bootstrap-server', 'localhost:9092', '--describe', '--group', 'g', '--members', '--state'],
        'Option [describe] takes at most one of these options: [members], [offsets], [state]',
      ],
      [
        '--members without --describe',
        ['--bootstrap-server', 'localhost:9092', '--list', '--members'],
        'Option(s) [members] are unavailable given other options on the command line',
      ],
      [
        '--delete with --topic',
        ['--bootstrap-server', 'localhost:9092', '--delete', '--group', 'g', '--topic', 't'],
        'The consumer does not support topic-specific offset deletion from a consumer group.',
      ],
      [
        'a non-numeric offset',
        ['--bootstrap-server', 'localhost:9092', '--reset-offsets', '--group', 'g', '--topic', 't', '--to-offset', 'ten'],
        "Cannot parse argument 'ten' of option to-offset",
      ],
      [
        '--dry-run with --execute',
        ['--bootstrap-server', 'localhost:9092', '--reset-offsets', '--group', 'g', '--topic', 't', '--to-earliest', '--dry-run', '--execute'],
        'Option [reset-offsets] only accepts one of [execute] and [dry-run]',
      ],
      [
        'two reset scenarios',
        ['--bootstrap-server', 'localhost:9092', '--reset-offsets', '--group', 'g', '--topic', 't', '--to-offset', '1', '--to-earliest'],
        'Option "[to-offset]" can\'t be used with option "[to-earliest]"',
      ],
      [
        'a reset without a scenario',
        ['--bootstrap-server', 'localhost:9092', '--reset-offsets', '--group', 'g', '--topic', 't', '--execute'],
        "Option '[reset-offsets]' requires one of the following scenarios: [[to-offset], [shift-by], [to-datetime], [by-duration], [to-earliest], [to-latest], [to-current], [from-file]]",
      ],
      [
        'a reset without a scope',
        ['--bootstrap-server', 'localhost:9092', '--reset-offsets', '--group', 'g', '--to-earliest', '--execute'],
        'One of the reset scopes should be defined: --all-topics, --topic.',
      ],
      [
        '--group with --all-groups',
        ['--bootstrap-server', 'localhost:9092', '--describe', '--group', 'g', '--all-groups'],
        'Option "[group]" can\'t be used with option "[all-groups]"',
      ],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const run = await cli(args);
        expect(run.status).toBe(1);
        expect(run.stdout).toBe('');
        const lines = run.stderr.split('\n');
        expect(lines[0]).toBe(message);
        expect(lines[1]).toBe(USAGE_HEADER);
        expect(run.stderr).toContain('--bootstrap-server <String: server to connect to>');
      });
    }
  });

  describe('time arguments as Kafka reads them', () => {
    it('--to-datetime: YYYY-MM-DDTHH:mm:SS.sss, UTC unless a zone is given', () => {
      expect(parseKafkaDateTime('2024-01-01T00:00:03.000')).toBe(BASE + 3000);
      expect(parseKafkaDateTime('2024-01-01T00:00:03.000Z')).toBe(BASE + 3000);
      expect(parseKafkaDateTime('2024-01-01T09:00:03.250+09:00')).toBe(BASE + 3250);
      expect(parseKafkaDateTime('2024-01-01T09:00:03.000+0900')).toBe(BASE + 3000);
      expect(parseKafkaDateTime('2023-12-31T22:00:03.000-02')).toBe(BASE + 3000);
      // SimpleDateFormat's "SSS" reads a count of milliseconds.
      expect(parseKafkaDateTime('2024-01-01T00:00:03.5')).toBe(BASE + 3005);
      for (const bad of ['2024-01-01', '2024-01-01T00:00:03', '2024-02-30T00:00:00.000', '2024-01-01T24:00:00.000', '2024-01-01T00:00:00.000+25:00']) {
        expect(() => parseKafkaDateTime(bad), bad).toThrow(TimeArgumentError);
      }
    });

    it("--by-duration: ISO-8601 PnDTnHnMn.nS, as Java's Duration.parse", () => {
      expect(parseIsoDuration('PT1H')).toBe(3_600_000);
      expect(parseIsoDuration('P1DT2H3M4.5S')).toBe(86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4500);
      expect(parseIsoDuration('p2d')).toBe(2 * 86_400_000);
      expect(parseIsoDuration('PT-90S')).toBe(-90_000);
      expect(parseIsoDuration('-PT1M')).toBe(-60_000);
      expect(parseIsoDuration('PT0.001S')).toBe(1);
      for (const bad of ['P', 'PT', 'P1DT', '1h', 'PT1H30', 'P1W']) expect(() => parseIsoDuration(bad), bad).toThrow(TimeArgumentError);
    });
  });
});
