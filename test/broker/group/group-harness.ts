import { afterAll, afterEach, beforeAll } from 'vitest';
import type { GroupCoordinator } from '../../../src/broker/group/group-coordinator.js';
import type { GroupMetadata } from '../../../src/broker/group/group-metadata.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ProtocolWriter } from '../../../src/protocol/writer.js';
import { readAllRecords } from '../../../storage/record/record.js';
import { validateBatches } from '../../../storage/record/record-batch-scan.js';
import { startBroker, type TestBroker } from '../harness.js';
import { RawClient } from '../raw-client.js';

/**
 * What the group coordinator's tests share: a broker with the raw
 * connections its tests open, the group APIs as raw requests, and waits on
 * the state the broker exposes.
 */

/** A broker for a suite of group tests; `closeClients` (afterEach) closes what `connect` opened, `stop` (afterAll) the broker and then the rest. */
export interface GroupBroker {
  b: TestBroker;
  coordinator: GroupCoordinator;
  /** The group as the coordinator holds it now. */
  group(groupId: string): GroupMetadata | undefined;
  connect(): Promise<RawClient>;
  closeClients(): void;
  /** Stops the broker (members waiting are answered first), then closes the connections; `keepData` leaves the log dir for a restart. */
  stop(keepData?: boolean): Promise<void>;
}

export async function startGroupBroker(settings: Record<string, unknown> = {}, dir?: string): Promise<GroupBroker> {
  const b = await startBroker(settings, dir);
  return groupBroker(b);
}

/** The same over a broker started elsewhere (a restart keeps its log dir). */
export function groupBroker(b: TestBroker): GroupBroker {
  const clients: RawClient[] = [];
  const coordinator = b.broker.context.groups!;
  return {
    b,
    coordinator,
    group: (groupId) => coordinator.group(groupId),
    async connect() {
      const c = await RawClient.connect(b.port);
      clients.push(c);
      return c;
    },
    closeClients() {
      for (const c of clients.splice(0)) c.close();
    },
    async stop(keepData = false) {
      try {
        await b.stop(keepData);
      } finally {
        for (const c of clients.splice(0)) c.close();
      }
    },
  };
}

/**
 * The broker of a describe block: started before its tests with these topics
 * (name → partitions), the connections a test opened closed after it, stopped
 * after them all. Its members are read once the block's tests run.
 */
export function groupSuite(settings: Record<string, unknown>, topics: Record<string, number> = {}): GroupBroker {
  let started: GroupBroker | undefined;
  const current = () => {
    if (!started) throw new Error('the suite broker has not started');
    return started;
  };
  beforeAll(async () => {
    started = await startGroupBroker(settings);
    for (const [name, partitions] of Object.entries(topics)) await createTopic(started.b, name, partitions);
  });
  afterEach(() => started?.closeClients());
  afterAll(async () => {
    await started?.stop();
  });
  return {
    get b() {
      return current().b;
    },
    get coordinator() {
      return current().coordinator;
    },
    group: (groupId) => current().group(groupId),
    connect: () => current().connect(),
    closeClients: () => current().closeClients(),
    stop: (keepData) => current().stop(keepData),
  };
}

export async function createTopic(b: TestBroker, name: string, partitions: number): Promise<void> {
  await b.broker.context.topics.create({ name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: {} });
}

export { waitFor } from '../../wait-for.js';

/** A promise and whether it has settled yet (a request the broker holds has not). */
export function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  const done = () => (settled = true);
  promise.then(done, done);
  return { promise, settled: () => settled };
}

// --- the group APIs as raw requests -------------------------------------------

/** A ConsumerProtocolSubscription v0: the member metadata a consumer sends in JoinGroup. */
export function subscription(topics: string[], userData = ''): Buffer {
  const w = new ProtocolWriter();
  w.int16(0).arrayLength(topics.length);
  for (const t of topics) w.string(t);
  w.bytes(Buffer.from(userData));
  return w.toBuffer();
}

export interface JoinOptions {
  memberId?: string;
  instanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocolType?: string;
  protocols?: Array<{ name: string; metadata: Buffer }>;
  version?: number;
}

export function join(client: RawClient, groupId: string, o: JoinOptions = {}): Promise<any> {
  return client.request('JoinGroup', o.version ?? 9, {
    groupId,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 5_000,
    memberId: o.memberId ?? '',
    groupInstanceId: o.instanceId ?? null,
    protocolType: o.protocolType ?? 'consumer',
    protocols: o.protocols ?? [{ name: 'range', metadata: subscription(['t']) }],
    reason: null,
  });
}

/** JoinGroup v4+ the way clients do it: the first attempt gets MEMBER_ID_REQUIRED and the id to come back with. */
export async function joinWithId(client: RawClient, groupId: string, o: JoinOptions = {}): Promise<any> {
  const first = await join(client, groupId, o);
  if (first.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) return first;
  return join(client, groupId, { ...o, memberId: first.memberId });
}

export function sync(
  client: RawClient,
  groupId: string,
  generationId: number,
  memberId: string,
  assignments: Array<{ memberId: string; assignment: Buffer }> = [],
  extra: Record<string, unknown> = {},
  version = 5,
): Promise<any> {
  return client.request('SyncGroup', version, {
    groupId,
    generationId,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments,
    ...extra,
  });
}

export function heartbeat(client: RawClient, groupId: string, generationId: number, memberId: string, groupInstanceId: string | null = null): Promise<number> {
  return client.request('Heartbeat', 4, { groupId, generationId, memberId, groupInstanceId }).then((r: any) => r.errorCode);
}

export async function describeGroup(client: RawClient, groupId: string): Promise<any> {
  const res = await client.request('DescribeGroups', 5, { groups: [groupId], includeAuthorizedOperations: false });
  return res.groups[0];
}

export function commitBody(
  groupId: string,
  topic: string,
  offsets: Record<number, number>,
  o: { generationId?: number; memberId?: string; metadata?: string | null; instanceId?: string | null } = {},
) {
  return {
    groupId,
    generationIdOrMemberEpoch: o.generationId ?? -1,
    memberId: o.memberId ?? '',
    groupInstanceId: o.instanceId ?? null,
    retentionTimeMs: -1,
    topics: [
      {
        name: topic,
        partitions: Object.entries(offsets).map(([p, offset]) => ({
          partitionIndex: Number(p),
          committedOffset: offset,
          committedLeaderEpoch: -1,
          commitTimestamp: -1,
          committedMetadata: o.metadata === undefined ? `meta-${p}` : o.metadata,
        })),
      },
    ],
  };
}

export async function commitCodes(client: RawClient, body: unknown, version = 8): Promise<number[]> {
  const res = await client.request('OffsetCommit', version, body);
  return res.topics.flatMap((t: any) => t.partitions.map((p: any) => p.errorCode));
}

export function fetchOffsets(
  client: RawClient,
  groupId: string,
  topics: Array<{ name: string; partitionIndexes: number[] }> | null,
  version = 7,
): Promise<any> {
  return client.request('OffsetFetch', version, { groupId, topics, groups: [], requireStable: false });
}

/** Every record of a __consumer_offsets partition, as stored. */
export async function offsetsRecords(b: TestBroker, partition: number): Promise<Array<{ key: Buffer; value: Buffer | null }>> {
  const p = b.broker.context.replicas.getPartition('__consumer_offsets', partition)!;
  const { bytes } = await p.log.read(p.logStartOffset, 1 << 24);
  return validateBatches(Buffer.from(bytes)).flatMap((batch) =>
    readAllRecords(batch).map((r) => ({ key: Buffer.from(r.key!), value: r.value && Buffer.from(r.value) })),
  );
}
