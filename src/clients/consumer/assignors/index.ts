import type { ConsumerPartitionAssignor } from './assignor.js';
import { RangeAssignor } from './range.js';
import { RoundRobinAssignor } from './round-robin.js';
import { CooperativeStickyAssignor, StickyAssignor } from './sticky.js';

export * from './assignor.js';
export { RangeAssignor } from './range.js';
export { RoundRobinAssignor } from './round-robin.js';
export {
  CooperativeStickyAssignor,
  decodeStickyUserData,
  encodeStickyUserData,
  type MemberData,
  StickyAssignor,
  type StickyResult,
  stickyAssign,
} from './sticky.js';

const FACTORIES: Record<string, () => ConsumerPartitionAssignor> = {
  range: () => new RangeAssignor(),
  roundrobin: () => new RoundRobinAssignor(),
  sticky: () => new StickyAssignor(),
  'cooperative-sticky': () => new CooperativeStickyAssignor(),
};

const JAVA_CLASSES: Record<string, string> = {
  'org.apache.kafka.clients.consumer.RangeAssignor': 'range',
  'org.apache.kafka.clients.consumer.RoundRobinAssignor': 'roundrobin',
  'org.apache.kafka.clients.consumer.StickyAssignor': 'sticky',
  'org.apache.kafka.clients.consumer.CooperativeStickyAssignor': 'cooperative-sticky',
};

/** An assignor spec in partition.assignment.strategy: a name, Java's class name, an assignor object, or a class. */
export type AssignorSpec = string | ConsumerPartitionAssignor | (new () => ConsumerPartitionAssignor);

/** A fresh assignor for a spec (assignors keep per-consumer state, so each consumer gets its own). */
export function createAssignor(spec: AssignorSpec): ConsumerPartitionAssignor {
  if (typeof spec === 'function') return new spec();
  if (typeof spec === 'object' && spec !== null) return spec;
  const name = JAVA_CLASSES[spec.trim()] ?? spec.trim().toLowerCase();
  const factory = FACTORIES[name];
  if (!factory) throw new RangeError(`unknown partition.assignment.strategy '${spec}'; valid ones are ${Object.keys(FACTORIES).join(', ')}`);
  return factory();
}
