// npm run bench:clients — samsa's own clients beside KafkaJS and librdkafka
// (bench/librdkafka, compiled with gcc), all against one samsa broker running
// in a child process, in the same run: produce 100 B records with acks=1 and
// acks=all into one and eight partitions, then consume them back. Prints
// records/s and MB/s and the ratios samsa/KafkaJS and samsa/librdkafka.
// Writes bench-clients.json (or SAMSA_BENCH_OUT).
//
// Each client is given the batching it is designed around: samsa's and
// librdkafka's producers get linger.ms=5 and 1 MB batches (bench/librdkafka's
// settings) and send record by record; KafkaJS sends batches of 1000 records,
// eight at a time (as in bench:broker). samsa with Kafka's default batch.size
// (16 KiB) is shown too. SAMSA_BENCH_SCALE (default 1) scales the record
// counts; SAMSA_BENCH_ROUNDS (default 3) repeats each case (the median counts).
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { Admin } from '../src/clients/admin/admin.js';
import { Consumer } from '../src/clients/consumer/index.js';
import { Producer } from '../src/clients/producer/producer.js';
import { compileRdkafkaBench, kafkajsConsumeRate, median, partitionFetchBytes, runRdkafka } from './bench-clients.js';
import { startBrokerProcess } from './broker-process.js';
import { printTable } from './measure.js';

const SCALE = Number(process.env.SAMSA_BENCH_SCALE ?? 1);
const ROUNDS = Number(process.env.SAMSA_BENCH_ROUNDS ?? 3);
const SIZE = 100;
const work = fs.mkdtempSync(join(tmpdir(), 'samsa-bench-clients-'));

interface Row {
  client: string;
  case: 'produce' | 'consume';
  acks: string;
  partitions: number;
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
}
const rows: Row[] = [];

function payload(): Buffer {
  const value = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i++) value[i] = 97 + ((i * 7) % 26); // as bench/librdkafka fills its payload
  return value;
}

function add(row: Omit<Row, 'mbPerSec'>): void {
  const r = { ...row, mbPerSec: (row.recordsPerSec * SIZE) / 1e6 };
  rows.push(r);
  console.log(`  ${r.client.padEnd(28)} ${r.case} acks=${r.acks} ${r.partitions}p: ${Math.round(r.recordsPerSec).toLocaleString('en')} records/s, ${r.mbPerSec.toFixed(1)} MB/s`);
}

/** samsa's producer: send() record by record (yielding to the event loop every 8192), then flush(). */
async function samsaProduce(bootstrap: string, topic: string, count: number, partitions: number, acks: string, settings: Record<string, unknown>): Promise<number> {
  const producer = new Producer({ 'bootstrap.servers': bootstrap, acks: acks as 'all', ...settings });
  await producer.partitionsFor(topic);
  const value = payload();
  let failed = 0;
  const callback = (error: Error | null) => {
    if (error) failed++;
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    producer.send({ topic, partition: i % partitions, value }, callback);
    if ((i & 8191) === 8191) await nextTurn();
  }
  await producer.flush();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await producer.close();
  if (failed > 0) throw new Error(`samsa: ${failed} records failed`);
  return count / seconds;
}

/** KafkaJS: batches of 1000 messages, eight sends in flight. */
async function kafkajsProduce(kafka: Kafka, topic: string, count: number, partitions: number, acks: string): Promise<number> {
  const producer = kafka.producer();
  await producer.connect();
  const value = payload();
  const batches = Array.from({ length: partitions }, (_, p) => Array.from({ length: 1000 }, () => ({ value, partition: p })));
  let next = 0;
  const t0 = process.hrtime.bigint();
  const lane = async () => {
    while (next < count / 1000) {
      const i = next++;
      await producer.send({ topic, acks: acks === 'all' ? -1 : 1, compression: CompressionTypes.None, messages: batches[i % partitions]! });
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await producer.disconnect();
  return count / seconds;
}

/**
 * The consumer slot: samsa's Consumer reading a whole topic through assign() and
 * poll(), timed from the first records to the last.
 */
async function samsaConsume(bootstrap: string, topic: string, count: number, partitions: number): Promise<number> {
  const consumer = new Consumer({ 'bootstrap.servers': bootstrap, 'auto.offset.reset': 'earliest', 'enable.auto.commit': false, 'max.poll.records': 10_000 });
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  let got = 0;
  let t0 = 0n;
  const deadline = Date.now() + 120_000;
  while (got < count) {
    if (Date.now() > deadline) throw new Error(`samsa consumed ${got} of ${count} in 120 s`);
    const records = await consumer.poll(1000);
    if (records.count > 0 && t0 === 0n) t0 = process.hrtime.bigint();
    got += records.count;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await consumer.close();
  return got / seconds;
}


async function main(): Promise<void> {
  const bin = compileRdkafkaBench(work);
  const broker = await startBrokerProcess(join(work, 'logs'));
  const kafka = new Kafka({ clientId: 'samsa-bench-clients', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = new Admin({ 'bootstrap.servers': broker.bootstrap });
  /** Every record produced must be in the log: the end offsets of the topic's partitions add up to `count`. */
  const check = async (client: string, topic: string, partitions: number, count: number) => {
    const ends = await admin.listOffsets(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, spec: 'latest' as const })));
    const stored = ends.reduce((n, e) => n + e.offset, 0);
    if (stored !== count) throw new Error(`${client} produced ${count} records but ${topic} holds ${stored}`);
  };
  let topicNumber = 0;
  const newTopic = async (partitions: number): Promise<string> => {
    const name = `bench-clients-${++topicNumber}`;
    await admin.createTopics([{ name, numPartitions: partitions }]);
    return name;
  };
  const fast = { 'linger.ms': 5, 'batch.size': 1_000_000, 'buffer.memory': 256 << 20 };
  const samsaCount = Math.round(1_000_000 * SCALE);
  const kafkajsCount = Math.round(200_000 * SCALE);

  try {
    for (const acks of ['1', 'all']) {
      for (const partitions of [1, 8]) {
        console.log(`produce, acks=${acks}, ${partitions} partition(s):`);
        const samsa: number[] = [];
        const kjs: number[] = [];
        const rd: number[] = [];
        let consumeTopic = '';
        for (let round = 0; round < ROUNDS; round++) {
          const topic = await newTopic(partitions);
          samsa.push(await samsaProduce(broker.bootstrap, topic, samsaCount, partitions, acks, fast));
          await check('samsa', topic, partitions, samsaCount);
          if (round === 0) consumeTopic = topic;
          else await admin.deleteTopics([topic]);
          const kTopic = await newTopic(partitions);
          kjs.push(await kafkajsProduce(kafka, kTopic, kafkajsCount, partitions, acks));
          await check('kafkajs', kTopic, partitions, kafkajsCount);
          await admin.deleteTopics([kTopic]);
          if (bin) {
            const rTopic = await newTopic(partitions);
            const r = runRdkafka(bin, ['produce', broker.bootstrap, rTopic, String(partitions), String(samsaCount), String(SIZE), acks]);
            if (r.failed) throw new Error(`librdkafka: ${r.failed} records failed`);
            rd.push(r.records! / r.seconds!);
            await check('librdkafka', rTopic, partitions, samsaCount);
            await admin.deleteTopics([rTopic]);
          }
        }
        add({ client: 'samsa', case: 'produce', acks, partitions, records: samsaCount, recordsPerSec: median(samsa) });
        add({ client: 'kafkajs', case: 'produce', acks, partitions, records: kafkajsCount, recordsPerSec: median(kjs) });
        if (bin) add({ client: 'librdkafka', case: 'produce', acks, partitions, records: samsaCount, recordsPerSec: median(rd) });
        if (acks === '1' && partitions === 1) {
          const defaults: number[] = [];
          for (let round = 0; round < ROUNDS; round++) {
            const topic = await newTopic(partitions);
            defaults.push(await samsaProduce(broker.bootstrap, topic, Math.round(300_000 * SCALE), partitions, acks, {}));
            await admin.deleteTopics([topic]);
          }
          add({ client: 'samsa (batch.size 16 KiB)', case: 'produce', acks, partitions, records: Math.round(300_000 * SCALE), recordsPerSec: median(defaults) });
        }
        if (acks === '1') {
          console.log(`consume, ${partitions} partition(s) of ${samsaCount} records:`);
          add({ client: 'samsa', case: 'consume', acks: '-', partitions, records: samsaCount, recordsPerSec: await samsaConsume(broker.bootstrap, consumeTopic, samsaCount, partitions) });
          add({ client: 'kafkajs', case: 'consume', acks: '-', partitions, records: samsaCount, recordsPerSec: await kafkajsConsumeRate(kafka, consumeTopic, samsaCount) });
          if (bin) {
            const c = runRdkafka(bin, ['consume', broker.bootstrap, consumeTopic, String(partitions), String(samsaCount), String(partitionFetchBytes(partitions))]);
            add({ client: 'librdkafka', case: 'consume', acks: '-', partitions, records: samsaCount, recordsPerSec: c.records! / c.seconds! });
          }
        }
        await admin.deleteTopics([consumeTopic]);
      }
    }
  } finally {
    await admin.close();
    await broker.stop();
  }

  console.log();
  const rate = (client: string, r: Row) => rows.find((x) => x.client === client && x.case === r.case && x.acks === r.acks && x.partitions === r.partitions)?.recordsPerSec;
  printTable(
    ['client', 'case', 'acks', 'parts', 'records/s', 'MB/s', 'samsa/KafkaJS', 'samsa/librdkafka'],
    rows.map((r) => {
      const samsa = rate('samsa', r);
      const kjs = rate('kafkajs', r);
      const rd = rate('librdkafka', r);
      const mine = r.client === 'samsa';
      return [r.client, r.case, r.acks, `${r.partitions}`, `${Math.round(r.recordsPerSec)}`, r.mbPerSec.toFixed(1), mine && samsa && kjs ? `${(samsa / kjs).toFixed(2)}×` : '', mine && samsa && rd ? `${(samsa / rd).toFixed(2)}×` : ''];
    }),
  );
  const out = process.env.SAMSA_BENCH_OUT ?? 'bench-clients.json';
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), recordSize: SIZE, rows }, null, 2));
  console.log(`\nwrote ${out}`);
  fs.rmSync(work, { recursive: true, force: true });
}

await main();
