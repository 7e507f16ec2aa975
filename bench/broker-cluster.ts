// bench:broker's cluster section: three brokers on this machine (ZooKeeper and
// broker processes from cluster-process.ts), topics with replication factor
// 3, librdkafka producing 100 B and 1 KiB records with acks=all and acks=1,
// and produce latency at 10,000 records/s. SAMSA_BENCH_PROFILE=<dir> runs the
// brokers with --cpu-prof, their profiles written there when they stop.
import { Admin } from '../src/clients/admin/admin.js';
import { median, runRdkafka } from './bench-clients.js';
import { LocalCluster, waitUntil } from './cluster-process.js';

/** One measured case: produce records/s, or latency at a fixed rate. */
export interface ClusterFigure {
  case: 'produce' | 'latency@10k/s';
  recordSize: number;
  acks: string;
  partitions: number;
  recordsPerSec: number;
  p50Ms?: number;
  p99Ms?: number;
}

export interface ClusterBenchOptions {
  /** Records per produce case, by record size. */
  count(size: number): number;
  rounds: number;
  latencySeconds: number;
  brokers?: number;
  backend?: string;
}

/**
 * Kafka's defaults where the local cluster's fast settings would change what
 * is measured: on a loaded 2-core machine a 4 s replica.lag.time.max.ms can
 * drop a follower from the ISR mid-run, and acks=all would then wait for fewer replicas.
 */
const MEASURED_AS_KAFKA = {
  'replica.lag.time.max.ms': '30000',
  'replica.fetch.wait.max.ms': '500',
  'replica.high.watermark.checkpoint.interval.ms': '5000',
  'zookeeper.session.timeout.ms': '18000',
};

export async function measureCluster(bin: string, options: ClusterBenchOptions, report: (figure: ClusterFigure) => void): Promise<void> {
  const brokers = options.brokers ?? 3;
  const profileDir = process.env.SAMSA_BENCH_PROFILE;
  const cluster = await LocalCluster.start({
    brokers,
    backend: options.backend,
    settings: MEASURED_AS_KAFKA,
    execArgv: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
  let topicNumber = 0;
  /** A new topic, every partition with all its replicas in sync. */
  const newTopic = async (partitions: number): Promise<string> => {
    const name = `cluster-bench-${++topicNumber}`;
    await admin.createTopics([{ name, numPartitions: partitions, replicationFactor: brokers }]);
    await waitUntil(async () => {
      const [topic] = await admin.describeTopics([name]);
      return topic!.partitions.length === partitions && topic!.partitions.every((p) => p.leader !== null && p.isr.length === brokers);
    }, `every replica of ${name} in sync`);
    return name;
  };
  try {
    await cluster.waitUntilRegistered();
    for (const size of [100, 1024]) {
      const count = options.count(size);
      for (const acks of ['1', 'all']) {
        for (const partitions of [1, 8]) {
          const rates: number[] = [];
          for (let round = 0; round < options.rounds; round++) {
            const topic = await newTopic(partitions);
            const p = runRdkafka(bin, ['produce', cluster.bootstrap, topic, String(partitions), String(count), String(size), acks]);
            if (p.failed) throw new Error(`${p.failed} records failed`);
            rates.push(p.records! / p.seconds!);
            await admin.deleteTopics([topic]);
          }
          report({ case: 'produce', recordSize: size, acks, partitions, recordsPerSec: median(rates) });
        }
      }
    }
    for (const size of [100, 1024]) {
      for (const acks of ['1', 'all']) {
        const topic = await newTopic(1);
        const l = runRdkafka(bin, ['latency', cluster.bootstrap, topic, '10000', String(options.latencySeconds), String(size), acks]);
        report({ case: 'latency@10k/s', recordSize: size, acks, partitions: 1, recordsPerSec: l.records! / l.seconds!, p50Ms: l.p50, p99Ms: l.p99 });
      }
    }
  } finally {
    await admin.close();
    // SIGTERM, not SIGKILL: a profiled broker writes its profile as it exits.
    for (const id of cluster.brokerIds) await cluster.stop(id);
    await cluster.close();
  }
}
