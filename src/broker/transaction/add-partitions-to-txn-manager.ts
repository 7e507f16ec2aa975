import { ApiDef } from '../../clients/network/apis.js';
import type { ClientSecurity } from '../../clients/network/client-security.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../protocol/messages/add-partitions-to-txn.js';
import { type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import type { BrokerLog } from '../broker-log.js';
import { InterBrokerConnections } from '../inter-broker-connection.js';
import type { TransactionCoordinator } from './transaction-coordinator.js';

const AddPartitionsToTxnApi = new ApiDef('AddPartitionsToTxn', AddPartitionsToTxnRequest, AddPartitionsToTxnResponse);
/** The first version with batched transactions and verifyOnly (KIP-890). */
const VERIFY_ONLY_VERSION = 4;

/** Coordinator answers that only mean "not now": the request is to be retried. */
const COORDINATOR_BUSY = new Set<number>([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.CONCURRENT_TRANSACTIONS,
]);

/** A failed verification as a Produce answers it: a coordinator not ready yet is NOT_ENOUGH_REPLICAS, which every producer retries (Kafka's mapping). */
export function produceVerificationError(code: number): number {
  return COORDINATOR_BUSY.has(code) ? ErrorCode.NOT_ENOUGH_REPLICAS : code;
}

/** A failed verification as a TxnOffsetCommit answers it: a coordinator not ready yet is COORDINATOR_NOT_AVAILABLE, which producers retry. */
export function offsetCommitVerificationError(code: number): number {
  return COORDINATOR_BUSY.has(code) ? ErrorCode.COORDINATOR_NOT_AVAILABLE : code;
}

export interface AddPartitionsToTxnManagerOptions {
  brokerId: number;
  /** The broker leading the transactional id's __transaction_state partition; -1 when none is known. */
  coordinatorOf(transactionalId: string): number;
  /** A broker's inter-broker endpoint; undefined while it is not known alive. */
  endpointOf(brokerId: number): { host: string; port: number } | undefined;
  /** request.timeout.ms */
  requestTimeoutMs: number;
  /** The inter-broker listener's TLS and SASL (plain TCP without). */
  security?: ClientSecurity;
  log: BrokerLog;
}

/**
 * KIP-890's check a partition leader makes before taking the first batch of
 * a transaction, as Kafka's AddPartitionsToTxnManager: the producer's
 * transaction coordinator is asked whether the partition is in the
 * producer's ongoing transaction, so a late or stray transactional batch
 * cannot open a transaction that nothing will ever end. The coordinator is
 * asked in-process when it runs here, else with AddPartitionsToTxn v4+
 * verifyOnly. Resolves with the coordinator's answer: NONE, INVALID_TXN_STATE,
 * INVALID_PRODUCER_ID_MAPPING, INVALID_PRODUCER_EPOCH (a fenced producer), or
 * a coordinator error (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
 * COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS) the caller maps to
 * what its client retries.
 */
export class AddPartitionsToTxnManager {
  private readonly connections: InterBrokerConnections;

  constructor(
    private readonly coordinator: TransactionCoordinator,
    private readonly options: AddPartitionsToTxnManagerOptions,
  ) {
    this.connections = new InterBrokerConnections({
      clientId: `broker-${options.brokerId}-txn-verifier`,
      requestTimeoutMs: options.requestTimeoutMs,
      maxInFlight: 5,
      security: options.security,
    });
  }

  async verify(transactionalId: string, producerId: number, producerEpoch: number, tp: TopicPartition): Promise<number> {
    const coordinatorId = this.options.coordinatorOf(transactionalId);
    const local = this.coordinator.states.ownsPartition(this.coordinator.partitionFor(transactionalId));
    let code: number;
    if (local || coordinatorId === this.options.brokerId) {
      const answer = this.coordinator.verifyPartitionsInTransaction(transactionalId, producerId, producerEpoch, [tp]);
      code = 'errorCode' in answer ? answer.errorCode : answer.byPartition.get(tpKey(tp.topic, tp.partition))!;
    } else if (coordinatorId < 0) {
      code = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    } else {
      code = await this.askRemote(coordinatorId, transactionalId, producerId, producerEpoch, tp);
    }
    // A produce cannot answer PRODUCER_FENCED: the producer learns it was fenced from INVALID_PRODUCER_EPOCH.
    return code === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : code;
  }

  private async askRemote(brokerId: number, transactionalId: string, producerId: number, producerEpoch: number, tp: TopicPartition): Promise<number> {
    const endpoint = this.options.endpointOf(brokerId);
    const connection = endpoint && this.connections.get(brokerId, endpoint);
    if (!connection) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    try {
      const response = await connection.request(
        AddPartitionsToTxnApi,
        { transactions: [{ transactionalId, producerId, producerEpoch, verifyOnly: true, topics: [{ name: tp.topic, partitions: [tp.partition] }] }] },
        { minVersion: VERIFY_ONLY_VERSION },
      );
      if (response.errorCode !== ErrorCode.NONE) return response.errorCode;
      const result = response.resultsByTransaction.find((r) => r.transactionalId === transactionalId);
      const partition = result?.topicResults.find((t) => t.name === tp.topic)?.resultsByPartition.find((p) => p.partitionIndex === tp.partition);
      return partition?.partitionErrorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    } catch (e) {
      this.options.log('info', `verifying the transaction of ${transactionalId} with broker ${brokerId} failed: ${(e as Error).message}`);
      connection.close();
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  close(): void {
    this.connections.close();
  }
}
