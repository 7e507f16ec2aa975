// Consumer groups of the three kinds of client the cluster tests drive (samsa's Consumer,
// confluent-kafka, kafka-python), each member consuming and committing what it consumed after every
// poll, every delivery and every acknowledged commit written in one log per group in the order
// they happened — and the check that the log is what Kafka's at-least-once delivery allows.
// (Not KafkaJS: when a broker leaves while a member restarts after a crash, KafkaJS 2.2's fetch
// manager can start new fetchers after the runner stopped, and they loop on empty fetches without
// ever yielding, freezing the process: tulios/kafkajs#1384, #1387.)
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Consumer } from '../../src/clients/consumer/consumer-constructor.js';
import type { ConsumerRecords } from '../../src/clients/consumer/consumer-records.js';
import { stopChild } from '../cleanup.js';
import { waitFor } from '../wait-for.js';

// Debian's interpreter: its dist-packages hold python3-kafka and python3-confluent-kafka.
const PYTHON = '/usr/bin/python3';
const PYTHON_MEMBERS = fileURLToPath(new URL('./python/group_members.py', import.meta.url));

/** Session settings every member uses: a dead coordinator or member is noticed in seconds. */
const SESSION_TIMEOUT_MS = 10_000;
const HEARTBEAT_INTERVAL_MS = 1000;
/** A bound on a group's first rebalance, there only so a hung one fails with a name. */
const READY_TIMEOUT_MS = 120_000;

type GroupEvent =
  | { readonly kind: 'record'; readonly member: string; readonly partition: number; readonly offset: number }
  | { readonly kind: 'commit'; readonly member: string; readonly partition: number; readonly offset: number };

/** What a group's members did, in order. */
export class GroupLog {
  readonly events: GroupEvent[] = [];
  /** Commits that failed (the coordinator moved, the group rebalanced): a later one covers them. */
  readonly commitFailures: string[] = [];
  /** What a client threw or reported that it should not have (a poll failing on a retriable error). */
  readonly errors: string[] = [];

  delivered(member: string, partition: number, offset: number): void {
    this.events.push({ kind: 'record', member, partition, offset });
  }

  committed(member: string, partition: number, offset: number): void {
    this.events.push({ kind: 'commit', member, partition, offset });
  }

  /** Events from this index on (a mark taken before a fault). */
  get mark(): number {
    return this.events.length;
  }

  /** Distinct offsets delivered of a partition. */
  seen(partition: number): Set<number> {
    return new Set(this.events.filter((e) => e.kind === 'record' && e.partition === partition).map((e) => e.offset));
  }

  /** Whether every offset below each partition's end has been delivered. */
  covers(ends: readonly number[]): boolean {
    return ends.every((end, p) => this.seen(p).size >= end);
  }

  /** Commits acknowledged since `mark`, by partition: the highest offset. */
  committedSince(mark: number): Map<number, number> {
    const out = new Map<number, number>();
    for (const e of this.events.slice(mark)) if (e.kind === 'commit') out.set(e.partition, Math.max(out.get(e.partition) ?? 0, e.offset));
    return out;
  }
}

export interface DeliveryReport {
  /** Deliveries of an offset already delivered, by partition. */
  readonly redelivered: number[];
  /** What broke the rules, empty when nothing did. */
  readonly violations: string[];
}

/**
 * Checks a group's log against Kafka's at-least-once delivery with commits:
 * each member reads a partition in offset order; where a member starts (or
 * starts again) reading a partition it does so at the group's committed offset
 * as last acknowledged to any member, or later, and never past the next offset
 * not yet delivered (no record skipped); every offset below each end is
 * delivered. So a record is delivered twice only when it lies after the last
 * acknowledged commit.
 */
export function checkDeliveries(log: GroupLog, ends: readonly number[]): DeliveryReport {
  const violations: string[] = [];
  const redelivered = ends.map(() => 0);
  const committed = ends.map(() => 0);
  const seen = ends.map(() => new Set<number>());
  const next = new Map<string, number>();
  for (const e of log.events) {
    if (e.kind === 'commit') {
      committed[e.partition] = Math.max(committed[e.partition]!, e.offset);
      continue;
    }
    const key = `${e.member}/${e.partition}`;
    const expected = next.get(key);
    if (expected !== e.offset) {
      const frontier = seen[e.partition]!.size === 0 ? 0 : Math.max(...seen[e.partition]!) + 1;
      if (e.offset < committed[e.partition]!)
        violations.push(`${e.member} started partition ${e.partition} at ${e.offset}, below the committed offset ${committed[e.partition]}`);
      if (e.offset > frontier) violations.push(`${e.member} started partition ${e.partition} at ${e.offset}, skipping from ${frontier}`);
    }
    next.set(key, e.offset + 1);
    if (seen[e.partition]!.has(e.offset)) redelivered[e.partition]!++;
    seen[e.partition]!.add(e.offset);
  }
  ends.forEach((end, p) => {
    for (let o = 0; o < end; o++) if (!seen[p]!.has(o)) violations.push(`partition ${p} offset ${o} never delivered`);
  });
  return { redelivered, violations };
}

export interface RunningGroup {
  readonly groupId: string;
  readonly client: string;
  readonly log: GroupLog;
  /** Resolves once every member has partitions assigned. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/** samsa's Consumers: poll, then commitSync of the positions of what the poll returned. */
export function samsaGroup(bootstrap: string, topic: string, groupId: string, members: number): RunningGroup {
  const log = new GroupLog();
  let running = true;
  const consumers = Array.from(
    { length: members },
    (_, m) =>
      new Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': groupId,
        'client.id': `${groupId}-${m}`,
        'enable.auto.commit': false,
        'auto.offset.reset': 'earliest',
        'session.timeout.ms': SESSION_TIMEOUT_MS,
        'heartbeat.interval.ms': HEARTBEAT_INTERVAL_MS,
        'metadata.max.age.ms': 2000,
      }),
  );
  const loops = consumers.map(async (consumer, m) => {
    consumer.subscribe([topic]);
    while (running) {
      let records: ConsumerRecords;
      try {
        records = await consumer.poll(100);
      } catch (e) {
        log.errors.push(`samsa-${m} poll: ${String(e)}`);
        continue;
      }
      const positions = new Map<number, number>();
      for (const r of records) {
        log.delivered(`samsa-${m}`, r.partition, r.offset);
        positions.set(r.partition, r.offset + 1);
      }
      if (positions.size === 0) continue;
      const offsets = [...positions].map(([partition, offset]) => ({ topic, partition, offset }));
      try {
        await consumer.commitSync(offsets);
        for (const o of offsets) log.committed(`samsa-${m}`, o.partition, o.offset);
      } catch (e) {
        log.commitFailures.push(`samsa-${m}: ${String(e)}`); // the next commit covers it
      }
    }
  });
  const ready = waitFor(() => !running || consumers.every((c) => c.assignment().length > 0), `every member of ${groupId} to have partitions`, READY_TIMEOUT_MS);
  return {
    groupId,
    client: 'samsa',
    log,
    ready,
    async stop() {
      running = false;
      await Promise.allSettled(loops);
      await Promise.all(consumers.map((c) => c.close(5000)));
    },
  };
}

/**
 * Consumers of a Python client in one Python process (python/group_members.py): kafka-python's
 * KafkaConsumer, or confluent-kafka's Consumer (librdkafka's consumer, as most non-Java clients run it).
 */
export function pythonGroup(client: 'kafka-python' | 'confluent-kafka', bootstrap: string, topic: string, groupId: string, members: number): RunningGroup {
  const log = new GroupLog();
  const child = spawn(PYTHON, [PYTHON_MEMBERS, client, bootstrap, topic, groupId, String(members)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let onReady: () => void = () => {};
  let onExit: (e: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onExit = reject;
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    onExit(new Error(`${client} members exited with ${code} before every member had partitions:\n${stderr}`));
    if (!stopping) log.errors.push(`${client} members exited with ${code}:\n${stderr}`);
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const e = JSON.parse(line) as {
      member?: number;
      partition?: number;
      offset?: number;
      committed?: Record<string, number>;
      commitFailed?: string;
      error?: string;
      ready?: boolean;
    };
    const member = `${client}-${e.member}`;
    if (e.ready) onReady();
    else if (e.offset !== undefined) log.delivered(member, e.partition!, e.offset);
    else if (e.committed) for (const [p, o] of Object.entries(e.committed)) log.committed(member, Number(p), o);
    else if (e.commitFailed) log.commitFailures.push(`${member}: ${e.commitFailed}`);
    else if (e.error) log.errors.push(`${member} poll: ${e.error}`);
  });
  return {
    groupId,
    client,
    log,
    ready,
    async stop() {
      stopping = true;
      child.stdin!.end();
      // Closing stdin asks it to close its members; one that hangs is killed by PID.
      const timer = setTimeout(() => void stopChild(child), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
