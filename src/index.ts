// The package's public surface: what `import … from 'samsa'` gives an embedding program.
export * from '../codecs/index.js';
export * from '../storage/record/index.js';
export * from './clients/network/errors.js';
// The clients' INVALID_RECORD (a broker's answer), not the log's of the same name (samsa/storage has that one).
export { InvalidRecordError } from './clients/network/errors.js';
export {
  Consumer,
  ConsumerRecords,
  RangeAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  CooperativeStickyAssignor,
  CommitFailedError,
  RebalanceInProgressCommitError,
  NoOffsetForPartitionError,
  OffsetOutOfRangeConsumerError,
  RecordDeserializationError,
  WakeupError,
  stringDeserializer,
  bytesDeserializer,
  jsonDeserializer,
  encodeSubscription,
  decodeSubscription,
  encodeAssignment,
  decodeAssignment,
} from './clients/consumer/index.js';
export type {
  ConsumerRecord,
  ConsumerRebalanceListener,
  ConsumerInterceptor,
  ConsumerConfigInput,
  ConsumerOptions,
  ConsumerGroupMetadata,
  CommittedOffset,
  OffsetForTime,
  CommitCallback,
  Deserializer,
  DeserializerSpec,
  Deserialized,
  ConsumerConstructor,
  ConsumerPartitionAssignor,
  GroupMember,
  MemberAssignment,
  RebalanceProtocol,
  Subscription as ConsumerSubscription,
  Assignment as ConsumerAssignment,
  TopicPartitionOffset,
} from './clients/consumer/index.js';
export { Producer, DefaultPartitioner, RoundRobinPartitioner, UniformStickyPartitioner, StickyPartitionCache, StringSerializer, BytesSerializer, JsonSerializer, murmur2, toPositive, partitionForKey, PRODUCER_CONFIG } from './clients/producer/index.js';
export type { ProducerRecord, RecordMetadata, SendCallback, RecordHeaders, ProducerConfig, ProducerConfigInput, ProducerInterceptor, Partitioner, PartitionerClass, Serializer, SerializerFunction, SerializerSetting, Serialized } from './clients/producer/index.js';
export { Admin, ADMIN_CONFIG } from './clients/admin/index.js';
export type {
  AdminConfig,
  AdminConfigInput,
  AdminCallOptions,
  ItemResults,
  Settled,
  NewTopic,
  CreateTopicsOptions,
  CreatedTopic,
  TopicDescription,
  TopicPartitionInfo,
  NewPartitions,
  ConfigResource,
  ConfigResourceType,
  ConfigSource,
  ConfigEntry,
  DescribedConfigs,
  DescribeConfigsOptions,
  AlterConfigsOptions,
  AlterConfigOp,
  AlterConfigOpType,
  OffsetSpec,
  ListOffsetsOptions,
  TopicPartition,
  ListedOffset,
  DeletedRecords,
  ClusterDescription,
  ListGroupsOptions,
  GroupListing,
  GroupDescription,
  MemberDescription,
  CommittedOffset as GroupCommittedOffset,
  ListConsumerGroupOffsetsOptions,
  OffsetToCommit,
  UserScramCredentialAlteration,
  ScramCredentialInfo,
  UserScramCredentialsDescription,
} from './clients/admin/index.js';
// The broker, for programs that run one in-process (tests, embedded use).
export { Broker, type BrokerOptions } from './broker/broker.js';
export { BrokerConfig, BROKER_CONFIG_KEYS } from './broker/broker-config.js';
