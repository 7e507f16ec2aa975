import type { MessageSchema } from '../schema/schema.js';
import { CreateAclsRequest, CreateAclsResponse, DeleteAclsRequest, DeleteAclsResponse, DescribeAclsRequest, DescribeAclsResponse } from './acls.js';
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from './add-offsets-to-txn.js';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from './add-partitions-to-txn.js';
import { AlterClientQuotasRequest, AlterClientQuotasResponse } from './alter-client-quotas.js';
import { AlterConfigsRequest, AlterConfigsResponse, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from './alter-configs.js';
import { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from './alter-partition-reassignments.js';
import { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from './alter-user-scram-credentials.js';
import { ApiVersionsRequest, ApiVersionsResponse } from './api-versions.js';
import { ControlledShutdownRequest, ControlledShutdownResponse } from './controlled-shutdown.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from './create-partitions.js';
import { CreateTopicsRequest, CreateTopicsResponse } from './create-topics.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from './delete-groups.js';
import { DeleteRecordsRequest, DeleteRecordsResponse } from './delete-records.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from './delete-topics.js';
import { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from './describe-client-quotas.js';
import { DescribeClusterRequest, DescribeClusterResponse } from './describe-cluster.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from './describe-configs.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from './describe-groups.js';
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from './describe-log-dirs.js';
import { DescribeProducersRequest, DescribeProducersResponse } from './describe-producers.js';
import { DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse } from './describe-topic-partitions.js';
import { DescribeTransactionsRequest, DescribeTransactionsResponse } from './describe-transactions.js';
import { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from './describe-user-scram-credentials.js';
import { ElectLeadersRequest, ElectLeadersResponse } from './elect-leaders.js';
import { EndTxnRequest, EndTxnResponse } from './end-txn.js';
import { FetchRequest, FetchResponse } from './fetch.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from './find-coordinator.js';
import { RequestHeader, ResponseHeader } from './headers.js';
import { HeartbeatRequest, HeartbeatResponse } from './heartbeat.js';
import { InitProducerIdRequest, InitProducerIdResponse } from './init-producer-id.js';
import { JoinGroupRequest, JoinGroupResponse } from './join-group.js';
// Inter-broker and controller APIs, defined for the cluster work; not served yet.
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from './leader-and-isr.js';
import { LeaveGroupRequest, LeaveGroupResponse } from './leave-group.js';
import { ListGroupsRequest, ListGroupsResponse } from './list-groups.js';
import { ListOffsetsRequest, ListOffsetsResponse } from './list-offsets.js';
import { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from './list-partition-reassignments.js';
import { ListTransactionsRequest, ListTransactionsResponse } from './list-transactions.js';
import { MetadataRequest, MetadataResponse } from './metadata.js';
import { OffsetCommitRequest, OffsetCommitResponse } from './offset-commit.js';
import { OffsetDeleteRequest, OffsetDeleteResponse } from './offset-delete.js';
import { OffsetFetchRequest, OffsetFetchResponse } from './offset-fetch.js';
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from './offset-for-leader-epoch.js';
import { ProduceRequest, ProduceResponse } from './produce.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from './sasl-authenticate.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from './sasl-handshake.js';
import { StopReplicaRequest, StopReplicaResponse } from './stop-replica.js';
import { SyncGroupRequest, SyncGroupResponse } from './sync-group.js';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from './txn-offset-commit.js';
import { UpdateMetadataRequest, UpdateMetadataResponse } from './update-metadata.js';
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from './write-txn-markers.js';

export * from './acls.js';
export * from './add-offsets-to-txn.js';
export * from './add-partitions-to-txn.js';
export * from './alter-client-quotas.js';
export * from './alter-configs.js';
export * from './alter-partition-reassignments.js';
export * from './alter-user-scram-credentials.js';
export * from './api-versions.js';
export * from './controlled-shutdown.js';
export * from './create-partitions.js';
export * from './create-topics.js';
export * from './delete-groups.js';
export * from './delete-records.js';
export * from './delete-topics.js';
export * from './describe-client-quotas.js';
export * from './describe-cluster.js';
export * from './describe-configs.js';
export * from './describe-groups.js';
export * from './describe-log-dirs.js';
export * from './describe-producers.js';
export * from './describe-topic-partitions.js';
export * from './describe-transactions.js';
export * from './describe-user-scram-credentials.js';
export * from './elect-leaders.js';
export * from './end-txn.js';
export * from './fetch.js';
export * from './find-coordinator.js';
export * from './headers.js';
export * from './heartbeat.js';
export * from './init-producer-id.js';
export * from './join-group.js';
export * from './leader-and-isr.js';
export * from './leave-group.js';
export * from './list-groups.js';
export * from './list-offsets.js';
export * from './list-partition-reassignments.js';
export * from './list-transactions.js';
export * from './metadata.js';
export * from './offset-commit.js';
export * from './offset-delete.js';
export * from './offset-fetch.js';
export * from './offset-for-leader-epoch.js';
export * from './produce.js';
export * from './sasl-authenticate.js';
export * from './sasl-handshake.js';
export * from './stop-replica.js';
export * from './sync-group.js';
export * from './txn-offset-commit.js';
export * from './update-metadata.js';
export * from './write-txn-markers.js';

/** Every message samsa defines; the spec cross-check test walks this list. */
export const ALL_MESSAGES: readonly MessageSchema[] = [
  RequestHeader,
  ResponseHeader,
  ApiVersionsRequest,
  ApiVersionsResponse,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
  FetchRequest,
  FetchResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  AlterConfigsRequest,
  AlterConfigsResponse,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
  DescribeClusterRequest,
  DescribeClusterResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  SyncGroupRequest,
  SyncGroupResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  OffsetDeleteRequest,
  OffsetDeleteResponse,
  DescribeLogDirsRequest,
  DescribeLogDirsResponse,
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  SaslHandshakeRequest,
  SaslHandshakeResponse,
  SaslAuthenticateRequest,
  SaslAuthenticateResponse,
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse,
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponse,
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  AddOffsetsToTxnRequest,
  AddOffsetsToTxnResponse,
  EndTxnRequest,
  EndTxnResponse,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResponse,
  DescribeProducersRequest,
  DescribeProducersResponse,
  ListTransactionsRequest,
  ListTransactionsResponse,
  DescribeTransactionsRequest,
  DescribeTransactionsResponse,
  LeaderAndIsrRequest,
  LeaderAndIsrResponse,
  UpdateMetadataRequest,
  UpdateMetadataResponse,
  StopReplicaRequest,
  StopReplicaResponse,
  ControlledShutdownRequest,
  ControlledShutdownResponse,
  ElectLeadersRequest,
  ElectLeadersResponse,
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
  WriteTxnMarkersRequest,
  WriteTxnMarkersResponse,
  DescribeAclsRequest,
  DescribeAclsResponse,
  CreateAclsRequest,
  CreateAclsResponse,
  DeleteAclsRequest,
  DeleteAclsResponse,
  DescribeClientQuotasRequest,
  DescribeClientQuotasResponse,
  AlterClientQuotasRequest,
  AlterClientQuotasResponse,
];
