// `samsa topics`: kafka-topics.sh for samsa — create, list, describe, alter
// (partitions) and delete topics, on Admin, printing what Kafka 3.x's
// TopicCommand prints.
import type { Admin } from '../clients/admin/admin.js';
import type { DescribedConfigs, PartitionReassignment, TopicDescription, TopicPartitionInfo } from '../clients/admin/types.js';
import { TopicAlreadyExistsError } from '../clients/network/errors.js';
import { tpKey } from '../protocol/topic-partition.js';
import { type CommandOutput, type ParsedOptions, parseCommandLine, stdio } from './command-options.js';
import { javaMessage } from './kafka-errors.js';
import { INTERNAL_TOPICS, includeList, toolAdmin } from './tool-admin.js';
import { ArgumentError, checkTopicArgs, parseReplicaAssignment, parseTopicConfigs, TOPICS_PARSER } from './topics-options.js';

export async function topics(args: string[], output: CommandOutput = stdio): Promise<number> {
  let options: ParsedOptions | number;
  try {
    options = parseCommandLine(TOPICS_PARSER, args, (o) => checkTopicArgs(args, o), output.err);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    output.err(`${error.message}\n`);
    return 1;
  }
  if (typeof options === 'number') return options;
  let admin: Admin | undefined;
  try {
    admin = toolAdmin(options, 'samsa-topics');
    await new TopicService(options, admin, output).run();
    return 0;
  } catch (error) {
    if (error instanceof ArgumentError) {
      output.err(`${error.message}\n`);
      return 1;
    }
    output.out(`Error while executing topic command : ${javaMessage(error)}\n`);
    return 1;
  } finally {
    await admin?.close();
  }
}

class TopicService {
  constructor(
    private readonly options: ParsedOptions,
    private readonly admin: Admin,
    private readonly output: CommandOutput,
  ) {}

  async run(): Promise<void> {
    const o = this.options;
    if (o.has('create')) await this.createTopic();
    else if (o.has('alter')) await this.alterTopic();
    else if (o.has('list')) await this.listTopics();
    else if (o.has('describe')) await this.describeTopics();
    else if (o.has('delete')) await this.deleteTopics();
  }

  private get topic(): string | null {
    return this.options.valueOf('topic');
  }

  /** The topics --topic matches (all without it), sorted; internal ones unless --exclude-internal. */
  private async matchingTopics(): Promise<string[]> {
    const exclude = this.options.has('exclude-internal');
    const all = await this.admin.listTopics({ listInternal: !exclude });
    const filter = this.topic === null ? null : includeList(this.topic);
    return all.filter((t) => (filter === null || filter.test(t)) && !(exclude && INTERNAL_TOPICS.has(t)));
  }

  /** Kafka's ensureTopicExists: a named topic that matched nothing is an error unless --if-exists. */
  private ensureFound(found: readonly string[]): void {
    if (this.topic && !this.options.has('if-exists') && found.length === 0) throw new ArgumentError(`Topic '${this.topic}' does not exist as expected`);
  }

  private replicaAssignment(): number[][] | null {
    const text = this.options.valueOf('replica-assignment');
    return text ? parseReplicaAssignment(text) : null;
  }

  private async createTopic(): Promise<void> {
    const name = this.topic!;
    const configs = parseTopicConfigs(this.options.valuesOf('config'));
    const partitions = this.options.longValueOf('partitions');
    const replicationFactor = this.options.longValueOf('replication-factor');
    const assignment = this.replicaAssignment();
    if (name.includes('.') || name.includes('_')) {
      this.output.out(
        "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n",
      );
    }
    if (replicationFactor !== null && (replicationFactor > 32767 || replicationFactor < 1))
      throw new ArgumentError('The replication factor must be between 1 and 32767 inclusive');
    if (partitions !== null && partitions < 1) throw new ArgumentError('The partitions must be greater than 0');
    try {
      await this.admin.createTopics([
        assignment
          ? { name, replicasAssignments: Object.fromEntries(assignment.map((replicas, i) => [i, replicas])), configs }
          : { name, numPartitions: partitions ?? -1, replicationFactor: replicationFactor ?? -1, configs },
      ]);
      this.output.out(`Created topic ${name}.\n`);
    } catch (error) {
      if (!(error instanceof TopicAlreadyExistsError && this.options.has('if-not-exists'))) throw error;
    }
  }

  private async listTopics(): Promise<void> {
    this.output.out(`${(await this.matchingTopics()).join('\n')}\n`);
  }

  private async alterTopic(): Promise<void> {
    const found = await this.matchingTopics();
    this.ensureFound(found);
    if (found.length === 0) return;
    const totalCount = this.options.longValueOf('partitions')!;
    const assignment = this.replicaAssignment();
    const descriptions = assignment ? await this.admin.describeTopics(found) : [];
    const counts = new Map(descriptions.map((d) => [d.name, d.partitions.length]));
    await this.admin.createPartitions(
      Object.fromEntries(found.map((name) => [name, assignment ? { totalCount, assignments: assignment.slice(counts.get(name) ?? 0) } : totalCount])),
    );
  }

  private async deleteTopics(): Promise<void> {
    const found = await this.matchingTopics();
    this.ensureFound(found);
    await this.admin.deleteTopics(found);
  }

  private async describeTopics(): Promise<void> {
    const found = await this.matchingTopics();
    this.ensureFound(found);
    if (found.length === 0) return;
    const descriptions = await this.admin.describeTopics(found, {
      partitionSizeLimitPerResponse: this.options.longValueOf('partition-size-limit-per-response') ?? 2000,
    });
    const configs = await this.admin.describeConfigs(found.map((name) => ({ type: 'topic', name })));
    const liveBrokers = new Set((await this.admin.describeCluster()).nodes.map((n) => n.id));
    const reassignments = await this.reassignments(descriptions);
    const view = new DescribeView(this.options, liveBrokers);
    for (let i = 0; i < descriptions.length; i++) {
      const text = view.describe(descriptions[i]!, configs[i]!, reassignments);
      if (text) this.output.out(text);
    }
  }

  /** Reassignments in progress; none when the cluster cannot say (Kafka's tool ignores that too). */
  private async reassignments(descriptions: readonly TopicDescription[]): Promise<Map<string, PartitionReassignment>> {
    const partitions = descriptions.flatMap((d) => d.partitions.map((p) => ({ topic: d.name, partition: p.partition })));
    try {
      const listed = await this.admin.listPartitionReassignments(partitions);
      return new Map(listed.map((r) => [tpKey(r.topic, r.partition), r]));
    } catch {
      return new Map();
    }
  }
}

/** What --describe prints of a topic and its partitions, with the report filters applied (Kafka's DescribeOptions). */
class DescribeView {
  private readonly describeConfigs: boolean;
  private readonly describePartitions: boolean;

  constructor(
    private readonly options: ParsedOptions,
    private readonly liveBrokers: ReadonlySet<number>,
  ) {
    const o = options;
    this.describeConfigs = !['unavailable-partitions', 'under-replicated-partitions', 'under-min-isr-partitions', 'at-min-isr-partitions'].some((r) =>
      o.has(r),
    );
    this.describePartitions = !o.has('topics-with-overrides');
  }

  describe(topic: TopicDescription, configs: DescribedConfigs, reassignments: ReadonlyMap<string, PartitionReassignment>): string {
    let text = '';
    const overrides = configs.entries.filter((e) => !e.isDefault);
    const minIsr = Number(configs.entries.find((e) => e.name === 'min.insync.replicas')?.value ?? 1);
    const reassignmentOf = (p: TopicPartitionInfo) => reassignments.get(tpKey(topic.name, p.partition));
    if (this.describeConfigs && (!this.options.has('topics-with-overrides') || overrides.length > 0) && topic.partitions.length > 0) {
      const first = topic.partitions[0]!;
      text += `Topic: ${topic.name}`;
      if (!topic.topicId.equals(Buffer.alloc(16))) text += `\tTopicId: ${uuidString(topic.topicId)}`;
      text += `\tPartitionCount: ${topic.partitions.length}\tReplicationFactor: ${replicationFactor(first, reassignmentOf(first))}`;
      text += `\tConfigs: ${overrides.map((e) => `${e.name}=${e.value}`).join(',')}\n`;
    }
    if (!this.describePartitions) return text;
    for (const p of topic.partitions) {
      const reassignment = reassignmentOf(p);
      if (this.shouldPrint(p, reassignment, minIsr)) text += partitionLine(topic.name, p, reassignment);
    }
    return text;
  }

  private shouldPrint(p: TopicPartitionInfo, reassignment: PartitionReassignment | undefined, minIsr: number): boolean {
    const o = this.options;
    return (
      this.describeConfigs ||
      (o.has('under-replicated-partitions') && replicationFactor(p, reassignment) - p.isr.length > 0) ||
      (o.has('unavailable-partitions') && (p.leader === null || !this.liveBrokers.has(p.leader.id))) ||
      (o.has('under-min-isr-partitions') && (p.leader === null || p.isr.length < minIsr)) ||
      (o.has('at-min-isr-partitions') && p.isr.length === minIsr)
    );
  }
}

/** Kafka's getReplicationFactor: while a reassignment moves replicas, the count it will end with. */
function replicationFactor(p: TopicPartitionInfo, reassignment: PartitionReassignment | undefined): number {
  const changing = new Set([...(reassignment?.addingReplicas ?? []), ...(reassignment?.removingReplicas ?? [])]);
  const moving = p.replicas.some((r) => changing.has(r));
  return moving && reassignment ? reassignment.replicas.length - reassignment.addingReplicas.length : p.replicas.length;
}

function partitionLine(topic: string, p: TopicPartitionInfo, reassignment: PartitionReassignment | undefined): string {
  let line = `\tTopic: ${topic}\tPartition: ${p.partition}\tLeader: ${p.leader?.id ?? 'none'}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}`;
  if (reassignment) line += `\tAdding Replicas: ${reassignment.addingReplicas.join(',')}\tRemoving Replicas: ${reassignment.removingReplicas.join(',')}`;
  // Known from DescribeTopicPartitions; N/A when the broker answered with Metadata, as Kafka's tool prints.
  line += `\tElr: ${p.elr ? p.elr.join(',') : 'N/A'}\tLastKnownElr: ${p.lastKnownElr ? p.lastKnownElr.join(',') : 'N/A'}\n`;
  return line;
}

/** Kafka's Uuid.toString: URL-safe base64 without padding. */
export function uuidString(id: Buffer): string {
  return id.toString('base64url');
}
