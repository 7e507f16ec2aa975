import { array, field, message, struct } from '../schema/schema.js';

export const ApiVersionsRequest = message('ApiVersionsRequest', 18, 'request', '0-4', '3+', [
  field('ClientSoftwareName', 'string', '3+', { ignorable: true }),
  field('ClientSoftwareVersion', 'string', '3+', { ignorable: true }),
]);

export const ApiVersionsResponse = message('ApiVersionsResponse', 18, 'response', '0-4', '3+', [
  field('ErrorCode', 'int16', '0+'),
  field('ApiKeys', array(struct('ApiVersion', [field('ApiKey', 'int16', '0+'), field('MinVersion', 'int16', '0+'), field('MaxVersion', 'int16', '0+')])), '0+'),
  field('ThrottleTimeMs', 'int32', '1+', { ignorable: true }),
  field(
    'SupportedFeatures',
    array(struct('SupportedFeatureKey', [field('Name', 'string', '3+'), field('MinVersion', 'int16', '3+'), field('MaxVersion', 'int16', '3+')])),
    '3+',
    { tag: 0, tagged: '3+', ignorable: true },
  ),
  field('FinalizedFeaturesEpoch', 'int64', '3+', { tag: 1, tagged: '3+', default: -1, ignorable: true }),
  field(
    'FinalizedFeatures',
    array(struct('FinalizedFeatureKey', [field('Name', 'string', '3+'), field('MaxVersionLevel', 'int16', '3+'), field('MinVersionLevel', 'int16', '3+')])),
    '3+',
    { tag: 2, tagged: '3+', ignorable: true },
  ),
  field('ZkMigrationReady', 'bool', '3+', { tag: 3, tagged: '3+', ignorable: true, default: false }),
]);
