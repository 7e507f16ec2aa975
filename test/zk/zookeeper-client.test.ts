import { describe, expect, it } from 'vitest';
import { ZkError, ZkMultiError } from '../../src/zk/zk-error.js';
import { isCode, ZooKeeperClient } from '../../src/zk/zookeeper-client.js';
import { EventLog } from './event-log.js';
import { useZooKeeper } from './fixture.js';

const zookeeper = useZooKeeper();

/** A client in a chroot (created on connect), or at the root; closed when the test ends. */
async function connect(chroot: string | null, settings: Record<string, unknown> = {}): Promise<ZooKeeperClient> {
  return zookeeper.track(
    await ZooKeeperClient.connect({
      'zookeeper.connect': `${zookeeper.server.connectString}${chroot ?? ''}`,
      'zookeeper.session.timeout.ms': 6000,
      ...settings,
    }),
  );
}

const freshChroot = (): string => zookeeper.chroot();

async function expectZkError(promise: Promise<unknown>, code: ZkError['code']): Promise<ZkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ZkError);
  expect((error as ZkError).code).toBe(code);
  return error as ZkError;
}

describe('ZooKeeperClient', () => {
  it('creates a missing chroot through a client without it, and works inside it', async () => {
    const root = await connect(null);
    expect(await root.exists('/samsa/cluster-a')).toBeNull();

    const chrooted = await connect('/samsa/cluster-a');
    expect(await root.exists('/samsa/cluster-a')).not.toBeNull();
    await chrooted.create('/brokers', Buffer.from('x'));
    expect((await root.getData('/samsa/cluster-a/brokers')).data?.toString()).toBe('x');

    // sequential names come back relative to the chroot
    const created = await chrooted.create('/brokers/seq-', Buffer.from('1'), 'PERSISTENT_SEQUENTIAL');
    expect(created).toMatch(/^\/brokers\/seq-\d{10}$/);
    expect((await chrooted.getChildren('/brokers')).children).toEqual([created.slice('/brokers/'.length)]);

    // an existing chroot is used as it is
    const again = await connect('/samsa/cluster-a');
    expect((await again.getChildren('/')).children).toEqual(['brokers']);
  });

  it('connects to a list of hosts, skipping one that does not answer', async () => {
    const client = zookeeper.track(
      await ZooKeeperClient.connect({
        'zookeeper.connect': `127.0.0.1:1,${zookeeper.server.connectString}${freshChroot()}`,
        'zookeeper.session.timeout.ms': 6000,
      }),
    );
    expect(client.isConnected).toBe(true);
    expect(await client.exists('/')).not.toBeNull();
  });

  it('fails to connect with ZooKeeperClientTimeoutError after zookeeper.connection.timeout.ms', async () => {
    const error = await ZooKeeperClient.connect({
      'zookeeper.connect': '127.0.0.1:1',
      'zookeeper.session.timeout.ms': 6000,
      'zookeeper.connection.timeout.ms': 300,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ZkError);
    expect((error as ZkError).name).toBe('ZooKeeperClientTimeoutError');
    expect((error as ZkError).code).toBe('CONNECTIONLOSS');
  });

  it('gets, sets, creates, deletes and lists with Stats', async () => {
    const zk = await connect(freshChroot());
    expect(await zk.create('/a', Buffer.from('one'))).toBe('/a');
    const read = await zk.getData('/a');
    expect(read.data?.toString()).toBe('one');
    expect(read.stat.version).toBe(0);
    expect(read.stat.ephemeralOwner).toBe(0n);
    expect(read.stat.dataLength).toBe(3);

    const written = await zk.setData('/a', Buffer.from('two'));
    expect(written.version).toBe(1);
    expect(written.mzxid > read.stat.mzxid).toBe(true);

    await zk.create('/a/child');
    expect((await zk.getData('/a/child')).data).toBeNull();
    const listed = await zk.getChildren('/a');
    expect(listed.children).toEqual(['child']);
    expect(listed.stat.numChildren).toBe(1);

    await expectZkError(zk.delete('/a'), 'NOTEMPTY');
    await expectZkError(zk.create('/a'), 'NODEEXISTS');
    await expectZkError(zk.create('/missing/child'), 'NONODE');
    await expectZkError(zk.getData('/missing'), 'NONODE');
    expect(await zk.exists('/missing')).toBeNull();
    await expectZkError(zk.create('no-slash'), 'BADARGUMENTS');

    await zk.createRecursive('/x/y/z', Buffer.from('deep'));
    expect((await zk.getData('/x/y/z')).data?.toString()).toBe('deep');
    await expectZkError(zk.createRecursive('/x/y/z'), 'NODEEXISTS');
    await zk.createRecursive('/x/y/z', undefined, false);
    expect(await zk.deleteRecursive('/x')).toBe(true);
    expect(await zk.exists('/x')).toBeNull();
    expect(await zk.deleteRecursive('/x')).toBe(false);
  });

  it('fails version-checked writes with BADVERSION', async () => {
    const zk = await connect(freshChroot());
    await zk.create('/v', Buffer.from('0'));
    expect((await zk.setData('/v', Buffer.from('1'), 0)).version).toBe(1);
    const stale = await expectZkError(zk.setData('/v', Buffer.from('stale'), 0), 'BADVERSION');
    expect(stale.path).toBe('/v');
    expect((await zk.getData('/v')).data?.toString()).toBe('1');
    await expectZkError(zk.delete('/v', 0), 'BADVERSION');
    await zk.delete('/v', 1);
    expect(await zk.exists('/v')).toBeNull();
  });

  it('removes ephemeral nodes when their session closes', async () => {
    const chroot = freshChroot();
    const owner = await connect(chroot);
    const watcher = await connect(chroot);
    await owner.create('/e', Buffer.from('mine'), 'EPHEMERAL');
    const seq = await owner.create('/e-', undefined, 'EPHEMERAL_SEQUENTIAL');
    expect((await watcher.exists('/e'))?.ephemeralOwner).toBe(owner.sessionId);
    await expectZkError(owner.create('/e/child'), 'NOCHILDRENFOREPHEMERALS');

    const events = new EventLog();
    expect(await watcher.registerZNodeChangeHandler({ path: '/e', handleDeletion: events.recorder('deleted') })).toBe(true);
    await zookeeper.close(owner);
    // the server has closed the session when close() returns
    expect(await watcher.exists('/e')).toBeNull();
    expect(await watcher.exists(seq)).toBeNull();
    await events.waitFor('deleted');
    await expectZkError(owner.getData('/'), 'SESSIONEXPIRED');
  });

  it('calls change handlers on creation, data change and deletion, watching again after each', async () => {
    const chroot = freshChroot();
    const zk = await connect(chroot);
    const other = await connect(chroot);
    const events = new EventLog();
    const handler = {
      path: '/w',
      handleCreation: events.recorder('created'),
      handleDataChange: events.recorder('changed'),
      handleDeletion: events.recorder('deleted'),
    };
    expect(await zk.registerZNodeChangeHandler(handler)).toBe(false);

    await other.create('/w', Buffer.from('0'));
    await events.waitFor('created');
    for (let i = 1; i <= 3; i++) {
      await other.setData('/w', Buffer.from(String(i)));
      await events.waitFor('changed', i); // each change is seen: the one-shot watch was set again
    }
    await other.delete('/w');
    await events.waitFor('deleted');
    await other.create('/w');
    await events.waitFor('created', 2);
    expect(events.seen).toEqual(['created', 'changed', 'changed', 'changed', 'deleted', 'created']);

    zk.unregisterZNodeChangeHandler('/w');
    await other.setData('/w', Buffer.from('after')); // the watch set before fires once, to no handler
    const marker = new EventLog();
    await zk.registerZNodeChangeHandler({ path: '/marker', handleCreation: marker.recorder('created') });
    await other.create('/marker');
    await marker.waitFor('created');
    expect(events.seen).toHaveLength(6);
  });

  it('calls child change handlers as children come and go, and when the parent appears', async () => {
    const chroot = freshChroot();
    const zk = await connect(chroot);
    const other = await connect(chroot);
    const events = new EventLog();
    expect(await zk.registerZNodeChildChangeHandler({ path: '/ids', handleChildChange: events.recorder('children') })).toEqual([]);

    await other.create('/ids');
    await events.waitFor('children', 1);
    await other.create('/ids/1', undefined, 'EPHEMERAL');
    await events.waitFor('children', 2);
    await other.create('/ids/2');
    await events.waitFor('children', 3);
    expect((await zk.getChildren('/ids')).children.sort()).toEqual(['1', '2']);
    await other.delete('/ids/2');
    await events.waitFor('children', 4);
    await other.setData('/ids/1', Buffer.from('data changes are not child changes'));
    await other.create('/ids/3');
    await events.waitFor('children', 5);
    expect(events.count('children')).toBe(5);
  });

  it('runs multi atomically, with version checks and per-op results', async () => {
    const zk = await connect(freshChroot());
    await zk.create('/m', Buffer.from('0'));
    const results = await zk.multi([
      { op: 'check', path: '/m', version: 0 },
      { op: 'create', path: '/m/a', data: Buffer.from('a') },
      { op: 'create', path: '/m/seq-', mode: 'PERSISTENT_SEQUENTIAL' },
      { op: 'setData', path: '/m', data: Buffer.from('1'), version: 0 },
    ]);
    expect(results[0]).toEqual({ op: 'check' });
    expect(results[1]).toEqual({ op: 'create', path: '/m/a' });
    expect(results[2].op === 'create' && results[2].path).toMatch(/^\/m\/seq-\d{10}$/);
    expect(results[3].op === 'setData' && results[3].stat.version).toBe(1);

    // version 0 is a real version in a multi, not "any": /m is now at version 1
    const failed = await expectZkError(
      zk.multi([
        { op: 'create', path: '/m/b' },
        { op: 'check', path: '/m', version: 0 },
        { op: 'delete', path: '/m/a' },
      ]),
      'BADVERSION',
    );
    expect(failed).toBeInstanceOf(ZkMultiError);
    expect((failed as ZkMultiError).failedOp).toBe(1);
    expect(failed.path).toBe('/m');
    // nothing of a failed multi was applied
    expect(await zk.exists('/m/b')).toBeNull();
    expect(await zk.exists('/m/a')).not.toBeNull();

    const exists = await expectZkError(
      zk.multi([
        { op: 'delete', path: '/m/a' },
        { op: 'create', path: '/m' },
      ]),
      'NODEEXISTS',
    );
    expect((exists as ZkMultiError).failedOp).toBe(1);
    expect(await zk.exists('/m/a')).not.toBeNull();
    await zk.multi([{ op: 'delete', path: '/m/a', version: 0 }]);
    expect(await zk.exists('/m/a')).toBeNull();
  });

  it('fails everything after close with SESSIONEXPIRED', async () => {
    const zk = await connect(freshChroot());
    await zookeeper.close(zk);
    const error = await expectZkError(zk.create('/after'), 'SESSIONEXPIRED');
    expect(isCode(error, 'SESSIONEXPIRED')).toBe(true);
    await zk.close(); // twice is fine
  });
});
