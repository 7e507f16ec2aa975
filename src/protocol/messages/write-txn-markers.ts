import { array, field, message, struct } from '../schema/schema.js';

// The transaction coordinator asks partition leaders to append a transaction's
// commit (TransactionResult true) or abort marker to the partitions it wrote.
export const WriteTxnMarkersRequest = message('WriteTxnMarkersRequest', 27, 'request', '0-1', '1+', [
  field(
    'Markers',
    array(
      struct('WritableTxnMarker', [
        field('ProducerId', 'int64', '0+'),
        field('ProducerEpoch', 'int16', '0+'),
        field('TransactionResult', 'bool', '0+'),
        field('Topics', array(struct('WritableTxnMarkerTopic', [field('Name', 'string', '0+'), field('PartitionIndexes', array('int32'), '0+')])), '0+'),
        field('CoordinatorEpoch', 'int32', '0+'),
      ]),
    ),
    '0+',
  ),
]);

export const WriteTxnMarkersResponse = message('WriteTxnMarkersResponse', 27, 'response', '0-1', '1+', [
  field(
    'Markers',
    array(
      struct('WritableTxnMarkerResult', [
        field('ProducerId', 'int64', '0+'),
        field(
          'Topics',
          array(
            struct('WritableTxnMarkerTopicResult', [
              field('Name', 'string', '0+'),
              field(
                'Partitions',
                array(struct('WritableTxnMarkerPartitionResult', [field('PartitionIndex', 'int32', '0+'), field('ErrorCode', 'int16', '0+')])),
                '0+',
              ),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);
