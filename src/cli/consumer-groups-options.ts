// The command line of `samsa consumer-groups`: kafka-consumer-groups.sh's
// options, read the way its option parser (jopt-simple) reads them, and the
// checks Kafka's ConsumerGroupCommandOptions makes before anything connects.

/** A command line Kafka would refuse: the message is printed above the usage and the command exits 1. */
export class UsageError extends Error {}

type ArgKind = 'none' | 'required' | 'optional';

interface OptionSpec {
  readonly name: string;
  readonly arg: ArgKind;
  /** How the argument is shown in the usage ("String: server to connect to"). */
  readonly argLabel?: string;
  /** The value must be a Java long. */
  readonly long?: boolean;
  readonly doc: string;
  /** Only allowed together with one of these options (jopt-simple's availableIf). */
  readonly availableIf?: readonly string[];
}

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
    long: true,
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
    long: true,
    doc: 'The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes (default: 5000).',
  },
  { name: 'to-current', arg: 'none', doc: 'Reset offsets to current offset.' },
  { name: 'to-datetime', arg: 'required', argLabel: 'String: datetime', doc: "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'" },
  { name: 'to-earliest', arg: 'none', doc: 'Reset offsets to earliest offset.' },
  { name: 'to-latest', arg: 'none', doc: 'Reset offsets to latest offset.' },
  { name: 'to-offset', arg: 'required', argLabel: 'Long: offset', long: true, doc: 'Reset offsets to a specific offset.' },
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

const BY_NAME = new Map(SPECS.map((s) => [s.name, s]));

export const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets', 'delete-offsets'] as const;
export const RESET_SCENARIOS = ['to-offset', 'shift-by', 'to-datetime', 'by-duration', 'to-earliest', 'to-latest', 'to-current', 'from-file'] as const;

export const DESCRIPTION =
  'This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.';

/** The parsed command line: each option given, with the values it was given (empty for flags; null for an optional argument left out). */
export class ParsedOptions {
  constructor(private readonly values: ReadonlyMap<string, ReadonlyArray<string | null>>) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The first value of an option (null when it has none). */
  valueOf(name: string): string | null {
    return this.values.get(name)?.[0] ?? null;
  }

  valuesOf(name: string): string[] {
    return (this.values.get(name) ?? []).filter((v): v is string => v !== null);
  }

  longValueOf(name: string): number | null {
    const v = this.valueOf(name);
    return v === null ? null : Number(v);
  }
}

/** jopt-simple prints an option set as its list of names. */
function shown(name: string): string {
  return `[${name}]`;
}

/** The option a command-line word names: an exact name, or a prefix of exactly one (jopt-simple accepts abbreviations). */
function lookup(name: string): OptionSpec | undefined {
  const exact = BY_NAME.get(name);
  if (exact) return exact;
  const candidates = SPECS.filter((s) => s.name.startsWith(name));
  return candidates.length === 1 ? candidates[0] : undefined;
}

function looksLikeOption(word: string): boolean {
  return /^--?[^-\d]/.test(word) || word === '--';
}

const JAVA_LONG = /^[-+]?\d{1,19}$/;

/** Splits the words into options and their values, as jopt-simple does. */
export function parseArgs(args: readonly string[]): ParsedOptions {
  const values = new Map<string, Array<string | null>>();
  const add = (spec: OptionSpec, value: string | null) => {
    let list = values.get(spec.name);
    if (!list) values.set(spec.name, (list = []));
    if (spec.arg !== 'none') list.push(value);
  };
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (!word.startsWith('-') || word === '-' || word === '--') throw new UsageError(`${word} is not a recognized option`);
    const body = word.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    const spec = lookup(name);
    if (!spec) throw new UsageError(`${name} is not a recognized option`);
    let value: string | null = null;
    if (spec.arg === 'none') {
      if (inline !== undefined) throw new UsageError(`Option ${spec.name} does not take an argument`);
    } else if (inline !== undefined) {
      value = inline;
    } else if (spec.arg === 'required') {
      if (i + 1 >= args.length) throw new UsageError(`Option ${spec.name} requires an argument`);
      value = args[++i]!;
    } else if (i + 1 < args.length && !looksLikeOption(args[i + 1]!)) {
      value = args[++i]!;
    }
    if (spec.long && value !== null && !(JAVA_LONG.test(value) && Number.isSafeInteger(Number(value)))) {
      throw new UsageError(`Cannot parse argument '${value}' of option ${spec.name}`);
    }
    if (spec.arg === 'optional' && value === '') value = null;
    add(spec, value);
  }
  const options = new ParsedOptions(values);
  for (const spec of SPECS) {
    if (spec.availableIf && options.has(spec.name) && !spec.availableIf.some((o) => options.has(o))) {
      throw new UsageError(`Option(s) ${shown(spec.name)} are unavailable given other options on the command line`);
    }
  }
  return options;
}

function checkInvalid(options: ParsedOptions, used: string, invalid: readonly string[]): void {
  if (!options.has(used)) return;
  for (const other of invalid) {
    if (options.has(other)) throw new UsageError(`Option "${shown(used)}" can't be used with option "${shown(other)}"`);
  }
}

/** What is printed besides the usage when the command asks for help or gets no arguments. */
export class HelpRequested extends UsageError {}

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
  const width = 40;
  const lines = ['Option                                  Description', '------                                  -----------'];
  for (const spec of SPECS) {
    let left = `--${spec.name}`;
    if (spec.arg === 'required') left += ` <${spec.argLabel}>`;
    if (spec.arg === 'optional') left += ` [${spec.argLabel}]`;
    lines.push(left.length < width ? left.padEnd(width) + spec.doc : `${left}\n${' '.repeat(width)}${spec.doc}`);
  }
  return lines.join('\n');
}
