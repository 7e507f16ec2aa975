// The command line of `samsa acls`: kafka-acls.sh's options, read as its
// option parser (jopt-simple) reads them, and the checks Kafka's
// AclCommandOptions makes before anything connects. Kafka 3.x's, which has
// both ways in: --bootstrap-server (the brokers) and --authorizer-properties
// (ZooKeeper, through the authorizer).
import { AclOperation, aclCode, aclName, PatternType } from '../protocol/acl.js';
import { checkRequired, HelpRequested, OptionParser, type OptionSpec, type ParsedOptions, shown, UsageError } from './command-options.js';

export { HelpRequested, type ParsedOptions, UsageError };

const SPECS: readonly OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argLabel: 'String: server to connect to',
    doc: 'A list of host/port pairs to use for establishing the connection.',
  },
  { name: 'command-config', arg: 'required', argLabel: 'String: command-config', doc: 'A property file containing configs to be passed to Admin Client.' },
  {
    name: 'authorizer',
    arg: 'required',
    argLabel: 'String: authorizer',
    doc: 'DEPRECATED: Fully qualified class name of the authorizer, which defaults to kafka.security.authorizer.AclAuthorizer if --bootstrap-server is not provided.',
  },
  {
    name: 'authorizer-properties',
    arg: 'required',
    argLabel: 'String: authorizer-properties',
    doc: 'DEPRECATED: The properties required to configure an instance of the Authorizer specified by --authorizer. These are key=val pairs. For the default authorizer, example values are: zookeeper.connect=localhost:2181.',
  },
  {
    name: 'zk-tls-config-file',
    arg: 'required',
    argLabel: 'String: Authorizer ZooKeeper TLS configuration',
    doc: "DEPRECATED: ZooKeeper client TLS properties for the authorizer. Not supported: samsa's ZooKeeper client connects without TLS.",
  },
  { name: 'add', arg: 'none', doc: 'Indicates you are trying to add ACLs.' },
  { name: 'remove', arg: 'none', doc: 'Indicates you are trying to remove ACLs.' },
  { name: 'list', arg: 'none', doc: 'List ACLs for the specified resource, use --topic <topic> or --group <group> or --cluster to specify a resource.' },
  {
    name: 'topic',
    arg: 'required',
    argLabel: 'String: topic',
    doc: "topic to which ACLs should be added or removed. A value of '*' indicates ACL should apply to all topics.",
  },
  { name: 'cluster', arg: 'none', doc: 'Add/Remove cluster ACLs.' },
  {
    name: 'group',
    arg: 'required',
    argLabel: 'String: group',
    doc: "Consumer Group to which the ACLs should be added or removed. A value of '*' indicates the ACLs should apply to all groups.",
  },
  {
    name: 'transactional-id',
    arg: 'required',
    argLabel: 'String: transactional-id',
    doc: "The transactionalId to which ACLs should be added or removed. A value of '*' indicates the ACLs should apply to all transactionalIds.",
  },
  {
    name: 'delegation-token',
    arg: 'required',
    argLabel: 'String: delegation-token',
    doc: "Delegation token to which ACLs should be added or removed. A value of '*' indicates ACL should apply to all tokens.",
  },
  {
    name: 'user-principal',
    arg: 'required',
    argLabel: 'String: user-principal',
    doc: 'Specifies a user principal as a resource in relation with the operation.',
  },
  {
    name: 'resource-pattern-type',
    arg: 'required',
    argLabel: 'ANY|MATCH|LITERAL|PREFIXED',
    doc: "The type of the resource pattern or pattern filter. When adding acls, this should be a specific pattern type, e.g. 'literal' or 'prefixed'. When listing or removing acls, a specific pattern type can be used to list or remove acls from specific resource patterns, or use the filter values of 'any' or 'match', where 'any' will match any pattern type, but will match the resource name exactly, where as 'match' will perform pattern matching to list or remove all acls that affect the supplied resource(s). (default: LITERAL)",
  },
  { name: 'operation', arg: 'required', argLabel: 'String', doc: 'Operation that is being allowed or denied. (default: All)' },
  {
    name: 'allow-principal',
    arg: 'required',
    argLabel: 'String',
    doc: 'principal is in principalType:name format. User:* is the wildcard indicating all users.',
  },
  {
    name: 'deny-principal',
    arg: 'required',
    argLabel: 'String',
    doc: 'principal is in principalType:name format. By default anyone not added through --allow-principal is denied.',
  },
  { name: 'principal', arg: 'required', argLabel: 'String', doc: 'List ACLs for the specified principal. principal is in principalType:name format.' },
  {
    name: 'allow-host',
    arg: 'required',
    argLabel: 'String',
    doc: 'Host from which principals listed in --allow-principal will have access. (default: * when --allow-principal is given)',
  },
  {
    name: 'deny-host',
    arg: 'required',
    argLabel: 'String',
    doc: 'Host from which principals listed in --deny-principal will be denied access. (default: * when --deny-principal is given)',
  },
  { name: 'producer', arg: 'none', doc: 'Convenience option to add/remove ACLs for producer role: WRITE, DESCRIBE and CREATE on topic.' },
  { name: 'consumer', arg: 'none', doc: 'Convenience option to add/remove ACLs for consumer role: READ and DESCRIBE on topic, READ on consumer-group.' },
  { name: 'idempotent', arg: 'none', doc: 'Enable idempotence for the producer. This should be used in combination with the --producer option.' },
  { name: 'force', arg: 'none', doc: 'Assume Yes to all queries and do not prompt.' },
  { name: 'help', arg: 'none', doc: 'Print usage information.' },
];

const PARSER = new OptionParser(SPECS);

export const DESCRIPTION = 'This tool helps to manage acls on kafka.';

/** Splits the words into options and their values: names or unambiguous prefixes, `--name value` or `--name=value`. */
export function parseArgs(args: readonly string[]): ParsedOptions {
  return PARSER.parse(args);
}

export function usage(): string {
  return PARSER.usage();
}

/** `--operation` values as Kafka's SecurityUtils.operation reads them (`Read`, `DescribeConfigs`, `describe_configs`). */
export function parseOperation(text: string): number {
  const code = aclCode(AclOperation, text);
  if (code === AclOperation.UNKNOWN || code === AclOperation.ANY) throw new UsageError(`Invalid operation: ${text}`);
  return code;
}

/** `--resource-pattern-type`: LITERAL by default. */
export function patternTypeOf(options: ParsedOptions): number {
  const text = options.valueOf('resource-pattern-type');
  if (text === null) return PatternType.LITERAL;
  const code = aclCode(PatternType, text);
  if (code === PatternType.UNKNOWN) throw new UsageError(`Unknown resource-pattern-type: ${text}`);
  return code;
}

/** What Kafka 3.x's tool prints on stderr when it goes to ZooKeeper through the authorizer. */
export const AUTHORIZER_DEPRECATION =
  'Warning: support for ACL configuration directly through the authorizer is deprecated and will be removed in a future release. Please use --bootstrap-server instead to set ACLs through the admin client.';

/** Kafka's AclCommandOptions.checkArgs, in its order; `warn` gets the authorizer's deprecation warning where Kafka prints it. */
export function checkArgs(args: readonly string[], options: ParsedOptions, warn: (text: string) => void = () => {}): void {
  if (args.length === 0 || options.has('help')) throw new HelpRequested(DESCRIPTION);
  if (options.has('bootstrap-server') && options.has('authorizer')) throw new UsageError('Only one of --bootstrap-server or --authorizer must be specified');
  if (!options.has('bootstrap-server')) {
    checkRequired(options, 'authorizer-properties');
    warn(`${AUTHORIZER_DEPRECATION}\n`);
  }
  if (options.has('command-config') && !options.has('bootstrap-server'))
    throw new UsageError('The --command-config option can only be used with --bootstrap-server option');
  if (options.has('authorizer-properties') && options.has('bootstrap-server'))
    throw new UsageError('The --authorizer-properties option can only be used with --authorizer option');
  if (options.has('zk-tls-config-file'))
    throw new UsageError(
      "--zk-tls-config-file is not supported: samsa's ZooKeeper client connects without TLS. Reach ZooKeeper without TLS, or the brokers with --bootstrap-server.",
    );
  const actions = ['add', 'remove', 'list'].filter((a) => options.has(a));
  if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --add, --remove. ');
  const invalid = (used: string, others: readonly string[]) => {
    if (!options.has(used)) return;
    for (const o of others) if (options.has(o)) throw new UsageError(`Option "${shown(used)}" can't be used with option "${shown(o)}"`);
  };
  invalid('list', ['producer', 'consumer', 'allow-host', 'allow-principal', 'deny-host', 'deny-principal']);
  invalid('producer', ['consumer']);
  invalid('consumer', ['producer']);
  if (options.has('producer') && !options.has('topic')) throw new UsageError('With --producer you must specify a --topic');
  if (options.has('idempotent') && !options.has('producer')) throw new UsageError('The --idempotent option is only available if --producer is set');
  if (options.has('consumer') && (!options.has('topic') || !options.has('group') || (!options.has('producer') && options.has('cluster'))))
    throw new UsageError('With --consumer you must specify a --topic and a --group and no --cluster option should be specified.');
  const patternType = patternTypeOf(options);
  if (options.has('add') && (patternType === PatternType.ANY || patternType === PatternType.MATCH))
    throw new UsageError(`A '--resource-pattern-type' value of '${aclName(PatternType, patternType)}' is not valid when adding acls.`);
  for (const p of [...options.valuesOf('allow-principal'), ...options.valuesOf('deny-principal'), ...options.valuesOf('principal')]) {
    if (p.indexOf(':') <= 0)
      throw new UsageError(`Could not parse principal from \`${p}\` (no colon is present separating the principal type from the principal name)`);
  }
}
