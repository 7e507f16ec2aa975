// The package's public surface: what `import … from 'samsa'` gives an embedding program.
export * from '../codecs/index.js';
export * from '../storage/record/index.js';
export * from './clients/network/errors.js';
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
  IllegalStateError,
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
