// The command line of `samsa topics`: kafka-topics.sh's options and the
// checks Kafka's TopicCommandOptions makes before anything connects.
import { checkInvalid, checkRequired, HelpRequested, OptionParser, type ParsedOptions, UsageError } from './command-options.js';

const CONFIGS_TOOL = ' (To alter topic configurations, the kafka-configs tool can be used.)';

export const TOPICS_PARSER = new OptionParser([
  {
    name: 'alter',
    arg: 'none',
    doc: `Alter the number of partitions and replica assignment.${CONFIGS_TOOL}`,
  },
  {
    name: 'at-min-isr-partitions',
    arg: 'none',
    doc: 'if set when describing topics, only show partitions whose isr count is equal to the configured minimum.',
  },
  { name: 'bootstrap-server', arg: 'required', argLabel: 'String: server to connect to', doc: 'REQUIRED: The Kafka server to connect to.' },
  {
    name: 'command-config',
    arg: 'required',
    argLabel: 'String: command config property file',
    doc: 'Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs.',
  },
  {
    name: 'config',
    arg: 'required',
    argLabel: 'String: name=value',
    doc: `A topic configuration override for the topic being created. See the Kafka documentation for full details on the topic configs. It is supported only in combination with --create.${CONFIGS_TOOL}`,
  },
  { name: 'create', arg: 'none', doc: 'Create a new topic.' },
  { name: 'delete', arg: 'none', doc: 'Delete a topic' },
  { name: 'describe', arg: 'none', doc: 'List details for the given topics.' },
  {
    name: 'exclude-internal',
    arg: 'none',
    doc: 'exclude internal topics when running list or describe command. The internal topics will be listed by default',
  },
  { name: 'help', arg: 'none', doc: 'Print usage information.' },
  {
    name: 'if-exists',
    arg: 'none',
    doc: 'if set when altering or deleting or describing topics, the action will only execute if the topic exists.',
  },
  {
    name: 'if-not-exists',
    arg: 'none',
    doc: 'if set when creating topics, the action will only execute if the topic does not already exist.',
  },
  { name: 'list', arg: 'none', doc: 'List all available topics.' },
  {
    name: 'partition-size-limit-per-response',
    arg: 'required',
    argLabel: 'Integer: maximum number of partitions per response',
    type: 'int',
    doc: 'The maximum partition size to be included in one DescribeTopicPartitions response.',
  },
  {
    name: 'partitions',
    arg: 'required',
    argLabel: 'Integer: # of partitions',
    type: 'int',
    doc: 'The number of partitions for the topic being created or altered (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected). If not supplied for create, defaults to the cluster default.',
  },
  {
    name: 'replica-assignment',
    arg: 'required',
    argLabel: 'String: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...',
    doc: 'A list of manual partition-to-broker assignments for the topic being created or altered.',
  },
  {
    name: 'replication-factor',
    arg: 'required',
    argLabel: 'Integer: replication factor',
    type: 'int',
    doc: 'The replication factor for each partition in the topic being created. If not supplied, defaults to the cluster default.',
  },
  {
    name: 'topic',
    arg: 'required',
    argLabel: 'String: topic',
    doc: 'The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option. Put topic name in double quotes and use the \'\\\' prefix to escape regular expression symbols; e.g. "test\\.topic".',
  },
  {
    name: 'topics-with-overrides',
    arg: 'none',
    doc: 'if set when describing topics, only show topics that have overridden configs',
  },
  {
    name: 'unavailable-partitions',
    arg: 'none',
    doc: 'if set when describing topics, only show partitions whose leader is not available',
  },
  {
    name: 'under-min-isr-partitions',
    arg: 'none',
    doc: 'if set when describing topics, only show partitions whose isr count is less than the configured minimum.',
  },
  {
    name: 'under-replicated-partitions',
    arg: 'none',
    doc: 'if set when describing topics, only show under replicated partitions',
  },
]);

const ACTIONS = ['create', 'list', 'alter', 'describe', 'delete'];
const REPORTS = ['under-replicated-partitions', 'under-min-isr-partitions', 'at-min-isr-partitions', 'unavailable-partitions'];

/** Every action but those named, in Kafka's order (its invalidOptions). */
function actionsBut(...allowed: string[]): string[] {
  return ['alter', 'create', 'describe', 'list', 'delete'].filter((a) => !allowed.includes(a));
}

/** A command line Kafka's tool refuses with only a message on stderr (an IllegalArgumentException before anything connects). */
export class ArgumentError extends Error {}

/** Kafka's TopicCommandOptions.checkArgs, in its order. */
export function checkTopicArgs(args: readonly string[], options: ParsedOptions): void {
  if (args.length === 0) throw new UsageError('Create, delete, describe, or change a topic.');
  if (options.has('help')) throw new HelpRequested('This tool helps to create, delete, describe, or change a topic.');
  if (options.countOf(ACTIONS) !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete');

  if (!options.has('bootstrap-server')) throw new ArgumentError('--bootstrap-server must be specified');
  if (options.has('describe') && options.has('if-exists') && !options.has('topic')) throw new UsageError('--topic is required to describe a topic');
  if (!options.has('list') && !options.has('describe')) checkRequired(options, 'topic');
  if (options.has('alter')) {
    if (options.has('config')) throw new UsageError(`Option combination "[bootstrap-server],[config]" can't be used with option "[alter]"${CONFIGS_TOOL}`);
    checkRequired(options, 'partitions');
  }

  checkInvalid(options, 'config', actionsBut('alter', 'create'));
  checkInvalid(options, 'partitions', actionsBut('alter', 'create'));
  checkInvalid(options, 'replication-factor', actionsBut('create'));
  checkInvalid(options, 'replica-assignment', actionsBut('alter', 'create'));
  if (options.has('create')) checkInvalid(options, 'replica-assignment', ['partitions', 'replication-factor']);
  for (const report of REPORTS) checkInvalid(options, report, [...actionsBut('describe'), 'topics-with-overrides']);
  checkInvalid(options, 'topics-with-overrides', [...actionsBut('describe'), ...REPORTS]);
  checkInvalid(options, 'if-exists', actionsBut('alter', 'delete', 'describe'));
  checkInvalid(options, 'if-not-exists', actionsBut('create'));
  checkInvalid(options, 'exclude-internal', actionsBut('list', 'describe'));
}

/** `1:2,3:4`: each partition's replicas, by partition (Kafka's parseReplicaAssignment). */
export function parseReplicaAssignment(text: string): number[][] {
  const partitions = text.split(',').map((part, i) => {
    const brokers = part.split(':').map((b) => {
      const id = Number(b.trim());
      if (!/^[-+]?\d+$/.test(b.trim()) || !Number.isSafeInteger(id)) throw new Error(`For input string: "${b.trim()}"`);
      return id;
    });
    const duplicates = [...new Set(brokers.filter((b, j) => brokers.indexOf(b) !== j))];
    if (duplicates.length > 0) throw new Error(`Partition replica lists may not contain duplicate entries: ${duplicates.join(',')}`);
    return { i, brokers };
  });
  for (const { i, brokers } of partitions) {
    if (brokers.length !== partitions[0]!.brokers.length) throw new Error(`Partition ${i} has different replication factor: [${brokers.join(', ')}]`);
  }
  return partitions.map((p) => p.brokers);
}

/** `--config k=v` values as a map (Kafka's parseTopicConfigsToBeAdded). */
export function parseTopicConfigs(values: readonly string[]): Record<string, string> {
  const pairs = values.map((v) => {
    // Java's String.split drops trailing empty strings: "k=" is one part.
    const parts = v.split(/\s*=\s*/);
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    return parts;
  });
  if (!pairs.every((p) => p.length === 2)) {
    throw new ArgumentError('requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".');
  }
  return Object.fromEntries(pairs.map(([k, v]) => [k!.trim(), v!.trim()]));
}
