import type { Admin } from '../../src/clients/admin/admin.js';
import { type Exposition, parseExposition } from '../broker/http/prometheus-parser.js';
import { type TestCluster, waitUntil } from './cluster-harness.js';

// What the cluster tests read of the brokers' HTTP listeners (http.listeners=http://127.0.0.1:0).

/** A broker's HTTP listener, from its start line (http.listeners binds a free port). */
export function httpOf(cluster: TestCluster, id: number): string {
  const m = /http:\/\/127\.0\.0\.1:(\d+) \(metrics/.exec(cluster.output(id));
  if (!m) throw new Error(`broker ${id} logged no HTTP listener`);
  return `http://127.0.0.1:${m[1]}`;
}

/** A broker's /metrics, parsed strictly; fails unless it answers 200. */
export async function scrape(cluster: TestCluster, id: number): Promise<Exposition> {
  const res = await fetch(`${httpOf(cluster, id)}/metrics`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`broker ${id}'s /metrics answered ${res.status}: ${text}`);
  return parseExposition(text);
}

/** A broker's console page; fails unless it answers 200. */
export async function consolePage(cluster: TestCluster, id: number): Promise<string> {
  const res = await fetch(`${httpOf(cluster, id)}/`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`broker ${id}'s console answered ${res.status}`);
  return text;
}

/** What a scrape says of a group's partitions of a topic: lag and committed offset by partition, and how many partitions' lag it left out. */
export interface GroupLagSeen {
  lag: Record<number, number>;
  committed: Record<number, number>;
  unknown: number | undefined;
}

export function groupLag(m: Exposition, group: string, topic: string): GroupLagSeen {
  const of = (name: string) => {
    const out: Record<number, number> = {};
    for (const s of m.samples(name)) if (s.labels.consumergroup === group && s.labels.topic === topic) out[Number(s.labels.partition)] = s.value;
    return out;
  };
  const unknown = m.samples('samsa_consumergroup_lag_unknown_partitions').find((s) => s.labels.consumergroup === group)?.value;
  return { lag: of('kafka_consumergroup_lag'), committed: of('kafka_consumergroup_current_offset'), unknown };
}

/** Whether a scrape names the group in any series. */
export function reportsGroup(m: Exposition, group: string): boolean {
  return [...m.families.values()].some((f) => f.samples.some((s) => s.labels.consumergroup === group));
}

/** The broker coordinating `group`: the leader of its partition of __consumer_offsets (the first FindCoordinator creates that topic). */
export async function coordinatorOf(admin: Admin, group: string): Promise<number> {
  let coordinator = -1;
  await waitUntil(async () => {
    coordinator = (await admin.describeConsumerGroups([group]))[0]!.coordinator.id;
    return coordinator >= 0;
  }, `a coordinator for ${group}`);
  return coordinator;
}
