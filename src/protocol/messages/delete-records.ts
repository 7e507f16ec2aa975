import { array, field, message, struct } from '../schema/schema.js';

export const DeleteRecordsRequest = message('DeleteRecordsRequest', 21, 'request', '0-2', '2+', [
  field(
    'Topics',
    array(
      struct('DeleteRecordsTopic', [
        field('Name', 'string', '0+'),
        field('Partitions', array(struct('DeleteRecordsPartition', [field('PartitionIndex', 'int32', '0+'), field('Offset', 'int64', '0+')])), '0+'),
      ]),
    ),
    '0+',
  ),
  field('TimeoutMs', 'int32', '0+'),
]);

export const DeleteRecordsResponse = message('DeleteRecordsResponse', 21, 'response', '0-2', '2+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field(
    'Topics',
    array(
      struct('DeleteRecordsTopicResult', [
        field('Name', 'string', '0+'),
        field(
          'Partitions',
          array(
            struct('DeleteRecordsPartitionResult', [
              field('PartitionIndex', 'int32', '0+'),
              field('LowWatermark', 'int64', '0+'),
              field('ErrorCode', 'int16', '0+'),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);
