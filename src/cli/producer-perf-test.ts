// `samsa producer-perf-test`: kafka-producer-perf-test.sh (Kafka's
// ProducerPerformance) for samsa — sends --num-records records of
// --record-size random letters (or lines of a payload file, or increasing
// numbers) at up to --throughput records/s on samsa's Producer, printing a
// progress line every five seconds and the summary Kafka prints. Its command
// line is argparse4j's, as Kafka's is, not jopt-simple's.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer } from '../clients/producer/producer.js';
import type { ProducerConfigInput } from '../clients/producer/producer-config.js';
import { type CommandOutput, readCommandConfig, stdio } from './command-options.js';
import { ProducerStats } from './perf-stats.js';

const PROG = 'producer-performance';
const USAGE =
  `usage: ${PROG} [-h] --topic TOPIC --num-records NUM-RECORDS (--record-size RECORD-SIZE | --payload-file PAYLOAD-FILE | --payload-monotonic)\n` +
  '                            [--payload-delimiter PAYLOAD-DELIMITER] --throughput THROUGHPUT [--bootstrap-server BOOTSTRAP-SERVER]\n' +
  '                            [--producer-props PROP-NAME=PROP-VALUE [PROP-NAME=PROP-VALUE ...]] [--producer.config CONFIG-FILE] [--command-config CONFIG-FILE]\n' +
  '                            [--print-metrics] [--transactional-id TRANSACTIONAL-ID] [--transaction-duration-ms TRANSACTION-DURATION]\n' +
  '                            [--warmup-records WARMUP-RECORDS]';
const DESCRIPTION =
  'This tool is used to verify the producer performance. To enable transactions, you can specify a transaction id or set a transaction duration using --transaction-duration-ms. There are three ways to specify the transaction id: set transaction.id=<id> via --producer-props, set transaction.id=<id> in the config file via --producer.config, or use --transaction-id <id>.';

/** Each argument: its value's kind (none for a flag, many for --producer-props). */
const ARGUMENTS: Record<string, 'string' | 'long' | 'int' | 'double' | 'flag' | 'many'> = {
  '--topic': 'string',
  '--num-records': 'long',
  '--record-size': 'int',
  '--payload-file': 'string',
  '--payload-monotonic': 'flag',
  '--payload-delimiter': 'string',
  '--throughput': 'double',
  '--bootstrap-server': 'string',
  '--producer-props': 'many',
  '--producer.config': 'string',
  '--command-config': 'string',
  '--print-metrics': 'flag',
  '--transactional-id': 'string',
  '--transaction-duration-ms': 'long',
  '--warmup-records': 'long',
};

/** A command line argparse4j refuses: usage and `producer-performance: error: …` on stderr, exit 1. */
class ArgumentParserError extends Error {}

type Parsed = Map<string, string | string[] | true>;

function parse(args: readonly string[]): Parsed {
  const parsed: Parsed = new Map();
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const kind = ARGUMENTS[word];
    if (kind === undefined) throw new ArgumentParserError(`unrecognized arguments: '${word}'`);
    if (kind === 'flag') {
      parsed.set(word, true);
      continue;
    }
    if (kind === 'many') {
      const values: string[] = [];
      while (i + 1 < args.length && !args[i + 1]!.startsWith('--')) values.push(args[++i]!);
      if (values.length === 0) throw new ArgumentParserError(`argument ${word}: expected at least one argument`);
      parsed.set(word, [...((parsed.get(word) as string[] | undefined) ?? []), ...values]);
      continue;
    }
    if (i + 1 >= args.length || args[i + 1]!.startsWith('--')) throw new ArgumentParserError(`argument ${word}: expected one argument`);
    const value = args[++i]!;
    const numeric = kind === 'double' ? Number.isFinite(Number(value)) && value.trim() !== '' : /^[-+]?\d+$/.test(value) && Number.isSafeInteger(Number(value));
    if (kind !== 'string' && !numeric)
      throw new ArgumentParserError(`argument ${word}: could not convert '${value}' to ${kind === 'double' ? 'Double' : kind === 'int' ? 'Integer' : 'Long'}`);
    parsed.set(word, value);
  }
  for (const required of ['--topic', '--num-records', '--throughput'])
    if (!parsed.has(required)) throw new ArgumentParserError(`argument ${required} is required`);
  const payloads = ['--record-size', '--payload-file', '--payload-monotonic'].filter((a) => parsed.has(a));
  if (payloads.length === 0) throw new ArgumentParserError('one of the arguments --record-size --payload-file --payload-monotonic is required');
  if (payloads.length > 1) throw new ArgumentParserError(`argument ${payloads[1]}: not allowed with argument ${payloads[0]}`);
  return parsed;
}

interface PerfConfig {
  readonly topic: string;
  readonly numRecords: number;
  readonly warmupRecords: number;
  readonly recordSize: number | null;
  readonly payloads: readonly Buffer[];
  readonly monotonic: boolean;
  readonly throughput: number;
  readonly producer: ProducerConfigInput;
  readonly transactionDurationMs: number | null;
}

/** Kafka's ConfigPostProcessor: the checks and the producer's settings. */
function configure(parsed: Parsed, output: CommandOutput): PerfConfig {
  const str = (name: string) => parsed.get(name) as string | undefined;
  const num = (name: string) => (parsed.has(name) ? Number(str(name)) : null);
  const numRecords = num('--num-records')!;
  const warmupRecords = Math.max(num('--warmup-records') ?? 0, 0);
  const recordSize = num('--record-size');
  const props = parsed.get('--producer-props') as string[] | undefined;
  const configFile = str('--producer.config') ?? str('--command-config');
  let transactionDurationMs = num('--transaction-duration-ms');
  if (numRecords <= 0) throw new ArgumentParserError('--num-records should be greater than zero');
  if (warmupRecords >= numRecords)
    throw new ArgumentParserError('The value for --warmup-records must be strictly fewer than the number of records in the test, --num-records.');
  if (recordSize !== null && recordSize <= 0) throw new ArgumentParserError('--record-size should be greater than zero');
  if (props === undefined && configFile === undefined && !parsed.has('--bootstrap-server')) {
    throw new ArgumentParserError('Either --bootstrap-server, --producer-props or --producer.config must be specified.');
  }
  if (transactionDurationMs !== null && transactionDurationMs <= 0) throw new ArgumentParserError('--transaction-duration-ms should be greater than zero');
  const settings: Record<string, string> = { ...readCommandConfig(configFile) };
  for (const prop of props ?? []) {
    const pieces = prop.split('=');
    if (pieces.length !== 2) throw new Error(`Invalid property: ${prop}`);
    settings[pieces[0]!] = pieces[1]!;
  }
  if (parsed.has('--bootstrap-server')) settings['bootstrap.servers'] = str('--bootstrap-server')!;
  settings['client.id'] ??= 'perf-producer-client';
  const transactionalId = str('--transactional-id') ?? settings['transactional.id'];
  if (transactionDurationMs !== null || transactionalId !== undefined) {
    settings['transactional.id'] = transactionalId ?? `performance-producer-${crypto.randomUUID()}`;
    transactionDurationMs ??= 3000;
  }
  return {
    topic: str('--topic')!,
    numRecords,
    warmupRecords,
    recordSize,
    payloads: readPayloadFile(str('--payload-file'), str('--payload-delimiter') ?? '\\n', output),
    monotonic: parsed.has('--payload-monotonic'),
    throughput: num('--throughput')!,
    producer: settings as unknown as ProducerConfigInput,
    transactionDurationMs,
  };
}

function readPayloadFile(path: string | undefined, delimiter: string, output: CommandOutput): Buffer[] {
  if (path === undefined) return [];
  output.out(`Reading payloads from: ${resolve(path)}\n`);
  if (!existsSync(path) || statSync(path).size === 0) throw new Error('File does not exist or empty file provided.');
  const separator = delimiter === '\\n' ? '\n' : delimiter;
  const payloads = readFileSync(path, 'utf8')
    .split(separator)
    .filter((p) => p !== '')
    .map((p) => Buffer.from(p, 'utf8'));
  output.out(`Number of messages read: ${payloads.length}\n`);
  return payloads;
}

/** Sends not yet acknowledged, at most, so the loop yields to I/O and memory stays bounded. */
const MAX_OUTSTANDING = 20_000;

/** Random capital letters for the payloads, from a fixed seed as Kafka's SplittableRandom(0). */
function letterPool(size: number): Buffer {
  const pool = Buffer.alloc(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    pool[i] = 65 + ((x >>> 0) % 26);
  }
  return pool;
}

export async function producerPerfTest(args: string[], output: CommandOutput = stdio): Promise<number> {
  if (args.length === 0) {
    output.out(`${USAGE}\n\n${DESCRIPTION}\n`);
    return 0;
  }
  if (args.includes('-h') || args.includes('--help')) {
    output.out(`${USAGE}\n\n${DESCRIPTION}\n`);
    return 0;
  }
  let config: PerfConfig;
  try {
    config = configure(parse(args), output);
  } catch (error) {
    if (!(error instanceof ArgumentParserError)) {
      output.err(`${(error as Error).message}\n`);
      return 1;
    }
    output.err(`${USAGE}\n${PROG}: error: ${error.message}\n`);
    return 1;
  }
  let producer: Producer<Buffer | null, Buffer>;
  try {
    producer = new Producer({ ...config.producer, 'key.serializer': 'bytes', 'value.serializer': 'bytes' });
  } catch (error) {
    output.err(`${(error as Error).name}: ${(error as Error).message}\n`);
    return 1;
  }
  const print = (line: string) => output.out(`${line}\n`);
  try {
    await run(config, producer, print, output);
    return 0;
  } catch (error) {
    output.err(`${(error as Error).name}: ${(error as Error).message}\n`);
    await producer.close(0);
    return 1;
  }
}

async function run(config: PerfConfig, producer: Producer<Buffer | null, Buffer>, print: (line: string) => void, output: CommandOutput): Promise<void> {
  const transactional = config.transactionDurationMs !== null;
  if (transactional) await producer.initTransactions();
  const pool = config.recordSize === null ? null : letterPool(Math.max(65_536, config.recordSize * 2));
  if (config.warmupRecords > 0) print(`Warmup first ${config.warmupRecords} records. Steady state results will print after the complete test summary.`);
  const stats = new ProducerStats(config.numRecords, false, print);
  let steadyStats: ProducerStats | null = null;
  const startMs = Date.now();
  let outstanding = 0;
  let drained: (() => void) | null = null;
  let failures = 0;
  let transactionSize = 0;
  let transactionStart = 0;
  for (let i = 0; i < config.numRecords; i++) {
    let payload: Buffer;
    if (config.payloads.length > 0) payload = config.payloads[Math.floor(Math.random() * config.payloads.length)]!;
    else if (pool !== null) {
      const offset = (i * 7919) % (pool.length - config.recordSize! + 1);
      payload = Buffer.from(pool.subarray(offset, offset + config.recordSize!));
    } else payload = Buffer.from(String(i), 'utf8');
    if (transactional && transactionSize === 0) {
      producer.beginTransaction();
      transactionStart = Date.now();
    }
    const sendStart = Date.now();
    if (config.warmupRecords > 0 && i === config.warmupRecords) {
      steadyStats = new ProducerStats(config.numRecords - config.warmupRecords, true, print);
      stats.suppressPrinting();
    }
    const steady = steadyStats;
    outstanding++;
    producer.send({ topic: config.topic, value: payload }, (error) => {
      const now = Date.now();
      if (error === null) {
        stats.record(now - sendStart, payload.length, now);
        steady?.record(now - sendStart, payload.length, now);
      } else if (failures++ < 100) {
        output.err(`${error.name}: ${error.message}\n`);
      }
      if (--outstanding < MAX_OUTSTANDING / 2 && drained) {
        drained();
        drained = null;
      }
    });
    transactionSize++;
    if (transactional && config.transactionDurationMs! <= sendStart - transactionStart) {
      await producer.commitTransaction();
      transactionSize = 0;
    }
    if (outstanding >= MAX_OUTSTANDING) await new Promise<void>((r) => (drained = r));
    // Kafka's ThroughputThrottler: once ahead of the target rate by its minimum sleep (2 ms), sleep the difference.
    if (config.throughput > 0) {
      const ahead = ((i + 1) / config.throughput) * 1000 - (Date.now() - startMs);
      if (ahead >= 2) await sleep(ahead);
    }
  }
  if (transactional && transactionSize !== 0) await producer.commitTransaction();
  await producer.close();
  stats.printTotal();
  steadyStats?.printTotal();
}
