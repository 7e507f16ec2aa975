import { array, field, message, struct } from '../schema/schema.js';

/** The per-resource result both AlterConfigs and IncrementalAlterConfigs answer with. */
function resourceResponse() {
  return field(
    'Responses',
    array(
      struct('AlterConfigsResourceResponse', [
        field('ErrorCode', 'int16', '0+'),
        field('ErrorMessage', 'string', '0+', { nullable: '0+' }),
        field('ResourceType', 'int8', '0+'),
        field('ResourceName', 'string', '0+'),
      ]),
    ),
    '0+',
  );
}

export const AlterConfigsRequest = message('AlterConfigsRequest', 33, 'request', '0-2', '2+', [
  field(
    'Resources',
    array(
      struct('AlterConfigsResource', [
        field('ResourceType', 'int8', '0+'),
        field('ResourceName', 'string', '0+'),
        field('Configs', array(struct('AlterableConfig', [field('Name', 'string', '0+'), field('Value', 'string', '0+', { nullable: '0+' })])), '0+'),
      ]),
    ),
    '0+',
  ),
  field('ValidateOnly', 'bool', '0+'),
]);

export const AlterConfigsResponse = message('AlterConfigsResponse', 33, 'response', '0-2', '2+', [field('ThrottleTimeMs', 'int32', '0+'), resourceResponse()]);

/** Operations of IncrementalAlterConfigs: set, delete, append to a list, subtract from a list. */
export enum ConfigOperation {
  Set = 0,
  Delete = 1,
  Append = 2,
  Subtract = 3,
}

export const IncrementalAlterConfigsRequest = message('IncrementalAlterConfigsRequest', 44, 'request', '0-1', '1+', [
  field(
    'Resources',
    array(
      struct('AlterConfigsResource', [
        field('ResourceType', 'int8', '0+'),
        field('ResourceName', 'string', '0+'),
        field(
          'Configs',
          array(
            struct('AlterableConfig', [
              field('Name', 'string', '0+'),
              field('ConfigOperation', 'int8', '0+'),
              field('Value', 'string', '0+', { nullable: '0+' }),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
  field('ValidateOnly', 'bool', '0+'),
]);

export const IncrementalAlterConfigsResponse = message('IncrementalAlterConfigsResponse', 44, 'response', '0-1', '1+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  resourceResponse(),
]);
