// What each broker of a test cluster tells a client, asked of that broker alone (a raw Metadata
// request): the cluster is ready for a test once every broker knows every other one, which comes
// a little after each listens (the controller's UpdateMetadata).
import { KafkaClientError } from '../../src/clients/network/errors.js';
import { RawClient } from '../broker/raw-client.js';
import { waitFor } from '../wait-for.js';
import type { TestCluster } from './cluster-harness.js';

/** The broker ids the broker listening on `port` answers Metadata with. */
export async function brokersSeenBy(port: number): Promise<number[]> {
  const client = await RawClient.connect(port);
  try {
    const metadata = await client.request('Metadata', 1, { topics: [] });
    return (metadata.brokers as Array<{ nodeId: number }>).map((b) => b.nodeId).sort((a, b) => a - b);
  } finally {
    client.close();
  }
}

/** Waits until every running broker names every running broker in its Metadata. */
export async function waitForFullView(cluster: TestCluster): Promise<void> {
  const running = cluster.brokerIds.filter((id) => cluster.isRunning(id));
  await waitFor(async () => {
    for (const id of running) if ((await brokersSeenBy(cluster.port(id))).join() !== running.join()) return false;
    return true;
  }, `brokers ${running.join(', ')} to see each other`, 60_000);
}

/** Starts every broker a test left stopped (one that failed halfway), then waits for the full view: the next test starts whole. */
export async function restartStopped(cluster: TestCluster): Promise<void> {
  for (const id of cluster.brokerIds) if (!cluster.isRunning(id)) await cluster.startBroker(id);
  await waitForFullView(cluster);
}

/**
 * For a waited-for condition that asks the cluster through a client: a retriable
 * error is "not yet" (a broker just restarted answers UNKNOWN_TOPIC_OR_PARTITION
 * until the controller's UpdateMetadata reaches it, as Kafka's does); anything
 * else is thrown.
 */
export function notYet(e: unknown): false {
  if (e instanceof KafkaClientError && e.retriable) return false;
  throw e;
}
