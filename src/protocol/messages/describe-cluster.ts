import { array, field, message, struct } from '../schema/schema.js';

export const DescribeClusterRequest = message('DescribeClusterRequest', 60, 'request', '0-1', '0+', [
  field('IncludeClusterAuthorizedOperations', 'bool', '0+'),
  field('EndpointType', 'int8', '1+', { default: 1 }),
]);

export const DescribeClusterResponse = message('DescribeClusterResponse', 60, 'response', '0-1', '0+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
  field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
  field('EndpointType', 'int8', '1+', { default: 1 }),
  field('ClusterId', 'string', '0+'),
  field('ControllerId', 'int32', '0+', { default: -1 }),
  field(
    'Brokers',
    array(
      struct('DescribeClusterBroker', [
        field('BrokerId', 'int32', '0+'),
        field('Host', 'string', '0+'),
        field('Port', 'int32', '0+'),
        field('Rack', 'string', '0+', { nullable: '0+', default: null }),
      ]),
    ),
    '0+',
  ),
  field('ClusterAuthorizedOperations', 'int32', '0+', { default: -2147483648 }),
]);
