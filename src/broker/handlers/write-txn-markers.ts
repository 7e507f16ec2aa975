import { AppendOrigin } from '../../../storage/log/append-origin.js';
import { buildEndTransactionMarkerBatch, ControlRecordType } from '../../../storage/record/control-record.js';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../protocol/messages/write-txn-markers.js';
import type { Item, MessageData } from '../../protocol/schema/message-types.js';
import type { BrokerContext } from '../broker-context.js';
import { OFFSETS_TOPIC } from '../group/offsets-topic.js';
import { type ApiHandler, CLUSTER_ACTION_API } from './api-handler.js';
import { clusterActionAuthorized } from './authorize.js';

type Marker = Item<MessageData<typeof WriteTxnMarkersRequest>['markers']>;

/**
 * WriteTxnMarkers: a transaction coordinator (this broker's own, or
 * another's) asks the leader of each partition a transaction wrote to for
 * the transaction's end, a COMMIT or ABORT control batch with the producer's
 * id and epoch and the coordinator's epoch, appended as the broker's
 * coordinators append (AppendOrigin.Coordinator) and answered once the
 * in-sync replicas have it. In __consumer_offsets the marker also commits or
 * drops the producer's pending transactional offsets.
 */
export const writeTxnMarkersHandler: ApiHandler<typeof WriteTxnMarkersRequest, typeof WriteTxnMarkersResponse> = {
  request: WriteTxnMarkersRequest,
  response: WriteTxnMarkersResponse,
  exemptFromRequestQuota: CLUSTER_ACTION_API,
  handle(request, ctx) {
    // Only transaction coordinators send markers: CLUSTER_ACTION, or every partition is refused.
    if (!clusterActionAuthorized(ctx)) return refused(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    return writeTxnMarkers(ctx.broker, request);
  },
};

/** The markers of a WriteTxnMarkers request written, with an error code per partition: the request's answer, and the coordinator's in-process path to this broker's partitions. */
export async function writeTxnMarkers(
  broker: BrokerContext,
  request: MessageData<typeof WriteTxnMarkersRequest>,
): Promise<MessageData<typeof WriteTxnMarkersResponse>> {
  const markers = await Promise.all(
    request.markers.map(async (marker) => ({
      producerId: marker.producerId,
      topics: await Promise.all(
        marker.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(t.partitionIndexes.map(async (p) => ({ partitionIndex: p, errorCode: await writeMarker(broker, marker, t.name, p) }))),
        })),
      ),
    })),
  );
  return { markers };
}

function refused(request: MessageData<typeof WriteTxnMarkersRequest>, errorCode: number): MessageData<typeof WriteTxnMarkersResponse> {
  return {
    markers: request.markers.map((marker) => ({
      producerId: marker.producerId,
      topics: marker.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })) })),
    })),
  };
}

async function writeMarker(broker: BrokerContext, marker: Marker, topic: string, index: number): Promise<number> {
  try {
    const partition = broker.replicas.leaderPartition(topic, index);
    const batch = buildEndTransactionMarkerBatch(
      { type: marker.transactionResult ? ControlRecordType.Commit : ControlRecordType.Abort, coordinatorEpoch: marker.coordinatorEpoch },
      { producerId: marker.producerId, producerEpoch: marker.producerEpoch },
    );
    const info = await partition.appendAsLeader(batch, -1, AppendOrigin.Coordinator);
    const code = await partition.waitForReplication(info.lastOffset + 1, broker.config.int('request.timeout.ms'));
    if (code === ErrorCode.NONE && topic === OFFSETS_TOPIC) broker.groups?.completeTransaction(marker.producerId, index, marker.transactionResult);
    return code;
  } catch (e) {
    const code = errorCodeOf(e);
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR)
      broker.log('error', `writing the transaction marker of producer ${marker.producerId} to ${topic}-${index} failed: ${(e as Error).stack ?? e}`);
    return code;
  }
}
