import { field, message } from '../schema/schema.js';

// v5 (KIP-890 part 2) is still marked unstable in the spec; its response returns
// the producer id and epoch the transaction ended with.
export const EndTxnRequest = message('EndTxnRequest', 26, 'request', '0-5', '3+', [
  field('TransactionalId', 'string', '0+'),
  field('ProducerId', 'int64', '0+'),
  field('ProducerEpoch', 'int16', '0+'),
  // true to commit, false to abort.
  field('Committed', 'bool', '0+'),
]);

export const EndTxnResponse = message('EndTxnResponse', 26, 'response', '0-5', '3+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
  field('ProducerId', 'int64', '5+', { default: -1, ignorable: true }),
  field('ProducerEpoch', 'int16', '5+', { default: -1, ignorable: true }),
]);
