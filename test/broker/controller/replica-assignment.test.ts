import { describe, expect, it } from 'vitest';
import {
  assignReplicasToBrokers,
  type BrokerPlacement,
  rackAlternatedBrokerList,
  startIndexForNewPartitions,
} from '../../../src/broker/controller/replica-assignment.js';
import { ErrorCode, KafkaError } from '../../../src/protocol/error-codes.js';
import { Random } from '../../record/random.js';

const brokers = (ids: number[], racks?: Record<number, string>): BrokerPlacement[] => ids.map((id) => ({ id, rack: racks?.[id] ?? null }));

function kafkaErrorOf(fn: () => unknown): KafkaError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KafkaError);
    return error as KafkaError;
  }
  throw new Error('expected a KafkaError');
}

describe("replica assignment (Kafka's AdminUtils)", () => {
  it("places replicas round-robin with a shift that grows each round, as Kafka's own test expects", () => {
    const assignment = assignReplicasToBrokers(brokers([0, 1, 2, 3, 4]), 10, 3, { fixedStartIndex: 0 });
    expect(Object.fromEntries(assignment)).toEqual({
      0: [0, 1, 2],
      1: [1, 2, 3],
      2: [2, 3, 4],
      3: [3, 4, 0],
      4: [4, 0, 1],
      5: [0, 2, 3],
      6: [1, 3, 4],
      7: [2, 4, 0],
      8: [3, 0, 1],
      9: [4, 1, 2],
    });
  });

  it('takes the brokers in id order whatever order they come in', () => {
    expect(assignReplicasToBrokers(brokers([4, 2, 0, 3, 1]), 10, 3, { fixedStartIndex: 0 })).toEqual(
      assignReplicasToBrokers(brokers([0, 1, 2, 3, 4]), 10, 3, { fixedStartIndex: 0 }),
    );
  });

  it('alternates racks, and spreads each partition over them', () => {
    const racks = { 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' };
    expect(rackAlternatedBrokerList(new Map(Object.entries(racks).map(([id, rack]) => [Number(id), rack])))).toEqual([0, 3, 1, 5, 4, 2]);
    expect(
      rackAlternatedBrokerList(
        new Map([
          [0, 'rack1'],
          [1, 'rack3'],
          [2, 'rack3'],
          [3, 'rack2'],
          [4, 'rack2'],
        ]),
      ),
    ).toEqual([0, 3, 1, 4, 2]);
    const assignment = assignReplicasToBrokers(brokers([0, 1, 2, 3, 4, 5], racks), 7, 3, { fixedStartIndex: 0, startPartitionId: 0 });
    expect(Object.fromEntries(assignment)).toEqual({
      0: [0, 3, 1],
      1: [3, 1, 5],
      2: [1, 5, 4],
      3: [5, 4, 2],
      4: [4, 2, 0],
      5: [2, 0, 3],
      6: [0, 4, 2],
    });
  });

  it("continues a topic's placement for added partitions from where its partition 0 starts", () => {
    for (const start of [0, 2, 4]) {
      const all = assignReplicasToBrokers(brokers([0, 1, 2, 3, 4]), 12, 2, { fixedStartIndex: start });
      const first = new Map([...all].filter(([p]) => p < 5));
      const startIndex = startIndexForNewPartitions(brokers([0, 1, 2, 3, 4]), first.get(0)!);
      expect(startIndex).toBe(start);
      const added = assignReplicasToBrokers(brokers([0, 1, 2, 3, 4]), 7, 2, { fixedStartIndex: startIndex, startPartitionId: 5 });
      expect(new Map([...first, ...added])).toEqual(all);
    }
  });

  it("refuses what cannot be placed, with Kafka's error codes", () => {
    expect(kafkaErrorOf(() => assignReplicasToBrokers(brokers([0, 1]), 0, 1)).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(kafkaErrorOf(() => assignReplicasToBrokers(brokers([0, 1]), 1, 0)).errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(kafkaErrorOf(() => assignReplicasToBrokers(brokers([0, 1]), 1, 3)).errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(kafkaErrorOf(() => assignReplicasToBrokers(brokers([0, 1], { 0: 'a' }), 1, 1)).errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
  });

  it('gives every partition distinct replicas, evenly spread leaders and as many racks as it can (seeded random clusters)', () => {
    const seed = Date.now() % 100_000;
    const random = new Random(seed);
    for (let round = 0; round < 200; round++) {
      const n = random.int(1, 9);
      const ids = Array.from({ length: n }, (_, i) => i * 3 + random.int(0, 2));
      const rackCount = random.int(0, 3);
      const racks = rackCount === 0 ? undefined : Object.fromEntries(ids.map((id) => [id, `r${random.int(1, rackCount)}`]));
      const partitions = random.int(1, 30);
      const rf = random.int(1, n);
      const assignment = assignReplicasToBrokers(brokers(ids, racks), partitions, rf, { random: () => random.next() });
      const context = `seed ${seed}, round ${round}: ${n} brokers, racks ${JSON.stringify(racks)}, ${partitions} partitions, rf ${rf}`;
      expect([...assignment.keys()], context).toEqual(Array.from({ length: partitions }, (_, i) => i));
      const leaders = new Map<number, number>();
      for (const replicas of assignment.values()) {
        expect(new Set(replicas).size, context).toBe(rf);
        for (const r of replicas) expect(ids, context).toContain(r);
        leaders.set(replicas[0]!, (leaders.get(replicas[0]!) ?? 0) + 1);
        if (racks) {
          const distinctRacks = new Set(Object.values(racks)).size;
          expect(new Set(replicas.map((r) => racks[r])).size, context).toBe(Math.min(rf, distinctRacks));
        }
      }
      const counts = ids.map((id) => leaders.get(id) ?? 0);
      expect(Math.max(...counts) - Math.min(...counts), context).toBeLessThanOrEqual(1);
    }
  });
});
