// `samsa configs`: kafka-configs.sh on samsa's Admin. Describes and alters
// the configs of topics, brokers (one, or the cluster-wide default) and
// broker loggers, users' SCRAM credentials and the quotas of users and
// client ids, printing what Kafka 3.x's ConfigCommand prints.
import { readFileSync } from 'node:fs';
import { parseProperties } from '../broker/broker-config.js';
import { Admin } from '../clients/admin/admin.js';
import type { ConfigEntry, ConfigResource, ConfigResourceType, ConfigSource } from '../clients/admin/types.js';
import { KafkaApiError, kafkaErrorName } from '../clients/network/errors.js';
import { readCommandConfig } from './command-options.js';
import { type ConfigCommand, ConfigCommandError, checkConfigArgs, configsUsage, HelpRequested, parseConfigArgs, UsageError } from './configs-options.js';
import { alterQuotas, describeQuotas, QUOTA_KEYS } from './configs-quotas.js';

type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
const SCRAM_MECHANISMS: readonly string[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];
/** Kafka's ScramCredentialUtils default, and SCRAM's minimum (RFC 7677 asks for 4096). */
const DEFAULT_SCRAM_ITERATIONS = 4096;

const RESOURCE_TYPES: Readonly<Record<string, ConfigResourceType>> = { topics: 'topic', brokers: 'broker', 'broker-loggers': 'broker-logger' };
/** What describe shows without --all: the configs set at the resource's own level. */
const DYNAMIC_SOURCE: Readonly<Record<string, ConfigSource>> = { topic: 'DYNAMIC_TOPIC_CONFIG', broker: 'DYNAMIC_BROKER_CONFIG' };

type Print = (text: string) => void;

export async function configs(args: string[], out: Print = (t) => process.stdout.write(t), err: Print = (t) => process.stderr.write(t)): Promise<number> {
  let command: ConfigCommand;
  try {
    command = checkConfigArgs(args, parseConfigArgs(args));
  } catch (e) {
    if (e instanceof HelpRequested) {
      out(`${e.message}\n${configsUsage()}\n`);
      return args.length === 0 ? 1 : 0;
    }
    if (e instanceof UsageError) {
      err(`${e.message}\n${configsUsage()}\n`);
      return 1;
    }
    if (e instanceof ConfigCommandError) {
      err(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  let admin: Admin | undefined;
  try {
    admin = new Admin({
      // Kafka's tool waits 30 s for each call; --command-config may say otherwise.
      'default.api.timeout.ms': 30_000,
      'client.id': 'samsa-configs',
      ...readCommandConfig(command.options.valueOf('command-config')),
      'bootstrap.servers': command.options.valueOf('bootstrap-server')!,
    });
    const tool = new ConfigCommandRunner(admin, command, out);
    if (command.action === 'alter') await tool.alter();
    else await tool.describe();
    return 0;
  } catch (e) {
    if (e instanceof ConfigCommandError) {
      err(`${e.message}\n`);
      return 1;
    }
    // Kafka's tool prints the failed future's ExecutionException with the broker's error as its cause.
    err(`Error while executing config command with args '${args.join(' ')}'\n${javaException(e)}\n`);
    return 1;
  } finally {
    await admin?.close();
  }
}

class ConfigCommandRunner {
  constructor(
    private readonly admin: Admin,
    private readonly command: ConfigCommand,
    private readonly out: Print,
  ) {}

  private get entityType(): string {
    return this.command.entityTypes[0]!;
  }

  async describe(): Promise<void> {
    if (this.entityType === 'users' || this.entityType === 'clients') return this.describeUsers();
    if (this.entityType === 'ips') throw new ConfigCommandError('samsa does not support ip quotas yet');
    const all = this.command.options.has('all');
    const named = this.command.entityNames[0];
    const entities = named !== undefined ? [named] : await this.allEntities();
    for (const entity of entities) {
      if (entity === '' && this.entityType === 'brokers') this.out(`Default configs for ${this.entityType} in the cluster are:\n`);
      else this.out(`${all ? 'All' : 'Dynamic'} configs for ${this.entityType.slice(0, -1)} ${entity} are:\n`);
      for (const entry of await this.resourceConfig(entity, all)) {
        const synonyms = entry.synonyms.map((s) => `${s.source}:${s.name}=${s.value}`).join(', ');
        this.out(`  ${entry.name}=${entry.value} sensitive=${entry.isSensitive} synonyms={${synonyms}}\n`);
      }
    }
  }

  private async allEntities(): Promise<string[]> {
    if (this.entityType === 'topics') return this.admin.listTopics({ listInternal: true });
    const nodes = (await this.admin.describeCluster()).nodes.map((n) => String(n.id));
    return [...nodes, ''];
  }

  /** The entries of a resource: all of them with --all, else those set at its own level; sorted by name as Kafka's tool sorts them. */
  private async resourceConfig(entity: string, all: boolean): Promise<ConfigEntry[]> {
    const resource = this.resource(entity);
    const source = resource.type === 'broker' && entity === '' ? 'DYNAMIC_DEFAULT_BROKER_CONFIG' : DYNAMIC_SOURCE[resource.type];
    const [described] = await this.admin.describeConfigs([resource], { includeSynonyms: true });
    return described!.entries
      .filter((e) => all || source === undefined || e.source === source)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private resource(entity: string): ConfigResource {
    const type = RESOURCE_TYPES[this.entityType]!;
    if (type === 'broker' && entity !== '' && !/^-?\d+$/.test(entity))
      throw new ConfigCommandError(`The entity name for ${this.entityType} must be a valid integer broker id, found: ${entity}`);
    return { type, name: entity };
  }

  /** Quotas, then (for users alone, not their defaults) SCRAM credentials, as Kafka's tool lists them. */
  private async describeUsers(): Promise<void> {
    await describeQuotas(this.admin, this.command.entityTypes, this.command.entityNames, this.out);
    const names = this.command.entityNames;
    if (this.command.entityTypes.includes('clients') || names.includes('')) return;
    const users = names.length > 0 ? names : (await this.admin.describeUserScramCredentials()).map((u) => u.user);
    for (const user of users) {
      try {
        const [description] = await this.admin.describeUserScramCredentials([user]);
        const text = description!.credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ');
        this.out(`SCRAM credential configs for user-principal '${user}' are ${text}\n`);
      } catch (e) {
        if (!(e instanceof KafkaApiError)) throw e;
        this.out(`Error retrieving SCRAM credential configs for user-principal '${user}': ${javaException(e, false)}\n`);
      }
    }
  }

  async alter(): Promise<void> {
    const added = this.configsToAdd();
    const deleted = this.command.options.valuesOf('delete-config').map((k) => k.trim());
    const name = this.command.entityNames[0]!;
    switch (this.entityType) {
      case 'topics':
      case 'brokers':
      case 'broker-loggers': {
        const current = new Set((await this.resourceConfig(name, false)).map((e) => e.name));
        if (this.entityType === 'broker-loggers') {
          const invalidLoggers = [...deleted, ...Object.keys(added)].filter((k) => !current.has(k));
          if (invalidLoggers.length > 0) throw new ConfigCommandError(`Invalid broker logger(s): ${invalidLoggers.join(',')}`);
        }
        const invalid = deleted.filter((k) => !current.has(k));
        if (invalid.length > 0) throw new ConfigCommandError(`Invalid config(s): ${invalid.join(',')}`);
        const ops = [
          ...Object.entries(added).map(([key, value]) => ({ name: key, op: 'set' as const, value })),
          ...deleted.map((key) => ({ name: key, op: 'delete' as const })),
        ];
        await this.admin.incrementalAlterConfigs([{ resource: this.resource(name), ops }]);
        break;
      }
      case 'users':
      case 'clients':
        await this.alterUsersOrClients(name, added, deleted);
        break;
      default:
        throw new ConfigCommandError('samsa does not support ip quotas yet');
    }
    if (name !== '') this.out(`Completed updating config for ${this.entityType.slice(0, -1)} ${name}.\n`);
    else this.out(`Completed updating default config for ${this.entityType} in the cluster.\n`);
  }

  private async alterUsersOrClients(user: string, added: Record<string, string>, deleted: string[]): Promise<void> {
    const isScram = (k: string) => SCRAM_MECHANISMS.includes(k);
    const isQuota = (k: string) => QUOTA_KEYS.includes(k);
    const unknownAdded = Object.keys(added).filter((k) => !isScram(k) && !isQuota(k));
    if (this.entityType === 'clients' || this.command.entityTypes.length === 2) {
      const unexpected = [...unknownAdded, ...Object.keys(added).filter(isScram)];
      if (unexpected.length > 0)
        throw new ConfigCommandError(
          `Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: Set(${unexpected.join(', ')})`,
        );
    } else if (unknownAdded.length > 0) {
      throw new ConfigCommandError(
        `Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: Set(${unknownAdded.join(', ')})`,
      );
    }
    const quotasAdded = Object.fromEntries(Object.entries(added).filter(([k]) => isQuota(k)));
    const quotasDeleted = deleted.filter(isQuota);
    if (Object.keys(quotasAdded).length + quotasDeleted.length > 0)
      await alterQuotas(this.admin, this.command.entityTypes, this.command.entityNames, quotasAdded, quotasDeleted);
    const upserts = Object.entries(added)
      .filter(([k]) => isScram(k))
      .map(([mechanism, text]) => ({ user, mechanism: mechanism as ScramMechanism, ...scramCredential(mechanism, text) }));
    const deletions = deleted.filter(isScram).map((mechanism) => ({ user, mechanism: mechanism as ScramMechanism, delete: true as const }));
    if (upserts.length + deletions.length > 0) await this.admin.alterUserScramCredentials([...deletions, ...upserts]);
  }

  /** --add-config as Kafka splits it: commas outside [], then key=value with brackets dropped; or --add-config-file's properties. */
  private configsToAdd(): Record<string, string> {
    const options = this.command.options;
    const props: Record<string, string> = {};
    const file = options.valueOf('add-config-file');
    if (file !== null) Object.assign(props, parseProperties(readFileSync(file, 'utf8')));
    const text = options.valueOf('add-config');
    if (text !== null) {
      for (const pair of splitOutsideBrackets(text, ',')) {
        const kv = splitOutsideBrackets(pair, '=');
        if (kv.length !== 2)
          throw new ConfigCommandError('requirement failed: Invalid entity config: all configs to be added must be in the format "key=val".');
        props[kv[0]!.trim()] = kv[1]!.replace(/[[\]]/g, '').trim();
      }
    }
    for (const key of Object.keys(props)) {
      if (!/^[a-zA-Z0-9._-]*$/.test(key)) throw new ConfigCommandError(`Invalid character found for config key: ${key}`);
    }
    return props;
  }
}

/** Splits on `separator` where it is not inside square brackets (Kafka's "(?=[^\]]*(?:\[|$))" lookahead); `=` may be surrounded by spaces. */
function splitOutsideBrackets(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** `[iterations=N,]password=P` as Kafka's tool reads a SCRAM credential. */
function scramCredential(mechanism: string, text: string): { iterations: number; password: string } {
  const m = /^(?:iterations=(-?\d*),)?password=(.*)$/s.exec(text);
  if (!m) throw new ConfigCommandError(`Invalid credential property ${mechanism}=${text}`);
  const iterations = m[1] !== undefined && m[1] !== '' && m[1] !== '-1' ? Number(m[1]) : DEFAULT_SCRAM_ITERATIONS;
  if (iterations < DEFAULT_SCRAM_ITERATIONS)
    throw new ConfigCommandError(`Iterations ${iterations} is less than the minimum ${DEFAULT_SCRAM_ITERATIONS} required for ${mechanism}`);
  return { iterations, password: m[2]! };
}

/** Java's class names where they differ from the error code's name in camel case. */
const EXCEPTION_NAMES: Readonly<Record<string, string>> = {
  INVALID_CONFIG: 'InvalidConfigurationException',
  INVALID_TOPIC_EXCEPTION: 'InvalidTopicException',
  TOPIC_AUTHORIZATION_FAILED: 'TopicAuthorizationException',
  CLUSTER_AUTHORIZATION_FAILED: 'ClusterAuthorizationException',
  REQUEST_TIMED_OUT: 'TimeoutException',
};

/** An error as Java prints an exception's first line: the broker's error as org.apache.kafka.common.errors.<Name>Exception, wrapped in the future's ExecutionException. */
function javaException(e: unknown, wrapped = true): string {
  if (!(e instanceof KafkaApiError)) return `${wrapped ? 'java.util.concurrent.ExecutionException: ' : ''}${(e as Error).message ?? String(e)}`;
  const name = kafkaErrorName(e.errorCode);
  const className =
    EXCEPTION_NAMES[name] ??
    `${name
      .toLowerCase()
      .split('_')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join('')}Exception`;
  const message = e.message.startsWith(`${name}: `) ? e.message.slice(name.length + 2) : e.message;
  const text = wrapped ? `org.apache.kafka.common.errors.${className}: ${message}` : `${className}: ${message}`;
  return wrapped ? `java.util.concurrent.ExecutionException: ${text}` : text;
}
