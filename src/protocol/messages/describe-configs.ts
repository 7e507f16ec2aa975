import { array, field, message, struct } from '../schema/schema.js';

// Version 0 was removed by Kafka 4.0 (KIP-896).
export const DescribeConfigsRequest = message('DescribeConfigsRequest', 32, 'request', '1-4', '4+', [
  field(
    'Resources',
    array(
      struct('DescribeConfigsResource', [
        field('ResourceType', 'int8', '0+'),
        field('ResourceName', 'string', '0+'),
        field('ConfigurationKeys', array('string'), '0+', { nullable: '0+' }),
      ]),
    ),
    '0+',
  ),
  field('IncludeSynonyms', 'bool', '1+', { default: false }),
  field('IncludeDocumentation', 'bool', '3+', { default: false }),
]);

export const DescribeConfigsResponse = message('DescribeConfigsResponse', 32, 'response', '1-4', '4+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field(
    'Results',
    array(
      struct('DescribeConfigsResult', [
        field('ErrorCode', 'int16', '0+'),
        field('ErrorMessage', 'string', '0+', { nullable: '0+' }),
        field('ResourceType', 'int8', '0+'),
        field('ResourceName', 'string', '0+'),
        field(
          'Configs',
          array(
            struct('DescribeConfigsResourceResult', [
              field('Name', 'string', '0+'),
              field('Value', 'string', '0+', { nullable: '0+' }),
              field('ReadOnly', 'bool', '0+'),
              field('IsDefault', 'bool', '0'),
              field('ConfigSource', 'int8', '1+', { default: -1, ignorable: true }),
              field('IsSensitive', 'bool', '0+'),
              field(
                'Synonyms',
                array(
                  struct('DescribeConfigsSynonym', [
                    field('Name', 'string', '1+'),
                    field('Value', 'string', '1+', { nullable: '0+' }),
                    field('Source', 'int8', '1+'),
                  ]),
                ),
                '1+',
                { ignorable: true },
              ),
              field('ConfigType', 'int8', '3+', { default: 0, ignorable: true }),
              field('Documentation', 'string', '3+', { nullable: '0+', ignorable: true }),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);
