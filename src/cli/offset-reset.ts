// How `samsa consumer-groups --reset-offsets` finds the new offsets, as
// Kafka's GroupOffsetsResetter does: the partitions in scope, the offset each
// scenario gives them, and the clamping of explicit offsets into the log.
import type { Admin } from '../clients/admin/admin.js';
import type { CommittedOffset, OffsetSpec, TopicDescription } from '../clients/admin/types.js';
import { KafkaClientError } from '../clients/network/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { partitionName, type TopicPartition } from '../protocol/topic-partition.js';
import { UsageError } from './consumer-groups-options.js';
import { answeredValue, errorMessage } from './kafka-errors.js';
import { PartitionMap } from './partition-map.js';

export type ResetScenario =
  | { readonly kind: 'to-offset'; readonly offset: number }
  | { readonly kind: 'shift-by'; readonly shift: number }
  | { readonly kind: 'to-datetime'; readonly timestamp: number }
  /** --by-duration, already turned into "now minus the duration". */
  | { readonly kind: 'by-duration'; readonly timestamp: number }
  | { readonly kind: 'to-earliest' }
  | { readonly kind: 'to-latest' }
  | { readonly kind: 'to-current' }
  | { readonly kind: 'from-file'; readonly plan: ReadonlyMap<string, PartitionMap<number>> };

/** Where the resetter reports what it does besides the plan (Kafka prints warnings to stdout and logs to stderr). */
export interface ResetOutput {
  out(text: string): void;
  err(text: string): void;
}

/** The topics a broker described, by name; topics it answered an error for are left out. */
async function describedTopics(admin: Admin, topics: readonly string[]): Promise<Map<string, TopicDescription>> {
  const unique = [...new Set(topics)];
  const settled = await admin.describeTopics(unique).settled();
  const described = new Map<string, TopicDescription>();
  settled.forEach((outcome, i) => {
    const description = answeredValue(outcome);
    if (description) described.set(unique[i]!, description);
  });
  return described;
}

/**
 * The partitions `--topic` values name: `topic` is every partition of the
 * topic, `topic:0,2` those partitions (Kafka's parseTopicPartitionsToReset).
 */
export async function partitionsOfTopicArgs(admin: Admin, topicArgs: readonly string[]): Promise<TopicPartition[]> {
  const explicit: TopicPartition[] = [];
  const whole: string[] = [];
  for (const arg of topicArgs) {
    if (arg.includes(':')) explicit.push(...parseTopicWithPartitions(arg));
    else whole.push(arg);
  }
  if (whole.length > 0) {
    const described = await describedTopics(admin, whole);
    for (const topic of whole) {
      const description = described.get(topic);
      if (!description) throw new KafkaClientError(`${errorMessage(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)} (topic '${topic}')`);
      for (const p of description.partitions) explicit.push({ topic, partition: p.partition });
    }
  }
  const unique = new PartitionMap<true>();
  for (const tp of explicit) unique.set(tp, true);
  return unique.keys();
}

/** `topic:0,1,2` (Java's String.split drops trailing empty parts, so `topic:` names no partitions and is refused). */
export function parseTopicWithPartitions(arg: string): TopicPartition[] {
  const parts = arg.split(':');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) throw new UsageError(`Invalid topic arg '${arg}', expected topic name and partitions`);
  const [topic, list] = parts as [string, string];
  return list.split(',').map((p) => {
    if (!/^[-+]?\d+$/.test(p) || !Number.isSafeInteger(Number(p)) || Math.abs(Number(p)) > 2147483647) {
      throw new UsageError(`Invalid partition '${p}' specified in topic arg '${arg}''`);
    }
    return { topic, partition: Number(p) };
  });
}

/** Refuses partitions that do not exist or have no leader, as Kafka's checkAllTopicPartitionsValid. */
export async function checkPartitionsValid(admin: Admin, partitions: readonly TopicPartition[]): Promise<void> {
  if (partitions.length === 0) return;
  const described = await describedTopics(
    admin,
    partitions.map((tp) => tp.topic),
  );
  const info = (tp: TopicPartition) => described.get(tp.topic)?.partitions.find((p) => p.partition === tp.partition);
  const missing = partitions.filter((tp) => !info(tp));
  if (missing.length > 0) throw new KafkaClientError(`The partitions "${missing.map(partitionName).join(',')}" do not exist`);
  const leaderless = partitions.filter((tp) => info(tp)!.leader === null);
  if (leaderless.length > 0) throw new KafkaClientError(`The partitions "${leaderless.map(partitionName).join(',')}" have no leader`);
}

/**
 * Each partition's offset under `spec` (ListOffsets); partitions a broker
 * answered an error for are left out, as Kafka's tool leaves them unknown.
 */
export async function logOffsets(admin: Admin, partitions: readonly TopicPartition[], spec: OffsetSpec): Promise<PartitionMap<number>> {
  const settled = await admin.listOffsets(partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, spec }))).settled();
  const found = new PartitionMap<number>();
  settled.forEach((outcome, i) => {
    const listed = answeredValue(outcome);
    if (listed) found.set(partitions[i]!, listed.offset);
  });
  return found;
}

/**
 * Requested offsets moved into [log start, log end], each move logged as
 * Kafka's checkOffsetsRange logs it.
 */
export async function clampToLog(admin: Admin, requested: PartitionMap<number>, output: ResetOutput): Promise<PartitionMap<number>> {
  const partitions = requested.keys();
  const [starts, ends] = await Promise.all([logOffsets(admin, partitions, 'earliest'), logOffsets(admin, partitions, 'latest')]);
  const result = new PartitionMap<number>();
  for (const [tp, offset] of requested.sorted()) {
    const end = ends.get(tp);
    const start = starts.get(tp);
    if (end !== undefined && offset > end) {
      output.err(`WARN New offset (${offset}) is higher than latest offset for topic partition ${partitionName(tp)}. Value will be set to ${end}\n`);
      result.set(tp, end);
    } else if (start !== undefined && offset < start) {
      output.err(`WARN New offset (${offset}) is lower than earliest offset for topic partition ${partitionName(tp)}. Value will be set to ${start}\n`);
      result.set(tp, start);
    } else {
      result.set(tp, offset);
    }
  }
  return result;
}

/** Every partition's offset under `spec`; one the log could not give fails the reset. */
async function requiredLogOffsets(
  admin: Admin,
  partitions: readonly TopicPartition[],
  spec: 'earliest' | 'latest',
  what: string,
): Promise<PartitionMap<number>> {
  const found = await logOffsets(admin, partitions, spec);
  for (const tp of partitions) {
    if (!found.has(tp)) throw new UsageError(`Error getting ${what} offset of topic partition: ${partitionName(tp)}`);
  }
  return found;
}

/** The first offset at or after `timestamp`; a partition with none falls back to its log end, with Kafka's warning. */
async function offsetsForTime(admin: Admin, partitions: readonly TopicPartition[], timestamp: number, output: ResetOutput): Promise<PartitionMap<number>> {
  const found = await logOffsets(admin, partitions, { timestamp });
  const result = new PartitionMap<number>();
  const empty: TopicPartition[] = [];
  for (const tp of partitions) {
    const offset = found.get(tp);
    if (offset !== undefined && offset >= 0) result.set(tp, offset);
    else empty.push(tp);
  }
  for (const tp of empty) output.out(`\nWarn: Partition ${tp.partition} from topic ${tp.topic} is empty. Falling back to latest known offset.\n`);
  const ends = await logOffsets(admin, empty, 'latest');
  for (const tp of empty) {
    const end = ends.get(tp);
    if (end === undefined) throw new UsageError(`Error getting offset by timestamp of topic partition: ${partitionName(tp)}`);
    result.set(tp, end);
  }
  return result;
}

/** The new offset of each partition in scope under `scenario` (Kafka's prepareOffsetsToReset). */
export async function planReset(
  admin: Admin,
  groupId: string,
  partitions: readonly TopicPartition[],
  scenario: ResetScenario,
  committed: () => Promise<PartitionMap<CommittedOffset>>,
  output: ResetOutput,
): Promise<PartitionMap<number>> {
  if (scenario.kind !== 'from-file') await checkPartitionsValid(admin, partitions);
  switch (scenario.kind) {
    case 'to-offset': {
      const requested = new PartitionMap<number>();
      for (const tp of partitions) requested.set(tp, scenario.offset);
      return clampToLog(admin, requested, output);
    }
    case 'shift-by': {
      const current = await committed();
      const requested = new PartitionMap<number>();
      for (const tp of partitions) {
        const c = current.get(tp);
        if (!c) throw new UsageError(`Cannot shift offset for partition ${partitionName(tp)} since there is no current committed offset`);
        requested.set(tp, c.offset + scenario.shift);
      }
      return clampToLog(admin, requested, output);
    }
    case 'to-earliest':
      return requiredLogOffsets(admin, partitions, 'earliest', 'starting');
    case 'to-latest':
      return requiredLogOffsets(admin, partitions, 'latest', 'ending');
    case 'to-datetime':
    case 'by-duration':
      return offsetsForTime(admin, partitions, scenario.timestamp, output);
    case 'to-current': {
      const current = await committed();
      const result = new PartitionMap<number>();
      const without = partitions.filter((tp) => !current.has(tp));
      for (const tp of partitions) if (current.has(tp)) result.set(tp, current.get(tp)!.offset);
      const ends = await requiredLogOffsets(admin, without, 'latest', 'ending');
      for (const [tp, end] of ends.sorted()) result.set(tp, end);
      return result;
    }
    case 'from-file': {
      const plan = scenario.plan.get(groupId);
      if (!plan) {
        output.out(`\nError: No reset plan for group ${groupId} found.\n`);
        return new PartitionMap<number>();
      }
      return clampToLog(admin, plan, output);
    }
  }
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvSplit(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else value += line[i++];
      }
      fields.push(value);
      i++; // the comma
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

/**
 * A reset plan in Kafka's CSV: `topic,partition,offset` lines for a single
 * --group, or `group,topic,partition,offset` lines.
 */
export function parseResetPlan(csv: string, groups: readonly string[]): Map<string, PartitionMap<number>> {
  const lines = csv
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');
  const isNumber = (s: string | undefined) => s !== undefined && /^-?\d+$/.test(s.trim());
  const first = lines.length > 0 ? csvSplit(lines[0]!) : [];
  const withoutGroup = groups.length === 1 && first.length === 3 && isNumber(first[1]) && isNumber(first[2]);
  const plan = new Map<string, PartitionMap<number>>();
  for (const line of lines) {
    const fields = csvSplit(line);
    const [group, topic, partition, offset] = withoutGroup ? [groups[0]!, ...fields] : fields;
    if (fields.length !== (withoutGroup ? 3 : 4) || !isNumber(partition) || !isNumber(offset)) {
      throw new KafkaClientError(
        `Unreadable line in the reset plan: '${line}' (expected ${withoutGroup ? 'topic,partition,offset' : 'group,topic,partition,offset'})`,
      );
    }
    let map = plan.get(group!);
    if (!map) plan.set(group!, (map = new PartitionMap<number>()));
    map.set({ topic: topic!, partition: Number(partition) }, Number(offset));
  }
  return plan;
}

/** The plan as Kafka's --export writes it: CSV lines, without the group column when one --group was given. */
export function exportPlan(plans: ReadonlyArray<[string, PartitionMap<number>]>, singleGroup: boolean): string {
  let text = '';
  for (const [group, plan] of plans) {
    for (const [tp, offset] of plan.sorted()) {
      text += `${singleGroup ? '' : `${csvField(group)},`}${csvField(tp.topic)},${tp.partition},${offset}\n`;
    }
  }
  return text;
}
