// The command line of `samsa configs`: kafka-configs.sh's options, and the
// checks Kafka's ConfigCommandOptions makes before anything connects.
import { checkInvalid, HelpRequested, OptionParser, type OptionSpec, type ParsedOptions, shown, UsageError } from './command-options.js';

/** A command line Kafka's tool refuses with its message alone (an IllegalArgumentException): printed on stderr, exit 1. */
export class ConfigCommandError extends Error {}

export const DESCRIPTION = 'This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip or client-metrics';

const SPECS: readonly OptionSpec[] = [
  {
    name: 'add-config',
    arg: 'required',
    argLabel: 'String',
    doc: "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'. Topic configs are those of `samsa topics`, broker configs those `samsa broker --help` lists as dynamic, user configs SCRAM-SHA-256 and SCRAM-SHA-512 credentials ('SCRAM-SHA-512=[iterations=8192,password=alice-secret]').",
  },
  {
    name: 'add-config-file',
    arg: 'required',
    argLabel: 'String',
    doc: 'Path to a properties file with configs to add. See add-config for a list of valid configurations.',
  },
  {
    name: 'all',
    arg: 'none',
    doc: 'List all configs for the given topic, broker, or broker-logger entity (includes static configuration when the entity type is brokers)',
  },
  { name: 'alter', arg: 'none', doc: 'Alter the configuration for the entity.' },
  {
    name: 'bootstrap-server',
    arg: 'required',
    argLabel: 'String: server to connect to',
    doc: 'The Kafka servers to connect to.',
  },
  { name: 'broker', arg: 'required', argLabel: 'String', doc: "The broker's ID." },
  { name: 'broker-defaults', arg: 'none', doc: 'The config defaults for all brokers.' },
  { name: 'broker-logger', arg: 'required', argLabel: 'String', doc: "The broker's ID for its logger config." },
  { name: 'client', arg: 'required', argLabel: 'String', doc: "The client's ID." },
  { name: 'client-defaults', arg: 'none', doc: 'The config defaults for all clients.' },
  {
    name: 'command-config',
    arg: 'required',
    argLabel: 'String: command config property file',
    doc: 'Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs.',
  },
  { name: 'delete-config', arg: 'required', argLabel: 'String', separator: ',', doc: "config keys to remove 'k1,k2'" },
  { name: 'describe', arg: 'none', doc: 'List configs for the given entity.' },
  { name: 'entity-default', arg: 'none', doc: 'Default entity name for clients/users/brokers/ips (applies to corresponding entity type in command line)' },
  { name: 'entity-name', arg: 'required', argLabel: 'String', doc: 'Name of entity (topic name/client id/user principal name/broker id/ip)' },
  { name: 'entity-type', arg: 'required', argLabel: 'String', doc: 'Type of entity (topics/clients/users/brokers/broker-loggers/ips)' },
  { name: 'force', arg: 'none', doc: 'Suppress console prompts' },
  { name: 'help', arg: 'none', doc: 'Print usage information.' },
  { name: 'topic', arg: 'required', argLabel: 'String', doc: "The topic's name." },
  { name: 'user', arg: 'required', argLabel: 'String', doc: "The user's principal name." },
  { name: 'user-defaults', arg: 'none', doc: 'The config defaults for all users.' },
];

/** The entity types kafka-configs.sh takes with --bootstrap-server. */
export const ENTITY_TYPES = ['topics', 'clients', 'users', 'brokers', 'ips', 'broker-loggers'] as const;

/** The shorthand flags naming an entity, with their type (Kafka's entityFlags, then entityDefaultsFlags). */
const ENTITY_FLAGS: ReadonlyArray<[string, string]> = [
  ['topic', 'topics'],
  ['client', 'clients'],
  ['user', 'users'],
  ['broker', 'brokers'],
  ['broker-logger', 'broker-loggers'],
];
const ENTITY_DEFAULT_FLAGS: ReadonlyArray<[string, string]> = [
  ['client-defaults', 'clients'],
  ['user-defaults', 'users'],
  ['broker-defaults', 'brokers'],
];

/** A checked kafka-configs.sh command line. */
export interface ConfigCommand {
  readonly options: ParsedOptions;
  readonly action: 'describe' | 'alter';
  readonly entityTypes: readonly string[];
  /** One per entity option, in order; "" for a default entity. */
  readonly entityNames: readonly string[];
}

const PARSER = new OptionParser(SPECS);

export function parseConfigArgs(args: readonly string[]): ParsedOptions {
  return PARSER.parse(args);
}

/** The entity types, as Kafka's ConfigCommandOptions.entityTypes gathers them. */
function entityTypesOf(options: ParsedOptions): string[] {
  return [...options.valuesOf('entity-type'), ...[...ENTITY_FLAGS, ...ENTITY_DEFAULT_FLAGS].filter(([flag]) => options.has(flag)).map(([, type]) => type)];
}

/** The entity names: --entity-name and --entity-default in the order given, then the shorthand flags'. */
function entityNamesOf(options: ParsedOptions): string[] {
  const names = options.valuesOf('entity-name');
  let next = 0;
  const out: string[] = [];
  for (const name of options.order) {
    if (name === 'entity-name') out.push(names[next++]!);
    else if (name === 'entity-default') out.push('');
  }
  for (const [flag] of ENTITY_FLAGS) if (options.has(flag)) out.push(options.valueOf(flag)!);
  for (const [flag] of ENTITY_DEFAULT_FLAGS) if (options.has(flag)) out.push('');
  return out;
}

/** The checks of Kafka's ConfigCommandOptions.checkArgs, in its order. */
export function checkConfigArgs(args: readonly string[], options: ParsedOptions): ConfigCommand {
  if (args.length === 0 || options.has('help')) throw new HelpRequested(DESCRIPTION);
  const actions = (['alter', 'describe'] as const).filter((a) => options.has(a));
  if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --describe, --alter');
  checkInvalid(options, 'alter', ['describe']);
  checkInvalid(options, 'describe', ['alter', 'add-config', 'delete-config']);

  const entityTypes = entityTypesOf(options);
  const duplicates = entityTypes.filter((t, i) => entityTypes.indexOf(t) !== i);
  if (duplicates.length > 0) throw new ConfigCommandError(`Duplicate entity type(s) specified: ${[...new Set(duplicates)].join(',')}`);
  for (const type of entityTypes) {
    if (!(ENTITY_TYPES as readonly string[]).includes(type))
      throw new ConfigCommandError(
        `Invalid entity type ${type}, the entity type must be one of ${ENTITY_TYPES.join(', ')} with a --bootstrap-server or --bootstrap-controller argument`,
      );
  }
  if (entityTypes.length === 0) throw new ConfigCommandError('At least one entity type must be specified');
  if (entityTypes.length > 1 && !(entityTypes.length === 2 && entityTypes.includes('users') && entityTypes.includes('clients')))
    throw new ConfigCommandError("Only 'users' and 'clients' entity types may be specified together");
  const flags = [...ENTITY_FLAGS, ...ENTITY_DEFAULT_FLAGS].map(([flag]) => flag);
  if ((options.has('entity-name') || options.has('entity-type') || options.has('entity-default')) && flags.some((f) => options.has(f)))
    throw new ConfigCommandError('--entity-{type,name,default} should not be used in conjunction with specific entity flags');

  const entityNames = entityNamesOf(options);
  const hasEntityName = entityNames.some((n) => n !== '');
  const hasEntityDefault = entityNames.some((n) => n === '');
  if (!options.has('bootstrap-server'))
    throw new ConfigCommandError('One of the required --bootstrap-server, --boostrap-controller, or --zookeeper arguments must be specified');
  if (hasEntityName && (entityTypes.includes('brokers') || entityTypes.includes('broker-loggers'))) {
    for (const id of ['entity-name', 'broker', 'broker-logger'].filter((o) => options.has(o)).map((o) => options.valueOf(o)!)) {
      if (!/^-?\d+$/.test(id) || !Number.isSafeInteger(Number(id)))
        throw new ConfigCommandError(`The entity name for ${entityTypes[0]} must be a valid integer broker id, but it is: ${id}`);
    }
  }
  if (options.has('describe') && entityTypes.includes('broker-loggers') && !hasEntityName)
    throw new ConfigCommandError(`an entity name must be specified with --describe of ${entityTypes.join(',')}`);
  if (options.has('alter')) {
    if (['users', 'clients', 'brokers', 'ips'].some((t) => entityTypes.includes(t))) {
      if (!hasEntityName && !hasEntityDefault)
        throw new ConfigCommandError('An entity-name or default entity must be specified with --alter of users, clients, brokers or ips');
    } else if (!hasEntityName) throw new ConfigCommandError(`An entity name must be specified with --alter of ${entityTypes.join(',')}`);
    if (options.has('add-config') && options.has('add-config-file'))
      throw new ConfigCommandError('Only one of --add-config or --add-config-file must be specified');
    if (!options.has('add-config') && !options.has('add-config-file') && !options.has('delete-config'))
      throw new ConfigCommandError('At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter');
    if (entityTypes.length !== entityNames.length) throw new ConfigCommandError('An entity name must be specified for every entity type');
  }
  return { options, action: actions[0]!, entityTypes, entityNames };
}

/** The option table jopt-simple prints as the usage. */
export function configsUsage(): string {
  return PARSER.usage();
}

export { HelpRequested, shown, UsageError };
