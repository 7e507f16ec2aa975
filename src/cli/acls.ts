// `samsa acls`: kafka-acls.sh for samsa, with its options and its output —
// add, remove and list ACL bindings, the --producer and --consumer shorthands
// included, through the brokers (--bootstrap-server) or ZooKeeper
// (--authorizer-properties): `acls-services.ts`.

import { createInterface } from 'node:readline';
import {
  type AccessControlEntry,
  type AclBinding,
  type AclBindingFilter,
  AclOperation,
  AclPermissionType,
  aclName,
  CLUSTER_NAME,
  formatAccessControlEntry,
  formatResourcePattern,
  PatternType,
  type ResourcePattern,
  ResourceType,
  SUPPORTED_OPERATIONS,
  WILDCARD_HOST,
} from '../protocol/acl.js';
import { checkArgs, type ParsedOptions, parseArgs, parseOperation, patternTypeOf, UsageError, usage } from './acls-options.js';
import { type AclCommandService, aclService } from './acls-services.js';

export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
  /** Asks a yes/no question; resolves to the answer line. */
  ask?(question: string): Promise<string>;
}

const stdio: CommandOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  ask: (question) =>
    new Promise((resolve) => {
      process.stdout.write(`${question}\n`);
      const rl = createInterface({ input: process.stdin });
      rl.once('line', (line) => {
        rl.close();
        resolve(line);
      });
      rl.once('close', () => resolve(''));
    }),
};

/** A pattern with a possibly open pattern type (ANY or MATCH when listing or removing). */
type PatternFilter = AclBindingFilter['pattern'];

export async function acls(args: string[], output: CommandOutput = stdio): Promise<number> {
  let options: ParsedOptions;
  try {
    options = parseArgs(args);
    checkArgs(args, options, output.err);
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`${error.message}\n${usage()}\n`);
      return 1;
    }
    throw error;
  }
  let service: AclCommandService | undefined;
  try {
    service = aclService(options, output.err);
    if (options.has('add')) await addAcls(service, options, output);
    else if (options.has('remove')) await removeAcls(service, options, output);
    else await listAcls(service, options, output);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`${error.message}\n${usage()}\n`);
      return 1;
    }
    output.out(`Error while executing ACL command: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await service?.close();
  }
}

/** The resources the options name, each with the pattern type asked for. */
function resourcesOf(options: ParsedOptions): PatternFilter[] {
  const patternType = patternTypeOf(options);
  const named = (type: number, option: string) => options.valuesOf(option).map((name) => ({ resourceType: type, name, patternType }));
  const out = [
    ...named(ResourceType.TOPIC, 'topic'),
    ...named(ResourceType.GROUP, 'group'),
    ...named(ResourceType.TRANSACTIONAL_ID, 'transactional-id'),
    ...named(ResourceType.DELEGATION_TOKEN, 'delegation-token'),
    ...named(ResourceType.USER, 'user-principal'),
  ];
  if (options.has('cluster')) out.push({ resourceType: ResourceType.CLUSTER, name: CLUSTER_NAME, patternType });
  return out;
}

function requireResources(resources: readonly PatternFilter[]): void {
  if (resources.length === 0)
    throw new UsageError('You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>');
}

/** The entries --allow-principal/--deny-principal with their hosts name, for `operations`. */
function entriesFor(options: ParsedOptions, operations: readonly number[]): AccessControlEntry[] {
  const entries: AccessControlEntry[] = [];
  const add = (principalOption: string, hostOption: string, permissionType: number) => {
    const principals = options.valuesOf(principalOption);
    if (principals.length === 0) return;
    const hosts = options.has(hostOption) ? options.valuesOf(hostOption) : [WILDCARD_HOST];
    for (const principal of principals)
      for (const host of hosts) for (const operation of operations) entries.push({ principal, host, operation, permissionType });
  };
  add('allow-principal', 'allow-host', AclPermissionType.ALLOW);
  add('deny-principal', 'deny-host', AclPermissionType.DENY);
  return entries;
}

/** Each resource with the entries to add or remove: --producer/--consumer's operations per resource type, else --operation (All by default). */
function bindingsOf(options: ParsedOptions, resources: readonly PatternFilter[]): Array<{ pattern: ResourcePattern; entries: AccessControlEntry[] }> {
  const out: Array<{ pattern: ResourcePattern; entries: AccessControlEntry[] }> = [];
  const push = (pattern: PatternFilter, operations: readonly number[]) =>
    out.push({ pattern: { ...pattern, name: pattern.name! }, entries: entriesFor(options, operations) });
  if (options.has('producer') || options.has('consumer')) {
    for (const r of resources) {
      const ops: number[] = [];
      if (r.resourceType === ResourceType.TOPIC) {
        if (options.has('producer')) ops.push(AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.CREATE);
        if (options.has('consumer')) ops.push(AclOperation.READ, AclOperation.DESCRIBE);
      } else if (r.resourceType === ResourceType.TRANSACTIONAL_ID && options.has('producer')) ops.push(AclOperation.WRITE, AclOperation.DESCRIBE);
      else if (r.resourceType === ResourceType.GROUP && options.has('consumer')) ops.push(AclOperation.READ);
      if (ops.length > 0) push(r, [...new Set(ops)]);
    }
    if (options.has('idempotent'))
      push({ resourceType: ResourceType.CLUSTER, name: CLUSTER_NAME, patternType: PatternType.LITERAL }, [AclOperation.IDEMPOTENT_WRITE]);
    return out;
  }
  const operations = options.has('operation') ? [...new Set(options.valuesOf('operation').map(parseOperation))] : [AclOperation.ALL];
  for (const r of resources) {
    const valid = [...(SUPPORTED_OPERATIONS.get(r.resourceType) ?? []), AclOperation.ALL];
    if (operations.some((op) => !valid.includes(op)))
      throw new UsageError(
        `ResourceType ${aclName(ResourceType, r.resourceType)} only supports operations ${valid.map((op) => camel(aclName(AclOperation, op))).join(', ')}`,
      );
    push(r, operations);
  }
  return out;
}

function camel(name: string): string {
  return name.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

async function addAcls(service: AclCommandService, options: ParsedOptions, output: CommandOutput): Promise<void> {
  const resources = resourcesOf(options);
  requireResources(resources);
  const planned = bindingsOf(options, resources);
  if (planned.some((p) => p.entries.length === 0))
    throw new UsageError('You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.');
  for (const { pattern, entries } of planned) {
    if (entries.length === 0) continue;
    output.out(`Adding ACLs for resource \`${formatResourcePattern(pattern)}\`: \n ${entries.map((e) => `\t${formatAccessControlEntry(e)}`).join('\n')} \n\n`);
    for (const error of await service.createAcls(entries.map((entry): AclBinding => ({ pattern, entry }))))
      output.out(`Error while adding ACLs: ${error.message}\n`);
  }
  await listAcls(service, options, output);
}

async function removeAcls(service: AclCommandService, options: ParsedOptions, output: CommandOutput): Promise<void> {
  const resources = resourcesOf(options);
  requireResources(resources);
  const filterOf = (pattern: PatternFilter, entry?: AccessControlEntry): AclBindingFilter => ({
    pattern,
    entry: entry ?? { principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY },
  });
  const withPrincipals = options.has('allow-principal') || options.has('deny-principal');
  for (const { pattern, entries } of bindingsOf(options, resources)) {
    const shownFilter = `ResourcePatternFilter(resourceType=${aclName(ResourceType, pattern.resourceType)}, name=${pattern.name}, patternType=${aclName(PatternType, pattern.patternType)})`;
    if (!withPrincipals) {
      if (!(await confirm(options, output, `Are you sure you want to delete all ACLs for resource filter \`${shownFilter}\`? (y/n)`))) continue;
      await service.deleteAcls([filterOf(pattern)]);
    } else {
      const listed = entries.map((e) => `\t${formatAccessControlEntry(e)}`).join('\n');
      if (!(await confirm(options, output, `Are you sure you want to remove ACLs: \n ${listed} \n from resource filter \`${shownFilter}\`? (y/n)`))) continue;
      await service.deleteAcls(entries.map((e) => filterOf(pattern, e)));
    }
  }
  await listAcls(service, options, output);
}

async function confirm(options: ParsedOptions, output: CommandOutput, question: string): Promise<boolean> {
  if (options.has('force')) return true;
  const answer = output.ask ? await output.ask(question) : '';
  return answer.trim().toLowerCase() === 'y';
}

/** Prints the bindings of each resource asked for (or of every resource), grouped by resource pattern, as Kafka's tool. */
async function listAcls(service: AclCommandService, options: ParsedOptions, output: CommandOutput): Promise<void> {
  const resources = resourcesOf(options);
  const filters: AclBindingFilter[] = (resources.length > 0 ? resources : [{ resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY }]).map(
    (pattern) => ({ pattern, entry: { principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY } }),
  );
  const byPattern = new Map<string, { pattern: ResourcePattern; entries: AccessControlEntry[] }>();
  for (const b of await service.describeAcls(filters)) {
    const key = formatResourcePattern(b.pattern);
    let group = byPattern.get(key);
    if (!group) byPattern.set(key, (group = { pattern: b.pattern, entries: [] }));
    if (!group.entries.some((e) => formatAccessControlEntry(e) === formatAccessControlEntry(b.entry))) group.entries.push(b.entry);
  }
  const principals = options.valuesOf('principal');
  if (principals.length === 0) {
    for (const { pattern, entries } of byPattern.values()) printCurrent(output, pattern, entries);
    return;
  }
  for (const principal of principals) {
    output.out(`ACLs for principal \`${principal}\`\n`);
    for (const { pattern, entries } of byPattern.values()) {
      const own = entries.filter((e) => e.principal === principal);
      if (own.length > 0) printCurrent(output, pattern, own);
    }
  }
}

function printCurrent(output: CommandOutput, pattern: ResourcePattern, entries: readonly AccessControlEntry[]): void {
  output.out(`Current ACLs for resource \`${formatResourcePattern(pattern)}\`: \n ${entries.map((e) => `\t${formatAccessControlEntry(e)}`).join('\n')} \n\n`);
}
