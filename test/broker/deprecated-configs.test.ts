import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { LONG_MAX } from '../../storage/config/config-def.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { startBroker, type TestBroker } from './harness.js';
import { RawClient } from './raw-client.js';

// Topic configs Kafka 3.9 still accepts though deprecated (message.format.version,
// message.timestamp.difference.max.ms) and message.downconversion.enable (a no-op
// in Kafka 4): clients still send them (librdkafka's tests create topics with
// message.format.version=0.10.0.0), so they are taken with a warning and
// described with Kafka's defaults.

const TOPIC = 2;
const CONFIG_SOURCE = { DYNAMIC_TOPIC_CONFIG: 1, DEFAULT_CONFIG: 5 };

describe('deprecated topic configs', () => {
  let b: TestBroker | undefined;
  let raw: RawClient | undefined;
  const warnings: string[] = [];
  afterEach(async () => {
    raw?.close();
    await b?.stop();
    warnings.length = 0;
  });

  async function start(settings: Record<string, unknown> = {}): Promise<RawClient> {
    b = await startBroker(settings, undefined, (level, message) => level === 'warn' && warnings.push(message));
    raw = await RawClient.connect(b.port);
    return raw;
  }

  const create = (client: RawClient, name: string, configs: Record<string, string>) =>
    client.request('CreateTopics', 7, {
      topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
      timeoutMs: 5000,
      validateOnly: false,
    });

  async function described(client: RawClient, name: string): Promise<Map<string, any>> {
    const res = await client.request('DescribeConfigs', 4, {
      resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    expect(res.results[0].errorCode).toBe(ErrorCode.NONE);
    return new Map(res.results[0].configs.map((c: any) => [c.name, c]));
  }

  it("describes them with Kafka 3.9's defaults and broker synonyms", async () => {
    const client = await start();
    expect((await create(client, 'plain', {})).topics[0].errorCode).toBe(ErrorCode.NONE);
    const configs = await described(client, 'plain');
    expect(configs.get('message.format.version')).toMatchObject({
      value: '3.0-IV1',
      configSource: CONFIG_SOURCE.DEFAULT_CONFIG,
      synonyms: [{ name: 'log.message.format.version', value: '3.0-IV1', source: CONFIG_SOURCE.DEFAULT_CONFIG }],
    });
    expect(configs.get('message.downconversion.enable')).toMatchObject({ value: 'true', configSource: CONFIG_SOURCE.DEFAULT_CONFIG });
    expect(configs.get('message.timestamp.difference.max.ms')).toMatchObject({ value: LONG_MAX, configSource: CONFIG_SOURCE.DEFAULT_CONFIG });
    expect(warnings).toEqual([]);
  });

  it('CreateTopics, AlterConfigs and IncrementalAlterConfigs take them with a warning naming the config', async () => {
    const client = await start();
    const created = await create(client, 'legacy', { 'message.format.version': '0.10.0.0', 'message.downconversion.enable': 'false' });
    expect(created.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null });
    expect(created.topics[0].configs.find((c: any) => c.name === 'message.format.version')).toMatchObject({
      value: '0.10.0.0',
      configSource: CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG,
    });
    expect(warnings.some((w) => w.includes('legacy') && w.includes('message.format.version') && w.includes('deprecated'))).toBe(true);
    expect(warnings.some((w) => w.includes('legacy') && w.includes('message.downconversion.enable'))).toBe(true);

    const altered = await client.request('AlterConfigs', 2, {
      resources: [
        {
          resourceType: TOPIC,
          resourceName: 'legacy',
          configs: [
            { name: 'message.format.version', value: '2.8-IV1' },
            { name: 'message.timestamp.difference.max.ms', value: '3600000' },
          ],
        },
      ],
      validateOnly: false,
    });
    expect(altered.responses[0]).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null });
    expect(warnings.some((w) => w.includes('message.timestamp.difference.max.ms') && w.includes('message.timestamp.before.max.ms'))).toBe(true);
    const incremental = await client.request('IncrementalAlterConfigs', 1, {
      resources: [{ resourceType: TOPIC, resourceName: 'legacy', configs: [{ name: 'message.format.version', configOperation: 0, value: '3.0' }] }],
      validateOnly: false,
    });
    expect(incremental.responses[0]).toMatchObject({ errorCode: ErrorCode.NONE });
    const configs = await described(client, 'legacy');
    expect(configs.get('message.format.version')).toMatchObject({ value: '3.0', configSource: CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG });
    expect(configs.get('message.timestamp.difference.max.ms')).toMatchObject({ value: '3600000', configSource: CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG });
  });

  it('refuses a message.format.version that is no Kafka version, naming the key, the value and what is allowed', async () => {
    const client = await start();
    const created = await create(client, 'bogus', { 'message.format.version': '0.10.x' });
    expect(created.topics[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(created.topics[0].errorMessage).toMatch(/^message\.format\.version: '0\.10\.x' is not a Kafka version.*3\.0-IV1/);
  });

  it('message.timestamp.difference.max.ms bounds CreateTime timestamps where the before/after settings are left at their defaults, as in Kafka 3.x', async () => {
    const client = await start();
    expect((await create(client, 'bounded', { 'message.timestamp.difference.max.ms': '3600000' })).topics[0].errorCode).toBe(ErrorCode.NONE);
    const produce = async (timestamp: number) => {
      const res = await client.request('Produce', 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'bounded', partitionData: [{ index: 0, records: buildRecordBatch([{ value: 'v', timestamp }]) }] }],
      });
      return res.responses[0].partitionResponses[0].errorCode;
    };
    expect(await produce(Date.now())).toBe(ErrorCode.NONE);
    expect(await produce(Date.now() - 2 * 3600_000)).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(await produce(Date.now() + 2 * 3600_000)).toBe(ErrorCode.INVALID_TIMESTAMP);
  });

  it('the broker settings log.message.format.version and log.message.downconversion.enable are known, with a warning', async () => {
    const client = await start({ 'log.message.format.version': '2.8', 'log.message.downconversion.enable': 'false' });
    expect(warnings.some((w) => w.includes('log.message.format.version') && w.includes('deprecated'))).toBe(true);
    expect(warnings.some((w) => w.includes("isn't a known config"))).toBe(false);
    expect((await create(client, 'inherits', {})).topics[0].errorCode).toBe(ErrorCode.NONE);
    expect((await described(client, 'inherits')).get('message.format.version')).toMatchObject({ value: '2.8', configSource: 4 }); // STATIC_BROKER_CONFIG
  });
});
