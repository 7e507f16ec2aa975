import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import { type BrokerProcess, overrideArgs, runBrokerCommand, startBrokerProcess } from '../broker/broker-process.js';
import { useZooKeeper } from '../zk/fixture.js';
import { FAST_CLUSTER } from './cluster-harness.js';

describe("a cluster broker's identity", () => {
  const zk = useZooKeeper();
  const brokers: BrokerProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const b of brokers.splice(0)) b.kill();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function logDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-identity-'));
    dirs.push(dir);
    return dir;
  }

  it('takes broker.id=-1 from ZooKeeper above reserved.broker.max.id, keeps it in meta.properties, and creates a missing chroot', {
    timeout: 120_000,
  }, async () => {
    const chroot = zk.chroot();
    const connect = `${zk.server.connectString}${chroot}`;
    const settings = { ...FAST_CLUSTER, 'zookeeper.connect': connect, 'broker.id': '-1' };
    const first = await startBrokerProcess(logDir(), settings, 60_000);
    brokers.push(first);
    const second = await startBrokerProcess(logDir(), settings, 60_000);
    brokers.push(second);
    const client = zk.track(await KafkaZkClient.connect({ 'zookeeper.connect': connect }));
    const ids = await client.getSortedBrokerList();
    expect(ids).toEqual([1001, 1002]);
    const meta = readFileSync(join(dirs[0]!, 'meta.properties'), 'utf8');
    const clusterId = await client.getClusterId();
    expect(meta).toMatch(/broker\.id=100[12]\n/);
    expect(meta).toContain(`cluster.id=${clusterId}`);
    // Restarted on the same log dir, it is the same broker.
    const stored = Number(/broker\.id=(\d+)/.exec(meta)![1]);
    expect(await first.stop()).toBe(0);
    brokers.splice(brokers.indexOf(first), 1);
    const again = await startBrokerProcess(dirs[0]!, settings, 60_000);
    brokers.push(again);
    expect(again.output()).toMatch(new RegExp(`broker ${stored} of cluster ${clusterId}`));
  });

  it('refuses to join a cluster other than the one its log dirs belong to', { timeout: 60_000 }, async () => {
    const dir = logDir();
    writeFileSync(join(dir, 'meta.properties'), 'version=0\nbroker.id=7\ncluster.id=another-cluster-id\n');
    const connect = `${zk.server.connectString}${zk.chroot()}`;
    // The first broker of the chroot makes its cluster id; this one's log dir says another.
    const other = await startBrokerProcess(logDir(), { ...FAST_CLUSTER, 'zookeeper.connect': connect, 'broker.id': '1' }, 60_000);
    brokers.push(other);
    const run = await runBrokerCommand(
      overrideArgs({ ...FAST_CLUSTER, 'zookeeper.connect': connect, 'broker.id': '7', 'log.dirs': dir, listeners: 'PLAINTEXT://127.0.0.1:0' }),
      60_000,
    );
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/doesn't match stored clusterId another-cluster-id in meta.properties/);
  });
});
