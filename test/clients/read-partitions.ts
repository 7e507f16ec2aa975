import { Admin } from '../../src/clients/admin/admin.js';
import { Consumer } from '../../src/clients/consumer/consumer-constructor.js';
import type { ConsumerRecord } from '../../src/clients/consumer/consumer-records.js';
import { waitFor } from '../wait-for.js';

/**
 * Every record of a topic's partitions from the beginning to their end
 * offsets as the consumer sees them (the last stable offset under
 * isolation.level=read_committed), read with samsa's Consumer through
 * assign(), one array per partition.
 */
export async function readPartitions(
  bootstrap: string,
  topic: string,
  partitions: number,
  config: Record<string, unknown> = {},
): Promise<Array<Array<ConsumerRecord<string | null, string | null>>>> {
  const consumer = new Consumer<string | null, string | null>({
    'bootstrap.servers': bootstrap,
    'key.deserializer': 'string',
    'value.deserializer': 'string',
    'auto.offset.reset': 'earliest',
    ...config,
  });
  try {
    const assigned = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    consumer.assign(assigned);
    const ends = await consumer.endOffsets(assigned);
    const out: Array<Array<ConsumerRecord<string | null, string | null>>> = assigned.map(() => []);
    for (;;) {
      const positions = await Promise.all(assigned.map((tp) => consumer.position(tp)));
      if (positions.every((p, i) => p >= ends[i]!.offset)) return out;
      for (const record of await consumer.poll(500)) out[record.partition]!.push(record);
    }
  } finally {
    await consumer.close();
  }
}

/** The values of what readPartitions read. */
export async function readValues(
  bootstrap: string,
  topic: string,
  partitions: number,
  config: Record<string, unknown> = {},
): Promise<Array<Array<string | null>>> {
  return (await readPartitions(bootstrap, topic, partitions, config)).map((records) => records.map((r) => r.value));
}

/**
 * Waits until no transaction is open on the topic's partitions, their markers
 * written: a commit returns once the coordinator has it, and the markers that
 * make it visible follow. Then the last stable offset is the high watermark.
 */
export async function waitForDecidedTransactions(bootstrap: string, topic: string, partitions: number): Promise<void> {
  const admin = new Admin({ 'bootstrap.servers': bootstrap });
  try {
    const latest = Array.from({ length: partitions }, (_, partition) => ({ topic, partition, spec: 'latest' as const }));
    await waitFor(async () => {
      const stable = await admin.listOffsets(latest, { isolationLevel: 'read_committed' });
      const high = await admin.listOffsets(latest);
      return stable.every((s, i) => s.offset === high[i]!.offset);
    }, `the transactions on ${topic} to be decided`);
  } finally {
    await admin.close();
  }
}
