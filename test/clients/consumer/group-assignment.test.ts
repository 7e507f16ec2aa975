// Groups under each assignor: every partition covered exactly once as members
// join and leave, each record read once, and the eager or cooperative
// protocol's revocations.
import { describe, expect, it } from 'vitest';
import { createTopic, Member, partitionsOf, useConsumerTestBroker, waitFor, waitForCoverage } from './harness.js';

const env = useConsumerTestBroker();

describe.each(['range', 'roundrobin', 'sticky', 'cooperative-sticky'])('a group with the %s assignor', (strategy) => {
  it('covers every partition exactly once as members join and leave', async () => {
    const t1 = `grp-${strategy}-a`;
    const t2 = `grp-${strategy}-b`;
    await createTopic(t1, 6);
    await createTopic(t2, 3);
    const all = [...partitionsOf(t1, 6), ...partitionsOf(t2, 3)];
    const group = `group-${strategy}`;
    const config = { 'partition.assignment.strategy': strategy };
    const a = new Member('a', group, [t1, t2], config);
    await waitForCoverage([a], all);
    expect(a.events.filter((e) => e.type === 'assigned').at(-1)!.partitions).toEqual(all);

    const bMember = new Member('b', group, [t1, t2], config);
    const c = new Member('c', group, [t1, t2], config);
    const members = [a, bMember, c];
    const three = await waitForCoverage(members, all, (sizes) => sizes.every((n) => n === 3));
    if (strategy === 'range') {
      // Per topic: two of the six partitions of t1 and one of the three of t2 each.
      for (const owned of three.values()) {
        expect(owned.filter((p) => p.startsWith(`${t1}-`))).toHaveLength(2);
        expect(owned.filter((p) => p.startsWith(`${t2}-`))).toHaveLength(1);
      }
    }

    // Everything produced now is read exactly once across the group.
    const produced = Array.from({ length: 90 }, (_, i) => ({ topic: i % 2 ? t1 : t2, value: `m${i}` }));
    for (const topic of [t1, t2]) await env.producer.send({ topic, messages: produced.filter((m) => m.topic === topic).map((m) => ({ value: m.value })) });
    await waitFor(
      () => members.reduce((n, m) => n + m.records.filter((r) => r.value!.startsWith('m')).length, 0) >= 90,
      'the group to read 90 records',
      20_000,
    );
    const read = members.flatMap((m) => m.records.filter((r) => r.value!.startsWith('m')).map((r) => r.value)).sort();
    expect(read).toEqual(produced.map((m) => m.value).sort());
    // Each member read only from its own partitions.
    for (const m of members) {
      const mine = new Set(m.assignment());
      expect(m.records.filter((r) => r.value!.startsWith('m')).every((r) => mine.has(`${r.topic}-${r.partition}`))).toBe(true);
    }

    // c leaves: a and b take over its partitions.
    await c.close();
    const two = await waitForCoverage([a, bMember], all, (sizes) => Math.max(...sizes) - Math.min(...sizes) <= 1);
    if (strategy === 'sticky' || strategy === 'cooperative-sticky') {
      // Sticky: a and b keep what they had.
      for (const m of [a, bMember]) expect(two.get(m.name)).toEqual(expect.arrayContaining(three.get(m.name)!));
    }
    if (strategy === 'cooperative-sticky') {
      // Partitions that stayed with a member were never revoked from it: only what moved away was.
      const keptByA = new Set(three.get('a'));
      const revokedFromA = a.events.filter((e) => e.type === 'revoked').flatMap((e) => e.partitions);
      expect(revokedFromA.length).toBeGreaterThan(0);
      for (const p of revokedFromA) expect(keptByA.has(p)).toBe(false);
      for (const m of [a, bMember]) {
        const revoked = new Set(m.events.filter((e) => e.type === 'revoked').flatMap((e) => e.partitions));
        for (const p of two.get(m.name)!) expect(revoked.has(p) && three.get(m.name)!.includes(p)).toBe(false);
      }
    } else {
      // Eager: every rebalance starts with everything revoked.
      const revokes = a.events.filter((e) => e.type === 'revoked');
      expect(revokes.length).toBeGreaterThanOrEqual(2);
      expect(revokes[0]!.partitions).toEqual(all);
    }
    await a.close();
    await bMember.close();
    expect(members.flatMap((m) => m.errors)).toEqual([]);
  });
});
