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
// Then transactional throughput (see transactions()); SAMSA_BENCH_CASES=transactions
// runs only that part.
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
import { freePort } from './free-port.js';
import { printTable } from './measure.js';

const SCALE = Number(process.env.SAMSA_BENCH_SCALE ?? 1);
const ROUNDS = Number(process.env.SAMSA_BENCH_ROUNDS ?? 3);
const SIZE = 100;
const ONLY_TRANSACTIONS = process.env.SAMSA_BENCH_CASES === 'transactions';
const work = fs.mkdtempSync(join(tmpdir(), 'samsa-bench-clients-'));

interface Row {
  client: string;
  case: 'produce' | 'consume' | 'transactions';
  /** Transactions: records per transaction (0: idempotent, no transactions). */
  commitEvery?: number;
  /** Transactions: the share of the run the broker spent answering the producer's requests (its request-time metric). */
  brokerShare?: number;
  /** Transactions: the rate with the broker's answers taking no time, the client's own bound (see brokerRequestSeconds). */
  clientBoundPerSec?: number;
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
  console.log(
    `  ${r.client.padEnd(28)} ${r.case} acks=${r.acks} ${r.partitions}p: ${Math.round(r.recordsPerSec).toLocaleString('en')} records/s, ${r.mbPerSec.toFixed(1)} MB/s`,
  );
}

/**
 * samsa's producer: send() record by record (yielding to the event loop every
 * 8192), then flush(); with `every` > 0 in transactions of that many records
 * (beginTransaction, the sends, commitTransaction).
 */
async function samsaProduce(
  bootstrap: string,
  topic: string,
  count: number,
  partitions: number,
  acks: string,
  settings: Record<string, unknown>,
  every = 0,
): Promise<number> {
  const producer = new Producer({
    'bootstrap.servers': bootstrap,
    acks: acks as 'all',
    ...settings,
    ...(every > 0 ? { 'transactional.id': `bench-${topic}` } : {}),
  });
  await producer.partitionsFor(topic);
  if (every > 0) await producer.initTransactions();
  const value = payload();
  let failed = 0;
  const callback = (error: Error | null) => {
    if (error) failed++;
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    if (every > 0 && i % every === 0) producer.beginTransaction();
    producer.send({ topic, partition: i % partitions, value }, callback);
    if ((i & 8191) === 8191) await nextTurn();
    if (every > 0 && ((i + 1) % every === 0 || i + 1 === count)) await producer.commitTransaction();
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

const COMMIT_EVERY = [0, 10_000, 1_000] as const;

/** The APIs a producer's run asks the broker (not the admin client's checks between runs). */
const PRODUCER_APIS = new Set(['Produce', 'AddPartitionsToTxn', 'EndTxn', 'InitProducerId', 'FindCoordinator', 'Metadata', 'ApiVersions']);

/**
 * Seconds the broker has spent answering the producer's APIs so far: the sum
 * of its request-time histograms (decode to encoded response) on /metrics.
 * Subtracted from a run's time, it bounds what the client alone allows: a
 * broker answering in no time could not make the run faster than that (the
 * bound is generous where requests overlap each other or the client's work).
 */
async function brokerRequestSeconds(httpPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  let ms = 0;
  for (const m of text.matchAll(/^kafka_network_requestmetrics_totaltimems_sum\{request="([^"]+)"\} (\S+)$/gm)) {
    if (PRODUCER_APIS.has(m[1]!)) ms += Number(m[2]);
  }
  return ms / 1000;
}

interface TimedRun {
  recordsPerSec: number;
  brokerShare: number;
  clientBoundPerSec: number;
}

/** A run of `records` in `seconds`, of which the broker spent `brokerSeconds` answering (brokerRequestSeconds). */
function timedRun(records: number, seconds: number, brokerSeconds: number): TimedRun {
  const broker = Math.min(brokerSeconds, seconds * 0.99);
  return { recordsPerSec: records / seconds, brokerShare: broker / seconds, clientBoundPerSec: records / (seconds - broker) };
}

/**
 * Transactional throughput: each client idempotent without transactions, then
 * committing every 10,000 and every 1,000 records, 100 B records, acks=all.
 * A transaction adds a control record (its COMMIT marker) to every partition
 * it wrote, so the end offsets count those too.
 */
async function transactions(
  bootstrap: string,
  httpPort: number,
  bin: string | undefined,
  newTopic: (partitions: number) => Promise<string>,
  admin: Admin,
  count: number,
): Promise<void> {
  // Every record and marker in the log: the coordinator writes the last transaction's markers just after its commit returns.
  const check = async (client: string, topic: string, partitions: number, expected: number) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ends = await admin.listOffsets(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, spec: 'latest' as const })));
      const stored = ends.reduce((n, e) => n + e.offset, 0);
      if (stored === expected) return;
      if (stored > expected || Date.now() > deadline) throw new Error(`${client} produced ${expected} records and markers but ${topic} holds ${stored}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const settings = { 'linger.ms': 5, 'batch.size': 1_000_000, 'buffer.memory': 256 << 20 };
  const markers = (partitions: number, every: number) => (every === 0 ? 0 : Math.ceil(count / every) * Math.min(partitions, every));
  for (const partitions of [1, 8]) {
    console.log(`transactions, acks=all, ${partitions} partition(s):`);
    for (const every of COMMIT_EVERY) {
      const samsa: TimedRun[] = [];
      const rd: TimedRun[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const topic = await newTopic(partitions);
        let before = await brokerRequestSeconds(httpPort);
        const rate = await samsaProduce(bootstrap, topic, count, partitions, 'all', settings, every);
        samsa.push(timedRun(count, count / rate, (await brokerRequestSeconds(httpPort)) - before));
        await check('samsa', topic, partitions, count + markers(partitions, every));
        if (bin) {
          const rTopic = await newTopic(partitions);
          before = await brokerRequestSeconds(httpPort);
          const r = runRdkafka(bin, ['txn', bootstrap, rTopic, String(partitions), String(count), String(SIZE), String(every)]);
          if (r.failed) throw new Error(`librdkafka: ${r.failed} records failed`);
          rd.push(timedRun(r.records!, r.seconds!, (await brokerRequestSeconds(httpPort)) - before));
          await check('librdkafka', rTopic, partitions, count + markers(partitions, every));
        }
      }
      const row = (client: string, runs: TimedRun[]) =>
        add({
          client,
          case: 'transactions',
          commitEvery: every,
          acks: 'all',
          partitions,
          records: count,
          recordsPerSec: median(runs.map((r) => r.recordsPerSec)),
          brokerShare: median(runs.map((r) => r.brokerShare)),
          clientBoundPerSec: median(runs.map((r) => r.clientBoundPerSec)),
        });
      row('samsa', samsa);
      if (bin) row('librdkafka', rd);
    }
  }
}

/** The transactional rates beside each client's idempotent rate of the same run, and whether commits every 10,000 records cost at most 10%. */
function printTransactions(): void {
  const txRows = rows.filter((r) => r.case === 'transactions');
  if (txRows.length === 0) return;
  const find = (client: string, partitions: number, every: number) =>
    txRows.find((r) => r.client === client && r.partitions === partitions && r.commitEvery === every)?.recordsPerSec;
  console.log('\ntransactions (acks=all, idempotent, 100 B records):');
  printTable(
    ['client', 'parts', 'commit every', 'records/s', 'vs idempotent', 'samsa/librdkafka', 'broker busy', 'broker in no time'],
    txRows.map((r) => {
      const idempotent = find(r.client, r.partitions, 0)!;
      const rd = find('librdkafka', r.partitions, r.commitEvery!);
      return [
        r.client,
        `${r.partitions}`,
        r.commitEvery === 0 ? '(no transactions)' : r.commitEvery!.toLocaleString('en'),
        `${Math.round(r.recordsPerSec)}`,
        r.commitEvery === 0 ? '1.00×' : `${(r.recordsPerSec / idempotent).toFixed(2)}×`,
        r.client === 'samsa' && rd ? `${(r.recordsPerSec / rd).toFixed(2)}×` : '',
        r.brokerShare === undefined ? '' : `${(r.brokerShare * 100).toFixed(0)}%`,
        r.clientBoundPerSec === undefined ? '' : `≤ ${(r.clientBoundPerSec / idempotent).toFixed(2)}×`,
      ];
    }),
  );
  console.log(
    "(broker busy: the share of the run the broker spent answering the producer's requests; broker in no time: the most the run could reach, as a multiple of the idempotent rate, if every answer took no time — the client's own bound)",
  );
  for (const client of ['samsa', 'librdkafka']) {
    for (const partitions of [1, 8]) {
      const idempotent = find(client, partitions, 0);
      const row = txRows.find((r) => r.client === client && r.partitions === partitions && r.commitEvery === 10_000);
      if (idempotent === undefined || row === undefined) continue;
      const cost = 1 - row.recordsPerSec / idempotent;
      const floor = row.clientBoundPerSec === undefined ? undefined : 1 - row.clientBoundPerSec / idempotent;
      console.log(
        `${client}, ${partitions} partition(s): commits every 10,000 records cost ${(cost * 100).toFixed(1)}% of the idempotent rate — target ≤ 10%: ${cost <= 0.1 ? 'met' : 'NOT met'}${floor === undefined ? '' : `; with the broker answering in no time at least ${(Math.max(0, floor) * 100).toFixed(1)}%`}`,
      );
    }
  }
}

async function main(): Promise<void> {
  const bin = compileRdkafkaBench(work);
  // /metrics gives the broker's request times, which bound what each transactional client allows (brokerRequestSeconds).
  const httpPort = await freePort();
  const broker = await startBrokerProcess(join(work, 'logs'), { 'http.listeners': `http://127.0.0.1:${httpPort}` });
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
    for (const acks of ONLY_TRANSACTIONS ? [] : ['1', 'all']) {
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
          add({
            client: 'samsa (batch.size 16 KiB)',
            case: 'produce',
            acks,
            partitions,
            records: Math.round(300_000 * SCALE),
            recordsPerSec: median(defaults),
          });
        }
        if (acks === '1') {
          console.log(`consume, ${partitions} partition(s) of ${samsaCount} records:`);
          add({
            client: 'samsa',
            case: 'consume',
            acks: '-',
            partitions,
            records: samsaCount,
            recordsPerSec: await samsaConsume(broker.bootstrap, consumeTopic, samsaCount, partitions),
          });
          add({
            client: 'kafkajs',
            case: 'consume',
            acks: '-',
            partitions,
            records: samsaCount,
            recordsPerSec: await kafkajsConsumeRate(kafka, consumeTopic, samsaCount),
          });
          if (bin) {
            const c = runRdkafka(bin, [
              'consume',
              broker.bootstrap,
              consumeTopic,
              String(partitions),
              String(samsaCount),
              String(partitionFetchBytes(partitions)),
            ]);
            add({ client: 'librdkafka', case: 'consume', acks: '-', partitions, records: samsaCount, recordsPerSec: c.records! / c.seconds! });
          }
        }
        await admin.deleteTopics([consumeTopic]);
      }
    }
    await transactions(broker.bootstrap, httpPort, bin, newTopic, admin, Math.round(500_000 * SCALE));
  } finally {
    await admin.close();
    await broker.stop();
  }

  console.log();
  const produceRows = rows.filter((r) => r.case !== 'transactions');
  const rate = (client: string, r: Row) =>
    rows.find((x) => x.client === client && x.case === r.case && x.acks === r.acks && x.partitions === r.partitions)?.recordsPerSec;
  printTable(
    ['client', 'case', 'acks', 'parts', 'records/s', 'MB/s', 'samsa/KafkaJS', 'samsa/librdkafka'],
    produceRows.map((r) => {
      const samsa = rate('samsa', r);
      const kjs = rate('kafkajs', r);
      const rd = rate('librdkafka', r);
      const mine = r.client === 'samsa';
      return [
        r.client,
        r.case,
        r.acks,
        `${r.partitions}`,
        `${Math.round(r.recordsPerSec)}`,
        r.mbPerSec.toFixed(1),
        mine && samsa && kjs ? `${(samsa / kjs).toFixed(2)}×` : '',
        mine && samsa && rd ? `${(samsa / rd).toFixed(2)}×` : '',
      ];
    }),
  );
  printTransactions();
  const out = process.env.SAMSA_BENCH_OUT ?? 'bench-clients.json';
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), recordSize: SIZE, rows }, null, 2));
  console.log(`\nwrote ${out}`);
  fs.rmSync(work, { recursive: true, force: true });
}

await main();
