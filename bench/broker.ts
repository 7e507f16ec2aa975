// npm run bench:broker — the broker end to end, driven by real clients:
// librdkafka (a small C client in bench/librdkafka, compiled here with gcc)
// and KafkaJS. Produce and consume of 100 B and 1 KiB records, acks=1 and
// acks=all, into one and eight partitions; produce latency at a fixed rate.
// Then the same produce cases and latencies against three brokers on this
// machine with replication factor 3 (bench/broker-cluster.ts), beside the
// single broker's, with the cluster's targets marked met or missed.
// In the same run: raw loopback TCP and raw fs write MB/s, the limits every
// figure is printed beside. Writes bench-broker.json (or SAMSA_BENCH_OUT).
//
// Needs gcc and librdkafka's headers (Debian: `apt-get install librdkafka-dev`)
// for the librdkafka cases; without them only KafkaJS runs.
// SAMSA_BENCH_SCALE (default 1) scales the record counts; SAMSA_BENCH_ROUNDS
// (default 3) repeats each librdkafka case and reports the median;
// SAMSA_BENCH_KAFKAJS=0 leaves the KafkaJS cases out; SAMSA_BENCH_PROFILE=<dir>
// writes the cluster brokers' CPU profiles there. The durable section
// (bench/broker-durable.ts: flush.messages=1 on each backend) runs last;
// SAMSA_BENCH_DURABLE=only runs it alone, =0 leaves it out, and
// SAMSA_BENCH_BACKENDS=file,mmap picks its backends.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { makeCertificates } from '../test/broker/security/certificates.js';
import { compileRdkafkaBench, kafkajsConsumeRate, median, partitionFetchBytes, runRdkafka as rdkafka } from './bench-clients.js';
import { measureCluster } from './broker-cluster.js';
import { type DurableFigure, durableTargets, measureDurable, rawFdatasyncPerSec, rawWriteSyncMBps } from './broker-durable.js';
import { startBrokerProcess } from './broker-process.js';
import { printTable } from './measure.js';

const SCALE = Number(process.env.SAMSA_BENCH_SCALE ?? 1);
const ROUNDS = Number(process.env.SAMSA_BENCH_ROUNDS ?? 3);
const DURABLE = process.env.SAMSA_BENCH_DURABLE ?? '1';
const work = fs.mkdtempSync(join(tmpdir(), 'samsa-bench-broker-'));

interface Row {
  client: string;
  /** 1: the single broker; 3: the cluster, topics with replication factor 3. */
  brokers: number;
  case: string;
  recordSize: number;
  acks: string;
  partitions: number;
  recordsPerSec: number;
  mbPerSec: number;
  limit: string;
  ratio: number;
  p50Ms?: number;
  p99Ms?: number;
}
const rows: Row[] = [];

/** Loopback TCP between two threads, 4 MiB writes for one second: the network limit. */
async function loopbackTcp(): Promise<number> {
  let received = 0;
  const server = createServer((s) => s.on('data', (d: Buffer) => (received += d.length)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const writer = new Worker(
    `const { connect } = require('node:net'); const { workerData } = require('node:worker_threads');
     const buf = Buffer.alloc(4 << 20, 7); const s = connect(workerData, '127.0.0.1', () => {
       const end = Date.now() + 1500; const pump = () => { while (Date.now() < end) { if (!s.write(buf)) return s.once('drain', pump); } s.end(); }; pump(); });`,
    { eval: true, workerData: port },
  );
  await new Promise((r) => setTimeout(r, 500)); // warm up
  const start = received;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, 800));
  const mbps = (received - start) / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6;
  await new Promise((r) => writer.once('exit', r));
  server.close();
  return mbps;
}

/** fs.writeSync of 256 MiB in 1 MiB writes from one reused buffer, into the page cache as Kafka writes: the disk limit. */
function rawFsWrite(): number {
  const path = join(work, 'raw');
  const chunk = Buffer.alloc(1 << 20, 3);
  const fd = fs.openSync(path, 'w');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 256; i++) fs.writeSync(fd, chunk);
  const mbps = (256 << 20) / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6;
  fs.closeSync(fd);
  fs.rmSync(path);
  return mbps;
}

/** The durable section: its own brokers, one per backend, after the rest has stopped. */
async function durableSection(bin: string | undefined): Promise<object | undefined> {
  if (!bin) return undefined;
  console.log('durable appends (flush.messages=1), librdkafka acks=all…');
  const limits = { fdatasyncPerSec: rawFdatasyncPerSec(work), writeSyncMBps: rawWriteSyncMBps(work) };
  console.log(`  raw fdatasync ${Math.round(limits.fdatasyncPerSec)}/s, raw write+fdatasync ${limits.writeSyncMBps.toFixed(0)} MB/s`);
  const figures: DurableFigure[] = [];
  await measureDurable(
    bin,
    {
      work,
      backends: process.env.SAMSA_BENCH_BACKENDS?.split(',') ?? ['file', 'mmap', 'level'],
      count: (size) => Math.round((size === 100 ? 1_000_000 : 300_000) * SCALE),
      rounds: ROUNDS,
      latencySeconds: 5 * SCALE,
      rates: [1_000, 10_000, 50_000],
    },
    (f) => {
      figures.push(f);
      const mb = (f.recordsPerSec * f.recordSize) / 1e6;
      console.log(
        `  ${f.backend} ${f.case} ${f.recordSize} B ${f.durable ? 'durable' : 'not durable'}: ${Math.round(f.recordsPerSec)} records/s, ${mb.toFixed(1)} MB/s${f.p99Ms !== undefined ? `, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms` : ''}${f.deviceSyncsPerSec !== undefined ? `, disk flushes ${Math.round(f.deviceSyncsPerSec)}/s` : ''}${f.deviceWriteMBps !== undefined ? `, disk writes ${Math.round(f.deviceWriteMBps)} MB/s` : ''}`,
      );
    },
  );
  console.log();
  printTable(
    ['backend', 'case', 'size', 'durable', 'records/s', 'MB/s', 'p50 ms', 'p99 ms', 'disk flushes/s', 'disk writes MB/s'],
    figures.map((f) => [
      f.backend,
      f.case,
      `${f.recordSize}`,
      f.durable ? 'yes' : 'no',
      `${Math.round(f.recordsPerSec)}`,
      ((f.recordsPerSec * f.recordSize) / 1e6).toFixed(1),
      f.p50Ms?.toFixed(2) ?? '',
      f.p99Ms?.toFixed(2) ?? '',
      f.deviceSyncsPerSec === undefined ? '' : `${Math.round(f.deviceSyncsPerSec)}`,
      f.deviceWriteMBps === undefined ? '' : `${Math.round(f.deviceWriteMBps)}`,
    ]),
  );
  console.log(`limits: raw fdatasync ${Math.round(limits.fdatasyncPerSec)}/s, raw write+fdatasync ${limits.writeSyncMBps.toFixed(0)} MB/s`);
  const targets = durableTargets(figures, limits);
  console.log('\ndurable targets:');
  for (const t of targets) console.log(`  ${t.met ? 'met   ' : 'MISSED'} ${t.what}`);
  return { limits, figures, targets };
}

async function main(): Promise<void> {
  if (DURABLE === 'only') {
    const durable = await durableSection(compileRdkafkaBench(work));
    const out = process.env.SAMSA_BENCH_OUT ?? 'bench-broker.json';
    fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), durable }, null, 2));
    console.log(`\nwrote ${out}`);
    fs.rmSync(work, { recursive: true, force: true });
    return;
  }
  console.log('measuring the limits…');
  const tcp = await loopbackTcp();
  const disk = rawFsWrite();
  console.log(`  loopback TCP ${tcp.toFixed(0)} MB/s, raw fs write ${disk.toFixed(0)} MB/s`);
  const bin = compileRdkafkaBench(work);
  const certs = makeCertificates();
  const broker = await startBrokerProcess(join(work, 'logs'), {
    listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.brokerKeystore,
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_bench="bench-secret";',
  });
  const { bootstrap } = broker;
  const kafka = new Kafka({ clientId: 'samsa-bench', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let topicNumber = 0;
  const newTopic = async (partitions: number): Promise<string> => {
    const topic = `bench-${++topicNumber}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
    return topic;
  };
  const add = (row: Omit<Row, 'ratio' | 'mbPerSec' | 'brokers'> & { bytesPerSec: number; brokers?: number }) => {
    const limit = row.limit === 'fs' ? disk : tcp;
    const { bytesPerSec, ...rest } = row;
    const r: Row = { ...rest, brokers: row.brokers ?? 1, mbPerSec: bytesPerSec / 1e6, ratio: bytesPerSec / 1e6 / limit };
    rows.push(r);
    console.log(
      `  ${r.brokers > 1 ? `${r.brokers} brokers, replication factor ${r.brokers}: ` : ''}${r.client} ${r.case} ${r.recordSize} B acks=${r.acks} ${r.partitions}p: ${Math.round(r.recordsPerSec)} records/s, ${r.mbPerSec.toFixed(1)} MB/s (${(r.ratio * 100).toFixed(0)}% of ${row.limit === 'fs' ? 'raw fs write' : 'loopback TCP'})${r.p99Ms !== undefined ? `, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms` : ''}`,
    );
  };

  try {
    if (bin) {
      for (const size of [100, 1024]) {
        const count = Math.round((size === 100 ? 2_000_000 : 400_000) * SCALE);
        for (const acks of ['1', 'all']) {
          for (const partitions of [1, 8]) {
            const produced: number[] = [];
            const consumed: number[] = [];
            for (let round = 0; round < ROUNDS; round++) {
              const topic = await newTopic(partitions);
              const p = rdkafka(bin, ['produce', bootstrap, topic, String(partitions), String(count), String(size), acks]);
              if (p.failed) throw new Error(`${p.failed} records failed`);
              produced.push(p.records! / p.seconds!);
              const c = rdkafka(bin, ['consume', bootstrap, topic, String(partitions), String(count), String(partitionFetchBytes(partitions))]);
              consumed.push(c.records! / c.seconds!);
              await admin.deleteTopics({ topics: [topic] });
            }
            const rate = median(produced);
            add({ client: 'librdkafka', case: 'produce', recordSize: size, acks, partitions, recordsPerSec: rate, bytesPerSec: rate * size, limit: 'fs' });
            if (acks === '1') {
              const c = median(consumed);
              add({ client: 'librdkafka', case: 'consume', recordSize: size, acks: '-', partitions, recordsPerSec: c, bytesPerSec: c * size, limit: 'tcp' });
            }
          }
        }
      }
      // The same 1 KiB acks=1 case over each security protocol, in turns, so each pays the same for the machine's state.
      const security: Record<string, { port: number; conf: Record<string, string> }> = {
        PLAINTEXT: { port: broker.ports.get('PLAINTEXT')!, conf: {} },
        SSL: { port: broker.ports.get('SSL')!, conf: { 'security.protocol': 'SSL', 'ssl.ca.location': certs.caPem } },
        SASL_SSL: {
          port: broker.ports.get('SASL_SSL')!,
          conf: {
            'security.protocol': 'SASL_SSL',
            'ssl.ca.location': certs.caPem,
            'sasl.mechanism': 'PLAIN',
            'sasl.username': 'bench',
            'sasl.password': 'bench-secret',
          },
        },
      };
      const secured: Record<string, { produced: number[]; consumed: number[] }> = {};
      const count = Math.round(400_000 * SCALE);
      for (let round = 0; round < ROUNDS; round++) {
        for (const [protocol, { port, conf }] of Object.entries(security)) {
          const topic = await newTopic(1);
          const at = `127.0.0.1:${port}`;
          const p = rdkafka(bin, ['produce', at, topic, '1', String(count), '1024', '1'], conf);
          if (p.failed) throw new Error(`${p.failed} records failed over ${protocol}`);
          const c = rdkafka(bin, ['consume', at, topic, '1', String(count), String(partitionFetchBytes(1))], conf);
          (secured[protocol] ??= { produced: [], consumed: [] }).produced.push(p.records! / p.seconds!);
          secured[protocol]!.consumed.push(c.records! / c.seconds!);
          await admin.deleteTopics({ topics: [topic] });
        }
      }
      for (const [protocol, { produced, consumed }] of Object.entries(secured)) {
        const p = median(produced);
        const c = median(consumed);
        add({
          client: `librdkafka ${protocol}`,
          case: 'produce',
          recordSize: 1024,
          acks: '1',
          partitions: 1,
          recordsPerSec: p,
          bytesPerSec: p * 1024,
          limit: 'fs',
        });
        add({
          client: `librdkafka ${protocol}`,
          case: 'consume',
          recordSize: 1024,
          acks: '-',
          partitions: 1,
          recordsPerSec: c,
          bytesPerSec: c * 1024,
          limit: 'tcp',
        });
      }
      const plain = secured.PLAINTEXT!;
      for (const protocol of ['SSL', 'SASL_SSL']) {
        const s = secured[protocol]!;
        console.log(
          `  ${protocol}: produce ${((median(s.produced) / median(plain.produced)) * 100).toFixed(0)}%, consume ${((median(s.consumed) / median(plain.consumed)) * 100).toFixed(0)}% of PLAINTEXT (target: at least 60%)`,
        );
      }

      // Latency at a steady rate, not under the write-back of the gigabytes just produced: flush the page cache first.
      spawnSync('sync');
      for (const size of [100, 1024]) {
        for (const acks of ['1', 'all']) {
          const topic = await newTopic(1);
          const l = rdkafka(bin, ['latency', bootstrap, topic, '10000', String(5 * SCALE), String(size), acks]);
          add({
            client: 'librdkafka',
            case: 'latency@10k/s',
            recordSize: size,
            acks,
            partitions: 1,
            recordsPerSec: l.records! / l.seconds!,
            bytesPerSec: (l.records! / l.seconds!) * size,
            limit: 'fs',
            p50Ms: l.p50,
            p99Ms: l.p99,
          });
        }
      }

      console.log('three brokers on this machine, topics with replication factor 3…');
      spawnSync('sync');
      await measureCluster(bin, { count: (size) => Math.round((size === 100 ? 2_000_000 : 400_000) * SCALE), rounds: ROUNDS, latencySeconds: 5 * SCALE }, (f) =>
        add({ client: 'librdkafka', brokers: 3, ...f, bytesPerSec: f.recordsPerSec * f.recordSize, limit: 'fs' }),
      );
    }

    // KafkaJS: batches of 1000 messages, eight sends in flight.
    const producer = kafka.producer();
    await producer.connect();
    for (const size of process.env.SAMSA_BENCH_KAFKAJS === '0' ? [] : [100, 1024]) {
      const value = Buffer.alloc(size, 'k');
      const count = Math.round((size === 100 ? 200_000 : 100_000) * SCALE);
      for (const acks of [1, -1]) {
        for (const partitions of [1, 8]) {
          const topic = await newTopic(partitions);
          const messages = Array.from({ length: 1000 }, () => ({ value }));
          const t0 = process.hrtime.bigint();
          let next = 0;
          const lane = async () => {
            while (next < count / 1000) {
              const i = next++;
              await producer.send({ topic, acks, compression: CompressionTypes.None, messages: messages.map((m) => ({ ...m, partition: i % partitions })) });
            }
          };
          await Promise.all(Array.from({ length: 8 }, lane));
          const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
          add({
            client: 'kafkajs',
            case: 'produce',
            recordSize: size,
            acks: acks === -1 ? 'all' : '1',
            partitions,
            recordsPerSec: count / seconds,
            bytesPerSec: (count * size) / seconds,
            limit: 'fs',
          });
          if (acks === 1) {
            try {
              const rate = await kafkajsConsumeRate(kafka, topic, count);
              add({ client: 'kafkajs', case: 'consume', recordSize: size, acks: '-', partitions, recordsPerSec: rate, bytesPerSec: rate * size, limit: 'tcp' });
            } catch (e) {
              console.log(`  kafkajs consume skipped: ${(e as Error).message}`);
            }
          }
          await admin.deleteTopics({ topics: [topic] });
        }
      }
    }
    await producer.disconnect();
  } finally {
    await admin.disconnect();
    await broker.stop();
    certs.remove();
  }
  const durable = DURABLE === '0' ? undefined : await durableSection(bin);

  console.log();
  printTable(
    ['client', 'brokers', 'case', 'size', 'acks', 'parts', 'records/s', 'MB/s', 'limit', 'ratio', 'p50 ms', 'p99 ms'],
    rows.map((r) => [
      r.client,
      r.brokers > 1 ? `${r.brokers} (rf ${r.brokers})` : '1',
      r.case,
      `${r.recordSize}`,
      r.acks,
      `${r.partitions}`,
      `${Math.round(r.recordsPerSec)}`,
      r.mbPerSec.toFixed(1),
      r.limit === 'fs' ? `fs ${disk.toFixed(0)}` : `tcp ${tcp.toFixed(0)}`,
      `${(r.ratio * 100).toFixed(1)}%`,
      r.p50Ms?.toFixed(2) ?? '',
      r.p99Ms?.toFixed(2) ?? '',
    ]),
  );
  const targets = clusterTargets(rows);
  if (targets.length > 0) {
    console.log('\ncluster targets (three brokers, replication factor 3, against the single broker of this run):');
    for (const t of targets) console.log(`  ${t.met ? 'met   ' : 'MISSED'} ${t.what}`);
  }
  const out = process.env.SAMSA_BENCH_OUT ?? 'bench-broker.json';
  fs.writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), limits: { loopbackTcpMBps: tcp, rawFsWriteMBps: disk }, rows, targets, durable }, null, 2),
  );
  console.log(`\nwrote ${out}`);
  fs.rmSync(work, { recursive: true, force: true });
}

await main();

/**
 * Issue 14's targets for the cluster: acks=all with three replicas at least
 * half the single broker's acks=1 produce rate (same record size and
 * partitions), and a p99 produce latency of 10 ms or less at 10,000 records/s.
 */
function clusterTargets(all: readonly Row[]): Array<{ what: string; met: boolean; value: number }> {
  const out: Array<{ what: string; met: boolean; value: number }> = [];
  const find = (brokers: number, c: string, size: number, acks: string, partitions: number) =>
    all.find(
      (r) => r.client === 'librdkafka' && r.brokers === brokers && r.case === c && r.recordSize === size && r.acks === acks && r.partitions === partitions,
    );
  for (const r of all) {
    if (r.brokers === 1 || r.client !== 'librdkafka') continue;
    if (r.case === 'produce' && r.acks === 'all') {
      const single = find(1, 'produce', r.recordSize, '1', r.partitions);
      if (!single) continue;
      const ratio = r.recordsPerSec / single.recordsPerSec;
      out.push({
        what: `acks=all ${r.recordSize} B ${r.partitions}p: ${Math.round(r.recordsPerSec)} records/s = ${(ratio * 100).toFixed(0)}% of one broker's acks=1 ${Math.round(single.recordsPerSec)} (target ≥ 50%)`,
        met: ratio >= 0.5,
        value: ratio,
      });
    }
    if (r.case === 'latency@10k/s' && r.p99Ms !== undefined) {
      const single = find(1, 'latency@10k/s', r.recordSize, r.acks, 1);
      out.push({
        what: `p99 at 10,000 records/s, acks=${r.acks} ${r.recordSize} B: ${r.p99Ms.toFixed(2)} ms${single?.p99Ms !== undefined ? ` (one broker: ${single.p99Ms.toFixed(2)} ms)` : ''} (target ≤ 10 ms)`,
        met: r.p99Ms <= 10,
        value: r.p99Ms,
      });
    }
  }
  return out;
}
