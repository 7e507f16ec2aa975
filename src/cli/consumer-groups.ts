// `samsa consumer-groups`: kafka-consumer-groups.sh for samsa, with its
// options and its output — list groups, describe their offsets, lag, members
// and state, delete groups or their offsets, and reset the offsets of an
// inactive group (a dry run unless --execute).
import { readFileSync } from 'node:fs';
import { Admin } from '../clients/admin/admin.js';
import type { CommittedOffset, GroupDescription, MemberDescription } from '../clients/admin/types.js';
import type { BrokerNode } from '../clients/network/cluster.js';
import { GroupIdNotFoundError, kafkaErrorName } from '../clients/network/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { compareTopicPartitions, type TopicPartition } from '../protocol/topic-partition.js';
import { type CommandOutput, readCommandConfig, stdio } from './command-options.js';
import { checkArgs, HelpRequested, type ParsedOptions, parseArgs, UsageError, usage } from './consumer-groups-options.js';
import { answeredCode, brokerErrorCode, describeErrorCode, errorMessage } from './kafka-errors.js';
import { parseIsoDuration, parseKafkaDateTime, TimeArgumentError } from './kafka-time.js';
import { exportPlan, logOffsets, parseResetPlan, parseTopicWithPartitions, partitionsOfTopicArgs, planReset, type ResetScenario } from './offset-reset.js';
import { PartitionMap } from './partition-map.js';

export type { CommandOutput };

/** Kafka's placeholder for a column with no value. */
const MISSING = '-';

/** The consumer group states Kafka's tool accepts, in GroupState's order. */
const CONSUMER_GROUP_STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'];
const CONSUMER_GROUP_TYPES = ['Classic', 'Consumer'];

/** Java's `%-Ns`. */
function pad(value: string, width: number): string {
  return value.padEnd(width);
}

/** An error Kafka's tool reports with "Error: …" on stdout; the command then exits 1. */
class CommandFailure extends Error {}

/** A group as the command shows it: Admin's description, or a group its coordinator does not know (no coordinator then). */
type ShownGroup = Omit<GroupDescription, 'coordinator'> & { readonly coordinator: BrokerNode | null };

/** Kafka's tool shows a group the coordinator does not know as Dead. */
function deadGroup(groupId: string): ShownGroup {
  return { groupId, state: 'Dead', protocolType: '', protocol: '', members: [], coordinator: null };
}

/** The admin client of one command: --command-config's client settings (security.protocol, sasl.*, ssl.*), --bootstrap-server, and --timeout for each call, retries included. */
function adminFor(options: ParsedOptions): Admin {
  const timeoutMs = Math.max(0, options.longValueOf('timeout') ?? 5000);
  return new Admin({
    ...readCommandConfig(options.valueOf('command-config')),
    'bootstrap.servers': options.valueOf('bootstrap-server')!,
    'client.id': 'samsa-consumer-groups',
    'default.api.timeout.ms': timeoutMs,
    'request.timeout.ms': Math.max(1, timeoutMs),
  });
}

export async function consumerGroups(args: string[], output: CommandOutput = stdio): Promise<number> {
  let options: ParsedOptions;
  try {
    options = parseArgs(args);
    for (const warning of checkArgs(args, options)) output.err(`${warning}\n`);
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`${error.message}\n${usage()}\n`);
      return 1;
    }
    throw error;
  }
  let admin: Admin | undefined;
  try {
    admin = adminFor(options);
    return await new ConsumerGroupService(options, admin, output).run();
  } catch (error) {
    if (error instanceof UsageError && !(error instanceof HelpRequested)) {
      output.err(`${error.message}\n${usage()}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    output.out(`\nError: Executing consumer group command failed due to ${message}\n`);
    return 1;
  } finally {
    await admin?.close();
  }
}

/** One row of the offsets table (Kafka's PartitionAssignmentState). */
interface PartitionRow {
  readonly group: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: number;
  readonly leaderEpoch?: number;
  readonly logEndOffset?: number;
  readonly consumerId: string;
  readonly host: string;
  readonly clientId: string;
}

function lagOf(row: PartitionRow): string {
  return row.offset !== undefined && row.offset !== -1 && row.logEndOffset !== undefined ? String(row.logEndOffset - row.offset) : MISSING;
}

function show(value: number | string | undefined): string {
  return value === undefined ? MISSING : String(value);
}

/** `topic:0,1;other:2`, as Kafka's getAssignmentString. */
function assignmentString(partitions: readonly TopicPartition[]): string {
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions) {
    let list = byTopic.get(tp.topic);
    if (!list) byTopic.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  return [...byTopic]
    .map(([topic, list]) => `${topic}:${list.sort((a, b) => a - b).join(',')}`)
    .sort()
    .join(';');
}

class ConsumerGroupService {
  private failed = false;

  constructor(
    private readonly options: ParsedOptions,
    private readonly admin: Admin,
    private readonly output: CommandOutput,
  ) {}

  async run(): Promise<number> {
    const o = this.options;
    if (o.has('list')) await this.listGroups();
    else if (o.has('describe')) await this.describeGroups();
    else if (o.has('delete')) await this.deleteGroups();
    else if (o.has('reset-offsets')) await this.resetOffsets();
    else if (o.has('delete-offsets')) await this.deleteOffsets();
    return this.failed ? 1 : 0;
  }

  private printError(message: string): void {
    this.output.out(`\nError: ${message}\n`);
    this.failed = true;
  }

  // --- --list ------------------------------------------------------------------

  private async consumerGroupIds(): Promise<string[]> {
    const groups = await this.admin.listConsumerGroups();
    return groups.map((g) => g.groupId).sort();
  }

  private async listGroups(): Promise<void> {
    const withType = this.options.has('type');
    const withState = this.options.has('state');
    if (!withType && !withState) {
      for (const id of await this.consumerGroupIds()) this.output.out(`${id}\n`);
      return;
    }
    const states = parseList(this.options.valueOf('state'), CONSUMER_GROUP_STATES, 'state');
    const types = parseList(this.options.valueOf('type'), CONSUMER_GROUP_TYPES, 'types');
    const listed = (await this.admin.listConsumerGroups({ states, types: types.map((t) => t.toLowerCase()) })).sort((a, b) =>
      a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0,
    );
    const groupWidth = Math.max(15, ...listed.map((g) => g.groupId.length)) + 10;
    const line = (cells: string[]) => {
      const [group, ...rest] = cells;
      return `${pad(group!, groupWidth)}${rest.map((c) => ` ${pad(c, 20)}`).join('')}\n`;
    };
    const header = ['GROUP'];
    if (withType) header.push('TYPE');
    if (withState) header.push('STATE');
    let text = line(header);
    for (const g of listed) {
      const cells = [g.groupId];
      if (withType) cells.push(g.type ? (CONSUMER_GROUP_TYPES.find((t) => t.toLowerCase() === g.type.toLowerCase()) ?? g.type) : 'Unknown');
      if (withState) cells.push(g.state || 'Unknown');
      text += line(cells);
    }
    this.output.out(text);
  }

  // --- --describe ----------------------------------------------------------------

  private async groupIds(): Promise<string[]> {
    const ids = this.options.has('all-groups') ? await this.consumerGroupIds() : this.options.valuesOf('group');
    return [...new Set(ids)].sort();
  }

  /**
   * Kafka's shouldPrintMemberState: says why a group has nothing to show
   * (stdout for a missing group, stderr for an empty or rebalancing one) and
   * whether to print its table.
   */
  private shouldPrint(groupId: string, state: string, rows: number): boolean {
    switch (state) {
      case 'Dead':
        this.printError(`Consumer group '${groupId}' does not exist.`);
        break;
      case 'Empty':
        this.output.err(`\nConsumer group '${groupId}' has no active members.\n`);
        break;
      case 'PreparingRebalance':
      case 'CompletingRebalance':
      case 'Assigning':
      case 'Reconciling':
        this.output.err(`\nWarning: Consumer group '${groupId}' is rebalancing.\n`);
        break;
      case 'Stable':
        break;
      default:
        throw new Error(`Expected a valid consumer group state, but found '${state}'.`);
    }
    return state !== 'Dead' && rows > 0;
  }

  /** Each group's description, in order; the first group that cannot be described fails the command. */
  private async describe(groupIds: readonly string[]): Promise<ShownGroup[]> {
    const settled = await this.admin.describeConsumerGroups(groupIds).settled();
    return settled.map((outcome, i) => {
      if (outcome.ok) return outcome.value;
      if (outcome.error instanceof GroupIdNotFoundError) return deadGroup(groupIds[i]!);
      throw outcome.error;
    });
  }

  /** The group's committed offsets; partitions without one are left out. */
  private async committedOffsets(groupId: string): Promise<PartitionMap<CommittedOffset>> {
    const offsets = new PartitionMap<CommittedOffset>();
    for (const c of await this.admin.listConsumerGroupOffsets(groupId, { requireStable: true })) offsets.set(c, c);
    return offsets;
  }

  private async describeGroups(): Promise<void> {
    const groupIds = await this.groupIds();
    const verbose = this.options.has('verbose');
    const descriptions = await this.describe(groupIds);
    if (this.options.has('members')) {
      for (const d of descriptions) this.printMembers(d, verbose);
    } else if (this.options.has('state')) {
      for (const d of descriptions) this.printState(d, verbose);
    } else {
      for (const d of descriptions) this.printOffsets(d, await this.collectOffsets(d), verbose);
    }
  }

  /** Kafka's collectGroupsOffsets: a row per assigned partition (members with most partitions first), then per committed but unassigned partition. */
  private async collectOffsets(group: ShownGroup): Promise<PartitionRow[]> {
    const committed = await this.committedOffsets(group.groupId);
    const assigned = new PartitionMap<MemberDescription>();
    const members = group.members.filter((m) => m.assignment.length > 0).sort((a, b) => b.assignment.length - a.assignment.length);
    for (const m of members) for (const tp of m.assignment) assigned.set(tp, m);
    const unassigned = committed.keys().filter((tp) => !assigned.has(tp));
    const all = [...assigned.keys(), ...unassigned];
    const ends = await logOffsets(this.admin, all, 'latest');
    const row = (tp: TopicPartition, consumerId: string, host: string, clientId: string): PartitionRow => {
      const c = committed.get(tp);
      return {
        group: group.groupId,
        topic: tp.topic,
        partition: tp.partition,
        offset: c?.offset,
        leaderEpoch: c && c.leaderEpoch >= 0 ? c.leaderEpoch : undefined,
        logEndOffset: ends.get(tp),
        consumerId,
        host,
        clientId,
      };
    };
    const rows: PartitionRow[] = [];
    for (const m of members) {
      for (const tp of [...m.assignment].sort(compareTopicPartitions)) rows.push(row(tp, m.memberId, m.host, m.clientId));
    }
    for (const tp of unassigned.sort(compareTopicPartitions)) rows.push(row(tp, MISSING, MISSING, MISSING));
    return rows;
  }

  private printOffsets(group: ShownGroup, rows: PartitionRow[], verbose: boolean): void {
    if (!this.shouldPrint(group.groupId, group.state, rows.length)) return;
    const groupWidth = Math.max(15, ...rows.map((r) => r.group.length));
    const topicWidth = Math.max(15, ...rows.map((r) => (r.topic ?? MISSING).length));
    const consumerWidth = Math.max(15, ...rows.map((r) => r.consumerId.length));
    const hostWidth = Math.max(15, ...rows.map((r) => r.host.length));
    const line = (c: string[]) => {
      const [g, t, p, ...rest] = c;
      const clientId = rest.pop()!;
      const host = rest.pop()!;
      const consumer = rest.pop()!;
      return `\n${pad(g!, groupWidth)} ${pad(t!, topicWidth)} ${pad(p!, 10)} ${rest.map((x) => `${pad(x, 15)} `).join('')}${pad(consumer, consumerWidth)} ${pad(host, hostWidth)} ${clientId}`;
    };
    const header = verbose
      ? ['GROUP', 'TOPIC', 'PARTITION', 'LEADER-EPOCH', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID']
      : ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'];
    let text = line(header);
    for (const r of rows) {
      const cells = [r.group, show(r.topic), show(r.partition)];
      if (verbose) cells.push(show(r.leaderEpoch));
      cells.push(show(r.offset), show(r.logEndOffset), lagOf(r), r.consumerId, r.host, r.clientId);
      text += line(cells);
    }
    this.output.out(`${text}\n`);
  }

  private printMembers(group: ShownGroup, verbose: boolean): void {
    if (!this.shouldPrint(group.groupId, group.state, group.members.length)) return;
    const members = group.members;
    const withInstanceId = members.some((m) => (m.groupInstanceId ?? '') !== '');
    const groupWidth = Math.max(15, group.groupId.length);
    const consumerWidth = Math.max(15, ...members.map((m) => m.memberId.length));
    const instanceWidth = Math.max(17, ...members.map((m) => (m.groupInstanceId ?? '').length));
    const hostWidth = Math.max(15, ...members.map((m) => m.host.length));
    const clientWidth = Math.max(15, ...members.map((m) => m.clientId.length));
    const assignments = members.map((m) => (m.assignment.length === 0 ? MISSING : assignmentString(m.assignment)));
    const currentWidth = Math.max(20, ...assignments.map((a) => a.length));
    const targetWidth = 20;
    const left = (cells: [string, string, string, string, string, string]) => {
      const [g, consumer, instance, host, client, partitions] = cells;
      return withInstanceId
        ? `${pad(g, groupWidth)} ${pad(consumer, consumerWidth)} ${pad(instance, instanceWidth)} ${pad(host, hostWidth)} ${pad(client, clientWidth)} ${pad(partitions, 15)} `
        : `${pad(g, groupWidth)} ${pad(consumer, consumerWidth)} ${pad(host, hostWidth)} ${pad(client, clientWidth)} ${pad(partitions, 15)} `;
    };
    const right = (cells: [string, string, string, string]) =>
      `${pad(cells[0], 15)} ${pad(cells[1], currentWidth)} ${pad(cells[2], 15)} ${pad(cells[3], targetWidth)}`;
    let text = `\n${left(['GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS'])}`;
    if (verbose) text += right(['CURRENT-EPOCH', 'CURRENT-ASSIGNMENT', 'TARGET-EPOCH', 'TARGET-ASSIGNMENT']);
    text += '\n';
    members.forEach((m, i) => {
      text += left([group.groupId, m.memberId, m.groupInstanceId ?? '', m.host, m.clientId, String(m.assignment.length)]);
      // Classic groups have no member epochs or target assignments.
      if (verbose) text += right([MISSING, assignments[i]!, MISSING, MISSING]);
      text += '\n';
    });
    this.output.out(text);
  }

  private printState(group: ShownGroup, verbose: boolean): void {
    // A group without a coordinator is Dead, and has nothing to show.
    if (!this.shouldPrint(group.groupId, group.state, 1) || group.coordinator === null) return;
    const coordinator = `${group.coordinator.host}:${group.coordinator.port}  (${group.coordinator.id})`;
    const coordinatorWidth = Math.max(25, coordinator.length);
    const groupWidth = Math.max(15, group.groupId.length);
    const strategy = group.protocol === '' ? MISSING : group.protocol;
    const line = (c: string[]) =>
      verbose
        ? `\n${pad(c[0]!, groupWidth)} ${pad(c[1]!, coordinatorWidth)} ${pad(c[2]!, 20)} ${pad(c[3]!, 20)} ${pad(c[4]!, 15)} ${pad(c[5]!, 25)} ${c[6]}`
        : `\n${pad(c[0]!, groupWidth)} ${pad(c[1]!, coordinatorWidth)} ${pad(c[2]!, 20)} ${pad(c[3]!, 20)} ${c[4]}`;
    const members = String(group.members.length);
    const text = verbose
      ? line(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', 'GROUP-EPOCH', 'TARGET-ASSIGNMENT-EPOCH', '#MEMBERS']) +
        line([group.groupId, coordinator, strategy, group.state, MISSING, MISSING, members])
      : line(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS']) + line([group.groupId, coordinator, strategy, group.state, members]);
    this.output.out(`${text}\n`);
  }

  // --- --delete ------------------------------------------------------------------

  private async deleteGroups(): Promise<void> {
    const groupIds = this.options.has('all-groups') ? await this.consumerGroupIds() : [...new Set(this.options.valuesOf('group'))];
    const settled = await this.admin.deleteConsumerGroups(groupIds).settled();
    const results = new Map(groupIds.map((g, i) => [g, answeredCode(settled[i]!)]));
    const succeeded = groupIds.filter((g) => results.get(g) === null);
    const failed = groupIds.filter((g) => results.get(g) !== null);
    const quoted = (ids: string[]) => ids.map((g) => `'${g}'`).join(', ');
    if (failed.length === 0) {
      this.output.out(`Deletion of requested consumer groups (${quoted(succeeded)}) was successful.\n`);
      return;
    }
    this.printError('Deletion of some consumer groups failed:');
    for (const g of failed) {
      const code = results.get(g)!;
      const hint = code === ErrorCode.NON_EMPTY_GROUP ? ' It still has active members; stop its consumers before deleting it.' : '';
      this.output.out(`* Group '${g}' could not be deleted due to: ${describeErrorCode(code)}${hint}\n`);
    }
    if (succeeded.length > 0) this.output.out(`\nThese consumer groups were deleted successfully: ${quoted(succeeded)}\n`);
  }

  // --- --delete-offsets ----------------------------------------------------------

  private async deleteOffsets(): Promise<void> {
    const groupId = this.options.valueOf('group')!;
    const topicArgs = this.options.valuesOf('topic');
    const results = new PartitionMap<string | null>();
    const partitions = new PartitionMap<true>();
    for (const arg of topicArgs) {
      if (arg.includes(':')) {
        for (const tp of parseTopicWithPartitions(arg)) partitions.set(tp, true);
        continue;
      }
      try {
        for (const tp of await partitionsOfTopicArgs(this.admin, [arg])) partitions.set(tp, true);
      } catch (error) {
        results.set({ topic: arg, partition: -1 }, (error as Error).message);
      }
    }
    const deleting = partitions.keys();
    const deletion = this.admin.deleteConsumerGroupOffsets(groupId, deleting);
    const settled = await deletion.settled();
    // The call's own error (Java's all()): the group's, or else the first partition's.
    let topLevel: number = ErrorCode.NONE;
    await deletion.catch((error: unknown) => (topLevel = brokerErrorCode(error)));
    deleting.forEach((tp, i) => {
      const code = answeredCode(settled[i]!);
      results.set(tp, code === null ? null : describeErrorCode(code));
    });
    switch (topLevel) {
      case ErrorCode.NONE:
        this.output.out(`Request succeeded for deleting offsets from group ${groupId}.\n`);
        break;
      case ErrorCode.INVALID_GROUP_ID:
      case ErrorCode.GROUP_ID_NOT_FOUND:
      case ErrorCode.GROUP_AUTHORIZATION_FAILED:
      case ErrorCode.NON_EMPTY_GROUP:
        this.printError(errorMessage(topLevel));
        break;
      case ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC:
      case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
      case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
        this.printError('Encountered some partition-level error, see the follow-up details.');
        break;
      default:
        this.printError(`Encountered some unknown error: ${kafkaErrorName(topLevel)}`);
    }
    if ([...results.sorted()].some(([, e]) => e !== null)) this.failed = true;
    const topicWidth = Math.max(15, ...results.keys().map((tp) => tp.topic.length));
    const line = (t: string, p: string, s: string) => `\n${pad(t, topicWidth)} ${pad(p, 10)} ${pad(s, 15)}`;
    let text = line('TOPIC', 'PARTITION', 'STATUS');
    for (const [tp, error] of results.sorted())
      text += line(tp.topic, tp.partition >= 0 ? String(tp.partition) : MISSING, error === null ? 'Successful' : `Error: ${error}`);
    this.output.out(`${text}\n`);
  }

  // --- --reset-offsets -----------------------------------------------------------

  private scenario(): ResetScenario {
    const o = this.options;
    try {
      if (o.has('to-offset')) return { kind: 'to-offset', offset: o.longValueOf('to-offset')! };
      if (o.has('shift-by')) return { kind: 'shift-by', shift: o.longValueOf('shift-by')! };
      if (o.has('to-datetime')) return { kind: 'to-datetime', timestamp: parseKafkaDateTime(o.valueOf('to-datetime')!) };
      if (o.has('by-duration')) return { kind: 'by-duration', timestamp: Date.now() - parseIsoDuration(o.valueOf('by-duration')!) };
      if (o.has('to-earliest')) return { kind: 'to-earliest' };
      if (o.has('to-latest')) return { kind: 'to-latest' };
      if (o.has('to-current')) return { kind: 'to-current' };
    } catch (error) {
      if (error instanceof TimeArgumentError) throw new CommandFailure(error.message);
      throw error;
    }
    const path = o.valueOf('from-file')!;
    let csv: string;
    try {
      csv = readFileSync(path, 'utf8');
    } catch (error) {
      throw new CommandFailure(`${path}: ${(error as Error).message}`);
    }
    return { kind: 'from-file', plan: parseResetPlan(csv, o.valuesOf('group')) };
  }

  private async resetOffsets(): Promise<void> {
    const o = this.options;
    const scenario = this.scenario();
    const groupIds = o.has('all-groups') ? await this.consumerGroupIds() : [...new Set(o.valuesOf('group'))];
    const execute = o.has('execute');
    const plans: Array<[string, PartitionMap<number>]> = [];
    for (const groupId of groupIds) {
      const [{ state }] = (await this.describe([groupId])) as [ShownGroup];
      if (state !== 'Empty' && state !== 'Dead') {
        this.printError(`Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${state}.`);
        plans.push([groupId, new PartitionMap<number>()]);
        continue;
      }
      let committed: PartitionMap<CommittedOffset> | undefined;
      const committedOffsets = async () => (committed ??= await this.committedOffsets(groupId));
      let partitions: TopicPartition[] = [];
      if (o.has('all-topics')) partitions = (await committedOffsets()).keys();
      else if (o.has('topic')) partitions = await partitionsOfTopicArgs(this.admin, o.valuesOf('topic'));
      const plan = await planReset(this.admin, groupId, partitions, scenario, committedOffsets, this.output);
      if (execute && plan.size > 0) {
        const offsets = plan.sorted().map(([tp, offset]) => ({ topic: tp.topic, partition: tp.partition, offset }));
        const settled = await this.admin.alterConsumerGroupOffsets(groupId, offsets).settled();
        const failed = settled.findIndex((outcome) => answeredCode(outcome) !== null);
        if (failed >= 0) {
          const { topic, partition } = offsets[failed]!;
          throw new CommandFailure(`${describeErrorCode(answeredCode(settled[failed]!)!)} (committing ${topic}-${partition} for group '${groupId}')`);
        }
      }
      plans.push([groupId, plan]);
    }
    if (o.has('export')) {
      this.output.out(`${exportPlan(plans, o.valuesOf('group').length === 1)}\n`);
      return;
    }
    this.printPlan(plans);
  }

  /** Kafka's printOffsetsToReset: GROUP TOPIC PARTITION NEW-OFFSET (the header even when nothing was reset). */
  private printPlan(plans: ReadonlyArray<[string, PartitionMap<number>]>): void {
    const groupWidth = Math.max(15, ...plans.map(([g]) => g.length));
    const topicWidth = Math.max(15, ...plans.flatMap(([, plan]) => plan.keys().map((tp) => tp.topic.length)));
    const line = (g: string, t: string, p: string, offset: string) => `\n${pad(g, groupWidth)} ${pad(t, topicWidth)} ${pad(p, 10)} ${offset}`;
    let text = plans.length > 0 ? line('GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET') : '';
    for (const [groupId, plan] of plans) for (const [tp, offset] of plan.sorted()) text += line(groupId, tp.topic, String(tp.partition), String(offset));
    this.output.out(`${text}\n`);
  }
}

/** A comma-separated --state or --type value, checked against the names Kafka accepts (case-insensitive). */
function parseList(value: string | null, valid: readonly string[], what: 'state' | 'types'): string[] {
  if (value === null || value === '') return [];
  const parsed = value.split(',').map((s) => s.trim());
  const canonical = parsed.map((s) => valid.find((v) => v.toLowerCase() === s.toLowerCase()));
  if (canonical.some((c) => c === undefined)) {
    throw new UsageError(`Invalid ${what} list '${value}'. Valid ${what === 'state' ? 'states' : 'types'} are: ${valid.join(', ')}`);
  }
  return [...new Set(canonical as string[])];
}
