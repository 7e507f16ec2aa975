import { array, field, message, struct } from '../schema/schema.js';

// A null topic list asks about every partition of every log directory.
export const DescribeLogDirsRequest = message('DescribeLogDirsRequest', 35, 'request', '0-4', '2+', [
  field('Topics', array(struct('DescribableLogDirTopic', [field('Topic', 'string', '0+'), field('Partitions', array('int32'), '0+')])), '0+', {
    nullable: '0+',
  }),
]);

export const DescribeLogDirsResponse = message('DescribeLogDirsResponse', 35, 'response', '0-4', '2+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '3+', { ignorable: true }),
  field(
    'Results',
    array(
      struct('DescribeLogDirsResult', [
        field('ErrorCode', 'int16', '0+'),
        field('LogDir', 'string', '0+'),
        field(
          'Topics',
          array(
            struct('DescribeLogDirsTopic', [
              field('Name', 'string', '0+'),
              field(
                'Partitions',
                array(
                  struct('DescribeLogDirsPartition', [
                    field('PartitionIndex', 'int32', '0+'),
                    field('PartitionSize', 'int64', '0+'),
                    field('OffsetLag', 'int64', '0+'),
                    field('IsFutureKey', 'bool', '0+'),
                  ]),
                ),
                '0+',
              ),
            ]),
          ),
          '0+',
        ),
        field('TotalBytes', 'int64', '4+', { default: -1, ignorable: true }),
        field('UsableBytes', 'int64', '4+', { default: -1, ignorable: true }),
      ]),
    ),
    '0+',
  ),
]);
