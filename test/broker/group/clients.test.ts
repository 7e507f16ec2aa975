import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Admin, type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolReader } from '../../../src/protocol/reader.js';
import { buildRecordBatch } from '../../../storage/record/record-batch-builder.js';
import { commitBody, commitCodes, createTopic, describeGroup, fetchOffsets, groupSuite, startGroupBroker, waitFor } from './group-harness.js';

// Real clients as members of samsa's groups: KafkaJS, kcat -G (librdkafka), kafka-python and confluent-kafka.

/** Child processes a test started; each test's afterEach kills what is left. */
const children = new Set<ChildProcess>();

function started<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

interface Seen {
  consumer: string;
  partition: number;
  offset: number;
  value: string;
}

/** Assignments (partition lists) that split `partitions` among members without overlap. */
function partitionsSplit(assignments: Iterable<number[]>, partitions: number): boolean {
  const all = [...assignments].flat();
  return all.length === partitions && new Set(all).size === partitions;
}

describe('KafkaJS consumer groups', () => {
  const gb = groupSuite({ 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 });
  let kafka: Kafka;

  beforeAll(() => {
    kafka = new Kafka({ clientId: 'samsa-groups', brokers: [gb.b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
  });

  async function produce(topic: string, from: number, count: number, partitions: number): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ partition: (from + i) % partitions, value: `m${from + i}` })) });
    } finally {
      await producer.disconnect();
    }
  }

  async function startConsumer(
    name: string,
    groupId: string,
    topic: string,
    seen: Seen[],
    assignments: Map<string, number[]>,
    consumers: Map<string, Consumer>,
  ): Promise<void> {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 10_000, maxWaitTimeInMs: 200 });
    consumers.set(name, consumer);
    consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set(name, [...(e.payload.memberAssignment[topic] ?? [])].sort()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ consumer: name, partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });
  }

  /** Waits until the group's committed offset on every partition of `topic` is `offset`. */
  async function committedEverywhere(admin: Admin, groupId: string, topic: string, offset: string): Promise<void> {
    await waitFor(
      async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.every((p) => p.offset === offset),
      `commits at ${offset}`,
      15_000,
    );
  }

  it('three members share a 4-partition topic; one leaves, the others take over; every message is consumed once and committed', async () => {
    await createTopic(gb.b, 'kjs', 4);
    const seen: Seen[] = [];
    const assignments = new Map<string, number[]>();
    const consumers = new Map<string, Consumer>();
    const admin = kafka.admin();
    try {
      for (const name of ['c1', 'c2', 'c3']) await startConsumer(name, 'kjs-group', 'kjs', seen, assignments, consumers);
      await waitFor(
        () => assignments.size === 3 && partitionsSplit(assignments.values(), 4) && [...assignments.values()].every((a) => a.length > 0),
        'three members sharing the partitions',
        30_000,
      );
      await admin.connect();
      const [described] = (await admin.describeGroups(['kjs-group'])).groups;
      expect(described!.state).toBe('Stable');
      expect(described!.protocolType).toBe('consumer');
      expect(described!.members).toHaveLength(3);

      await produce('kjs', 0, 40, 4);
      await waitFor(() => new Set(seen.map((s) => s.value)).size === 40, '40 messages', 30_000);
      expect(seen).toHaveLength(40);
      // Each partition went to the one member assigned it.
      const owner = new Map<number, string>();
      for (const [name, parts] of assignments) for (const p of parts) owner.set(p, name);
      for (const s of seen) expect(s.consumer).toBe(owner.get(s.partition));

      await consumers.get('c3')!.disconnect();
      consumers.delete('c3');
      assignments.delete('c3');
      await waitFor(() => partitionsSplit([assignments.get('c1') ?? [], assignments.get('c2') ?? []], 4), 'c1 and c2 taking over', 30_000);
      await produce('kjs', 40, 40, 4);
      await waitFor(() => new Set(seen.map((s) => s.value)).size === 80, '80 messages', 30_000);
      // Once everything is committed, nothing is left to be delivered again.
      await committedEverywhere(admin, 'kjs-group', 'kjs', '20');
      // Nothing was consumed twice: c3's commits covered what it had read.
      expect(seen).toHaveLength(80);
      expect(seen.slice(40).every((s) => s.consumer !== 'c3')).toBe(true);
      expect(seen.map((s) => s.value).sort()).toEqual(Array.from({ length: 80 }, (_, i) => `m${i}`).sort());
      const [offsets] = await admin.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs'] });
      expect(offsets!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
        [0, '20'],
        [1, '20'],
        [2, '20'],
        [3, '20'],
      ]);
      for (const c of consumers.values()) await c.disconnect();
      consumers.clear();
      const [after] = (await admin.describeGroups(['kjs-group'])).groups;
      expect(after!.state).toBe('Empty');
    } finally {
      for (const c of consumers.values()) await c.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
    }
  }, 120_000);

  it("a SIGKILLed member's partitions move to the survivor when its session times out, resuming from its commits", async () => {
    await createTopic(gb.b, 'kjs-kill', 4);
    const seen: Seen[] = [];
    const assignments = new Map<string, number[]>();
    const script = `
      import { Kafka, logLevel } from 'kafkajs';
      const kafka = new Kafka({ clientId: 'doomed', brokers: [${JSON.stringify(gb.b.bootstrap)}], logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: 'kjs-kill-group', sessionTimeout: 3000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
      consumer.on(consumer.events.GROUP_JOIN, (e) => console.log(JSON.stringify({ assigned: e.payload.memberAssignment['kjs-kill'] ?? [] })));
      await consumer.connect();
      await consumer.subscribe({ topic: 'kjs-kill', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => console.log(JSON.stringify({ partition, offset: Number(message.offset), value: message.value.toString() })) });
    `;
    const child = started(spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] }));
    let childAssigned: number[] = [];
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const msg = JSON.parse(line);
        if (msg.assigned) childAssigned = [...msg.assigned].sort();
        else seen.push({ consumer: 'doomed', ...msg });
      }
    });
    const consumer = kafka.consumer({ groupId: 'kjs-kill-group', sessionTimeout: 3000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set('survivor', [...(e.payload.memberAssignment['kjs-kill'] ?? [])].sort()));
    const admin = kafka.admin();
    try {
      await waitFor(() => childAssigned.length === 4, 'the child consumer joining', 30_000);
      await consumer.connect();
      await consumer.subscribe({ topic: 'kjs-kill', fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) =>
          void seen.push({ consumer: 'survivor', partition, offset: Number(message.offset), value: message.value!.toString() }),
      });
      await waitFor(() => partitionsSplit([childAssigned, assignments.get('survivor') ?? []], 4) && childAssigned.length > 0, 'two members', 30_000);
      await produce('kjs-kill', 0, 40, 4);
      await waitFor(() => new Set(seen.map((s) => s.value)).size === 40, '40 messages', 30_000);
      await admin.connect();
      await committedEverywhere(admin, 'kjs-kill-group', 'kjs-kill', '10');

      // Killed, the member sends no LeaveGroup: only its session timer ends its membership.
      child.kill('SIGKILL');
      await waitFor(() => (assignments.get('survivor') ?? []).length === 4, 'the survivor taking every partition', 30_000);
      expect(gb.group('kjs-kill-group')!.size).toBe(1);
      await produce('kjs-kill', 40, 40, 4);
      await waitFor(() => new Set(seen.map((s) => s.value)).size === 80, '80 messages', 30_000);
      await committedEverywhere(admin, 'kjs-kill-group', 'kjs-kill', '20');
      expect(seen).toHaveLength(80);
      expect(seen.slice(40).every((s) => s.consumer === 'survivor')).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await consumer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
    }
  }, 120_000);
});

const KCAT = '/usr/bin/kcat';

/** A long-running `kcat -G` member: its output lines as they come, what it printed on stderr, and how it exited. */
function kcatMember(bootstrap: string, group: string, topic: string, extra: string[] = []) {
  // No -o: `-o beginning` would restart every assigned partition from 0 on each rebalance, ignoring commits.
  // No -q: the rebalance lines on stderr say which partitions the member has taken up.
  const child = started(
    spawn(
      KCAT,
      [
        '-b',
        bootstrap,
        '-G',
        group,
        topic,
        '-u',
        '-f',
        '%p %o %s\n',
        '-X',
        'auto.offset.reset=earliest',
        '-X',
        'session.timeout.ms=6000',
        '-X',
        'heartbeat.interval.ms=300',
        ...extra,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited, stderr: () => stderr };
}

/**
 * The partitions a kcat member has taken up, from the rebalance lines kcat
 * prints on stderr: eager ones ("assigned: …" / "revoked: …") replace its
 * assignment, cooperative ones ("incremental assignment of …" / "incremental
 * revoke of …") add to it or take from it. Only whole lines count.
 */
function appliedAssignment(stderr: string): { memberId: string | null; partitions: Set<number> } {
  let memberId: string | null = null;
  let partitions = new Set<number>();
  const complete = stderr.slice(0, stderr.lastIndexOf('\n') + 1);
  for (const line of complete.split('\n')) {
    const eager = /^% Group \S+ rebalanced \(memberid ([^)]+)\): (assigned|revoked): (.*)$/.exec(line);
    const cooperative = /^% Group \S+ rebalanced: incremental (assignment|revoke) of \d+ partition\(s\) \(memberid ([^,]+),[^)]*\): (.*)$/.exec(line);
    const listed = (text: string) => [...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    if (eager) {
      memberId = eager[1]!;
      partitions = new Set(eager[2] === 'assigned' ? listed(eager[3]!) : []);
    } else if (cooperative) {
      memberId = cooperative[2]!;
      for (const p of listed(cooperative[3]!)) {
        if (cooperative[1] === 'assignment') partitions.add(p);
        else partitions.delete(p);
      }
    }
  }
  return { memberId, partitions };
}

/** The partitions of a ConsumerProtocolAssignment (int16 version, then topics with their partitions). */
function assignedPartitions(assignment: Buffer): number[] {
  if (assignment.length === 0) return [];
  const r = new ProtocolReader(assignment);
  r.int16();
  const out: number[] = [];
  for (let t = r.arrayLength(); t > 0; t--) {
    r.string();
    for (let p = r.arrayLength(); p > 0; p--) out.push(r.int32());
  }
  return out;
}

describe.skipIf(!existsSync(KCAT))('kcat -G (librdkafka balanced consumer)', () => {
  const gb = groupSuite({ 'group.initial.rebalance.delay.ms': 0 }, { 'kcat-g': 4 });

  /** Commits the log end of every partition for a group (as a simple consumer) so its members start there. */
  async function commitAtEnd(group: string): Promise<void> {
    const c = await gb.connect();
    const ends: Record<number, number> = {};
    for (let p = 0; p < 4; p++) ends[p] = gb.b.broker.context.replicas.getPartition('kcat-g', p)!.logEndOffset;
    expect(await commitCodes(c, commitBody(group, 'kcat-g', ends))).toEqual([0, 0, 0, 0]);
  }

  async function produceTo(from: number, count: number): Promise<void> {
    const c = await gb.connect();
    for (let p = 0; p < 4; p++) {
      const values = Array.from({ length: count }, (_, i) => from + i)
        .filter((i) => i % 4 === p)
        .map((i) => ({ value: `k${i}` }));
      const res = await c.request('Produce', 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'kcat-g', partitionData: [{ index: p, records: buildRecordBatch(values) }] }],
      });
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
    }
  }

  // Eager (range) and cooperative (KIP-429, two rebalances to move a partition) clients both just work: the coordinator carries their bytes.
  it.each(['range', 'cooperative-sticky'])(
    '%s: two members split the partitions; when one leaves the other takes all; nothing is consumed twice after commits',
    async (strategy) => {
      const group = `kcat-${strategy}`;
      const groupOf = () => gb.group(group);
      const offset = strategy === 'range' ? 0 : 80;
      const produce = (from: number, count: number) => produceTo(offset + from, count);
      const settled = (members: number) => {
        const g = groupOf();
        if (g?.state !== 'Stable' || g.size !== members) return false;
        const parts = [...g.members.values()].map((m) => assignedPartitions(m.assignment));
        return parts.every((p) => p.length > 0) && partitionsSplit(parts, 4);
      };
      type Member = ReturnType<typeof kcatMember>;
      // The coordinator records an assignment before the members act on it: under cooperative-sticky the old
      // owner still fetches a moving partition until it processes the revocation. Records are produced only once
      // each member has taken up what the coordinator recorded for it, so each record has exactly one possible reader.
      const takenUp = (members: Member[]) =>
        members.every((m) => {
          const applied = appliedAssignment(m.stderr());
          const recorded = applied.memberId === null ? undefined : groupOf()?.members.get(applied.memberId);
          if (!recorded) return false;
          const expected = assignedPartitions(recorded.assignment);
          return expected.length === applied.partitions.size && expected.every((p) => applied.partitions.has(p));
        });
      const extra = ['-X', `partition.assignment.strategy=${strategy}`];
      // The second run starts where the first test's records end.
      if (offset > 0) await commitAtEnd(group);
      const one = kcatMember(gb.b.bootstrap, group, 'kcat-g', extra);
      const two = kcatMember(gb.b.bootstrap, group, 'kcat-g', extra);
      await waitFor(() => settled(2) && takenUp([one, two]), 'two kcat members in a Stable group, each reading what it was assigned', 30_000);
      expect(groupOf()!.protocolName).toBe(strategy);
      await produce(0, 40);
      await waitFor(() => one.lines.length + two.lines.length >= 40, '40 messages through kcat', 30_000);
      const parse = (l: string) => ({ partition: Number(l.split(' ')[0]), offset: Number(l.split(' ')[1]), value: l.split(' ')[2]! });
      const p1 = new Set(one.lines.map((l) => parse(l).partition));
      const p2 = new Set(two.lines.map((l) => parse(l).partition));
      // Each partition was read by exactly one member (librdkafka's range assignor: two each).
      expect([...p1].filter((p) => p2.has(p))).toEqual([]);
      expect([...p1, ...p2].sort()).toEqual([0, 1, 2, 3]);
      expect([p1.size, p2.size]).toEqual([2, 2]);
      expect([...one.lines, ...two.lines].map((l) => parse(l).value).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `k${offset + i}`).sort());

      // One member stops (SIGTERM: kcat commits and leaves the group); the other gets every partition.
      one.child.kill('SIGTERM');
      expect(await one.exited).toBe(0);
      await waitFor(() => settled(1) && takenUp([two]), 'the remaining member alone', 30_000);
      const before = two.lines.length;
      await produce(40, 40);
      await waitFor(() => two.lines.length - before >= 40, '40 more messages through the remaining member', 30_000);
      // It stops too (and commits): its output is now complete.
      two.child.kill('SIGTERM');
      expect(await two.exited).toBe(0);
      const later = two.lines.slice(before).map(parse);
      expect(new Set(later.map((m) => m.partition))).toEqual(new Set([0, 1, 2, 3]));
      expect(later.map((m) => m.value).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `k${offset + 40 + i}`).sort());
      // Nothing was read twice in all.
      const everything = [...one.lines, ...two.lines].map((l) => parse(l).value);
      expect(everything).toHaveLength(80);
      expect(new Set(everything).size).toBe(80);

      const c = await gb.connect();
      const committed = await fetchOffsets(c, group, [{ name: 'kcat-g', partitionIndexes: [0, 1, 2, 3] }], 7);
      expect(committed.topics[0].partitions.map((p: any) => p.committedOffset)).toEqual([20, 20, 20, 20].map((n) => n + offset / 4));
      // A member started now (-e: exit at the end of its partitions) finds nothing left to read.
      const out = await new Promise<string>((resolve, reject) =>
        started(
          execFile(
            KCAT,
            ['-b', gb.b.bootstrap, '-G', group, 'kcat-g', '-e', '-q', '-f', '%p %o %s\n', '-X', 'auto.offset.reset=earliest', ...extra],
            { timeout: 30_000 },
            (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout)),
          ),
        ),
      );
      expect(out).toBe('');
    },
    120_000,
  );
});

// Debian's interpreter: its dist-packages hold python3-kafka and python3-confluent-kafka.
const PYTHON = '/usr/bin/python3';

/** Consumes `count` records as a member of `group`, commits synchronously, closes; prints what it read and committed. */
const PY_GROUP_CONSUMER = `
import json, sys, time
client, bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
out = []
if client == 'kafka-python':
    from kafka import KafkaConsumer, TopicPartition
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                             auto_offset_reset='earliest', consumer_timeout_ms=20000, session_timeout_ms=6000,
                             heartbeat_interval_ms=1000)
    for m in consumer:
        out.append({'offset': m.offset, 'value': m.value.decode()})
        if len(out) >= count:
            break
    consumer.commit()
    committed = consumer.committed(TopicPartition(topic, 0))
    consumer.close()
else:
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False,
                         'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000})
    consumer.subscribe([topic])
    deadline = time.time() + 30
    while len(out) < count and time.time() < deadline:
        m = consumer.poll(0.5)
        if m is None or m.error():
            continue
        out.append({'offset': m.offset(), 'value': m.value().decode()})
    consumer.commit(asynchronous=False)
    committed = consumer.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
    consumer.close()
print(json.dumps({'records': out, 'committed': committed}))
`;

function pyGroupConsume(
  client: string,
  bootstrap: string,
  topic: string,
  group: string,
  count: number,
): Promise<{ records: Array<{ offset: number; value: string }>; committed: number }> {
  return new Promise((resolve, reject) => {
    started(
      execFile(PYTHON, ['-c', PY_GROUP_CONSUMER, client, bootstrap, topic, group, String(count)], { timeout: 90_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${client} failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
      }),
    );
  });
}

describe.skipIf(!existsSync(PYTHON))('Python group consumers resume from their commits across a broker restart', () => {
  it.each(['kafka-python', 'confluent-kafka'])(
    '%s: commit, close, restart the broker, reopen',
    async (client) => {
      const settings = { 'group.initial.rebalance.delay.ms': 0 };
      let gb = await startGroupBroker(settings);
      try {
        const topic = `py-${client}`;
        await createTopic(gb.b, topic, 1);
        const c = await gb.connect();
        const res = await c.request('Produce', 9, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 5000,
          topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatch(Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` }))) }] }],
        });
        expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);

        const first = await pyGroupConsume(client, gb.b.bootstrap, topic, `${client}-group`, 4);
        expect(first.records).toEqual([0, 1, 2, 3].map((i) => ({ offset: i, value: `v${i}` })));
        expect(first.committed).toBe(4);

        await gb.stop(true);
        gb = await startGroupBroker(settings, gb.b.dir);
        const second = await pyGroupConsume(client, gb.b.bootstrap, topic, `${client}-group`, 3);
        expect(second.records).toEqual([4, 5, 6].map((i) => ({ offset: i, value: `v${i}` })));
        expect(second.committed).toBe(7);
        const raw = await gb.connect();
        const fetched = await fetchOffsets(raw, `${client}-group`, [{ name: topic, partitionIndexes: [0] }], 5);
        expect(fetched.topics[0].partitions[0].committedOffset).toBe(7);
        // Both runs were group members (JoinGroup/SyncGroup), not offset-only commits: each joined a generation and left it empty.
        const described = await describeGroup(raw, `${client}-group`);
        expect([described.groupState, described.protocolType]).toEqual(['Empty', 'consumer']);
        expect(gb.group(`${client}-group`)!.generationId).toBe(4);
      } finally {
        await gb.stop();
      }
    },
    180_000,
  );
});
