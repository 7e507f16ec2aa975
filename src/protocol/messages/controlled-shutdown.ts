import { array, field, message, struct } from '../schema/schema.js';

// A broker asks the controller to move its leaderships away before it stops; the
// answer lists the partitions it still leads (empty: shutting down loses nothing).
// v0 is sent with request header v0, which has no client id.
export const ControlledShutdownRequest = message('ControlledShutdownRequest', 7, 'request', '0-3', '3+', [
  field('BrokerId', 'int32', '0+'),
  field('BrokerEpoch', 'int64', '2+', { default: -1, ignorable: true }),
]);

export const ControlledShutdownResponse = message('ControlledShutdownResponse', 7, 'response', '0-3', '3+', [
  field('ErrorCode', 'int16', '0+'),
  field('RemainingPartitions', array(struct('RemainingPartition', [field('TopicName', 'string', '0+'), field('PartitionIndex', 'int32', '0+')])), '0+'),
]);
