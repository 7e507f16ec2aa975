import { createAclsHandler, deleteAclsHandler, describeAclsHandler } from './acls.js';
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.js';
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.js';
import { alterClientQuotasHandler } from './alter-client-quotas.js';
import { alterConfigsHandler } from './alter-configs.js';
import { alterPartitionReassignmentsHandler } from './alter-partition-reassignments.js';
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.js';
import type { AnyApiHandler } from './api-handler.js';
import { controlledShutdownHandler } from './controlled-shutdown.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteGroupsHandler } from './delete-groups.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeClientQuotasHandler } from './describe-client-quotas.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeGroupsHandler } from './describe-groups.js';
import { describeLogDirsHandler } from './describe-log-dirs.js';
import { describeProducersHandler } from './describe-producers.js';
import { describeTopicPartitionsHandler } from './describe-topic-partitions.js';
import { describeTransactionsHandler } from './describe-transactions.js';
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.js';
import { electLeadersHandler } from './elect-leaders.js';
import { endTxnHandler } from './end-txn.js';
import { fetchHandler } from './fetch.js';
import { findCoordinatorHandler } from './find-coordinator.js';
import { heartbeatHandler } from './heartbeat.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { joinGroupHandler } from './join-group.js';
import { leaderAndIsrHandler } from './leader-and-isr.js';
import { leaveGroupHandler } from './leave-group.js';
import { listGroupsHandler } from './list-groups.js';
import { listOffsetsHandler } from './list-offsets.js';
import { listPartitionReassignmentsHandler } from './list-partition-reassignments.js';
import { listTransactionsHandler } from './list-transactions.js';
import { metadataHandler } from './metadata.js';
import { offsetCommitHandler } from './offset-commit.js';
import { offsetDeleteHandler } from './offset-delete.js';
import { offsetFetchHandler } from './offset-fetch.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { produceHandler } from './produce.js';
import { saslAuthenticateHandler } from './sasl-authenticate.js';
import { saslHandshakeHandler } from './sasl-handshake.js';
import { stopReplicaHandler } from './stop-replica.js';
import { syncGroupHandler } from './sync-group.js';
import { txnOffsetCommitHandler } from './txn-offset-commit.js';
import { updateMetadataHandler } from './update-metadata.js';
import { writeTxnMarkersHandler } from './write-txn-markers.js';

/** Every API the broker answers, except ApiVersions (built by the broker from this list). */
export const API_HANDLERS: readonly AnyApiHandler[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  findCoordinatorHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  createPartitionsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  deleteRecordsHandler,
  describeClusterHandler,
  initProducerIdHandler,
  describeLogDirsHandler,
  describeProducersHandler,
  offsetForLeaderEpochHandler,
  describeTopicPartitionsHandler,
  joinGroupHandler,
  syncGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  describeGroupsHandler,
  listGroupsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  endTxnHandler,
  txnOffsetCommitHandler,
  describeTransactionsHandler,
  listTransactionsHandler,
  // every broker writes the markers of transactions whose partitions it leads, asked by their coordinators (itself on a single broker)
  writeTxnMarkersHandler,
  // answered by the controller in a cluster, by this broker alone otherwise
  electLeadersHandler,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  // SASL listeners authenticate before requests reach these (security/sasl-authenticator.ts)
  saslHandshakeHandler,
  saslAuthenticateHandler,
  describeUserScramCredentialsHandler,
  alterUserScramCredentialsHandler,
  describeAclsHandler,
  createAclsHandler,
  deleteAclsHandler,
  describeClientQuotasHandler,
  alterClientQuotasHandler,
];

/** The inter-broker APIs a broker of a cluster answers as well (the controller's requests, and ControlledShutdown on the controller). */
export const CLUSTER_API_HANDLERS: readonly AnyApiHandler[] = [leaderAndIsrHandler, stopReplicaHandler, updateMetadataHandler, controlledShutdownHandler];
