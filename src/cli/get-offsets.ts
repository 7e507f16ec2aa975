// `samsa get-offsets`: kafka-get-offsets.sh (Kafka's GetOffsetShell) for
// samsa — the earliest, latest, max-timestamp or by-time offset of each
// matching partition, printed as `topic:partition:offset`, on Admin.
import type { OffsetSpec } from '../clients/admin/types.js';
import { KafkaClientError } from '../clients/network/errors.js';
import { type CommandOutput, checkRequired, HelpRequested, OptionParser, type ParsedOptions, parseCommandLine, stdio } from './command-options.js';
import { javaExceptionClass, javaMessage, partitionErrorMessage } from './kafka-errors.js';
import { includeList, toolAdmin } from './tool-admin.js';

const TOPIC_PARTITION_PATTERN = '([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?';
const USAGE_TEXT = 'An interactive shell for getting topic-partition offsets.';

const PARSER = new OptionParser([
  {
    name: 'bootstrap-server',
    arg: 'required',
    argLabel: 'String: HOST1:PORT1,...,HOST3:PORT3',
    doc: 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.',
  },
  { name: 'command-config', arg: 'required', argLabel: 'String: config file', doc: 'Property file containing configs to be passed to Admin Client.' },
  { name: 'exclude-internal-topics', arg: 'none', doc: 'By default, internal topics are included. If specified, internal topics are excluded.' },
  { name: 'help', arg: 'none', doc: 'Print usage information.' },
  {
    name: 'partitions',
    arg: 'required',
    argLabel: 'String: partition ids',
    doc: 'Comma separated list of partition ids to get the offsets for. If not present, all partitions of the authorized topics are queried. Cannot be used if --topic-partitions is present.',
  },
  {
    name: 'time',
    arg: 'required',
    argLabel: 'String: <timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp',
    doc: 'timestamp of the offsets before that. [Note: No offset is returned, if the timestamp greater than recently committed record timestamp is given.] (default: latest)',
  },
  {
    name: 'topic',
    arg: 'required',
    argLabel: 'String: topic',
    doc: 'The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried. Cannot be used if --topic-partitions is present.',
  },
  {
    name: 'topic-partitions',
    arg: 'required',
    argLabel: 'String: topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3',
    doc: `Comma separated list of topic-partition patterns to get the offsets for, with the format of '${TOPIC_PARTITION_PATTERN}'. The first group is an optional regex for the topic name, if omitted, it matches any topic name. The section after ':' describes a 'partition' pattern, which can be: a number, a range in the format of 'NUMBER-NUMBER' (lower inclusive, upper exclusive), an inclusive lower bound in the format of 'NUMBER-', an exclusive upper bound in the format of '-NUMBER' or may be omitted to accept all partitions.`,
  },
]);

/** An error Kafka's tool reports as "Error occurred: …" on stderr, exiting 1 (its TerseException). */
class TerseError extends Error {}

/** Which topics and partitions are asked for. */
interface PartitionFilter {
  topic(name: string): boolean;
  partition(name: string, partition: number): boolean;
}

function parseOffsetSpec(time: string): OffsetSpec {
  switch (time) {
    case 'earliest':
    case '-2':
      return 'earliest';
    case 'latest':
    case '-1':
      return 'latest';
    case 'max-timestamp':
    case '-3':
      return 'max-timestamp';
  }
  if (!/^[-+]?\d{1,19}$/.test(time) || !Number.isSafeInteger(Number(time))) {
    throw new TerseError(
      `Malformed time argument ${time}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp, or a specified long format timestamp`,
    );
  }
  return { timestamp: Number(time) };
}

/** --topic and --partitions (Kafka's TopicFilterAndPartitionFilter with a partition set). */
function topicAndPartitions(topic: string | null, partitions: string | null): PartitionFilter {
  const topics = includeList(topic ?? '.*');
  let ids: Set<number> | null = null;
  if (partitions) {
    const parts = partitions.split(',');
    if (!parts.every((p) => /^[-+]?\d+$/.test(p))) {
      throw new TerseError(`--partitions expects a comma separated list of numeric partition ids, but received: ${partitions}`);
    }
    ids = new Set(parts.map(Number));
  }
  return { topic: (name) => topics.test(name), partition: (name, p) => topics.test(name) && (ids === null || ids.has(p)) };
}

/** --topic-partitions: any rule may match (Kafka's CompositeTopicPartitionFilter). */
function topicPartitionRules(spec: string): PartitionFilter {
  const pattern = new RegExp(`^${TOPIC_PARTITION_PATTERN}$`);
  const rules = spec.split(',').map((rule) => {
    const m = pattern.exec(rule);
    if (!m) throw new TerseError(`Invalid rule specification: ${rule}`);
    const group = (i: number) => (m[i] ? m[i] : null);
    const topics = includeList(group(1) ?? '.*');
    const exact = group(2);
    const lower = group(3) === null ? 0 : Number(group(3));
    const upper = group(4) === null ? 2 ** 31 - 1 : Number(group(4));
    return { topics, accepts: (p: number) => (exact !== null ? p === Number(exact) : p >= lower && p < upper) };
  });
  return {
    topic: (name) => rules.some((r) => r.topics.test(name)),
    partition: (name, p) => rules.some((r) => r.topics.test(name) && r.accepts(p)),
  };
}

export async function getOffsets(args: string[], output: CommandOutput = stdio): Promise<number> {
  const options = parseCommandLine(PARSER, args, (o) => checkArgs(args, o), output.err);
  if (typeof options === 'number') return options;
  const admin = toolAdmin(options, 'GetOffsetShell');
  try {
    for (const line of await fetchOffsets(options, admin, output)) output.out(`${line}\n`);
    return 0;
  } catch (error) {
    output.err(`Error occurred: ${javaMessage(error)}\n`);
    return 1;
  } finally {
    await admin.close();
  }
}

function checkArgs(args: readonly string[], options: ParsedOptions): void {
  if (args.length === 0 || options.has('help')) throw new HelpRequested(USAGE_TEXT);
  checkRequired(options, 'bootstrap-server');
}

async function fetchOffsets(options: ParsedOptions, admin: ReturnType<typeof toolAdmin>, output: CommandOutput): Promise<string[]> {
  if (options.has('topic-partitions') && (options.has('topic') || options.has('partitions'))) {
    throw new TerseError('--topic-partitions cannot be used with --topic or --partitions');
  }
  const spec = parseOffsetSpec(options.valueOf('time') ?? 'latest');
  const filter = options.has('topic-partitions')
    ? topicPartitionRules(options.valueOf('topic-partitions')!)
    : topicAndPartitions(options.valueOf('topic'), options.valueOf('partitions'));
  const topics = (await admin.listTopics({ listInternal: !options.has('exclude-internal-topics') })).filter((t) => filter.topic(t));
  const descriptions = topics.length === 0 ? [] : await admin.describeTopics(topics);
  const partitions = descriptions
    .flatMap((d) => d.partitions.map((p) => ({ topic: d.name, partition: p.partition })))
    .filter((tp) => filter.partition(tp.topic, tp.partition));
  if (partitions.length === 0) throw new TerseError('Could not match any topic-partitions with the specified filters');
  const outcomes = await admin.listOffsets(partitions.map((tp) => ({ ...tp, spec }))).settled();
  const lines: Array<[string, string]> = [];
  outcomes.forEach((outcome, i) => {
    const { topic, partition } = partitions[i]!;
    const name = `${topic}-${partition}`;
    if (!outcome.ok) {
      if (!(outcome.error instanceof KafkaClientError)) throw outcome.error;
      output.err(
        `Skip getting offsets for topic-partition ${name} due to error: ${javaExceptionClass(outcome.error)}: ${partitionErrorMessage(outcome.error)}\n`,
      );
    } else if (outcome.value.offset !== -1) {
      lines.push([name, `${topic}:${partition}:${outcome.value.offset}`]);
    }
  });
  // Kafka sorts by the partition's name as a string ("t-10" before "t-2").
  return lines.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, line]) => line);
}
