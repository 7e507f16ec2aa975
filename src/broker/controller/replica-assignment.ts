import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';

/** A broker as replica placement sees it: its id and rack (null when it has none). */
export interface BrokerPlacement {
  id: number;
  rack: string | null;
}

export interface AssignmentOptions {
  /**
   * The index (into the brokers, or the rack-alternated list) of the first partition's first
   * replica, which is also the first replica shift; random when negative (the default).
   */
  fixedStartIndex?: number;
  /** The id of the first partition to place (CreatePartitions: the number the topic has). */
  startPartitionId?: number;
  /** Random numbers in [0, 1) for the start index and shift (a seeded generator in tests). */
  random?: () => number;
}

/**
 * Places the replicas of `partitions` new partitions on `brokers`, as Kafka's
 * AdminUtils.assignReplicasToBrokers does: the first replica of each partition goes
 * round-robin from a random start, the others follow at a shift that grows each time the
 * partitions have gone once round the brokers, so leaders and followers spread evenly.
 * When the brokers have racks the same walk runs over a rack-alternated broker list and
 * skips a broker whose rack (or itself) already holds a replica while some rack (or broker)
 * holds none, so each partition spans as many racks as it can.
 * The brokers are taken in id order, as Kafka's callers pass them. Returns partition id →
 * replicas, in partition order.
 */
export function assignReplicasToBrokers(
  brokers: readonly BrokerPlacement[],
  partitions: number,
  replicationFactor: number,
  options: AssignmentOptions = {},
): Map<number, number[]> {
  if (partitions <= 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  if (replicationFactor <= 0) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  if (replicationFactor > brokers.length) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`);
  }
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  if (sorted.every((b) => b.rack === null))
    return assignRackUnaware(
      sorted.map((b) => b.id),
      partitions,
      replicationFactor,
      options,
    );
  // Kafka's AdminOperationException, which its CreateTopics answers as an unknown server error
  if (sorted.some((b) => b.rack === null))
    throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'Not all brokers have rack information for replica rack aware assignment.');
  return assignRackAware(sorted, partitions, replicationFactor, options);
}

/**
 * The start index for partitions added to an existing topic (Kafka's
 * AdminZkClient.createPartitions): where partition 0's first replica sits among the
 * brokers sorted by id, so the new partitions continue the topic's round-robin.
 */
export function startIndexForNewPartitions(brokers: readonly BrokerPlacement[], partition0Replicas: readonly number[]): number {
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  const first = partition0Replicas[0];
  if (first === undefined) return 0;
  return Math.max(
    0,
    sorted.findIndex((b) => b.id >= first),
  );
}

function startValues(count: number, options: AssignmentOptions): { startIndex: number; shift: number; firstPartition: number } {
  const fixed = options.fixedStartIndex ?? -1;
  const random = options.random ?? Math.random;
  const pick = () => (fixed >= 0 ? fixed : Math.floor(random() * count));
  const startIndex = pick();
  const shift = pick();
  return { startIndex, shift, firstPartition: Math.max(0, options.startPartitionId ?? -1) };
}

/** The broker index of a partition's (j+2)th replica: its first replica's index moved on by 1 + (shift + j) mod (n - 1). */
function replicaIndex(firstReplicaIndex: number, shift: number, j: number, brokerCount: number): number {
  return (firstReplicaIndex + 1 + ((shift + j) % (brokerCount - 1))) % brokerCount;
}

function assignRackUnaware(brokerIds: readonly number[], partitions: number, replicationFactor: number, options: AssignmentOptions): Map<number, number[]> {
  const n = brokerIds.length;
  const assignment = new Map<number, number[]>();
  let { startIndex, shift, firstPartition: partition } = startValues(n, options);
  for (let i = 0; i < partitions; i++, partition++) {
    if (partition > 0 && partition % n === 0) shift++;
    const first = (partition + startIndex) % n;
    const replicas = [brokerIds[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(brokerIds[replicaIndex(first, shift, j, n)]!);
    assignment.set(partition, replicas);
  }
  return assignment;
}

function assignRackAware(
  brokers: readonly BrokerPlacement[],
  partitions: number,
  replicationFactor: number,
  options: AssignmentOptions,
): Map<number, number[]> {
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack!]));
  const rackCount = new Set(rackOf.values()).size;
  const arranged = rackAlternatedBrokerList(rackOf);
  const n = arranged.length;
  const assignment = new Map<number, number[]>();
  let { startIndex, shift, firstPartition: partition } = startValues(n, options);
  for (let i = 0; i < partitions; i++, partition++) {
    if (partition > 0 && partition % n === 0) shift++;
    const first = (partition + startIndex) % n;
    const leader = arranged[first]!;
    const replicas = [leader];
    const racksWithReplicas = new Set([rackOf.get(leader)!]);
    const brokersWithReplicas = new Set([leader]);
    let k = 0;
    for (let j = 0; j < replicationFactor - 1; j++) {
      for (;;) {
        const broker = arranged[replicaIndex(first, shift * rackCount, k++, n)]!;
        const rack = rackOf.get(broker)!;
        // a rack (a broker) is used twice only once every rack (every broker) holds a replica
        if ((!racksWithReplicas.has(rack) || racksWithReplicas.size === rackCount) && (!brokersWithReplicas.has(broker) || brokersWithReplicas.size === n)) {
          replicas.push(broker);
          racksWithReplicas.add(rack);
          brokersWithReplicas.add(broker);
          break;
        }
      }
    }
    assignment.set(partition, replicas);
  }
  return assignment;
}

/**
 * The brokers ordered so racks alternate (Kafka's getRackAlternatedBrokerList): racks in
 * name order, each giving its next broker (by id) in turn, e.g. racks a:{0,5} b:{3,4}
 * c:{1,2} → 0, 3, 1, 5, 4, 2.
 */
export function rackAlternatedBrokerList(rackOf: ReadonlyMap<number, string>): number[] {
  const byRack = new Map<string, number[]>();
  for (const [id, rack] of rackOf) byRack.set(rack, [...(byRack.get(rack) ?? []), id]);
  const racks = [...byRack.keys()].sort();
  const queues = racks.map((rack) => byRack.get(rack)!.sort((a, b) => a - b));
  const result: number[] = [];
  for (let r = 0; result.length < rackOf.size; r = (r + 1) % racks.length) {
    const next = queues[r]!.shift();
    if (next !== undefined) result.push(next);
  }
  return result;
}
