import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Api } from '../../src/clients/network/apis.js';
import { BrokerConnection } from '../../src/clients/network/broker-connection.js';
import { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import type { LeaderAndIsr } from '../../src/zk/zk-data.js';
import { createBackend } from '../../storage/backend/index.js';
import { type EpochEntry, LEADER_EPOCH_CHECKPOINT, parseLeaderEpochCheckpoint } from '../../storage/checkpoint/leader-epoch-checkpoint.js';
import { scanBatches } from '../../storage/record/record-batch-scan.js';
import { stopChild } from '../cleanup.js';
import { type TestCluster, waitUntil } from './cluster-harness.js';

// What the cluster tests observe a cluster through: kcat, the Python clients, ZooKeeper's
// znodes, DescribeLogDirs, and the stored segments. Each is state the cluster exposes, which
// the tests wait on instead of sleeping.

const KCAT = '/usr/bin/kcat';
// Debian's interpreter: its dist-packages hold python3-kafka and python3-confluent-kafka.
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/cluster_clients.py', import.meta.url));

export function kcat(args: readonly string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(KCAT, args, { timeout: 60_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`kcat ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin!.on('error', () => {}); // kcat -C may exit before reading its (empty) stdin
    child.stdin!.end(input);
  });
}

/** A partition as a client reports it, the same shape whichever client asked. */
export interface SeenPartition {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface SeenMetadata {
  brokers: number[];
  partitions: SeenPartition[];
}

interface KcatMetadata {
  brokers: Array<{ id: number }>;
  topics: Array<{
    topic: string;
    error?: string;
    partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }>;
  }>;
}

/** The topic's metadata as kcat (librdkafka) sees it (`kcat -L -J`). */
export async function kcatMetadata(bootstrap: string, topic: string): Promise<SeenMetadata> {
  const md = JSON.parse(await kcat(['-b', bootstrap, '-L', '-J', '-t', topic])) as KcatMetadata;
  const partitions = md.topics.find((t) => t.topic === topic)?.partitions ?? [];
  return {
    brokers: md.brokers.map((b) => b.id).sort((a, b) => a - b),
    partitions: partitions
      .map((p) => ({ partition: p.partition, leader: p.leader, replicas: p.replicas.map((r) => r.id), isr: p.isrs.map((r) => r.id).sort((a, b) => a - b) }))
      .sort((a, b) => a.partition - b.partition),
  };
}

/** Runs cluster_clients.py to its end; resolves its last JSON line. */
export function python(action: string, bootstrap: string, topic: string, ...args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, action, bootstrap, topic, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${action} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

/** `prefix-0` … `prefix-(n-1)`: values a test produces and finds again. */
export const numbered = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** A record as the load producer acknowledged it or the load consumer read it. */
export interface LoadRecord {
  partition: number;
  offset: number;
  key: string;
  value: string;
}

/**
 * A long-running client of cluster_clients.py (produce-load, consume-load): its JSON lines
 * as they come. finish() closes its stdin, which tells it to stop, and waits for its last
 * line; kill() is for afterEach.
 */
export class PythonStream {
  readonly records: LoadRecord[] = [];
  readonly errors: string[] = [];
  done: Record<string, unknown> | undefined;
  /** The client's last statistics (the load producer's: what it waits on per broker and partition). */
  lastStats: unknown;
  private stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(action: string, bootstrap: string, topic: string, ...args: string[]) {
    this.child = spawn(PYTHON, [SCRIPT, action, bootstrap, topic, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) this.take(JSON.parse(line) as Record<string, unknown>);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.stdin!.on('error', () => {});
  }

  private take(line: Record<string, unknown>): void {
    if (line.stats) this.lastStats = line.stats;
    else if (line.done) this.done = line;
    else if (typeof line.fatal === 'string') this.errors.push(`fatal: ${line.fatal}`);
    else if (typeof line.error === 'string') this.errors.push(`${line.error}${line.value ? ` (${String(line.value)})` : ''}`);
    else this.records.push(line as unknown as LoadRecord);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `count` more records have come than when it was called (progress under load). */
  async progress(count: number, what: string, timeoutMs = 90_000): Promise<void> {
    const target = this.records.length + count;
    await waitUntil(() => !this.running || this.records.length >= target, `${count} more records (${what})`, timeoutMs).catch((e: Error) => {
      throw new Error(`${e.message}; errors so far: ${this.errors.slice(-3).join('; ')}; last statistics: ${JSON.stringify(this.lastStats)}`);
    });
    if (this.records.length < target) throw new Error(`the client exited: ${this.stderr}`);
  }

  async finish(timeoutMs = 150_000): Promise<Record<string, unknown>> {
    this.child.stdin!.end();
    await waitUntil(() => this.done !== undefined || !this.running, 'the client to finish', timeoutMs);
    await this.exited;
    if (!this.done) throw new Error(`the client exited without finishing: ${this.stderr}`);
    return this.done;
  }

  kill(): Promise<void> {
    return stopChild(this.child);
  }
}

/** A ZooKeeper session of the test's own, reading Kafka's znodes in the cluster's chroot. */
export function zkReader(cluster: TestCluster): Promise<KafkaZkClient> {
  return KafkaZkClient.connect({ 'zookeeper.connect': cluster.connectString, 'zookeeper.session.timeout.ms': 30_000 });
}

/** The partition's leader and ISR as its state znode holds them. */
export async function partitionState(zk: KafkaZkClient, topic: string, partition: number): Promise<LeaderAndIsr> {
  const state = await zk.getTopicPartitionState({ topic, partition });
  if (!state) throw new Error(`${topic}-${partition} has no state znode`);
  return state.leaderAndIsr;
}

/** Waits until every partition's ISR holds all `brokers` (the replicas of an RF-3 topic on three brokers). */
export async function waitForIsr(
  zk: KafkaZkClient,
  topic: string,
  partitions: number,
  brokers: readonly number[],
  what: string,
  timeoutMs = 90_000,
): Promise<void> {
  await waitUntil(
    async () => {
      for (let p = 0; p < partitions; p++) {
        const { isr, leader } = await partitionState(zk, topic, p);
        if (leader < 0 || !brokers.every((b) => isr.includes(b))) return false;
      }
      return true;
    },
    what,
    timeoutMs,
  );
}

/** The id of the broker registered as controller in /controller. */
export async function controllerId(zk: KafkaZkClient): Promise<number | undefined> {
  return zk.getControllerId();
}

/** The broker's epoch: the czxid of its /brokers/ids znode (undefined when not registered). */
export async function brokerEpoch(zk: KafkaZkClient, id: number): Promise<bigint | undefined> {
  return (await zk.getAllBrokersInCluster()).find((b) => b.id === id)?.epoch;
}

/** One request to one broker of the cluster with samsa's client connection (on its PLAINTEXT listener, or the listener on `port`). */
export async function brokerRequest<T>(
  cluster: TestCluster,
  id: number,
  send: (connection: BrokerConnection) => Promise<T>,
  port = cluster.port(id),
): Promise<T> {
  const connection = new BrokerConnection(id, '127.0.0.1', port, {
    clientId: 'samsa-cluster-test',
    requestTimeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    maxInFlight: 1,
    sendBufferBytes: -1,
    receiveBufferBytes: -1,
  });
  try {
    await connection.connect();
    return await send(connection);
  } finally {
    connection.close();
  }
}

/** The size of each partition of `topic` on broker `id`, as its DescribeLogDirs reports (partition → bytes). */
export async function replicaSizes(cluster: TestCluster, id: number, topic: string): Promise<Map<number, number>> {
  const response = await brokerRequest(cluster, id, (c) => c.request(Api.DescribeLogDirs, { topics: null }));
  const sizes = new Map<number, number>();
  for (const dir of response.results) {
    for (const t of dir.topics) if (t.name === topic) for (const p of t.partitions) sizes.set(p.partitionIndex, Number(p.partitionSize));
  }
  return sizes;
}

/** Waits until every running broker reports the same size for each partition of `topic` (the replicas have caught up). */
export async function waitForEqualReplicaSizes(
  cluster: TestCluster,
  ids: readonly number[],
  topic: string,
  partitions: number,
  timeoutMs = 60_000,
): Promise<void> {
  let last = '';
  await waitUntil(
    async () => {
      const all = await Promise.all(ids.map((id) => replicaSizes(cluster, id, topic)));
      last = ids.map((id, i) => `broker ${id}: ${[...all[i]!].map(([p, s]) => `${p}=${s}`).join(' ')}`).join('; ');
      for (let p = 0; p < partitions; p++) {
        const sizes = all.map((s) => s.get(p));
        if (sizes.some((s) => s === undefined || s !== sizes[0])) return false;
      }
      return true;
    },
    `equal replica sizes of ${topic} (${last})`,
    timeoutMs,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; last seen: ${last}`);
  });
}

/**
 * The objects of a partition directory as broker `id` stored them (name → bytes) whose names
 * `wanted` accepts, read with the broker stopped: on file and mmap the files themselves, on
 * level through the backend (one LevelDB per partition directory, which only one process
 * may open at a time).
 */
async function storedObjects(
  cluster: TestCluster,
  id: number,
  backend: string,
  topic: string,
  partition: number,
  wanted: (name: string) => boolean,
): Promise<Map<string, Buffer>> {
  const path = join(cluster.dir(id), `${topic}-${partition}`);
  const objects = new Map<string, Buffer>();
  if (!existsSync(path)) return objects;
  if (backend !== 'level') {
    for (const name of readdirSync(path).filter(wanted).sort()) objects.set(name, readFileSync(join(path, name)));
    return objects;
  }
  const dir = await createBackend('level').openDirectory(path);
  try {
    for (const name of (await dir.list()).filter(wanted).sort()) objects.set(name, await dir.readAll(name));
  } finally {
    await dir.close();
  }
  return objects;
}

/** The `.log` segments of a partition as broker `id` stored them (name → bytes), the broker stopped. */
export function storedSegments(cluster: TestCluster, id: number, backend: string, topic: string, partition: number): Promise<Map<string, Buffer>> {
  return storedObjects(cluster, id, backend, topic, partition, (name) => name.endsWith('.log'));
}

/** Differences between the replicas' segments of a partition (empty when they are byte-identical). */
export async function segmentDifferences(cluster: TestCluster, ids: readonly number[], backend: string, topic: string, partition: number): Promise<string[]> {
  const [first, ...rest] = await Promise.all(ids.map((id) => storedSegments(cluster, id, backend, topic, partition)));
  const differences: string[] = [];
  if (first!.size === 0) differences.push(`broker ${ids[0]} has no segments of ${topic}-${partition}`);
  rest.forEach((other, i) => {
    const names = [...new Set([...first!.keys(), ...other.keys()])].sort();
    for (const name of names) {
      const a = first!.get(name);
      const b = other.get(name);
      if (!a || !b || !a.equals(b))
        differences.push(
          `${topic}-${partition}/${name}: broker ${ids[0]} ${a?.length ?? 'missing'} bytes, broker ${ids[i + 1]} ${b?.length ?? 'missing'} bytes${a && b ? `, first difference at byte ${firstDifference(a, b)}` : ''}`,
        );
    }
  });
  return differences;
}

/**
 * Where broker `id`'s leader-epoch-checkpoint for the partition disagrees with its batches
 * (empty when it agrees): each epoch the batches carry must start in the checkpoint at the
 * base offset of its first batch. Entries no batch follows (an epoch that appended nothing
 * before the next one, or the current one at the log end) say nothing and are skipped.
 * Replicas truncate by these entries: a wrong one makes a follower keep or drop the wrong records.
 */
export async function epochInconsistencies(cluster: TestCluster, id: number, backend: string, topic: string, partition: number): Promise<string[]> {
  const objects = await storedObjects(cluster, id, backend, topic, partition, (name) => name.endsWith('.log') || name === LEADER_EPOCH_CHECKPOINT);
  const checkpoint = objects.get(LEADER_EPOCH_CHECKPOINT);
  const entries = checkpoint ? parseLeaderEpochCheckpoint(checkpoint.toString('utf8'), LEADER_EPOCH_CHECKPOINT) : [];
  const starts: EpochEntry[] = [];
  const problems: string[] = [];
  let logEnd = -1;
  for (const [name, bytes] of objects) {
    if (!name.endsWith('.log')) continue;
    const scan = scanBatches(bytes);
    if (scan.partialBytes > 0) problems.push(`broker ${id} ${topic}-${partition}/${name}: ${scan.partialBytes} bytes of a partial batch at its end`);
    for (const batch of scan.batches) {
      if (starts[starts.length - 1]?.epoch !== batch.partitionLeaderEpoch) starts.push({ epoch: batch.partitionLeaderEpoch, startOffset: batch.baseOffset });
      logEnd = batch.lastOffset + 1;
    }
  }
  const meaningful = entries.filter((e, i) => e.startOffset < logEnd && entries[i + 1]?.startOffset !== e.startOffset);
  const show = (list: readonly EpochEntry[]) => list.map((e) => `${e.epoch}@${e.startOffset}`).join(' ');
  // The first entry may start below the log start (the segment holding it was partly removed), so it is compared by epoch only.
  const same =
    meaningful.length === starts.length && meaningful.every((e, i) => e.epoch === starts[i]!.epoch && (i === 0 || e.startOffset === starts[i]!.startOffset));
  if (!same) problems.push(`broker ${id} ${topic}-${partition}: leader-epoch-checkpoint ${show(meaningful)}, batches ${show(starts)}`);
  return problems;
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Every record of the partitions as kcat reads them from the leaders, up to their high watermarks. */
export async function readAll(bootstrap: string, topic: string, partitions: number): Promise<LoadRecord[]> {
  const out: LoadRecord[] = [];
  for (let p = 0; p < partitions; p++) {
    const text = await kcat(['-b', bootstrap, '-C', '-t', topic, '-p', String(p), '-o', 'beginning', '-e', '-q', '-f', '%p %o %k %s\n']);
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const [partition, offset, key, ...value] = line.split(' ');
      out.push({ partition: Number(partition), offset: Number(offset), key: key!, value: value.join(' ') });
    }
  }
  return out;
}

/**
 * With the brokers stopped: every partition of `topic` byte-identical on every broker, and
 * each broker's leader-epoch-checkpoint in line with its batches (empty when so).
 */
export async function replicaProblems(cluster: TestCluster, ids: readonly number[], backend: string, topic: string, partitions: number): Promise<string[]> {
  const problems: string[] = [];
  for (let p = 0; p < partitions; p++) {
    problems.push(...(await segmentDifferences(cluster, ids, backend, topic, p)));
    for (const id of ids) problems.push(...(await epochInconsistencies(cluster, id, backend, topic, p)));
  }
  return problems;
}
