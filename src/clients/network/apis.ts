import * as M from '../../protocol/messages/index.js';
import type { ProtocolReader } from '../../protocol/reader.js';
import { compileMessage, type VersionCodec } from '../../protocol/schema/compile.js';
import type { MessageInput } from '../../protocol/schema/message-types.js';
import type { MessageSchema } from '../../protocol/schema/schema.js';
import type { ProtocolWriter } from '../../protocol/writer.js';

/**
 * The APIs a client can call, each a request/response pair of samsa's
 * message definitions, compiled into encoders and decoders once, on first use.
 * The definitions type what is sent and what comes back.
 */
export class ApiDef<Req extends MessageSchema = MessageSchema, Res extends MessageSchema = MessageSchema> {
  private compiled?: { requests: Map<number, VersionCodec<Req>>; responses: Map<number, VersionCodec<Res>> };

  constructor(
    readonly name: string,
    readonly request: Req,
    readonly response: Res,
    /** The lowest version a client may use (older ones carry record formats before v2). */
    readonly clientMinVersion = request.validVersions.min,
  ) {}

  get key(): number {
    return this.request.apiKey;
  }

  get minVersion(): number {
    return Math.max(this.clientMinVersion, this.request.validVersions.min);
  }

  get maxVersion(): number {
    return this.request.validVersions.max;
  }

  private codecs() {
    this.compiled ??= { requests: compileMessage(this.request), responses: compileMessage(this.response, { strict: false }) };
    return this.compiled;
  }

  requestCodec(version: number): VersionCodec<Req> {
    return this.codecs().requests.get(version)!;
  }

  responseCodec(version: number): VersionCodec<Res> {
    return this.codecs().responses.get(version)!;
  }
}

/** A request body, or a function building it for the version the connection negotiated. */
export type RequestBody<Req extends MessageSchema> = MessageInput<Req> | ((version: number) => MessageInput<Req>);

/**
 * Any API, as a connection's queues hold them: what it needs to encode a
 * request and decode its response, whatever their types.
 */
export interface AnyApiDef {
  readonly name: string;
  readonly key: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  requestCodec(version: number): AnyVersionCodec;
  responseCodec(version: number): AnyVersionCodec;
}

interface AnyVersionCodec {
  readonly flexible: boolean;
  decode(reader: ProtocolReader): Record<string, unknown>;
  encode(writer: ProtocolWriter, value: Record<string, unknown>): void;
}

export const Api = {
  Produce: new ApiDef('Produce', M.ProduceRequest, M.ProduceResponse, 3),
  Fetch: new ApiDef('Fetch', M.FetchRequest, M.FetchResponse, 4),
  ListOffsets: new ApiDef('ListOffsets', M.ListOffsetsRequest, M.ListOffsetsResponse),
  Metadata: new ApiDef('Metadata', M.MetadataRequest, M.MetadataResponse),
  OffsetCommit: new ApiDef('OffsetCommit', M.OffsetCommitRequest, M.OffsetCommitResponse),
  OffsetFetch: new ApiDef('OffsetFetch', M.OffsetFetchRequest, M.OffsetFetchResponse),
  FindCoordinator: new ApiDef('FindCoordinator', M.FindCoordinatorRequest, M.FindCoordinatorResponse),
  JoinGroup: new ApiDef('JoinGroup', M.JoinGroupRequest, M.JoinGroupResponse),
  Heartbeat: new ApiDef('Heartbeat', M.HeartbeatRequest, M.HeartbeatResponse),
  LeaveGroup: new ApiDef('LeaveGroup', M.LeaveGroupRequest, M.LeaveGroupResponse),
  SyncGroup: new ApiDef('SyncGroup', M.SyncGroupRequest, M.SyncGroupResponse),
  DescribeGroups: new ApiDef('DescribeGroups', M.DescribeGroupsRequest, M.DescribeGroupsResponse),
  ListGroups: new ApiDef('ListGroups', M.ListGroupsRequest, M.ListGroupsResponse),
  ApiVersions: new ApiDef('ApiVersions', M.ApiVersionsRequest, M.ApiVersionsResponse),
  SaslHandshake: new ApiDef('SaslHandshake', M.SaslHandshakeRequest, M.SaslHandshakeResponse, 1),
  SaslAuthenticate: new ApiDef('SaslAuthenticate', M.SaslAuthenticateRequest, M.SaslAuthenticateResponse),
  DescribeUserScramCredentials: new ApiDef('DescribeUserScramCredentials', M.DescribeUserScramCredentialsRequest, M.DescribeUserScramCredentialsResponse),
  AlterUserScramCredentials: new ApiDef('AlterUserScramCredentials', M.AlterUserScramCredentialsRequest, M.AlterUserScramCredentialsResponse),
  DescribeAcls: new ApiDef('DescribeAcls', M.DescribeAclsRequest, M.DescribeAclsResponse),
  CreateAcls: new ApiDef('CreateAcls', M.CreateAclsRequest, M.CreateAclsResponse),
  DeleteAcls: new ApiDef('DeleteAcls', M.DeleteAclsRequest, M.DeleteAclsResponse),
  DescribeClientQuotas: new ApiDef('DescribeClientQuotas', M.DescribeClientQuotasRequest, M.DescribeClientQuotasResponse),
  AlterClientQuotas: new ApiDef('AlterClientQuotas', M.AlterClientQuotasRequest, M.AlterClientQuotasResponse),
  CreateTopics: new ApiDef('CreateTopics', M.CreateTopicsRequest, M.CreateTopicsResponse),
  DeleteTopics: new ApiDef('DeleteTopics', M.DeleteTopicsRequest, M.DeleteTopicsResponse),
  DeleteRecords: new ApiDef('DeleteRecords', M.DeleteRecordsRequest, M.DeleteRecordsResponse),
  InitProducerId: new ApiDef('InitProducerId', M.InitProducerIdRequest, M.InitProducerIdResponse),
  AddPartitionsToTxn: new ApiDef('AddPartitionsToTxn', M.AddPartitionsToTxnRequest, M.AddPartitionsToTxnResponse),
  AddOffsetsToTxn: new ApiDef('AddOffsetsToTxn', M.AddOffsetsToTxnRequest, M.AddOffsetsToTxnResponse),
  EndTxn: new ApiDef('EndTxn', M.EndTxnRequest, M.EndTxnResponse),
  TxnOffsetCommit: new ApiDef('TxnOffsetCommit', M.TxnOffsetCommitRequest, M.TxnOffsetCommitResponse),
  OffsetForLeaderEpoch: new ApiDef('OffsetForLeaderEpoch', M.OffsetForLeaderEpochRequest, M.OffsetForLeaderEpochResponse),
  DescribeConfigs: new ApiDef('DescribeConfigs', M.DescribeConfigsRequest, M.DescribeConfigsResponse),
  AlterConfigs: new ApiDef('AlterConfigs', M.AlterConfigsRequest, M.AlterConfigsResponse),
  DescribeLogDirs: new ApiDef('DescribeLogDirs', M.DescribeLogDirsRequest, M.DescribeLogDirsResponse),
  CreatePartitions: new ApiDef('CreatePartitions', M.CreatePartitionsRequest, M.CreatePartitionsResponse),
  DeleteGroups: new ApiDef('DeleteGroups', M.DeleteGroupsRequest, M.DeleteGroupsResponse),
  IncrementalAlterConfigs: new ApiDef('IncrementalAlterConfigs', M.IncrementalAlterConfigsRequest, M.IncrementalAlterConfigsResponse),
  OffsetDelete: new ApiDef('OffsetDelete', M.OffsetDeleteRequest, M.OffsetDeleteResponse),
  DescribeCluster: new ApiDef('DescribeCluster', M.DescribeClusterRequest, M.DescribeClusterResponse),
  DescribeTopicPartitions: new ApiDef('DescribeTopicPartitions', M.DescribeTopicPartitionsRequest, M.DescribeTopicPartitionsResponse),
  ControlledShutdown: new ApiDef('ControlledShutdown', M.ControlledShutdownRequest, M.ControlledShutdownResponse, 1),
  ElectLeaders: new ApiDef('ElectLeaders', M.ElectLeadersRequest, M.ElectLeadersResponse),
  AlterPartitionReassignments: new ApiDef('AlterPartitionReassignments', M.AlterPartitionReassignmentsRequest, M.AlterPartitionReassignmentsResponse),
  ListPartitionReassignments: new ApiDef('ListPartitionReassignments', M.ListPartitionReassignmentsRequest, M.ListPartitionReassignmentsResponse),
} as const;

export type ApiName = keyof typeof Api;

/** The versions of each API (by key) a broker answered ApiVersions with. */
export type BrokerApiVersions = ReadonlyMap<number, { readonly minVersion: number; readonly maxVersion: number }>;

/**
 * The highest version of `api` both sides support (optionally capped by
 * `range`), or -1 when there is none: the broker does not list the API, or
 * its range and ours do not overlap.
 */
export function pickVersion(api: AnyApiDef, broker: BrokerApiVersions, range: { min?: number; max?: number } = {}): number {
  const theirs = broker.get(api.key);
  if (!theirs) return -1;
  const min = Math.max(api.minVersion, theirs.minVersion, range.min ?? 0);
  const max = Math.min(api.maxVersion, theirs.maxVersion, range.max ?? Number.MAX_SAFE_INTEGER);
  return max >= min ? max : -1;
}
