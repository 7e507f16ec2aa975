import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/broker.js';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import { freePort, startZooKeeper, type ZooKeeperServer } from '../../cluster/zookeeper-server.js';
import { waitFor } from '../../wait-for.js';

const BROKER_ID = 7;

/**
 * /health of a cluster broker that listens but is not registered yet: its id
 * is still held in ZooKeeper by an earlier session (what a broker restarted
 * before its killed process's session expired meets), so it waits to
 * register, answering 503 until it has, and 200 once the controller counts it.
 * (An unreachable ZooKeeper holds a broker earlier, before its listeners open.)
 */
describe('/health before the broker is registered', () => {
  let zk: ZooKeeperServer | undefined;
  let earlier: KafkaZkClient | undefined;
  let starting: Promise<Broker> | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await earlier?.close();
    const broker = await starting?.catch(() => undefined);
    await broker?.stop();
    await zk?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    earlier = starting = dir = zk = undefined;
  });

  it('answers 503 while an earlier session holds the broker id, then 200 once the broker registered', { timeout: 90_000 }, async () => {
    zk = await startZooKeeper();
    const connect = `${zk.connectString}/health`;
    earlier = await KafkaZkClient.connect({ 'zookeeper.connect': connect, 'zookeeper.session.timeout.ms': 30_000 });
    await earlier.createTopLevelPaths();
    await earlier.registerBroker({
      id: BROKER_ID,
      endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9 }],
      rack: null,
      jmxPort: -1,
      features: {},
    });

    dir = mkdtempSync(join(tmpdir(), 'samsa-health-'));
    const http = `http://127.0.0.1:${await freePort()}`;
    starting = Broker.start(
      {
        'broker.id': BROKER_ID,
        listeners: 'PLAINTEXT://127.0.0.1:0',
        'log.dirs': dir,
        'zookeeper.connect': connect,
        'http.listeners': http,
      },
      { log: () => {} },
    );
    const health = async (): Promise<{ status: number; body: string } | undefined> => {
      try {
        const res = await fetch(`${http}/health`);
        return { status: res.status, body: await res.text() };
      } catch {
        return undefined; // not listening yet
      }
    };
    let seen: { status: number; body: string } | undefined;
    await waitFor(async () => (seen = await health()) !== undefined, 'the HTTP listener');
    expect(seen).toEqual({ status: 503, body: 'not registered in ZooKeeper\n' });

    // The earlier session ends: its registration goes, and the broker takes the id.
    await earlier.close();
    earlier = undefined;
    const broker = await starting;
    await waitFor(async () => (seen = await health())?.status === 200, 'the registered broker to answer 200', 60_000);
    expect(seen).toEqual({ status: 200, body: 'serving\n' });
    expect(broker.unavailable()).toBeUndefined();
  });
});
