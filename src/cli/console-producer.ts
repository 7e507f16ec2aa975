// `samsa console-producer`: kafka-console-producer.sh for samsa — reads
// lines from stdin and sends each as a record (optionally with a key and
// headers parsed from the line), on samsa's Producer, with the options and
// defaults of Kafka's ConsoleProducer.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Producer } from '../clients/producer/producer.js';
import { PRODUCER_CONFIG, type ProducerConfigInput } from '../clients/producer/producer-config.js';
import type { ProducerRecord } from '../clients/producer/producer-record.js';
import {
  type CommandOutput,
  checkRequired,
  HelpRequested,
  knownSettings,
  OptionParser,
  type ParsedOptions,
  parseCommandLine,
  parseKeyValueArgs,
  readCommandConfig,
  stdio,
  UsageError,
} from './command-options.js';
import { LineReader, type LineReaderConfig } from './line-reader.js';

const PARSER = new OptionParser([
  {
    name: 'batch-size',
    arg: 'required',
    argLabel: 'Integer: size',
    type: 'int',
    doc: 'Number of messages to send in a single batch if they are not being sent synchronously. please note that this option will be replaced if max-partition-memory-bytes is also set (default: 16384)',
  },
  {
    name: 'bootstrap-server',
    arg: 'required',
    argLabel: 'String: server to connect to',
    doc: 'REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2.',
  },
  {
    name: 'broker-list',
    arg: 'required',
    argLabel: 'String: broker-list',
    doc: 'DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.  The broker list string in the form HOST1:PORT1,HOST2:PORT2.',
  },
  {
    name: 'command-config',
    arg: 'required',
    argLabel: 'String: config file',
    doc: 'Producer config properties file (the same as --producer.config). Note that [producer-property] takes precedence over this config.',
  },
  {
    name: 'compression-codec',
    arg: 'optional',
    argLabel: 'String: compression-codec',
    doc: "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'.If specified without value, then it defaults to 'gzip'",
  },
  { name: 'help', arg: 'none', doc: 'Print usage information.' },
  {
    name: 'line-reader',
    arg: 'required',
    argLabel: 'String: reader_class',
    doc: 'The class name of the class to use for reading lines from standard in. By default each line is read as a separate message. (default: kafka.tools.LineMessageReader)',
  },
  {
    name: 'max-block-ms',
    arg: 'required',
    argLabel: 'Long: max block on send',
    type: 'long',
    doc: 'The max time that the producer will block for during a send request. (default: 60000)',
  },
  {
    name: 'max-memory-bytes',
    arg: 'required',
    argLabel: 'Long: total memory in bytes',
    type: 'long',
    doc: 'The total memory used by the producer to buffer records waiting to be sent to the server. This is the option to control `buffer.memory` in producer configs. (default: 33554432)',
  },
  {
    name: 'max-partition-memory-bytes',
    arg: 'required',
    argLabel: 'Integer: memory in bytes per partition',
    type: 'int',
    doc: 'The buffer size allocated for a partition. When records are received which are smaller than this size the producer will attempt to optimistically group them together until this size is reached. This is the option to control `batch.size` in producer configs. (default: 16384)',
  },
  {
    name: 'message-send-max-retries',
    arg: 'required',
    argLabel: 'Integer',
    type: 'int',
    doc: 'Brokers can fail receiving the message for multiple reasons, and being unavailable transiently is just one of them. This property specifies the number of retries before the producer give up and drop this message. This is the option to control `retries` in producer configs. (default: 3)',
  },
  {
    name: 'metadata-expiry-ms',
    arg: 'required',
    argLabel: 'Long: metadata expiration interval',
    type: 'long',
    doc: "The period of time in milliseconds after which we force a refresh of metadata even if we haven't seen any leadership changes. This is the option to control `metadata.max.age.ms` in producer configs. (default: 300000)",
  },
  {
    name: 'producer-property',
    arg: 'required',
    argLabel: 'String: producer_prop',
    doc: 'A mechanism to pass user-defined properties in the form key=value to the producer.',
  },
  {
    name: 'producer.config',
    arg: 'required',
    argLabel: 'String: config file',
    doc: 'Producer config properties file. Note that [producer-property] takes precedence over this config.',
  },
  {
    name: 'property',
    arg: 'required',
    argLabel: 'String: prop',
    doc: 'A mechanism to pass user-defined properties in the form key=value to the message reader. This allows custom configuration for a user-defined message reader. Default properties include: parse.key=false, parse.headers=false, ignore.error=false, key.separator=\\t, headers.delimiter=\\t, headers.separator=,, headers.key.separator=:, null.marker (when set, any fields (key, value and headers) equal to this will be replaced by null).',
  },
  {
    name: 'reader-config',
    arg: 'required',
    argLabel: 'String: config file',
    doc: 'Config properties file for the message reader. Note that [property] takes precedence over this config.',
  },
  {
    name: 'request-required-acks',
    arg: 'required',
    argLabel: 'String: request required acks',
    doc: 'The required `acks` of the producer requests (default: -1)',
  },
  {
    name: 'request-timeout-ms',
    arg: 'required',
    argLabel: 'Integer: request timeout ms',
    type: 'int',
    doc: 'The ack timeout of the producer requests. Value must be non-negative and non-zero. (default: 1500)',
  },
  {
    name: 'retry-backoff-ms',
    arg: 'required',
    argLabel: 'Long',
    type: 'long',
    doc: 'Before each retry, the producer refreshes the metadata of relevant topics. Since leader election takes a bit of time, this property specifies the amount of time that the producer waits before refreshing the metadata. This is the option to control `retry.backoff.ms` in producer configs. (default: 100)',
  },
  {
    name: 'socket-buffer-size',
    arg: 'required',
    argLabel: 'Integer: size',
    type: 'int',
    doc: 'The size of the tcp RECV size. This is the option to control `send.buffer.bytes` in producer configs. (default: 102400)',
  },
  { name: 'sync', arg: 'none', doc: 'If set message send requests to the brokers are synchronously, one at a time as they arrive.' },
  {
    name: 'timeout',
    arg: 'required',
    argLabel: 'Long: timeout_ms',
    type: 'long',
    doc: 'If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. This is the option to control `linger.ms` in producer configs. (default: 1000)',
  },
  { name: 'topic', arg: 'required', argLabel: 'String: topic', doc: 'REQUIRED: The topic id to produce messages to.' },
]);

/** The producer settings each option stands for, with the tool's default (Kafka's maybeMergeOptions: the option wins when given, its default only when the setting is not). */
const MERGED: ReadonlyArray<readonly [option: string, config: string, defaultValue: string]> = [
  ['timeout', 'linger.ms', '1000'],
  ['request-required-acks', 'acks', '-1'],
  ['request-timeout-ms', 'request.timeout.ms', '1500'],
  ['message-send-max-retries', 'retries', '3'],
  ['retry-backoff-ms', 'retry.backoff.ms', '100'],
  ['socket-buffer-size', 'send.buffer.bytes', '102400'],
  ['max-memory-bytes', 'buffer.memory', '33554432'],
  ['batch-size', 'batch.size', '16384'],
  ['max-partition-memory-bytes', 'batch.size', '16384'],
  ['metadata-expiry-ms', 'metadata.max.age.ms', '300000'],
  ['max-block-ms', 'max.block.ms', '60000'],
];

/** Kafka's own reader, under the names Kafka 2.x and 3.x gave it. */
const LINE_READERS = new Set(['kafka.tools.LineMessageReader', 'kafka.tools.ConsoleProducer$LineMessageReader', 'org.apache.kafka.tools.LineMessageReader']);

/** Sends not yet acknowledged, at most: reading pauses at this many so a large pipe does not queue without bound. */
const MAX_OUTSTANDING = 10_000;

function checkArgs(args: readonly string[], options: ParsedOptions): void {
  if (args.length === 0 || options.has('help')) throw new HelpRequested('This tool helps to read data from standard input and publish it to Kafka.');
  checkRequired(options, 'topic');
  if (!options.has('bootstrap-server') && !options.has('broker-list')) throw new UsageError('Missing required argument "[bootstrap-server]"');
  const reader = options.valueOf('line-reader');
  if (reader !== null && !LINE_READERS.has(reader)) throw new UsageError(`samsa reads lines with Kafka's LineMessageReader only, not ${reader}`);
}

/** The producer's settings: the config file, --producer-property, then the options (Kafka's producerProps). */
function producerSettings(options: ParsedOptions, output: CommandOutput): ProducerConfigInput {
  const props: Record<string, string> = {
    ...readCommandConfig(options.valueOf('producer.config') ?? options.valueOf('command-config')),
    ...parseKeyValueArgs(options.valuesOf('producer-property')),
  };
  props['bootstrap.servers'] = options.valueOf('bootstrap-server') ?? options.valueOf('broker-list')!;
  props['compression.type'] = options.has('compression-codec') ? (options.valueOf('compression-codec') ?? 'gzip') : 'none';
  props['client.id'] ??= 'console-producer';
  for (const [option, config, defaultValue] of MERGED) {
    if (options.has(option)) props[config] = options.valueOf(option)!;
    else if (!(config in props)) props[config] = defaultValue;
  }
  // send.buffer.bytes and the rest are Java's; samsa's producer takes those it has, as Java's ignores those it does not know.
  return knownSettings(props, PRODUCER_CONFIG, output.err) as ProducerConfigInput;
}

/** Where the console producer reads its lines. */
export interface ProducerInput {
  readonly stdin: Readable & { isTTY?: boolean };
}

export async function consoleProducer(args: string[], output: CommandOutput = stdio, input: ProducerInput = { stdin: process.stdin }): Promise<number> {
  const options = parseCommandLine(PARSER, args, (o) => checkArgs(args, o), output.err);
  if (typeof options === 'number') return options;
  let reader: LineReader;
  let producer: Producer<Buffer | null, Buffer | null>;
  try {
    const readerConfig: LineReaderConfig = {
      ...readCommandConfig(options.valueOf('reader-config')),
      ...parseKeyValueArgs(options.valuesOf('property')),
    };
    reader = new LineReader(options.valueOf('topic')!, readerConfig);
    producer = new Producer({ ...producerSettings(options, output), 'key.serializer': 'bytes', 'value.serializer': 'bytes' });
  } catch (error) {
    output.err(`${describe(error)}\n`);
    return 1;
  }
  const sync = options.has('sync');
  const prompt = input.stdin.isTTY === true && process.stdout.isTTY === true;
  const lines = createInterface({ input: input.stdin, crlfDelay: Infinity });
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    lines.close();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let outstanding = 0;
  let drained: (() => void) | null = null;
  const settled = () => {
    outstanding--;
    if (drained && outstanding < MAX_OUTSTANDING / 2) {
      drained();
      drained = null;
    }
  };
  try {
    if (prompt) output.out('>');
    for await (const line of lines) {
      const record = reader.parse(line);
      if (sync) {
        await producer.send(record);
      } else {
        outstanding++;
        producer.send(record, (error) => {
          settled();
          if (error) output.err(`${errorLine(record, error)}\n`);
        });
        if (outstanding >= MAX_OUTSTANDING) await new Promise<void>((resolve) => (drained = resolve));
      }
      if (prompt) output.out('>');
    }
    await producer.close();
    return interrupted ? 130 : 0;
  } catch (error) {
    output.err(`${describe(error)}\n`);
    await producer.close(0);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    lines.close();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** What Kafka's ErrorLoggingCallback logs for a record that could not be sent. */
function errorLine(record: ProducerRecord<Buffer | null, Buffer | null>, error: Error): string {
  const size = (b: Buffer | null | undefined) => (b == null ? 'null' : `${b.length} bytes`);
  return `ERROR Error when sending message to topic ${record.topic} with key: ${size(record.key)}, value: ${size(record.value)} with error: ${describe(error)}`;
}
