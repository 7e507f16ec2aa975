import { describe, expect, it } from 'vitest';
import { ZkAclStore } from '../../src/broker/authorizer/zk-acl-store.js';
import { TopicConfigCache } from '../../src/broker/metadata/topic-config-cache.js';
import { type AclBinding, AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/protocol/acl.js';
import { ACL_CHANGES_PATH } from '../../src/zk/acl-zk-client.js';
import { purgeObsoleteNotifications } from '../../src/zk/change-notifications.js';
import { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import { CONFIG_CHANGES_PATH } from '../../src/zk/zk-data.js';
import { waitFor } from '../wait-for.js';
import { useZooKeeper } from './fixture.js';

// Change notifications (/config/changes, /kafka-acl-changes) are deleted once
// older than Kafka's changeExpirationMs, by every broker after it handles a round.
const zookeeper = useZooKeeper();

async function client(): Promise<KafkaZkClient> {
  const zk = zookeeper.track(
    await KafkaZkClient.connect({ 'zookeeper.connect': `${zookeeper.server.connectString}${zookeeper.chroot()}`, 'zookeeper.session.timeout.ms': 6000 }),
  );
  await zk.createTopLevelPaths();
  return zk;
}

const ctime = async (zk: KafkaZkClient, name: string) => (await zk.zk.exists(`${CONFIG_CHANGES_PATH}/${name}`))!.ctime;

/** A broker's topic config cache purging at once (expiration 0), and the changes it applied. */
async function startedCache(zk: KafkaZkClient): Promise<{ cache: TopicConfigCache; applied: Array<[string, Readonly<Record<string, string>>]> }> {
  const applied: Array<[string, Readonly<Record<string, string>>]> = [];
  const cache = new TopicConfigCache(
    zk,
    (topic, configs) => applied.push([topic, configs]),
    () => {},
    0,
  );
  await cache.start();
  return { cache, applied };
}

describe('change notification purging', () => {
  it('deletes the notifications older than the expiration and keeps the newer ones; a purge racing another skips what it deleted', async () => {
    const zk = await client();
    for (const topic of ['a', 'b']) await zk.createConfigChangeNotification(`topics/${topic}`);
    const [first, second] = await zk.getConfigChangeNotificationNames();
    const secondAt = await ctime(zk, second!);
    // the third is created a few milliseconds after the second, by ZooKeeper's clock
    await waitFor(async () => {
      const probe = `${CONFIG_CHANGES_PATH}/probe`;
      await zk.zk.create(probe);
      const at = (await zk.zk.exists(probe))!.ctime;
      await zk.zk.delete(probe);
      return at > secondAt + 5;
    }, "ZooKeeper's clock past the second notification");
    await zk.createConfigChangeNotification('topics/c');
    const names = await zk.getConfigChangeNotificationNames();
    expect(names).toHaveLength(3);

    const expirationMs = 60_000;
    const now = secondAt + expirationMs + 1;
    const [one, other] = await Promise.all([
      purgeObsoleteNotifications(zk.zk, CONFIG_CHANGES_PATH, names, expirationMs, now),
      purgeObsoleteNotifications(zk.zk, CONFIG_CHANGES_PATH, names, expirationMs, now),
    ]);
    expect([...one!, ...other!].sort()).toEqual([first, second]);
    expect(await zk.getConfigChangeNotificationNames()).toEqual([names[2]]);
    // nothing is old enough at the current time with Kafka's 15 minutes
    expect(await purgeObsoleteNotifications(zk.zk, CONFIG_CHANGES_PATH, names)).toEqual([]);
  });

  it("a broker's topic config cache applies a change and then deletes the expired notifications", async () => {
    const zk = await client();
    const { applied } = await startedCache(zk);
    await zk.setTopicConfig('t', { 'retention.ms': '1000' });
    await waitFor(() => applied.length > 0, 'the change applied');
    expect(applied[0]).toEqual(['t', { 'retention.ms': '1000' }]);
    await waitFor(async () => (await zk.getConfigChangeNotificationNames()).length === 0, 'the notification purged');
    // a later change is still seen after the purge
    await zk.setTopicConfig('t', { 'retention.ms': '2000' });
    await waitFor(() => applied.length > 1, 'the second change applied');
    expect(applied[1]).toEqual(['t', { 'retention.ms': '2000' }]);
  });

  it("a broker's topic config cache never purges a notification it has not handled yet, however short the expiration", async () => {
    const zk = await client();
    const { cache, applied } = await startedCache(zk);
    // While the cache handles a user's change, a topic's change is announced:
    // it is newer than what this round read, so it must survive the round's purge.
    let announced = false;
    cache.onUserOrClientChange(async () => {
      if (announced) return;
      announced = true;
      await zk.setTopicConfig('t', { 'retention.ms': '3000' });
      const names = await zk.getConfigChangeNotificationNames();
      const aged = async () => (await zk.zk.exists(`${CONFIG_CHANGES_PATH}/${names[names.length - 1]}`))!.ctime < Date.now() - 2;
      await waitFor(aged, 'the topic notification older than the expiration');
    });
    await zk.createConfigChangeNotification('users/alice');
    await waitFor(() => applied.length > 0, 'the topic change applied');
    expect(applied).toEqual([['t', { 'retention.ms': '3000' }]]);
  });

  it("a broker's ACL store reloads on a change and then deletes the expired notifications", async () => {
    const zk = await client();
    const store = new ZkAclStore(zk.zk, () => {}, 0);
    const seen: AclBinding[][] = [];
    store.watch((all) => seen.push(all));
    const binding: AclBinding = {
      pattern: { resourceType: ResourceType.TOPIC, name: 't', patternType: PatternType.LITERAL },
      entry: { principal: 'User:alice', host: '*', operation: AclOperation.READ, permissionType: AclPermissionType.ALLOW },
    };
    await store.save([binding], []);
    await waitFor(() => seen.some((all) => all.length === 1), 'the ACL loaded');
    await waitFor(async () => (await zk.zk.getChildren(ACL_CHANGES_PATH)).children.length === 0, 'the ACL notification purged');
    expect(await store.load()).toEqual([binding]);
  });
});
