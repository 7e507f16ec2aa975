import { AppendOrigin } from '../../../storage/log/append-origin.js';
import { buildEndTransactionMarkerBatch, ControlRecordType } from '../../../storage/record/control-record.js';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../protocol/messages/write-txn-markers.js';
import type { Item, MessageData } from '../../protocol/schema/message-types.js';
import { OFFSETS_TOPIC } from '../group/offsets-topic.js';
import type { ApiHandler, RequestContext } from './api-handler.js';
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
  async handle(request, ctx) {
    // Only transaction coordinators send markers: CLUSTER_ACTION, or every partition is refused.
    const allowed = clusterActionAuthorized(ctx);
    const markers = await Promise.all(
      request.markers.map(async (marker) => ({
        producerId: marker.producerId,
        topics: await Promise.all(
          marker.topics.map(async (t) => ({
            name: t.name,
            partitions: await Promise.all(
              t.partitionIndexes.map(async (p) => ({
                partitionIndex: p,
                errorCode: allowed ? await writeMarker(ctx, marker, t.name, p) : ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
              })),
            ),
          })),
        ),
      })),
    );
    return { markers };
  },
};

async function writeMarker(ctx: RequestContext, marker: Marker, topic: string, index: number): Promise<number> {
  try {
    const partition = ctx.broker.replicas.leaderPartition(topic, index);
    const batch = buildEndTransactionMarkerBatch(
      { type: marker.transactionResult ? ControlRecordType.Commit : ControlRecordType.Abort, coordinatorEpoch: marker.coordinatorEpoch },
      { producerId: marker.producerId, producerEpoch: marker.producerEpoch },
    );
    const info = await partition.appendAsLeader(batch, -1, AppendOrigin.Coordinator);
    const code = await partition.waitForReplication(info.lastOffset + 1, ctx.broker.config.int('request.timeout.ms'));
    if (code === ErrorCode.NONE && topic === OFFSETS_TOPIC) ctx.broker.groups?.completeTransaction(marker.producerId, index, marker.transactionResult);
    return code;
  } catch (e) {
    const code = errorCodeOf(e);
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR)
      ctx.broker.log('error', `writing the transaction marker of producer ${marker.producerId} to ${topic}-${index} failed: ${(e as Error).stack ?? e}`);
    return code;
  }
}
