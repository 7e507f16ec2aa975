import { KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  AddOffsetsToTxnRequest,
  AddOffsetsToTxnResponse,
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  EndTxnRequest,
  EndTxnResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  SaslHandshakeRequest,
  SaslHandshakeResponse,
  SyncGroupRequest,
  SyncGroupResponse,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResponse,
} from '../../src/protocol/messages/index.js';
import { expectRejected } from '../errors.js';
// The consumer-group and transaction APIs against KafkaJS, a real client: bodies its
// request encoders write must decode with our definitions and re-encode to the same
// bytes; bodies our response encoders write must decode with its response decoders.
import { encode, kafkajsBody, requests, responses, roundTrip } from './kafkajs-wire.js';

/** What a consumer puts in JoinGroup's protocol metadata and SyncGroup's assignment: opaque bytes to the broker. */
const subscription = Buffer.from([0, 1, 0, 0, 0, 1, 0, 6, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73, 0xff, 0xff, 0xff, 0xff]);
const assignment = Buffer.from([0, 1, 0, 0, 0, 1, 0, 6, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0]);

describe('consumer-group request bodies written by KafkaJS', () => {
  it('FindCoordinator v0 (a group key, no key type)', async () => {
    const value = roundTrip(FindCoordinatorRequest, 0, await kafkajsBody(requests('findCoordinator', 0)({ groupId: 'payments' })));
    expect(value).toEqual({ key: 'payments', keyType: 0, coordinatorKeys: [] });
  });

  it.each([1, 2])('FindCoordinator v%i (a transaction coordinator)', async (v) => {
    const value = roundTrip(FindCoordinatorRequest, v, await kafkajsBody(requests('findCoordinator', v)({ coordinatorKey: 'tx-1', coordinatorType: 1 })));
    expect(value).toEqual({ key: 'tx-1', keyType: 1, coordinatorKeys: [] });
  });

  it.each([0, 1, 2, 3, 4, 5])('JoinGroup v%i', async (v) => {
    const body = await kafkajsBody(
      requests(
        'joinGroup',
        v,
      )({
        groupId: 'payments',
        sessionTimeout: 30000,
        rebalanceTimeout: 60000,
        memberId: '',
        groupInstanceId: 'instance-1',
        protocolType: 'consumer',
        groupProtocols: [{ name: 'RoundRobinAssigner', metadata: subscription }, { name: 'empty' }],
      }),
    );
    const value = roundTrip(JoinGroupRequest, v, body);
    expect(value.groupId).toBe('payments');
    expect(value.sessionTimeoutMs).toBe(30000);
    expect(value.rebalanceTimeoutMs).toBe(v >= 1 ? 60000 : -1);
    expect(value.memberId).toBe('');
    expect(value.groupInstanceId).toBe(v >= 5 ? 'instance-1' : null);
    expect(value.protocolType).toBe('consumer');
    expect(value.protocols.map((p: { name: string }) => p.name)).toEqual(['RoundRobinAssigner', 'empty']);
    expect(value.protocols[0].metadata.equals(subscription)).toBe(true);
    expect(value.protocols[1].metadata.length).toBe(0);
    expect(value.reason).toBeNull();
  });

  it.each([0, 1, 2, 3])('Heartbeat v%i', async (v) => {
    const body = await kafkajsBody(
      requests('heartbeat', v)({ groupId: 'payments', groupGenerationId: 7, memberId: 'member-1', groupInstanceId: 'instance-1' }),
    );
    const value = roundTrip(HeartbeatRequest, v, body);
    expect(value).toEqual({ groupId: 'payments', generationId: 7, memberId: 'member-1', groupInstanceId: v >= 3 ? 'instance-1' : null });
  });

  it.each([0, 1, 2])('LeaveGroup v%i (one member)', async (v) => {
    const value = roundTrip(LeaveGroupRequest, v, await kafkajsBody(requests('leaveGroup', v)({ groupId: 'payments', memberId: 'member-1' })));
    expect(value).toEqual({ groupId: 'payments', memberId: 'member-1', members: [] });
  });

  it('LeaveGroup v3 (a batch of members)', async () => {
    const members = [{ memberId: 'member-1', groupInstanceId: 'instance-1' }, { memberId: 'member-2' }];
    const value = roundTrip(LeaveGroupRequest, 3, await kafkajsBody(requests('leaveGroup', 3)({ groupId: 'payments', members })));
    expect(value.memberId).toBe('');
    expect(value.members).toEqual([
      { memberId: 'member-1', groupInstanceId: 'instance-1', reason: null },
      { memberId: 'member-2', groupInstanceId: null, reason: null },
    ]);
  });

  it.each([0, 1, 2, 3])('SyncGroup v%i', async (v) => {
    const body = await kafkajsBody(
      requests(
        'syncGroup',
        v,
      )({
        groupId: 'payments',
        generationId: 7,
        memberId: 'member-1',
        groupInstanceId: 'instance-1',
        groupAssignment: [
          { memberId: 'member-1', memberAssignment: assignment },
          { memberId: 'member-2', memberAssignment: Buffer.alloc(0) },
        ],
      }),
    );
    const value = roundTrip(SyncGroupRequest, v, body);
    expect(value.generationId).toBe(7);
    expect(value.groupInstanceId).toBe(v >= 3 ? 'instance-1' : null);
    expect(value.protocolType).toBeNull();
    expect(value.assignments.map((a: { memberId: string }) => a.memberId)).toEqual(['member-1', 'member-2']);
    expect(value.assignments[0].assignment.equals(assignment)).toBe(true);
    expect(value.assignments[1].assignment.length).toBe(0);
  });

  it.each([0, 1, 2])('DescribeGroups v%i', async (v) => {
    const value = roundTrip(DescribeGroupsRequest, v, await kafkajsBody(requests('describeGroups', v)({ groupIds: ['payments', 'audit'] })));
    expect(value).toEqual({ groups: ['payments', 'audit'], includeAuthorizedOperations: false });
  });

  it.each([0, 1, 2])('ListGroups v%i (an empty body)', async (v) => {
    const value = roundTrip(ListGroupsRequest, v, await kafkajsBody(requests('listGroups', v)()));
    expect(value).toEqual({ statesFilter: [], typesFilter: [] });
  });

  it.each([0, 1, 2, 3, 4, 5])('OffsetCommit v%i', async (v) => {
    const topics = [
      {
        topic: 'orders',
        partitions: [
          { partition: 0, offset: '42', timestamp: 1700000000000, metadata: 'checkpoint' },
          { partition: 3, offset: '9007199254740991' },
        ],
      },
    ];
    const body = await kafkajsBody(
      requests('offsetCommit', v)({ groupId: 'payments', groupGenerationId: 7, memberId: 'member-1', retentionTime: 86400000, topics }),
    );
    const value = roundTrip(OffsetCommitRequest, v, body);
    expect(value.groupId).toBe('payments');
    expect(value.generationIdOrMemberEpoch).toBe(v >= 1 ? 7 : -1);
    expect(value.memberId).toBe(v >= 1 ? 'member-1' : '');
    expect(value.retentionTimeMs).toBe(v >= 2 && v <= 4 ? 86400000 : -1);
    expect(value.groupInstanceId).toBeNull();
    expect(value.topics[0].name).toBe('orders');
    expect(value.topics[0].partitions).toEqual([
      { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, commitTimestamp: v === 1 ? 1700000000000 : -1, committedMetadata: 'checkpoint' },
      {
        partitionIndex: 3,
        committedOffset: Number.MAX_SAFE_INTEGER,
        committedLeaderEpoch: -1,
        commitTimestamp: v === 1 ? expect.any(Number) : -1,
        committedMetadata: null,
      },
    ]);
  });

  it.each([1, 2, 3, 4])('OffsetFetch v%i (chosen partitions)', async (v) => {
    const topics = [
      { topic: 'orders', partitions: [{ partition: 0 }, { partition: 5 }] },
      { topic: 'refunds', partitions: [{ partition: 1 }] },
    ];
    const value = roundTrip(OffsetFetchRequest, v, await kafkajsBody(requests('offsetFetch', v)({ groupId: 'payments', topics })));
    expect(value.groupId).toBe('payments');
    expect(value.topics).toEqual([
      { name: 'orders', partitionIndexes: [0, 5] },
      { name: 'refunds', partitionIndexes: [1] },
    ]);
    expect(value.groups).toEqual([]);
    expect(value.requireStable).toBe(false);
  });

  it.each([3, 4])('OffsetFetch v%i (every partition: a null topic list)', async (v) => {
    const body = await kafkajsBody(requests('offsetFetch', v)({ groupId: 'payments', topics: [] }));
    expect(body.readInt32BE(body.length - 4)).toBe(-1);
    expect(roundTrip(OffsetFetchRequest, v, body).topics).toBeNull();
  });

  it.each([0, 1])('DeleteGroups v%i', async (v) => {
    const value = roundTrip(DeleteGroupsRequest, v, await kafkajsBody(requests('deleteGroups', v)(['payments', 'audit'])));
    expect(value).toEqual({ groupsNames: ['payments', 'audit'] });
  });
});

describe('consumer-group response bodies KafkaJS reads', () => {
  it.each([0, 1, 2])('FindCoordinator v%i', async (v) => {
    const body = encode(FindCoordinatorResponse, v, { throttleTimeMs: 5, errorCode: 0, errorMessage: null, nodeId: 3, host: 'broker-3', port: 9094 });
    const decoded = await responses('findCoordinator', v).decode(body);
    expect(decoded.errorCode).toBe(0);
    expect(decoded.coordinator).toEqual({ nodeId: 3, host: 'broker-3', port: 9094 });
    if (v >= 1) expect(decoded.errorMessage).toBeNull();
    if (v === 1) expect(decoded.throttleTime).toBe(5);
    if (v === 2) expect(decoded.clientSideThrottleTime).toBe(5);
  });

  it.each([1, 2])('FindCoordinator v%i while the coordinator is loading', async (v) => {
    const body = encode(FindCoordinatorResponse, v, {
      throttleTimeMs: 0,
      errorCode: 15,
      errorMessage: 'The coordinator is not available.',
      nodeId: -1,
      host: '',
      port: -1,
    });
    const decoded = await responses('findCoordinator', v).decode(body);
    expect(decoded).toMatchObject({ errorCode: 15, errorMessage: 'The coordinator is not available.', coordinator: { nodeId: -1, host: '', port: -1 } });
    await expectRejected(
      responses('findCoordinator', v).parse(decoded),
      KafkaJSProtocolError,
      { type: 'GROUP_COORDINATOR_NOT_AVAILABLE', code: ErrorCode.COORDINATOR_NOT_AVAILABLE, retriable: true },
      /coordinator is not available/i,
    ); // KafkaJS keeps the code's old name
  });

  it.each([0, 1, 2, 3, 4, 5])('JoinGroup v%i (the leader sees every member)', async (v) => {
    const body = encode(JoinGroupResponse, v, {
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 8,
      protocolName: 'RoundRobinAssigner',
      leader: 'member-1',
      memberId: 'member-1',
      members: [
        { memberId: 'member-1', groupInstanceId: 'instance-1', metadata: subscription },
        { memberId: 'member-2', groupInstanceId: null, metadata: Buffer.alloc(0) },
      ],
    });
    const decoded = await responses('joinGroup', v).decode(body);
    expect(decoded).toMatchObject({ errorCode: 0, generationId: 8, groupProtocol: 'RoundRobinAssigner', leaderId: 'member-1', memberId: 'member-1' });
    expect(decoded.members.map((m: { memberId: string }) => m.memberId)).toEqual(['member-1', 'member-2']);
    expect(Buffer.from(decoded.members[0].memberMetadata).equals(subscription)).toBe(true);
    expect(decoded.members[1].memberMetadata.length).toBe(0);
    if (v >= 5) expect(decoded.members.map((m: { groupInstanceId: string | null }) => m.groupInstanceId)).toEqual(['instance-1', null]);
  });

  it.each([4, 5])('JoinGroup v%i asking for a member id (MEMBER_ID_REQUIRED)', async (v) => {
    const body = encode(JoinGroupResponse, v, {
      throttleTimeMs: 0,
      errorCode: 79,
      generationId: -1,
      protocolName: '',
      leader: '',
      memberId: 'consumer-1-4b1f',
      members: [],
    });
    const response = responses('joinGroup', v);
    const decoded = await response.decode(body);
    expect(decoded.errorCode).toBe(79);
    await expect(response.parse(decoded)).rejects.toMatchObject({ name: 'KafkaJSMemberIdRequired', memberId: 'consumer-1-4b1f' });
  });

  it.each([0, 1, 2, 3])('Heartbeat v%i during a rebalance', async (v) => {
    const body = encode(HeartbeatResponse, v, { throttleTimeMs: 0, errorCode: 27 });
    expect(body.length).toBe(v >= 1 ? 6 : 2);
    const decoded = await responses('heartbeat', v).decode(body);
    expect(decoded.errorCode).toBe(27);
    await expect(responses('heartbeat', v).parse(decoded)).rejects.toMatchObject({ type: 'REBALANCE_IN_PROGRESS' });
  });

  it.each([0, 1, 2])('LeaveGroup v%i', async (v) => {
    const decoded = await responses('leaveGroup', v).decode(encode(LeaveGroupResponse, v, { throttleTimeMs: 0, errorCode: 0 }));
    expect(decoded.errorCode).toBe(0);
  });

  it('LeaveGroup v3 with a per-member error', async () => {
    const body = encode(LeaveGroupResponse, 3, {
      throttleTimeMs: 0,
      errorCode: 0,
      members: [
        { memberId: 'member-1', groupInstanceId: 'instance-1', errorCode: 0 },
        { memberId: 'member-2', groupInstanceId: null, errorCode: 25 },
      ],
    });
    const decoded = await responses('leaveGroup', 3).decode(body);
    expect(decoded.members).toEqual([
      { memberId: 'member-1', groupInstanceId: 'instance-1', errorCode: 0 },
      { memberId: 'member-2', groupInstanceId: null, errorCode: 25 },
    ]);
    await expect(responses('leaveGroup', 3).parse(decoded)).rejects.toMatchObject({ type: 'UNKNOWN_MEMBER_ID' });
  });

  it.each([0, 1, 2, 3])('SyncGroup v%i', async (v) => {
    const decoded = await responses('syncGroup', v).decode(encode(SyncGroupResponse, v, { throttleTimeMs: 0, errorCode: 0, assignment }));
    expect(decoded.errorCode).toBe(0);
    expect(Buffer.from(decoded.memberAssignment).equals(assignment)).toBe(true);
  });

  it.each([0, 1, 2])('DescribeGroups v%i', async (v) => {
    const body = encode(DescribeGroupsResponse, v, {
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 0,
          groupId: 'payments',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'RoundRobinAssigner',
          members: [{ memberId: 'member-1', clientId: 'app', clientHost: '/10.0.0.7', memberMetadata: subscription, memberAssignment: assignment }],
        },
        { errorCode: 0, groupId: 'audit', groupState: 'Dead', protocolType: '', protocolData: '', members: [] },
      ],
    });
    const decoded = await responses('describeGroups', v).decode(body);
    expect(decoded.groups.map((g: { groupId: string; state: string; protocol: string }) => [g.groupId, g.state, g.protocol])).toEqual([
      ['payments', 'Stable', 'RoundRobinAssigner'],
      ['audit', 'Dead', ''],
    ]);
    const member = decoded.groups[0].members[0];
    expect(member).toMatchObject({ memberId: 'member-1', clientId: 'app', clientHost: '/10.0.0.7' });
    expect(Buffer.from(member.memberAssignment).equals(assignment)).toBe(true);
  });

  it.each([0, 1, 2])('ListGroups v%i', async (v) => {
    const body = encode(ListGroupsResponse, v, {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [
        { groupId: 'payments', protocolType: 'consumer' },
        { groupId: 'connect-sink', protocolType: 'connect' },
      ],
    });
    const decoded = await responses('listGroups', v).decode(body);
    expect(decoded.errorCode).toBe(0);
    expect(decoded.groups).toEqual([
      { groupId: 'payments', protocolType: 'consumer' },
      { groupId: 'connect-sink', protocolType: 'connect' },
    ]);
  });

  it.each([0, 1, 2, 3, 4, 5])('OffsetCommit v%i with a partition error', async (v) => {
    const body = encode(OffsetCommitResponse, v, {
      throttleTimeMs: 12,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, errorCode: 0 },
            { partitionIndex: 3, errorCode: 22 },
          ],
        },
      ],
    });
    const decoded = await responses('offsetCommit', v).decode(body);
    expect(decoded.responses).toEqual([
      {
        topic: 'orders',
        partitions: [
          { partition: 0, errorCode: 0 },
          { partition: 3, errorCode: 22 },
        ],
      },
    ]);
    if (v === 3) expect(decoded.throttleTime).toBe(12);
    if (v >= 4) expect(decoded.clientSideThrottleTime).toBe(12);
    await expect(responses('offsetCommit', v).parse(decoded)).rejects.toMatchObject({ type: 'ILLEGAL_GENERATION' });
  });

  it.each([1, 2, 3, 4])('OffsetFetch v%i', async (v) => {
    const body = encode(OffsetFetchResponse, v, {
      throttleTimeMs: 0,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 42, metadata: 'checkpoint', errorCode: 0 },
            { partitionIndex: 5, committedOffset: -1, metadata: null, errorCode: 0 },
          ],
        },
      ],
      errorCode: 0,
    });
    const decoded = await responses('offsetFetch', v).decode(body);
    expect(decoded.responses).toEqual([
      {
        topic: 'orders',
        partitions: [
          { partition: 0, offset: '42', metadata: 'checkpoint', errorCode: 0 },
          { partition: 5, offset: '-1', metadata: null, errorCode: 0 },
        ],
      },
    ]);
    if (v >= 2) expect(decoded.errorCode).toBe(0);
  });

  it.each([2, 3, 4])('OffsetFetch v%i with a group-level error after the topics', async (v) => {
    const body = encode(OffsetFetchResponse, v, { throttleTimeMs: 0, topics: [], errorCode: 14 });
    const decoded = await responses('offsetFetch', v).decode(body);
    expect(decoded.errorCode).toBe(14);
    await expect(responses('offsetFetch', v).parse(decoded)).rejects.toMatchObject({ type: 'GROUP_LOAD_IN_PROGRESS' }); // KafkaJS's name for 14 (COORDINATOR_LOAD_IN_PROGRESS);
  });

  it.each([0, 1])('DeleteGroups v%i', async (v) => {
    const body = encode(DeleteGroupsResponse, v, {
      throttleTimeMs: 3,
      results: [
        { groupId: 'payments', errorCode: 0 },
        { groupId: 'audit', errorCode: 68 },
      ],
    });
    const decoded = await responses('deleteGroups', v).decode(body);
    expect(decoded.throttleTimeMs).toBe(3);
    expect(decoded.results.map((r: { groupId: string; errorCode: number }) => [r.groupId, r.errorCode])).toEqual([
      ['payments', 0],
      ['audit', 68],
    ]);
    expect(decoded.results[1].error.type).toBe('NON_EMPTY_GROUP');
  });
});

describe('SASL handshake bodies', () => {
  it.each([0, 1])('SaslHandshake v%i request written by KafkaJS', async (v) => {
    const value = roundTrip(SaslHandshakeRequest, v, await kafkajsBody(requests('saslHandshake', v)({ mechanism: 'SCRAM-SHA-256' })));
    expect(value).toEqual({ mechanism: 'SCRAM-SHA-256' });
  });

  it.each([0, 1])('SaslHandshake v%i response KafkaJS reads', async (v) => {
    const decoded = await responses('saslHandshake', v).decode(encode(SaslHandshakeResponse, v, { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-512'] }));
    expect(decoded).toEqual({ errorCode: 0, enabledMechanisms: ['PLAIN', 'SCRAM-SHA-512'] });
  });

  it.each([0, 1])('SaslHandshake v%i refusing a mechanism (UNSUPPORTED_SASL_MECHANISM)', async (v) => {
    const response = responses('saslHandshake', v);
    const decoded = await response.decode(encode(SaslHandshakeResponse, v, { errorCode: 33, mechanisms: ['PLAIN'] }));
    expect(decoded.enabledMechanisms).toEqual(['PLAIN']);
    await expect(response.parse(decoded)).rejects.toMatchObject({ type: 'UNSUPPORTED_SASL_MECHANISM' });
  });
});

describe('transaction request bodies written by KafkaJS', () => {
  it.each([0, 1])('AddPartitionsToTxn v%i', async (v) => {
    const topics = [
      { topic: 'orders', partitions: [0, 2] },
      { topic: 'refunds', partitions: [1] },
    ];
    const body = await kafkajsBody(requests('addPartitionsToTxn', v)({ transactionalId: 'tx-1', producerId: '4000', producerEpoch: 3, topics }));
    const value = roundTrip(AddPartitionsToTxnRequest, v, body);
    expect(value).toEqual({
      transactions: [],
      v3AndBelowTransactionalId: 'tx-1',
      v3AndBelowProducerId: 4000,
      v3AndBelowProducerEpoch: 3,
      v3AndBelowTopics: [
        { name: 'orders', partitions: [0, 2] },
        { name: 'refunds', partitions: [1] },
      ],
    });
  });

  it.each([0, 1])('AddOffsetsToTxn v%i', async (v) => {
    const body = await kafkajsBody(requests('addOffsetsToTxn', v)({ transactionalId: 'tx-1', producerId: '4000', producerEpoch: 3, groupId: 'payments' }));
    expect(roundTrip(AddOffsetsToTxnRequest, v, body)).toEqual({ transactionalId: 'tx-1', producerId: 4000, producerEpoch: 3, groupId: 'payments' });
  });

  it.each([0, 1])('EndTxn v%i (commit and abort)', async (v) => {
    for (const transactionResult of [true, false]) {
      const body = await kafkajsBody(requests('endTxn', v)({ transactionalId: 'tx-1', producerId: '4000', producerEpoch: 3, transactionResult }));
      expect(roundTrip(EndTxnRequest, v, body)).toEqual({ transactionalId: 'tx-1', producerId: 4000, producerEpoch: 3, committed: transactionResult });
    }
  });

  it.each([0, 1])('TxnOffsetCommit v%i', async (v) => {
    const topics = [
      {
        topic: 'orders',
        partitions: [
          { partition: 0, offset: '42', metadata: 'checkpoint' },
          { partition: 2, offset: '7', metadata: null },
        ],
      },
    ];
    const body = await kafkajsBody(
      requests('txnOffsetCommit', v)({ transactionalId: 'tx-1', groupId: 'payments', producerId: '4000', producerEpoch: 3, topics }),
    );
    const value = roundTrip(TxnOffsetCommitRequest, v, body);
    expect(value).toMatchObject({ transactionalId: 'tx-1', groupId: 'payments', producerId: 4000, producerEpoch: 3 });
    // v0-2 carry no group membership: the defaults stand in for it.
    expect(value).toMatchObject({ generationId: -1, memberId: '', groupInstanceId: null });
    expect(value.topics).toEqual([
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: 'checkpoint' },
          { partitionIndex: 2, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: null },
        ],
      },
    ]);
  });
});

describe('transaction response bodies KafkaJS reads', () => {
  it.each([0, 1])('AddPartitionsToTxn v%i with a partition error', async (v) => {
    const body = encode(AddPartitionsToTxnResponse, v, {
      throttleTimeMs: 9,
      resultsByTopicV3AndBelow: [
        {
          name: 'orders',
          resultsByPartition: [
            { partitionIndex: 0, partitionErrorCode: 0 },
            { partitionIndex: 2, partitionErrorCode: 0 },
          ],
        },
        { name: 'refunds', resultsByPartition: [{ partitionIndex: 1, partitionErrorCode: 53 }] },
      ],
    });
    const response = responses('addPartitionsToTxn', v);
    const decoded = await response.decode(body);
    expect(decoded.errors).toEqual([
      {
        topic: 'orders',
        partitionErrors: [
          { partition: 0, errorCode: 0 },
          { partition: 2, errorCode: 0 },
        ],
      },
      { topic: 'refunds', partitionErrors: [{ partition: 1, errorCode: 53 }] },
    ]);
    expect(v === 0 ? decoded.throttleTime : decoded.clientSideThrottleTime).toBe(9);
    await expect(response.parse(decoded)).rejects.toMatchObject({ type: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' });
  });

  it.each([0, 1])('AddOffsetsToTxn v%i', async (v) => {
    const decoded = await responses('addOffsetsToTxn', v).decode(encode(AddOffsetsToTxnResponse, v, { throttleTimeMs: 4, errorCode: 0 }));
    expect(decoded.errorCode).toBe(0);
    expect(v === 0 ? decoded.throttleTime : decoded.clientSideThrottleTime).toBe(4);
  });

  it.each([0, 1])('EndTxn v%i fenced (INVALID_PRODUCER_EPOCH)', async (v) => {
    const response = responses('endTxn', v);
    const decoded = await response.decode(encode(EndTxnResponse, v, { throttleTimeMs: 0, errorCode: 47 }));
    expect(decoded.errorCode).toBe(47);
    await expect(response.parse(decoded)).rejects.toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });
  });

  it.each([0, 1])('TxnOffsetCommit v%i', async (v) => {
    const body = encode(TxnOffsetCommitResponse, v, {
      throttleTimeMs: 0,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, errorCode: 0 },
            { partitionIndex: 2, errorCode: 0 },
          ],
        },
      ],
    });
    const decoded = await responses('txnOffsetCommit', v).decode(body);
    expect(decoded.topics).toEqual([
      {
        topic: 'orders',
        partitions: [
          { partition: 0, errorCode: 0 },
          { partition: 2, errorCode: 0 },
        ],
      },
    ]);
    await expect(responses('txnOffsetCommit', v).parse(decoded)).resolves.toBe(decoded);
  });
});
