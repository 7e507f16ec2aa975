// The clients the broker benchmarks drive: the small librdkafka client in
// bench/librdkafka (built here with gcc) and KafkaJS.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { root } from './broker-process.js';

/** Compiles bench/librdkafka/rdkafka-bench.c into `outDir`; undefined (with a note) without gcc or librdkafka's headers. */
export function compileRdkafkaBench(outDir: string): string | undefined {
  const name = 'rdkafka-bench';
  const out = join(outDir, name);
  const res = spawnSync('gcc', ['-O2', '-Wall', '-o', out, join(root, 'bench', 'librdkafka', `${name}.c`), '-lrdkafka'], { encoding: 'utf8' });
  if (res.status !== 0) {
    console.log(`  (librdkafka skipped: gcc could not build bench/librdkafka/${name}.c — apt-get install librdkafka-dev)\n${res.stderr ?? ''}`);
    return undefined;
  }
  return out;
}

/** Runs the librdkafka client (with `conf` as more librdkafka settings); its last output line is a JSON object of figures. */
export function runRdkafka(bin: string, args: string[], conf: Readonly<Record<string, string>> = {}): Record<string, number> {
  const extra = Object.entries(conf)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  const out = execFileSync(bin, args, { encoding: 'utf8', timeout: 300_000, env: extra ? { ...process.env, RDKAFKA_BENCH_CONF: extra } : process.env });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
}

/** librdkafka's max.partition.fetch.bytes for the benches: about 10 MiB per fetch whatever the partition count (larger per-partition fetches cost librdkafka more than they save), at least Kafka's 1 MiB default. */
export function partitionFetchBytes(partitions: number): number {
  return Math.max(1 << 20, Math.floor((10 << 20) / partitions));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Records/s of a KafkaJS group consumer reading `count` records of `topic`,
 * timed from the arrival of the first batch, whose records are not counted
 * (joining the group is not consuming).
 */
export async function kafkajsConsumeRate(kafka: Kafka, topic: string, count: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-${topic}`, maxWaitTimeInMs: 100 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let got = 0;
    let timed = 0;
    let t0 = 0n;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`KafkaJS consumed ${got} of ${count} in 120 s`)), 120_000);
      void consumer
        .run({
          eachBatch: async ({ batch }) => {
            if (got === 0) t0 = process.hrtime.bigint();
            else timed += batch.messages.length;
            got += batch.messages.length;
            if (got >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return timed / (Number(process.hrtime.bigint() - t0) / 1e9);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}
