import { array, field, message, struct } from '../schema/schema.js';

export const OffsetDeleteRequest = message('OffsetDeleteRequest', 47, 'request', '0', 'none', [
  field('GroupId', 'string', '0+'),
  field(
    'Topics',
    array(
      struct('OffsetDeleteRequestTopic', [
        field('Name', 'string', '0+'),
        field('Partitions', array(struct('OffsetDeleteRequestPartition', [field('PartitionIndex', 'int32', '0+')])), '0+'),
      ]),
    ),
    '0+',
  ),
]);

// The group-level error comes before the throttle time here, unlike most responses.
export const OffsetDeleteResponse = message('OffsetDeleteResponse', 47, 'response', '0', 'none', [
  field('ErrorCode', 'int16', '0+'),
  field('ThrottleTimeMs', 'int32', '0+', { ignorable: true }),
  field(
    'Topics',
    array(
      struct('OffsetDeleteResponseTopic', [
        field('Name', 'string', '0+'),
        field('Partitions', array(struct('OffsetDeleteResponsePartition', [field('PartitionIndex', 'int32', '0+'), field('ErrorCode', 'int16', '0+')])), '0+'),
      ]),
    ),
    '0+',
  ),
]);
