// `samsa console-consumer`: kafka-console-consumer.sh for samsa — prints
// the records of a topic (subscribed, in a group) or of one partition
// (assigned, from an offset) to stdout as Kafka's DefaultMessageFormatter
// does, on samsa's Consumer, until --max-messages, --timeout-ms, a signal or
// a closed pipe.

import { KafkaConsumer } from '../clients/consumer/consumer.js';
import { CONSUMER_CONFIG, type ConsumerConfigInput } from '../clients/consumer/consumer-config.js';
import type { ConsumerRecord } from '../clients/consumer/consumer-records.js';
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
  UsageError,
} from './command-options.js';
import { MessageFormatter } from './message-formatter.js';

const PARSER = new OptionParser([
  { name: 'bootstrap-server', arg: 'required', argLabel: 'String: server to connect to', doc: 'REQUIRED: The server(s) to connect to.' },
  { name: 'command-config', arg: 'required', argLabel: 'String: config file', doc: 'Consumer config properties file (the same as --consumer.config).' },
  {
    name: 'consumer-property',
    arg: 'required',
    argLabel: 'String: consumer_prop',
    doc: 'A mechanism to pass user-defined properties in the form key=value to the consumer.',
  },
  {
    name: 'consumer.config',
    arg: 'required',
    argLabel: 'String: config file',
    doc: 'Consumer config properties file. Note that [consumer-property] takes precedence over this config.',
  },
  {
    name: 'enable-systest-events',
    arg: 'none',
    doc: 'Log lifecycle events of the consumer in addition to logging consumed messages. (This is specific for system tests.)',
  },
  {
    name: 'formatter',
    arg: 'required',
    argLabel: 'String: class',
    doc: 'The name of a class to use for formatting kafka messages for display. (default: kafka.tools.DefaultMessageFormatter)',
  },
  {
    name: 'from-beginning',
    arg: 'none',
    doc: 'If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message.',
  },
  { name: 'group', arg: 'required', argLabel: 'String: consumer group id', doc: 'The consumer group id of the consumer.' },
  { name: 'help', arg: 'none', doc: 'Print usage information.' },
  {
    name: 'include',
    arg: 'required',
    argLabel: 'String: Java regex (String)',
    doc: 'Regular expression specifying list of topics to include for consumption.',
  },
  {
    name: 'isolation-level',
    arg: 'required',
    argLabel: 'String',
    doc: 'Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages. (default: read_uncommitted)',
  },
  {
    name: 'key-deserializer',
    arg: 'required',
    argLabel: 'String: deserializer for key',
    doc: 'The key deserializer (samsa prints keys as bytes whatever is given).',
  },
  {
    name: 'max-messages',
    arg: 'required',
    argLabel: 'Integer: num_messages',
    type: 'int',
    doc: 'The maximum number of messages to consume before exiting. If not set, consumption is continual.',
  },
  {
    name: 'offset',
    arg: 'required',
    argLabel: 'String: consume offset',
    doc: "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end (default: latest)",
  },
  {
    name: 'partition',
    arg: 'required',
    argLabel: 'Integer: partition',
    type: 'int',
    doc: "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified.",
  },
  {
    name: 'property',
    arg: 'required',
    argLabel: 'String: prop',
    doc: 'The properties to initialize the message formatter. Default properties include: print.timestamp=true|false, print.key=true|false, print.offset=true|false, print.partition=true|false, print.headers=true|false, print.value=true|false, key.separator=<key.separator>, line.separator=<line.separator>, headers.separator=<headers.separator>, null.literal=<null.literal>',
  },
  { name: 'skip-message-on-error', arg: 'none', doc: 'If there is an error when processing a message, skip it instead of halt.' },
  {
    name: 'timeout-ms',
    arg: 'required',
    argLabel: 'Long: timeout_ms',
    type: 'long',
    doc: 'If specified, exit if no message is available for consumption for the specified interval.',
  },
  { name: 'topic', arg: 'required', argLabel: 'String: topic', doc: 'The topic to consume on.' },
  {
    name: 'value-deserializer',
    arg: 'required',
    argLabel: 'String: deserializer for values',
    doc: 'The value deserializer (samsa prints values as bytes whatever is given).',
  },
  {
    name: 'whitelist',
    arg: 'required',
    argLabel: 'String: Java regex (String)',
    doc: 'DEPRECATED, use --include instead; ignored if --include specified. Regular expression specifying list of topics to include for consumption.',
  },
]);

/** Kafka's formatters samsa has: the default one (under its 2.x and 3.x names) and the one that prints nothing. */
const FORMATTERS: Record<string, 'default' | 'none'> = {
  'kafka.tools.DefaultMessageFormatter': 'default',
  'org.apache.kafka.tools.consumer.DefaultMessageFormatter': 'default',
  'kafka.tools.NoOpMessageFormatter': 'none',
  'org.apache.kafka.tools.consumer.NoOpMessageFormatter': 'none',
};

/** Where to start in an assigned partition: earliest, latest, or an offset. */
type StartOffset = 'earliest' | 'latest' | number;

function startOffset(options: ParsedOptions): StartOffset {
  const text = options.valueOf('offset');
  if (text === null) return options.has('from-beginning') ? 'earliest' : 'latest';
  const lower = text.toLowerCase();
  if (lower === 'earliest' || lower === 'latest') return lower;
  if (!/^\+?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`The provided offset value '${text}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`);
  }
  return Number(text);
}

/** Kafka's ConsoleConsumerOptions checks, in its order. */
function checkArgs(args: readonly string[], options: ParsedOptions): void {
  if (args.length === 0 || options.has('help')) throw new HelpRequested('This tool helps to read data from Kafka topics and outputs it to standard output.');
  const topicOptions = ['topic', 'whitelist', 'include'];
  if (options.countOf(topicOptions) !== 1) throw new UsageError(`Exactly one of whitelist/include/topic is required.`);
  if (options.has('partition')) {
    if (!options.has('topic')) throw new UsageError('The topic is required when partition is specified.');
    if (options.has('from-beginning') && options.has('offset')) throw new UsageError('Options from-beginning and offset cannot be specified together.');
  } else if (options.has('offset')) {
    throw new UsageError('The partition is required when offset is specified.');
  }
  checkRequired(options, 'bootstrap-server');
  const formatter = options.valueOf('formatter');
  if (formatter !== null && !(formatter in FORMATTERS)) throw new UsageError(formatter);
  startOffset(options);
  const isolation = options.valueOf('isolation-level');
  if (isolation !== null && isolation !== 'read_committed' && isolation !== 'read_uncommitted') {
    throw new UsageError(`Invalid value ${isolation} for configuration isolation.level: String must be one of: read_committed, read_uncommitted`);
  }
}

/** A setting that makes the tool give up before it starts, with Kafka's message on stderr. */
class SettingsError extends Error {}

/** The consumer's settings (Kafka's buildConsumerProps): the config file, --consumer-property, then the options. */
function consumerSettings(options: ParsedOptions, output: CommandOutput): ConsumerConfigInput {
  const fromFile = readCommandConfig(options.valueOf('consumer.config') ?? options.valueOf('command-config'));
  const extra = parseKeyValueArgs(options.valuesOf('consumer-property'));
  const groups = new Set([options.valueOf('group'), fromFile['group.id'], extra['group.id']].filter((g): g is string => g != null));
  if (groups.size > 1) {
    throw new UsageError(
      `The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: ${[...groups].map((g) => `'${g}'`).join(', ')}`,
    );
  }
  if (groups.size > 0 && options.has('partition')) throw new UsageError(`Options group and partition cannot be specified together.`);
  const props: Record<string, string> = { ...fromFile, ...extra };
  const reset = props['auto.offset.reset'];
  if (reset === undefined) props['auto.offset.reset'] = options.has('from-beginning') ? 'earliest' : 'latest';
  else if (options.has('from-beginning') && reset !== 'earliest') {
    throw new SettingsError(`Can't simultaneously specify --from-beginning and 'auto.offset.reset=${reset}', please remove one option`);
  }
  props['bootstrap.servers'] = options.valueOf('bootstrap-server')!;
  props['client.id'] ??= 'console-consumer';
  props['isolation.level'] = options.valueOf('isolation-level') ?? props['isolation.level'] ?? 'read_uncommitted';
  if (groups.size === 0) {
    props['group.id'] = `console-consumer-${Math.floor(Math.random() * 100_000)}`;
    // The generated group is not meant to be used again: nothing to commit for it.
    props['enable.auto.commit'] ??= 'false';
  } else {
    props['group.id'] = [...groups][0]!;
  }
  return knownSettings(props, CONSUMER_CONFIG, output.err) as ConsumerConfigInput;
}

/** Writes to stdout, waiting for it to drain; false once the reader has gone (a closed pipe). */
class Stdout {
  private broken = false;

  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {
    stream.on('error', () => {
      this.broken = true;
    });
  }

  get closed(): boolean {
    return this.broken;
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.broken) return;
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.once('drain', done);
        this.stream.once('error', done);
      });
    }
  }
}

export async function consoleConsumer(args: string[], err: (text: string) => void = (t) => void process.stderr.write(t)): Promise<number> {
  const output: CommandOutput = { out: (t) => void process.stdout.write(t), err };
  const options = parseCommandLine(PARSER, args, (o) => checkArgs(args, o), err);
  if (typeof options === 'number') return options;
  let settings: ConsumerConfigInput;
  try {
    settings = consumerSettings(options, output);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\n${PARSER.usage()}\n`);
      return 1;
    }
    err(`${(error as Error).message}\n`);
    return 1;
  }
  const formatter =
    FORMATTERS[options.valueOf('formatter') ?? 'kafka.tools.DefaultMessageFormatter'] === 'none'
      ? null
      : new MessageFormatter(parseKeyValueArgs(options.valuesOf('property')));
  const skipOnError = options.has('skip-message-on-error');
  const maxMessages = options.longValueOf('max-messages') ?? -1;
  const timeoutMs = options.longValueOf('timeout-ms') ?? -1;
  const stdout = new Stdout();
  let consumer: KafkaConsumer<Buffer | null, Buffer | null>;
  try {
    consumer = new KafkaConsumer<Buffer | null, Buffer | null>(settings as ConsumerConfigInput & Record<string, unknown>);
  } catch (error) {
    err(`ERROR Unknown error when running consumer: ${describe(error)}\n`);
    return 1;
  }
  let signalled: number | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled = signal === 'SIGINT' ? 130 : 143;
    consumer.wakeup();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let count = 0;
  try {
    const topic = options.valueOf('topic');
    const partition = options.longValueOf('partition');
    if (partition !== null) {
      const tp = { topic: topic!, partition };
      consumer.assign([tp]);
      const start = startOffset(options);
      if (start === 'earliest') consumer.seekToBeginning([tp]);
      else if (start === 'latest') consumer.seekToEnd([tp]);
      else consumer.seek(tp, start);
    } else if (topic !== null) {
      consumer.subscribe([topic]);
    } else {
      consumer.subscribe(new RegExp(`^(?:${options.valueOf('include') ?? options.valueOf('whitelist')})$`));
    }
    await consume();
  } catch (error) {
    err(`ERROR Unknown error when running consumer: ${describe(error)}\n`);
    await consumer.close().catch(() => {});
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  await consumer.close().catch((error) => err(`ERROR closing the consumer: ${describe(error)}\n`));
  err(`Processed a total of ${count} messages\n`);
  return signalled ?? 0;

  /** Kafka's ConsoleConsumer.process: one record at a time until the limit, a timeout (exit 0, as Kafka's), a signal or a closed stdout. */
  async function consume(): Promise<void> {
    let pending: Array<ConsumerRecord<Buffer | null, Buffer | null>> = [];
    let next = 0;
    while (maxMessages === -1 || count < maxMessages) {
      if (next === pending.length) {
        try {
          pending = [...(await consumer.poll(timeoutMs >= 0 ? timeoutMs : 1000))];
        } catch (error) {
          if (signalled !== null) return;
          err(`ERROR Error processing message, terminating consumer process: ${describe(error)}\n`);
          return;
        }
        next = 0;
        if (signalled !== null) return;
        if (pending.length === 0) {
          if (timeoutMs >= 0) {
            err('ERROR Error processing message, terminating consumer process: TimeoutException\n');
            return;
          }
          continue;
        }
      }
      const record = pending[next++]!;
      count++;
      try {
        if (formatter) await stdout.write(formatter.format(record));
      } catch (error) {
        if (!skipOnError) throw error;
        err(`ERROR Error processing message, skipping this message: ${describe(error)}\n`);
      }
      if (stdout.closed) return;
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
