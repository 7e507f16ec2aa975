// The command line of `samsa consumer-groups`: kafka-consumer-groups.sh's
// options, read the way its option parser (jopt-simple) reads them, and the
// checks Kafka's ConsumerGroupCommandOptions makes before anything connects.
import { checkInvalid, HelpRequested, OptionParser, type OptionSpec, type ParsedOptions, shown, UsageError } from './command-options.js';

export { HelpRequested, type ParsedOptions, UsageError };

const SPECS: readonly OptionSpec[] = [
  { name: 'all-groups', arg: 'none', doc: 'Apply to all consumer groups.' },
  { name: 'all-topics', arg: 'none', doc: 'Consider all topics assigned to a group in the `reset-offsets` process.' },
  { name: 'bootstrap-server', arg: 'required', argLabel: 'String: server to connect to', doc: 'REQUIRED: The server(s) to connect to.' },
  {
    name: 'command-config',
    arg: 'required',
    argLabel: 'String: command config property file',
    doc: 'Property file containing configs to be passed to Admin Client and Consumer.',
  },
  {
    name: 'by-duration',
    arg: 'required',
    argLabel: 'String: duration',
    doc: "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'",
  },
  {
    name: 'delete',
    arg: 'none',
    doc: 'Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2',
  },
  { name: 'delete-offsets', arg: 'none', doc: 'Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics.' },
  { name: 'describe', arg: 'none', doc: 'Describe consumer group and list offset lag (number of messages not yet processed) related to given group.' },
  { name: 'dry-run', arg: 'none', doc: 'Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets.' },
  { name: 'execute', arg: 'none', doc: 'Execute operation. Supported operations: reset-offsets.' },
  { name: 'export', arg: 'none', doc: 'Export operation execution to a CSV file. Supported operations: reset-offsets.' },
  { name: 'from-file', arg: 'required', argLabel: 'String: path to CSV file', doc: 'Reset offsets to values defined in CSV file.' },
  { name: 'group', arg: 'required', argLabel: 'String: consumer group', doc: 'The consumer group we wish to act on.' },
  { name: 'help', arg: 'none', doc: 'Print usage information.' },
  { name: 'list', arg: 'none', doc: 'List all consumer groups.' },
  {
    name: 'members',
    arg: 'none',
    availableIf: ['describe'],
    doc: "Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only.",
  },
  {
    name: 'offsets',
    arg: 'none',
    availableIf: ['describe'],
    doc: "Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only.",
  },
  {
    name: 'reset-offsets',
    arg: 'none',
    doc: "Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive. Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. Additionally, the --export option is used to export the results to a CSV format. You must choose one of the following reset specifications: --to-datetime, --by-duration, --to-earliest, --to-latest, --shift-by, --from-file, --to-current, --to-offset. To define the scope use --all-topics or --topic. One scope must be specified unless you use '--from-file'.",
  },
  {
    name: 'shift-by',
    arg: 'required',
    argLabel: 'Long: number-of-offsets',
    type: 'long',
    doc: "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative.",
  },
  {
    name: 'state',
    arg: 'optional',
    argLabel: 'String',
    availableIf: ['describe', 'list'],
    doc: "When specified with '--describe', includes the state of the group. When specified with '--list', it displays the state of all groups. It can also be used to list groups with specific states (example: --list --state stable,empty).",
  },
  {
    name: 'timeout',
    arg: 'required',
    argLabel: 'Long: timeout (ms)',
    type: 'long',
    doc: 'The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes (default: 5000).',
  },
  { name: 'to-current', arg: 'none', doc: 'Reset offsets to current offset.' },
  { name: 'to-datetime', arg: 'required', argLabel: 'String: datetime', doc: "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'" },
  { name: 'to-earliest', arg: 'none', doc: 'Reset offsets to earliest offset.' },
  { name: 'to-latest', arg: 'none', doc: 'Reset offsets to latest offset.' },
  { name: 'to-offset', arg: 'required', argLabel: 'Long: offset', type: 'long', doc: 'Reset offsets to a specific offset.' },
  {
    name: 'topic',
    arg: 'required',
    argLabel: 'String: topic',
    doc: 'The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. Reset-offsets also supports multiple topic inputs.',
  },
  {
    name: 'type',
    arg: 'optional',
    argLabel: 'String',
    availableIf: ['list'],
    doc: "When specified with '--list', it displays the types of all the groups. It can also be used to list groups with specific types (example: --list --type classic,consumer).",
  },
  {
    name: 'verbose',
    arg: 'none',
    availableIf: ['describe'],
    doc: "Provide additional information, if any, when describing the group. This option may be used with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only.",
  },
];

const PARSER = new OptionParser(SPECS);

export const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets', 'delete-offsets'] as const;
export const RESET_SCENARIOS = ['to-offset', 'shift-by', 'to-datetime', 'by-duration', 'to-earliest', 'to-latest', 'to-current', 'from-file'] as const;

export const DESCRIPTION =
  'This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.';

/** Splits the words into options and their values, as jopt-simple does. */
export function parseArgs(args: readonly string[]): ParsedOptions {
  return PARSER.parse(args);
}

/**
 * The checks of Kafka's ConsumerGroupCommandOptions.checkArgs and of the
 * command's main (exactly one action), in Kafka's order. Returns the
 * warnings Kafka prints on stderr for a valid command line.
 */
export function checkArgs(args: readonly string[], options: ParsedOptions): string[] {
  const warnings: string[] = [];
  if (args.length === 0 || options.has('help')) throw new HelpRequested(DESCRIPTION);
  if (!options.has('bootstrap-server')) throw new UsageError(`Missing required argument "${shown('bootstrap-server')}"`);
  const groupScopes = `${shown('all-groups')}, ${shown('group')}`;

  if (options.has('describe')) {
    if (!options.has('group') && !options.has('all-groups')) throw new UsageError(`Option ${shown('describe')} takes one of these options: ${groupScopes}`);
    const exclusive = ['members', 'offsets', 'state'];
    if (exclusive.filter((o) => options.has(o)).length > 1) {
      throw new UsageError(`Option ${shown('describe')} takes at most one of these options: ${exclusive.map(shown).join(', ')}`);
    }
    if (options.has('state') && options.valueOf('state') !== null)
      throw new UsageError(`Option ${shown('describe')} does not take a value for ${shown('state')}`);
  }

  if (options.has('delete')) {
    if (!options.has('group') && !options.has('all-groups')) throw new UsageError(`Option ${shown('delete')} takes one of these options: ${groupScopes}`);
    if (options.has('topic')) throw new UsageError('The consumer does not support topic-specific offset deletion from a consumer group.');
  }

  if (options.has('delete-offsets')) {
    if (!options.has('group') || !options.has('topic'))
      throw new UsageError(`Option ${shown('delete-offsets')} takes the following options: ${shown('group')}, ${shown('topic')}`);
  }

  if (options.has('reset-offsets')) {
    if (options.has('dry-run') && options.has('execute'))
      throw new UsageError(`Option ${shown('reset-offsets')} only accepts one of ${shown('execute')} and ${shown('dry-run')}`);
    if (!options.has('dry-run') && !options.has('execute')) {
      warnings.push(
        'WARN: No action will be performed as the --execute option is missing.' +
          'In a future major release, the default behavior of this command will be to prompt the user before ' +
          'executing the reset rather than doing a dry run. You should add the --dry-run option explicitly ' +
          'if you are scripting this command and want to keep the current default behavior without prompting.',
      );
    }
    if (!options.has('group') && !options.has('all-groups'))
      throw new UsageError(`Option ${shown('reset-offsets')} takes one of these options: ${groupScopes}`);
    for (const scenario of RESET_SCENARIOS)
      checkInvalid(
        options,
        scenario,
        RESET_SCENARIOS.filter((s) => s !== scenario),
      );
    if (!RESET_SCENARIOS.some((s) => options.has(s))) {
      throw new UsageError(`Option '${shown('reset-offsets')}' requires one of the following scenarios: [${RESET_SCENARIOS.map(shown).join(', ')}]`);
    }
    if (!options.has('all-topics') && !options.has('topic') && !options.has('from-file')) {
      throw new UsageError('One of the reset scopes should be defined: --all-topics, --topic.');
    }
  }

  checkInvalid(options, 'group', ['all-groups']);
  checkInvalid(options, 'group', ['list']);
  checkInvalid(options, 'topic', ['list', 'describe']);

  if (ACTIONS.filter((a) => options.has(a)).length !== 1) {
    throw new UsageError(`Command must include exactly one action: ${ACTIONS.map((a) => `--${a}`).join(', ')}`);
  }
  return warnings;
}

/** The option table jopt-simple prints as the usage. */
export function usage(): string {
  return PARSER.usage();
}
