// Helpers for benchmarks that drive a broker in a child process (as bench/broker.ts
// does): start it on a free port, and build and run the small librdkafka client
// in bench/librdkafka.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';

export const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** `node dist/src/cli/main.js broker` on a free loopback port with its logs in `logDir`; resolves once it listens. */
export async function startBrokerProcess(logDir: string, overrides: Record<string, string> = {}): Promise<{ child: ChildProcess; bootstrap: string; ports: ReadonlyMap<string, number>; stop(): Promise<void> }> {
  const settings = { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': logDir, 'broker.id': '0', ...overrides };
  const args = [join(root, 'dist', 'src', 'cli', 'main.js'), 'broker', ...Object.entries(settings).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /listening on [^:]+:(\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`broker exited ${code}: ${output}`)));
  });
  // Every listener's bound port, from the start line: `listening on NAME (PROTOCOL) host:port, …`.
  const line = /listening on (.*)/.exec(output)![1]!;
  const ports = new Map([...line.matchAll(/([A-Z0-9_-]+) \([A-Z_]+\) [^ ,]*:(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  return {
    child,
    bootstrap: `127.0.0.1:${port}`,
    ports,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Compiles bench/librdkafka/rdkafka-bench.c into `outDir`; undefined (with a note) without gcc or librdkafka's headers. */
export function compileRdkafkaBench(outDir: string): string | undefined {
  const out = join(outDir, 'rdkafka-bench');
  const res = spawnSync('gcc', ['-O2', '-o', out, join(root, 'bench', 'librdkafka', 'rdkafka-bench.c'), '-lrdkafka'], { encoding: 'utf8' });
  if (res.status !== 0) {
    console.log(`  (librdkafka skipped: gcc could not build bench/librdkafka/rdkafka-bench.c — apt-get install librdkafka-dev)\n${res.stderr ?? ''}`);
    return undefined;
  }
  return out;
}

/** Runs the librdkafka client (with `conf` as more librdkafka settings); its last output line is a JSON object of figures. */
export function runRdkafka(bin: string, args: string[], conf: Readonly<Record<string, string>> = {}): Record<string, number> {
  const extra = Object.entries(conf).map(([k, v]) => `${k}=${v}`).join('\n');
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
