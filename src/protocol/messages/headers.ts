import { field, message } from '../schema/schema.js';

// Request header v0 (only ControlledShutdown v0), v1 adds the client id, v2 is flexible.
// The client id stays a classic int16-length string even in v2, so a broker of any
// age can read the header of the ApiVersions request it is asked first.
export const RequestHeader = message('RequestHeader', -1, 'header', '0-2', '2+', [
  field('RequestApiKey', 'int16', '0+'),
  field('RequestApiVersion', 'int16', '0+'),
  field('CorrelationId', 'int32', '0+'),
  field('ClientId', 'string', '1+', { nullable: '1+', ignorable: true, neverFlexible: true }),
]);

// Response header v1 (flexible responses) adds a tagged-field section.
export const ResponseHeader = message('ResponseHeader', -1, 'header', '0-1', '1+', [field('CorrelationId', 'int32', '0+')]);
