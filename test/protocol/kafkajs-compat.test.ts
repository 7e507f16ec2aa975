import { KafkaJSAggregateError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  AlterConfigsRequest,
  CreatePartitionsRequest,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteRecordsRequest,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  FetchRequest,
  FetchResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  ListOffsetsRequest,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
} from '../../src/protocol/messages/index.js';
import { expectRejected } from '../errors.js';
// KafkaJS is a real client: bodies its request encoders write must decode with our
// definitions and re-encode to the same bytes; bodies our response encoders write
// must decode with its response decoders.
import { encode, kafkajsBody, requests, responses, roundTrip } from './kafkajs-wire.js';

describe('request bodies written by KafkaJS', () => {
  it.each([3, 4, 5, 6, 7])('Produce v%i', async (v) => {
    const topicData = [{ topic: 'orders', partitions: [{ partition: 2, messages: [{ key: 'k', value: 'hello', timestamp: 1700000000000 }] }] }];
    const body = await kafkajsBody(requests('produce', v)({ acks: -1, timeout: 30000, transactionalId: null, topicData }));
    const value = roundTrip(ProduceRequest, v, body);
    expect(value.acks).toBe(-1);
    expect(value.timeoutMs).toBe(30000);
    expect(value.topicData[0].name).toBe('orders');
    expect(value.topicData[0].partitionData[0].index).toBe(2);
    expect(value.topicData[0].partitionData[0].records.length).toBeGreaterThan(61);
  });

  it.each([4, 5, 6, 7, 8, 9, 10, 11])('Fetch v%i', async (v) => {
    const topics = [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '42', maxBytes: 1048576 }] }];
    const body = await kafkajsBody(requests('fetch', v)({ replicaId: -1, maxWaitTime: 500, minBytes: 1, maxBytes: 10485760, topics, isolationLevel: 1 }));
    const value = roundTrip(FetchRequest, v, body);
    expect(value.maxWaitMs).toBe(500);
    expect(value.topics[0].topic).toBe('orders');
    expect(value.topics[0].partitions[0].fetchOffset).toBe(42);
  });

  it.each([0, 1, 2, 3, 4, 5, 6])('Metadata v%i', async (v) => {
    const body = await kafkajsBody(requests('metadata', v)({ topics: ['a', 'b'], allowAutoTopicCreation: false }));
    const value = roundTrip(MetadataRequest, v, body);
    expect(value.topics.map((t: { name: string }) => t.name)).toEqual(['a', 'b']);
    expect(value.allowAutoTopicCreation).toBe(v < 4);
  });

  it.each([1, 2, 3])('ListOffsets v%i', async (v) => {
    const topics = [{ topic: 'orders', partitions: [{ partition: 1, timestamp: -2 }] }];
    const body = await kafkajsBody(requests('listOffsets', v)({ replicaId: -1, isolationLevel: 1, topics }));
    const value = roundTrip(ListOffsetsRequest, v, body);
    expect(value.topics[0].partitions[0].timestamp).toBe(-2);
  });
});

describe('admin request bodies written by KafkaJS', () => {
  it.each([2, 3])('CreateTopics v%i', async (v) => {
    const topics = [
      { topic: 'orders', numPartitions: 4, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: 'placed', replicaAssignment: [{ partition: 0, replicas: [1, 2] }] },
    ];
    const value = roundTrip(CreateTopicsRequest, v, await kafkajsBody(requests('createTopics', v)({ topics, timeout: 1000, validateOnly: true })));
    expect(value.validateOnly).toBe(true);
    expect(value.topics[0].configs).toEqual([{ name: 'cleanup.policy', value: 'compact' }]);
    expect(value.topics[1].assignments).toEqual([{ partitionIndex: 0, brokerIds: [1, 2] }]);
  });

  it.each([1, 2])('DescribeConfigs v%i', async (v) => {
    const resources = [
      { type: 2, name: 'orders', configNames: ['retention.ms'] },
      { type: 4, name: '1' },
    ];
    const value = roundTrip(DescribeConfigsRequest, v, await kafkajsBody(requests('describeConfigs', v)({ resources, includeSynonyms: true })));
    expect(value.resources[0]).toEqual({ resourceType: 2, resourceName: 'orders', configurationKeys: ['retention.ms'] });
    expect(value.includeSynonyms).toBe(true);
  });

  it.each([0, 1])('CreatePartitions v%i', async (v) => {
    const topicPartitions = [{ topic: 'orders', count: 8, assignments: [[1], [2]] }];
    const value = roundTrip(
      CreatePartitionsRequest,
      v,
      await kafkajsBody(requests('createPartitions', v)({ topicPartitions, validateOnly: true, timeout: 100 })),
    );
    expect(value.topics[0]).toEqual({ name: 'orders', count: 8, assignments: [{ brokerIds: [1] }, { brokerIds: [2] }] });
  });

  it.each([0, 1])('DeleteRecords v%i', async (v) => {
    const topics = [{ topic: 'orders', partitions: [{ partition: 0, offset: '17' }] }];
    const value = roundTrip(DeleteRecordsRequest, v, await kafkajsBody(requests('deleteRecords', v)({ topics, timeout: 100 })));
    expect(value.topics[0].partitions[0]).toEqual({ partitionIndex: 0, offset: 17 });
  });

  it.each([0, 1])('AlterConfigs v%i', async (v) => {
    const resources = [{ type: 2, name: 'orders', configEntries: [{ name: 'retention.ms', value: '1000' }] }];
    const value = roundTrip(AlterConfigsRequest, v, await kafkajsBody(requests('alterConfigs', v)({ resources, validateOnly: false })));
    expect(value.resources[0].configs).toEqual([{ name: 'retention.ms', value: '1000' }]);
  });

  it.each([0, 1])('InitProducerId v%i (idempotent and transactional)', async (v) => {
    for (const transactionalId of [null, 'tx-1']) {
      const value = roundTrip(InitProducerIdRequest, v, await kafkajsBody(requests('initProducerId', v)({ transactionalId, transactionTimeout: 30000 })));
      expect(value).toMatchObject({ transactionalId, transactionTimeoutMs: 30000 });
    }
  });

  it('DeleteTopics v1', async () => {
    const value = roundTrip(DeleteTopicsRequest, 1, await kafkajsBody(requests('deleteTopics', 1)({ topics: ['a', 'b'], timeout: 1000 })));
    expect(value.topicNames).toEqual(['a', 'b']);
  });
});

describe('response bodies KafkaJS reads', () => {
  it.each([2, 3])('CreateTopics v%i with a per-topic error', async (v) => {
    const body = encode(CreateTopicsResponse, v, { throttleTimeMs: 0, topics: [{ name: 'orders', errorCode: 36, errorMessage: 'Topic already exists' }] });
    const decoded = await responses('createTopics', v).decode(body);
    expect(decoded.topicErrors).toEqual([expect.objectContaining({ topic: 'orders', errorCode: 36, errorMessage: 'Topic already exists' })]);
    const error = await expectRejected(responses('createTopics', v).parse(decoded), KafkaJSAggregateError, {}, /Topic creation errors/);
    expect(error.errors).toEqual([
      expect.objectContaining({ name: 'KafkaJSCreateTopicError', topic: 'orders', type: 'TOPIC_ALREADY_EXISTS', code: ErrorCode.TOPIC_ALREADY_EXISTS }),
    ]);
  });

  it('DescribeConfigs v1 with synonyms and sources', async () => {
    const body = encode(DescribeConfigsResponse, 1, {
      throttleTimeMs: 0,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 2,
          resourceName: 'orders',
          configs: [
            {
              name: 'retention.ms',
              value: '1000',
              readOnly: false,
              configSource: 1,
              isSensitive: false,
              synonyms: [
                { name: 'retention.ms', value: '1000', source: 1 },
                { name: 'log.retention.ms', value: '604800000', source: 5 },
              ],
            },
          ],
        },
      ],
    });
    const decoded = await responses('describeConfigs', 1).decode(body);
    const entry = decoded.resources[0].configEntries[0];
    expect(entry).toMatchObject({ configName: 'retention.ms', configValue: '1000', configSource: 1, isDefault: false });
    expect(entry.configSynonyms.map((s: { configName: string }) => s.configName)).toEqual(['retention.ms', 'log.retention.ms']);
  });

  it('InitProducerId v1', async () => {
    const body = encode(InitProducerIdResponse, 1, { throttleTimeMs: 0, errorCode: 0, producerId: 4000, producerEpoch: 3 });
    const decoded = await responses('initProducerId', 1).decode(body);
    expect(decoded).toMatchObject({ producerId: '4000', producerEpoch: 3 });
  });

  it('DeleteTopics v1', async () => {
    const body = encode(DeleteTopicsResponse, 1, { throttleTimeMs: 0, responses: [{ name: 'a', errorCode: 0 }] });
    const decoded = await responses('deleteTopics', 1).decode(body);
    expect(decoded.topicErrors).toEqual([{ topic: 'a', errorCode: 0 }]);
  });

  it.each([3, 5, 7])('Produce v%i', async (v) => {
    const body = encode(ProduceResponse, v, {
      responses: [{ name: 'orders', partitionResponses: [{ index: 2, errorCode: 0, baseOffset: 1234, logAppendTimeMs: -1, logStartOffset: 0 }] }],
      throttleTimeMs: 0,
    });
    const decoded = await responses('produce', v).decode(body);
    expect(decoded.topics[0].topicName).toBe('orders');
    expect(decoded.topics[0].partitions[0].baseOffset).toBe('1234');
  });

  it.each([4, 7, 11])('Fetch v%i carrying record bytes', async (v) => {
    const records = Buffer.alloc(0);
    const body = encode(FetchResponse, v, {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 'orders',
          partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 10, lastStableOffset: 10, logStartOffset: 0, abortedTransactions: [], records }],
        },
      ],
    });
    const decoded = await responses('fetch', v).decode(body);
    const partition = decoded.responses[0].partitions[0] as { highWatermark: string };
    expect(partition.highWatermark).toBe('10');
  });

  it.each([0, 1, 5, 6])('Metadata v%i', async (v) => {
    const body = encode(MetadataResponse, v, {
      brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
      clusterId: 'samsa',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          isInternal: false,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
        },
      ],
    });
    const decoded = await responses('metadata', v).decode(body);
    expect(decoded.brokers[0]).toMatchObject({ nodeId: 1, host: 'localhost', port: 9092 });
    expect(decoded.topicMetadata[0].topic).toBe('orders');
    expect(decoded.topicMetadata[0].partitionMetadata[0].leader).toBe(1);
  });
});
