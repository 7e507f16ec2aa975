// Kafka's ACL model (org.apache.kafka.common.acl and .resource): the codes the
// ACL APIs carry, bindings of a resource pattern to an access control entry,
// and the filters DescribeAcls and DeleteAcls match bindings with. Shared by
// the broker's authorizer, the Admin client and the CLI.

/** ResourceType codes. */
export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;

/** PatternType codes: LITERAL and PREFIXED name bindings; ANY and MATCH only filter. */
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;

/** AclOperation codes. */
export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;

/** AclPermissionType codes. */
export const AclPermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The operations each resource type supports (Kafka's AclEntry.supportedOperations); ALL besides. */
export const SUPPORTED_OPERATIONS: ReadonlyMap<number, readonly number[]> = new Map([
  [
    ResourceType.TOPIC,
    [
      AclOperation.READ,
      AclOperation.WRITE,
      AclOperation.CREATE,
      AclOperation.DESCRIBE,
      AclOperation.DELETE,
      AclOperation.ALTER,
      AclOperation.DESCRIBE_CONFIGS,
      AclOperation.ALTER_CONFIGS,
    ],
  ],
  [ResourceType.GROUP, [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE]],
  [
    ResourceType.CLUSTER,
    [
      AclOperation.CREATE,
      AclOperation.CLUSTER_ACTION,
      AclOperation.DESCRIBE_CONFIGS,
      AclOperation.ALTER_CONFIGS,
      AclOperation.IDEMPOTENT_WRITE,
      AclOperation.ALTER,
      AclOperation.DESCRIBE,
    ],
  ],
  [ResourceType.TRANSACTIONAL_ID, [AclOperation.DESCRIBE, AclOperation.WRITE]],
  [ResourceType.DELEGATION_TOKEN, [AclOperation.DESCRIBE]],
  [ResourceType.USER, [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS]],
]);

/** The resource name matching every resource of a type, and the principal and host matching everyone. */
export const WILDCARD_RESOURCE = '*';
export const WILDCARD_PRINCIPAL = 'User:*';
export const WILDCARD_HOST = '*';
/** The one name of the CLUSTER resource. */
export const CLUSTER_NAME = 'kafka-cluster';

export interface ResourcePattern {
  readonly resourceType: number;
  readonly name: string;
  readonly patternType: number;
}

export interface AccessControlEntry {
  /** `Type:name`, like `User:alice`, or `User:*`. */
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

export interface AclBinding {
  readonly pattern: ResourcePattern;
  readonly entry: AccessControlEntry;
}

/** Null name, principal or host matches any; ANY codes match any; pattern type MATCH matches the bindings that apply to the named resource. */
export interface AclBindingFilter {
  readonly pattern: { readonly resourceType: number; readonly name: string | null; readonly patternType: number };
  readonly entry: { readonly principal: string | null; readonly host: string | null; readonly operation: number; readonly permissionType: number };
}

/** A code's name in one of the tables above (`TOPIC`, `READ`), or UNKNOWN. */
export function aclName(table: Readonly<Record<string, number>>, code: number): string {
  return Object.keys(table).find((k) => table[k] === code) ?? 'UNKNOWN';
}

/** A name's code in a table, as Kafka parses them: any case, with or without underscores (`DescribeConfigs`, `describe_configs`); UNKNOWN when none. */
export function aclCode(table: Readonly<Record<string, number>>, name: string): number {
  const wanted = name.replace(/[_-]/g, '').toUpperCase();
  const key = Object.keys(table).find((k) => k.replace(/_/g, '') === wanted);
  return key === undefined ? 0 : table[key]!;
}

/** Kafka's camel-case name of a code (`DescribeConfigs`, `TransactionalId`), as the ZooKeeper ACL znodes spell it. */
export function aclCamelName(table: Readonly<Record<string, number>>, code: number): string {
  return aclName(table, code)
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** Whether `filter` matches `binding` (Kafka's AclBindingFilter.matches). */
export function filterMatches(filter: AclBindingFilter, binding: AclBinding): boolean {
  return patternFilterMatches(filter.pattern, binding.pattern) && entryFilterMatches(filter.entry, binding.entry);
}

function patternFilterMatches(filter: AclBindingFilter['pattern'], pattern: ResourcePattern): boolean {
  if (filter.resourceType !== ResourceType.ANY && filter.resourceType !== pattern.resourceType) return false;
  const anyPattern = filter.patternType === PatternType.ANY || filter.patternType === PatternType.MATCH;
  if (!anyPattern && filter.patternType !== pattern.patternType) return false;
  if (filter.name === null) return true;
  if (filter.patternType !== PatternType.MATCH) return filter.name === pattern.name;
  return patternApplies(pattern, filter.name);
}

function entryFilterMatches(filter: AclBindingFilter['entry'], entry: AccessControlEntry): boolean {
  if (filter.principal !== null && filter.principal !== entry.principal) return false;
  if (filter.host !== null && filter.host !== entry.host) return false;
  if (filter.operation !== AclOperation.ANY && filter.operation !== entry.operation) return false;
  return filter.permissionType === AclPermissionType.ANY || filter.permissionType === entry.permissionType;
}

/** Whether a binding's pattern covers the resource named `name`: the literal name, the literal wildcard, or a prefix of it. */
export function patternApplies(pattern: ResourcePattern, name: string): boolean {
  if (pattern.patternType === PatternType.LITERAL) return pattern.name === name || pattern.name === WILDCARD_RESOURCE;
  if (pattern.patternType === PatternType.PREFIXED) return name.startsWith(pattern.name);
  return false;
}

/** What is wrong with a binding CreateAcls was asked for, as Kafka's authorizer words it, or undefined when it is valid. */
export function invalidBindingReason(b: AclBinding): string | undefined {
  const { pattern, entry } = b;
  if (pattern.resourceType <= ResourceType.ANY || pattern.resourceType > ResourceType.USER) return `Invalid resourceType ${pattern.resourceType}`;
  if (pattern.patternType !== PatternType.LITERAL && pattern.patternType !== PatternType.PREFIXED) return `Invalid patternType ${pattern.patternType}`;
  if (pattern.name === '') return 'Resource name should not be empty';
  if (pattern.resourceType === ResourceType.CLUSTER && pattern.name !== CLUSTER_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  if (entry.operation <= AclOperation.ANY || entry.operation > AclOperation.DESCRIBE_TOKENS) return `Invalid operation ${entry.operation}`;
  if (entry.permissionType !== AclPermissionType.ALLOW && entry.permissionType !== AclPermissionType.DENY)
    return `Invalid permissionType ${entry.permissionType}`;
  const colon = entry.principal.indexOf(':');
  if (colon <= 0) return `Could not parse principal from \`${entry.principal}\` (no colon is present separating the principal type from the principal name)`;
  if (entry.host === '') return 'Invalid host: the host should not be empty';
  return undefined;
}

/** `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`, as Kafka prints it. */
export function formatResourcePattern(p: ResourcePattern): string {
  return `ResourcePattern(resourceType=${aclName(ResourceType, p.resourceType)}, name=${p.name}, patternType=${aclName(PatternType, p.patternType)})`;
}

/** `(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)`, as Kafka prints it. */
export function formatAccessControlEntry(e: AccessControlEntry): string {
  return `(principal=${e.principal}, host=${e.host}, operation=${aclName(AclOperation, e.operation)}, permissionType=${aclName(AclPermissionType, e.permissionType)})`;
}

/** A key equal for equal bindings. */
export function bindingKey(b: AclBinding): string {
  const { pattern: p, entry: e } = b;
  return `${p.resourceType}\0${p.patternType}\0${p.name}\0${e.principal}\0${e.host}\0${e.operation}\0${e.permissionType}`;
}
