// npm run chaos -- [--cycles 100] [--backend file|mmap|level] [--interval-ms 3000] [--seed N]
//                  [--rate 1000] [--partitions 3] [--size 100] [--topic-config k=v]… [--keep]
//
// A cluster under crashes (issue 14): ZooKeeper and three brokers on loopback,
// a topic with replication factor 3 and min.insync.replicas=2, librdkafka's
// idempotent acks=all producer and read_committed consumer
// (chaos-produce and chaos-consume of bench/librdkafka/rdkafka-bench.c) running while a random broker is
// SIGKILLed and restarted every interval, for `cycles` cycles. Then, once
// every replica is back in sync, the brokers are stopped and their logs read
// from disk: every acknowledged record must be there once at its acknowledged
// offset, everything the consumer read must still be where it read it, and
// the replicas of each partition must be the same bytes. Prints the cycles,
// records acknowledged, lost, duplicated and the longest time each partition
// could not acknowledge a produce; exits 1 on any loss, duplicate or
// divergence (and keeps the cluster's folder, logs included, for a look).
//
// librdkafka rather than samsa's own Producer: the guarantees checked are the
// broker's, so the client is the one real deployments trust for idempotence
// (samsa's producer has none yet), and C leaves the 2 cores to the brokers.
// This is a program, not a test: it runs for minutes and measures time.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Admin } from '../src/clients/admin/admin.js';
import { Producer } from '../src/clients/producer/producer.js';
import { Random } from '../test/record/prng.js';
import { compileRdkafkaBench } from './bench-clients.js';
import {
  type Acked,
  type Consumed,
  firstDifference,
  longestUnavailability,
  type ReplicaLog,
  readReplicaLogs,
  recordsByOffset,
  verify,
} from './chaos-verify.js';
import { LocalCluster, waitUntil } from './cluster-process.js';

const { values: args } = parseArgs({
  options: {
    cycles: { type: 'string', default: '100' },
    backend: { type: 'string', default: 'file' },
    'interval-ms': { type: 'string', default: '3000' },
    seed: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '3' },
    size: { type: 'string', default: '100' },
    'topic-config': { type: 'string', multiple: true, default: [] },
    keep: { type: 'boolean', default: false },
  },
});
const CYCLES = Number(args.cycles);
const BACKEND = args.backend!;
const INTERVAL_MS = Number(args['interval-ms']);
const SEED = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31);
const RATE = Number(args.rate);
const PARTITIONS = Number(args.partitions);
const SIZE = Number(args.size);
/** The topic's configs besides min.insync.replicas=2 (e.g. flush.ms=1000: on the level backend a restart recovers everything past the last flush, batch by batch). */
const TOPIC_CONFIGS = Object.fromEntries(args['topic-config']!.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const TOPIC = 'chaos';
const BROKERS = 3;
/** How long the cluster may take to have every replica back in sync after the last cycle. */
const RECOVERY_MS = 180_000;
/** How long a restarted broker may take to listen: it recovers its logs first, the whole of them past the last flush. */
const RESTART_MS = 300_000;

/** A librdkafka client process whose stdout lines are handed to `onLine` as they come. */
class ClientProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private rest = '';
  lastLine = '';
  /** Errors librdkafka reported, by name. */
  readonly errors = new Map<string, number>();
  readonly fatal: string[] = [];

  constructor(bin: string, args: string[], stderrFile: string, onLine: (fields: string[]) => void) {
    this.child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
    this.child.stdout!.setEncoding('latin1').on('data', (chunk: string) => {
      const lines = (this.rest + chunk).split('\n');
      this.rest = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('{')) this.lastLine = line;
        else onLine(line.split(' '));
      }
    });
    let errRest = '';
    this.child.stderr!.setEncoding('latin1').on('data', (chunk: string) => {
      appendFileSync(stderrFile, chunk);
      const lines = (errRest + chunk).split('\n');
      errRest = lines.pop()!;
      for (const line of lines) {
        const [kind, name] = line.split(' ');
        if (kind === 'FATAL') this.fatal.push(line);
        else if (kind === 'E' && name) this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
      }
    });
  }

  /** SIGTERM (the client finishes what is in flight) and its summary line. */
  async finish(): Promise<Record<string, number>> {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.child.pid!, 'SIGTERM');
    await this.exited;
    return this.lastLine ? (JSON.parse(this.lastLine) as Record<string, number>) : {};
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.child.pid!, 'SIGKILL');
  }
}

interface Cycle {
  index: number;
  atMs: number;
  broker: number;
  ledPartitions: number[];
  restartMs: number;
}

async function describe(admin: Admin): Promise<Array<{ partition: number; leader: number; isr: readonly number[] }>> {
  const [topic] = await admin.describeTopics([TOPIC], { timeoutMs: 5_000 });
  return topic!.partitions.map((p) => ({ partition: p.partition, leader: p.leader?.id ?? -1, isr: p.isr }));
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<number> {
  console.log(
    `chaos: ${CYCLES} cycles, backend ${BACKEND}, a kill every ${INTERVAL_MS} ms, seed ${SEED} (--seed ${SEED} replays the choices), ${RATE} records/s of ${SIZE} B over ${PARTITIONS} partitions${Object.keys(TOPIC_CONFIGS).length ? `, topic configs ${JSON.stringify(TOPIC_CONFIGS)}` : ''}`,
  );
  const random = new Random(SEED);
  const work = mkdtempSync(join(tmpdir(), 'samsa-chaos-'));
  // The clients' binary goes with the run; the cluster's folder is kept or not by its own rule.
  process.once('exit', () => rmSync(work, { recursive: true, force: true }));
  const bin = compileRdkafkaBench(work);
  if (!bin) return 2;
  const cluster = await LocalCluster.start({ brokers: BROKERS, backend: BACKEND, keepLogs: true, startMs: RESTART_MS });
  console.log(`cluster in ${cluster.root} (broker logs there), ZooKeeper at ${cluster.connectString}`);
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
  const acks: Acked[] = [];
  const failedSends = new Map<string, number>();
  const consumed: Consumed[] = [];
  let producer: ClientProcess | undefined;
  let consumer: ClientProcess | undefined;
  let keep = false;
  // Interrupted: what was started is stopped by PID, and the folder kept.
  const interrupted = () => {
    producer?.kill();
    consumer?.kill();
    void cluster.close(true).finally(() => {
      console.log(`interrupted; the cluster's folder is kept: ${cluster.root}`);
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    await cluster.waitUntilRegistered();
    await admin.createTopics([
      { name: TOPIC, numPartitions: PARTITIONS, replicationFactor: BROKERS, configs: { ...TOPIC_CONFIGS, 'min.insync.replicas': '2' } },
    ]);
    await waitUntil(async () => (await describe(admin)).every((p) => p.isr.length === BROKERS), 'every replica of the new topic in sync');

    producer = new ClientProcess(
      bin,
      ['chaos-produce', cluster.bootstrap, TOPIC, String(PARTITIONS), String(RATE), String(SIZE)],
      join(cluster.root, 'producer.err'),
      (f) => {
        if (f[0] === 'A') acks.push({ partition: Number(f[1]), seq: Number(f[2]), offset: Number(f[3]), sentMs: Number(f[4]), ackedMs: Number(f[5]) });
        else if (f[0] === 'F') failedSends.set(f[3]!, (failedSends.get(f[3]!) ?? 0) + 1);
      },
    );
    consumer = new ClientProcess(bin, ['chaos-consume', cluster.bootstrap, TOPIC, String(PARTITIONS)], join(cluster.root, 'consumer.err'), (f) => {
      if (f[0] === 'C') consumed.push({ partition: Number(f[1]), offset: Number(f[2]), value: f[3] ?? '' });
    });
    await waitUntil(() => new Set(acks.map((a) => a.partition)).size === PARTITIONS, 'the first acknowledgement from every partition');
    // The producer's clock (ms since it started, on its lines as they arrive) is the one unavailability is measured on.
    const chaosStartMs = acks[acks.length - 1]!.ackedMs;
    const producerClock = (() => {
      const offset = Date.now() - chaosStartMs;
      return () => Date.now() - offset;
    })();

    const cycles: Cycle[] = [];
    const crashes: string[] = [];
    for (let i = 1; i <= CYCLES; i++) {
      await sleep(INTERVAL_MS);
      for (const id of cluster.brokerIds) {
        if (!cluster.exitedByItself(id)) continue;
        crashes.push(`broker ${id} exited by itself before cycle ${i}`);
        await cluster.startBroker(id);
      }
      const victim = random.pick(cluster.brokerIds);
      let led: number[] = [];
      try {
        led = (await describe(admin)).filter((p) => p.leader === victim).map((p) => p.partition);
      } catch {
        // no answer in time: the cycle goes on without knowing
      }
      const atMs = producerClock();
      await cluster.kill(victim);
      const t = Date.now();
      try {
        await cluster.startBroker(victim);
      } catch (e) {
        crashes.push(`broker ${victim} did not restart in cycle ${i}: ${(e as Error).message.split('\n').slice(0, 20).join('\n')}`);
        console.log(`cycle ${i}: broker ${victim} did not restart`);
        break;
      }
      cycles.push({ index: i, atMs, broker: victim, ledPartitions: led, restartMs: Date.now() - t });
      const sent = acks.length;
      appendFileSync(
        join(cluster.root, 'chaos.log'),
        `${new Date(t).toISOString().slice(11, 23)} cycle ${i}: SIGKILL broker ${victim}; listening again ${Date.now() - t} ms later\n`,
      );
      console.log(
        `cycle ${i}/${CYCLES}: killed broker ${victim}${led.length ? ` (leader of ${led.join(',')})` : ''}, restarted in ${Date.now() - t} ms; ${sent} records acknowledged so far`,
      );
    }

    console.log('recovering: waiting for every replica to be back in sync…');
    let recovered = true;
    try {
      await waitUntil(async () => (await describe(admin)).every((p) => p.leader >= 0 && p.isr.length === BROKERS), 'every replica back in sync', RECOVERY_MS);
    } catch (e) {
      recovered = false;
      console.log(`  ${(e as Error).message}: ${JSON.stringify(await describe(admin).catch(() => 'no answer'))}`);
    }
    const untilMs = producerClock();
    const producerSummary = await producer.finish();
    // One more acks=all record per partition while every replica is in sync: each has the log to its end then.
    if (recovered) {
      const marker = new Producer({ 'bootstrap.servers': cluster.bootstrap, acks: 'all', 'delivery.timeout.ms': 60_000, 'request.timeout.ms': 30_000 });
      try {
        for (let p = 0; p < PARTITIONS; p++) await marker.send({ topic: TOPIC, partition: p, value: Buffer.from('end') });
      } finally {
        await marker.close();
      }
      const after = await describe(admin);
      recovered = after.every((p) => p.isr.length === BROKERS);
      if (!recovered) console.log(`  a replica left the ISR while the last records were written: ${JSON.stringify(after)}`);
    }
    const consumerSummary = await consumer.finish();
    await admin.close();
    for (const id of cluster.brokerIds) {
      const code = await cluster.stop(id);
      if (code !== 0) crashes.push(`broker ${id} exited ${code} on SIGTERM`);
    }

    // The replicas, read from the stopped brokers' log dirs.
    const replicaLogs: ReplicaLog[][] = Array.from({ length: PARTITIONS }, () => []);
    for (const id of cluster.brokerIds) {
      const logs = await readReplicaLogs(id, cluster.dir(id), BACKEND, TOPIC, PARTITIONS);
      logs.forEach((log, p) => {
        if (log) replicaLogs[p]!.push(log);
      });
    }
    const divergences: string[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const [first, ...others] = replicaLogs[p]!;
      if (replicaLogs[p]!.length !== BROKERS) divergences.push(`partition ${p}: ${replicaLogs[p]!.length} replicas on disk`);
      for (const other of others) {
        const difference = firstDifference(first!, other);
        if (difference) divergences.push(`partition ${p}: ${difference}`);
      }
    }
    // The first replica stands for the partition: if they diverge, that is reported already.
    const records = replicaLogs.map((logs) => recordsByOffset(logs[0]!));
    for (const r of records) for (const [offset, value] of r) if (value === 'end') r.delete(offset);
    const verdict = verify(
      acks,
      consumed.filter((c) => c.value !== 'end'),
      records,
    );
    const unavailable = longestUnavailability(acks, PARTITIONS, chaosStartMs, untilMs);

    console.log();
    console.log(`backend ${BACKEND}, seed ${SEED}, interval ${INTERVAL_MS} ms`);
    console.log(`cycles survived:        ${cycles.length} of ${CYCLES}${recovered ? '' : ' (the cluster did not get every replica back in sync)'}`);
    console.log(
      `records sent:           ${producerSummary.sent ?? '?'} (${producerSummary.unacknowledged ?? '?'} unacknowledged after waiting ${fmt(producerSummary.flushMs ?? 0)} at the end${failedSends.size ? `; failed: ${[...failedSends].map(([k, v]) => `${k} ${v}`).join(', ')}` : ''})`,
    );
    console.log(`records acknowledged:   ${verdict.acknowledged}`);
    console.log(`lost:                   ${verdict.lost.length}`);
    console.log(`duplicated:             ${verdict.duplicated.length}`);
    console.log(`at another offset:      ${verdict.misplaced.length}`);
    console.log(`replicas diverging:     ${divergences.length}`);
    console.log(
      `consumed:               ${consumerSummary.consumed ?? consumed.length} (read then lost: ${verdict.consumedLost.length}; offsets repeated ${verdict.consumerRepeats}, skipped ${verdict.consumerGaps}; offset resets ${consumerSummary.resets ?? 0})`,
    );
    console.log(`in the log, never acknowledged: ${verdict.unacknowledgedInLog}`);
    for (let p = 0; p < PARTITIONS; p++) {
      const u = unavailable[p]!;
      const during = cycles
        .filter((c) => c.atMs <= u.startMs + u.ms && c.atMs >= u.startMs - INTERVAL_MS)
        .map((c) => `${c.index} (broker ${c.broker}${c.ledPartitions.includes(p) ? ', its leader' : ''})`);
      console.log(
        `partition ${p}: longest unavailability ${fmt(u.ms)} from ${fmt(u.startMs - chaosStartMs)} into the run${during.length ? `, around cycle ${during.join(', ')}` : ''}`,
      );
    }
    const maxLatency = acks.reduce((m, a) => Math.max(m, a.ackedMs - a.sentMs), 0);
    console.log(`longest produce latency: ${fmt(maxLatency)}; restarts took ${fmt(Math.max(0, ...cycles.map((c) => c.restartMs)))} at most`);
    if (producer.errors.size) console.log(`producer errors: ${[...producer.errors].map(([k, v]) => `${k} ×${v}`).join(', ')}`);
    if (consumer.errors.size) console.log(`consumer errors: ${[...consumer.errors].map(([k, v]) => `${k} ×${v}`).join(', ')}`);
    for (const line of [...producer.fatal, ...consumer.fatal]) console.log(`FATAL client error: ${line}`);
    for (const c of crashes) console.log(`broker failure: ${c}`);
    for (const d of divergences) console.log(`divergence: ${d}`);
    const sample = <T>(what: string, items: readonly T[]) => {
      for (const x of items.slice(0, 10)) console.log(`${what}: ${JSON.stringify(x)}`);
    };
    sample('lost', verdict.lost);
    sample('duplicated', verdict.duplicated);
    sample('misplaced', verdict.misplaced);
    sample('read then lost', verdict.consumedLost);

    const failed =
      verdict.lost.length +
        verdict.duplicated.length +
        verdict.misplaced.length +
        verdict.consumedLost.length +
        divergences.length +
        crashes.length +
        producer.fatal.length >
        0 ||
      !recovered ||
      cycles.length < CYCLES;
    keep = failed || args.keep!;
    console.log(
      failed ? `\nFAILED — the cluster's folder is kept: ${cluster.root}` : '\nOK: nothing acknowledged was lost or duplicated, and every replica agrees',
    );
    return failed ? 1 : 0;
  } finally {
    producer?.kill();
    consumer?.kill();
    await admin.close().catch(() => undefined);
    await cluster.close(keep);
  }
}

process.exitCode = await main();
