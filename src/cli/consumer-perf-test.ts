// `samsa consumer-perf-test`: kafka-consumer-perf-test.sh (Kafka's
// ConsumerPerformance) for samsa — consumes --messages records of a topic
// in a group on samsa's Consumer and prints Kafka's summary line (or, with
// --show-detailed-stats, a line per reporting interval).
import { KafkaConsumer } from '../clients/consumer/consumer.js';
import { CONSUMER_CONFIG, type ConsumerConfigInput } from '../clients/consumer/consumer-config.js';
import {
  type CommandOutput,
  checkRequired,
  HelpRequested,
  knownSettings,
  OptionParser,
  type ParsedOptions,
  parseCommandLine,
  readCommandConfig,
  stdio,
  UsageError,
} from './command-options.js';
import { fixed, simpleDateFormat } from './perf-stats.js';

const PARSER = new OptionParser([
  { name: 'bootstrap-server', arg: 'required', argLabel: 'String: server to connect to', doc: 'REQUIRED: The server(s) to connect to.' },
  { name: 'command-config', arg: 'required', argLabel: 'String: config file', doc: 'Consumer config properties file (the same as --consumer.config).' },
  { name: 'consumer.config', arg: 'required', argLabel: 'String: config file', doc: 'Consumer config properties file.' },
  {
    name: 'date-format',
    arg: 'required',
    argLabel: 'String: date format',
    doc: 'The date format to use for formatting the time field. See java.text.SimpleDateFormat for options. (default: yyyy-MM-dd HH:mm:ss:SSS)',
  },
  { name: 'fetch-size', arg: 'required', argLabel: 'Integer: size', type: 'int', doc: 'The amount of data to fetch in a single request. (default: 1048576)' },
  {
    name: 'from-latest',
    arg: 'none',
    doc: 'If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message.',
  },
  { name: 'group', arg: 'required', argLabel: 'String: gid', doc: 'The group id to consume on. (default: perf-consumer-<random>)' },
  { name: 'help', arg: 'none', doc: 'Print usage information.' },
  { name: 'hide-header', arg: 'none', doc: 'If set, skips printing the header for the stats' },
  {
    name: 'include',
    arg: 'required',
    argLabel: 'String: Java regex (String)',
    doc: 'Regular expression specifying list of topics to include for consumption.',
  },
  { name: 'messages', arg: 'required', argLabel: 'Long: count', type: 'long', doc: 'REQUIRED: The number of messages to consume.' },
  { name: 'print-metrics', arg: 'none', doc: 'Print out the metrics.' },
  {
    name: 'reporting-interval',
    arg: 'required',
    argLabel: 'Long: interval_ms',
    type: 'long',
    doc: 'Interval in milliseconds at which to print progress info. (default: 5000)',
  },
  { name: 'show-detailed-stats', arg: 'none', doc: 'If set, stats are reported for each reporting interval as configured by reporting-interval' },
  { name: 'socket-buffer-size', arg: 'required', argLabel: 'Integer: size', type: 'int', doc: 'The size of the tcp RECV size. (default: 2097152)' },
  {
    name: 'timeout',
    arg: 'optional',
    argLabel: 'Long: milliseconds',
    type: 'long',
    doc: 'The maximum allowed time in milliseconds between returned records. (default: 10000)',
  },
  { name: 'topic', arg: 'required', argLabel: 'String: topic', doc: 'The topic to consume from.' },
]);

function checkArgs(args: readonly string[], options: ParsedOptions): void {
  if (args.length === 0 || options.has('help')) throw new HelpRequested('This tool is used to verify the consumer performance.');
  checkRequired(options, 'messages', 'bootstrap-server');
  if (options.countOf(['topic', 'include']) !== 1) throw new UsageError('Exactly one of the following arguments is required: [topic], [include]');
  if ((options.longValueOf('reporting-interval') ?? 5000) <= 0) throw new UsageError('Reporting interval must be greater than 0.');
}

function consumerSettings(options: ParsedOptions, output: CommandOutput): ConsumerConfigInput {
  const props: Record<string, string> = { ...readCommandConfig(options.valueOf('consumer.config') ?? options.valueOf('command-config')) };
  props['bootstrap.servers'] = options.valueOf('bootstrap-server')!;
  props['group.id'] = options.valueOf('group') ?? `perf-consumer-${Math.floor(Math.random() * 100_000)}`;
  props['receive.buffer.bytes'] = options.valueOf('socket-buffer-size') ?? String(2 * 1024 * 1024);
  props['max.partition.fetch.bytes'] = options.valueOf('fetch-size') ?? String(1024 * 1024);
  props['auto.offset.reset'] = options.has('from-latest') ? 'latest' : 'earliest';
  props['check.crcs'] = 'false';
  props['client.id'] ??= 'perf-consumer-client';
  return knownSettings(props, CONSUMER_CONFIG, output.err) as ConsumerConfigInput;
}

const HEADER_TAIL = ', rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
const MB = 1024 * 1024;

export async function consumerPerfTest(args: string[], output: CommandOutput = stdio): Promise<number> {
  const options = parseCommandLine(PARSER, args, (o) => checkArgs(args, o), output.err);
  if (typeof options === 'number') return options;
  const numMessages = options.longValueOf('messages')!;
  const timeoutMs = options.longValueOf('timeout') ?? 10_000;
  const reportingIntervalMs = options.longValueOf('reporting-interval') ?? 5000;
  const detailed = options.has('show-detailed-stats');
  const dateFormat = options.valueOf('date-format') ?? 'yyyy-MM-dd HH:mm:ss:SSS';
  const print = (line: string) => output.out(`${line}\n`);
  if (!options.has('hide-header')) {
    print(
      detailed
        ? `time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${HEADER_TAIL}`
        : `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${HEADER_TAIL}`,
    );
  }
  let consumer: KafkaConsumer<Buffer | null, Buffer | null>;
  try {
    consumer = new KafkaConsumer<Buffer | null, Buffer | null>(consumerSettings(options, output) as ConsumerConfigInput & Record<string, unknown>);
  } catch (error) {
    output.err(`${(error as Error).message}\n`);
    return 1;
  }
  // Kafka's ConsumerPerfRebListener: time from joining (or losing every partition) to the first assignment.
  let joinTimeMs = 0;
  let joinInRound = 0;
  let joinStart = Date.now();
  const assigned = new Set<string>();
  const listener = {
    onPartitionsRevoked(partitions: Array<{ topic: string; partition: number }>) {
      for (const p of partitions) assigned.delete(`${p.topic}-${p.partition}`);
      if (assigned.size === 0) joinStart = Date.now();
    },
    onPartitionsAssigned(partitions: Array<{ topic: string; partition: number }>) {
      if (assigned.size === 0) {
        joinTimeMs += Date.now() - joinStart;
        joinInRound += Date.now() - joinStart;
      }
      for (const p of partitions) assigned.add(`${p.topic}-${p.partition}`);
    },
  };
  const startMs = Date.now();
  let messagesRead = 0;
  let bytesRead = 0;
  try {
    const topic = options.valueOf('topic');
    consumer.subscribe(topic !== null ? [topic] : new RegExp(options.valueOf('include')!), listener);
    let now = Date.now();
    let lastReport = now;
    let lastConsumed = now;
    let lastMessages = 0;
    let lastBytes = 0;
    while (messagesRead < numMessages && now - lastConsumed <= timeoutMs) {
      const records = await consumer.poll(100);
      now = Date.now();
      if (!records.isEmpty()) lastConsumed = now;
      for (const record of records) {
        messagesRead++;
        bytesRead += (record.key?.length ?? 0) + (record.value?.length ?? 0);
        if (now - lastReport >= reportingIntervalMs) {
          if (detailed) print(progressLine(bytesRead, lastBytes, messagesRead, lastMessages, lastReport, now, dateFormat, joinInRound));
          joinInRound = 0;
          lastReport = now;
          lastMessages = messagesRead;
          lastBytes = bytesRead;
        }
      }
    }
    if (messagesRead < numMessages) {
      print(
        `WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.`,
      );
    }
  } catch (error) {
    output.err(`${(error as Error).message}\n`);
    await consumer.close().catch(() => {});
    return 1;
  }
  const endMs = Date.now();
  await consumer.close();
  if (!detailed) {
    const elapsedSec = (endMs - startMs) / 1000;
    const fetchTimeMs = endMs - startMs - joinTimeMs;
    const mbRead = bytesRead / MB;
    print(
      [
        simpleDateFormat(dateFormat, startMs),
        simpleDateFormat(dateFormat, endMs),
        fixed(mbRead, 4),
        fixed(mbRead / elapsedSec, 4),
        String(messagesRead),
        fixed(messagesRead / elapsedSec, 4),
        String(joinTimeMs),
        String(fetchTimeMs),
        fixed(mbRead / (fetchTimeMs / 1000), 4),
        fixed(messagesRead / (fetchTimeMs / 1000), 4),
      ].join(', '),
    );
  }
  return 0;
}

/** One --show-detailed-stats line (Kafka's printConsumerProgress, thread 0). */
function progressLine(
  bytes: number,
  lastBytes: number,
  messages: number,
  lastMessages: number,
  startMs: number,
  endMs: number,
  dateFormat: string,
  joinMs: number,
): string {
  const elapsedMs = endMs - startMs;
  const intervalMb = (bytes - lastBytes) / MB;
  const fetchMs = elapsedMs - joinMs;
  return [
    simpleDateFormat(dateFormat, endMs),
    '0',
    fixed(bytes / MB, 4),
    fixed((1000 * intervalMb) / elapsedMs, 4),
    String(messages),
    fixed(((messages - lastMessages) / elapsedMs) * 1000, 4),
    String(joinMs),
    String(fetchMs),
    fixed(fetchMs <= 0 ? 0 : (1000 * intervalMb) / fetchMs, 4),
    fixed(fetchMs <= 0 ? 0 : (1000 * (messages - lastMessages)) / fetchMs, 4),
  ].join(', ');
}
