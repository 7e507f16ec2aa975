import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { startBroker, type TestBroker } from '../harness.js';
import { decodeResponse, RawClient, requestFrame } from '../raw-client.js';

describe('TopicManager', () => {
  let broker: TestBroker | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('keeps serving other clients while it creates and deletes thousands of partitions', { timeout: 120_000 }, async () => {
    broker = await startBroker();
    const creator = await RawClient.connect(broker.port);
    const other = await RawClient.connect(broker.port);
    try {
      for (const [api, body] of [
        [
          'CreateTopics',
          { topics: [{ name: 'many', numPartitions: 2000, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 60_000, validateOnly: false },
        ],
        ['DeleteTopics', { topicNames: ['many'], timeoutMs: 60_000 }],
      ] as const) {
        const order: string[] = [];
        creator.write(requestFrame(api, 4, body, 1));
        const done = creator.nextFrame(60_000).then((frame) => {
          order.push(api);
          return decodeResponse(api, 4, frame!).body;
        });
        // Once the broker is visibly working on it (partition 0's directory appears, or for the deletion goes)...
        const partition0 = join(broker.dir, 'many-0');
        const working = api === 'CreateTopics' ? () => existsSync(partition0) : () => !existsSync(partition0);
        while (!working()) await sleep(1);
        // ...another client's request is answered before the creation or deletion ends.
        const versions = await other.request('ApiVersions', 0, {});
        order.push('ApiVersions');
        expect(versions.errorCode).toBe(ErrorCode.NONE);
        const res = await done;
        const result = api === 'CreateTopics' ? res.topics[0] : res.responses[0];
        expect(result.errorCode).toBe(ErrorCode.NONE);
        expect(order).toEqual(['ApiVersions', api]);
      }
    } finally {
      creator.close();
      other.close();
    }
  });
});
