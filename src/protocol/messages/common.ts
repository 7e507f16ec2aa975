import { field, struct } from '../schema/schema.js';

// Structs that several messages share (Kafka's specs repeat them per message).

export function leaderIdAndEpoch<const V extends string>(versions: V) {
  return struct('LeaderIdAndEpoch', [field('LeaderId', 'int32', versions, { default: -1 }), field('LeaderEpoch', 'int32', versions, { default: -1 })]);
}

export function nodeEndpoint<const V extends string>(versions: V) {
  return struct('NodeEndpoint', [
    field('NodeId', 'int32', versions),
    field('Host', 'string', versions),
    field('Port', 'int32', versions),
    field('Rack', 'string', versions, { nullable: versions, default: null }),
  ]);
}
