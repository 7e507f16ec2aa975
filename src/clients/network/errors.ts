import { ErrorCode, errorName } from '../../protocol/error-codes.js';

/**
 * The errors samsa's clients raise, shaped after the Java client's exception
 * hierarchy: every one says whether retrying can help (`retriable`, as Java's
 * RetriableException subclasses do) and carries Kafka's error code when a
 * broker sent one.
 */
export class KafkaClientError extends Error {
  /** True when the same request may succeed if sent again (Java's RetriableException). */
  readonly retriable: boolean;
  /** Kafka's error code, when the error came from a broker. */
  readonly errorCode: number | undefined;

  constructor(message: string, options: { retriable?: boolean; errorCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    this.errorCode = options.errorCode;
  }
}

/** A connection failed, closed or timed out before its response came (Java's NetworkException): retriable. */
export class NetworkError extends KafkaClientError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: true, errorCode: ErrorCode.NETWORK_EXCEPTION, cause: options.cause });
  }
}

/** Something did not finish in time (Java's TimeoutException): max.block.ms, delivery.timeout.ms, an admin call. */
export class TimeoutError extends KafkaClientError {
  constructor(message: string, options: { errorCode?: number } = {}) {
    super(message, { retriable: true, errorCode: options.errorCode });
  }
}

/** A client configuration value that is missing, unknown or out of range (Java's ConfigException). */
export class ClientConfigError extends KafkaClientError {}

/** The client was closed while the operation was pending, or used after close. */
export class ClientClosedError extends KafkaClientError {}

/** A serializer or deserializer failed (Java's SerializationException). */
export class SerializationError extends KafkaClientError {}

/** A method called when the client's state does not allow it (Java's IllegalStateException). */
export class IllegalStateError extends KafkaClientError {}

/** A record of a transaction that was aborted before it was sent (Java's TransactionAbortedException). */
export class TransactionAbortedError extends KafkaClientError {
  constructor(message = 'Failing batch since transaction was aborted', options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** Kafka's name for an error code. */
export const kafkaErrorName = errorName;

/**
 * Codes whose exceptions are InvalidMetadataException in the Java client:
 * the client's view of leaders is stale, so metadata is refreshed before a retry.
 */
const INVALID_METADATA = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.LISTENER_NOT_FOUND,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
  ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
]);

/** Codes whose exceptions are RetriableException in the Java client (the invalid-metadata ones included). */
const RETRIABLE = new Set<number>([
  ...INVALID_METADATA,
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
  ErrorCode.INVALID_FETCH_SESSION_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.UNSTABLE_OFFSET_COMMIT,
  ErrorCode.THROTTLING_QUOTA_EXCEEDED,
  ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR,
  ErrorCode.CONCURRENT_TRANSACTIONS,
]);

/** Whether the Java client retries an error code. */
export function isRetriableCode(code: number): boolean {
  return RETRIABLE.has(code);
}

/** An error code a broker answered with. Subclasses below name the ones callers most often catch. */
export class KafkaApiError extends KafkaClientError {
  /** Kafka's name for the code ("NOT_LEADER_OR_FOLLOWER"). */
  readonly code: string;
  /** The client's metadata is stale for this error: refresh before retrying. */
  readonly invalidMetadata: boolean;
  declare readonly errorCode: number;

  constructor(errorCode: number, message?: string | null) {
    const name = kafkaErrorName(errorCode);
    super(message ? `${name}: ${message}` : name, { retriable: RETRIABLE.has(errorCode), errorCode });
    this.code = name;
    this.invalidMetadata = INVALID_METADATA.has(errorCode);
  }
}

export class UnknownServerError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.UNKNOWN_SERVER_ERROR, message);
  }
}
export class OffsetOutOfRangeError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.OFFSET_OUT_OF_RANGE, message);
  }
}
export class CorruptMessageError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.CORRUPT_MESSAGE, message);
  }
}
export class UnknownTopicOrPartitionError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message);
  }
}
export class LeaderNotAvailableError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.LEADER_NOT_AVAILABLE, message);
  }
}
export class NotLeaderOrFollowerError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.NOT_LEADER_OR_FOLLOWER, message);
  }
}
export class RequestTimedOutError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.REQUEST_TIMED_OUT, message);
  }
}
/** MESSAGE_TOO_LARGE: a record or batch is bigger than the topic's max.message.bytes (Java's RecordTooLargeException). */
export class RecordTooLargeError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.MESSAGE_TOO_LARGE, message);
  }
}
export class CoordinatorLoadInProgressError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, message);
  }
}
export class CoordinatorNotAvailableError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.COORDINATOR_NOT_AVAILABLE, message);
  }
}
export class NotCoordinatorError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.NOT_COORDINATOR, message);
  }
}
export class InvalidTopicError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_TOPIC_EXCEPTION, message);
  }
}
export class RecordBatchTooLargeError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.RECORD_LIST_TOO_LARGE, message);
  }
}
export class NotEnoughReplicasError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.NOT_ENOUGH_REPLICAS, message);
  }
}
export class NotEnoughReplicasAfterAppendError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, message);
  }
}
export class IllegalGenerationError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.ILLEGAL_GENERATION, message);
  }
}
export class UnknownMemberIdError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.UNKNOWN_MEMBER_ID, message);
  }
}
export class RebalanceInProgressError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.REBALANCE_IN_PROGRESS, message);
  }
}
export class TopicAuthorizationError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.TOPIC_AUTHORIZATION_FAILED, message);
  }
}
/** THROTTLING_QUOTA_EXCEEDED: a topic mutation over the client's controller_mutation_rate (KIP-599); the broker asks it to wait throttleTimeMs. */
export class ThrottlingQuotaExceededError extends KafkaApiError {
  constructor(
    message?: string | null,
    readonly throttleTimeMs = 0,
  ) {
    super(ErrorCode.THROTTLING_QUOTA_EXCEEDED, message);
  }
}
export class GroupAuthorizationError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.GROUP_AUTHORIZATION_FAILED, message);
  }
}
export class ClusterAuthorizationError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, message);
  }
}
export class InvalidTimestampError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_TIMESTAMP, message);
  }
}
export class UnsupportedVersionError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.UNSUPPORTED_VERSION, message);
  }
}
export class TopicAlreadyExistsError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.TOPIC_ALREADY_EXISTS, message);
  }
}
export class InvalidPartitionsError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_PARTITIONS, message);
  }
}
export class InvalidReplicationFactorError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_REPLICATION_FACTOR, message);
  }
}
export class InvalidConfigError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_CONFIG, message);
  }
}
export class NotControllerError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.NOT_CONTROLLER, message);
  }
}
export class InvalidRequestError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_REQUEST, message);
  }
}
export class PolicyViolationError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.POLICY_VIOLATION, message);
  }
}
export class KafkaStorageError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.KAFKA_STORAGE_ERROR, message);
  }
}
export class NonEmptyGroupError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.NON_EMPTY_GROUP, message);
  }
}
export class GroupIdNotFoundError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.GROUP_ID_NOT_FOUND, message);
  }
}
export class TopicDeletionDisabledError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.TOPIC_DELETION_DISABLED, message);
  }
}
export class MemberIdRequiredError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.MEMBER_ID_REQUIRED, message);
  }
}
export class FencedInstanceIdError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.FENCED_INSTANCE_ID, message);
  }
}
export class InvalidRecordError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_RECORD, message);
  }
}
export class ResourceNotFoundError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.RESOURCE_NOT_FOUND, message);
  }
}
export class UnknownTopicIdError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.UNKNOWN_TOPIC_ID, message);
  }
}
export class InvalidReplicaAssignmentError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message);
  }
}
export class PreferredLeaderNotAvailableError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, message);
  }
}
export class EligibleLeadersNotAvailableError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, message);
  }
}
export class ElectionNotNeededError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.ELECTION_NOT_NEEDED, message);
  }
}
export class UnsupportedSaslMechanismError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.UNSUPPORTED_SASL_MECHANISM, message);
  }
}
export class IllegalSaslStateError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.ILLEGAL_SASL_STATE, message);
  }
}
export class SaslAuthenticationError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.SASL_AUTHENTICATION_FAILED, message);
  }
}
export class NoReassignmentInProgressError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, message);
  }
}
// Idempotence and transactions. UNKNOWN_PRODUCER_ID is a kind of out-of-order sequence, as in Java.
export class OutOfOrderSequenceError extends KafkaApiError {
  constructor(message?: string | null, code: number = ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
    super(code, message);
  }
}
export class UnknownProducerIdError extends OutOfOrderSequenceError {
  constructor(message?: string | null) {
    super(message, ErrorCode.UNKNOWN_PRODUCER_ID);
  }
}
export class DuplicateSequenceError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, message);
  }
}
export class InvalidProducerEpochError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_PRODUCER_EPOCH, message);
  }
}
/** Another producer with the same transactional.id has initialised since: this one may only close (Java's ProducerFencedException). */
export class ProducerFencedError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.PRODUCER_FENCED, message);
  }
}
export class InvalidTxnStateError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_TXN_STATE, message);
  }
}
export class InvalidPidMappingError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_PRODUCER_ID_MAPPING, message);
  }
}
export class InvalidTxnTimeoutError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.INVALID_TRANSACTION_TIMEOUT, message);
  }
}
export class ConcurrentTransactionsError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.CONCURRENT_TRANSACTIONS, message);
  }
}
export class TransactionCoordinatorFencedError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.TRANSACTION_COORDINATOR_FENCED, message);
  }
}
export class TransactionalIdAuthorizationError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, message);
  }
}
export class TransactionalIdNotFoundError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, message);
  }
}
export class TransactionAbortableError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.TRANSACTION_ABORTABLE, message);
  }
}

export class SecurityDisabledError extends KafkaApiError {
  constructor(message?: string | null) {
    super(ErrorCode.SECURITY_DISABLED, message);
  }
}

const BY_CODE = new Map<number, new (message?: string | null) => KafkaApiError>([
  [ErrorCode.UNKNOWN_SERVER_ERROR, UnknownServerError],
  [ErrorCode.OFFSET_OUT_OF_RANGE, OffsetOutOfRangeError],
  [ErrorCode.CORRUPT_MESSAGE, CorruptMessageError],
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, UnknownTopicOrPartitionError],
  [ErrorCode.LEADER_NOT_AVAILABLE, LeaderNotAvailableError],
  [ErrorCode.NOT_LEADER_OR_FOLLOWER, NotLeaderOrFollowerError],
  [ErrorCode.REQUEST_TIMED_OUT, RequestTimedOutError],
  [ErrorCode.MESSAGE_TOO_LARGE, RecordTooLargeError],
  [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, CoordinatorLoadInProgressError],
  [ErrorCode.COORDINATOR_NOT_AVAILABLE, CoordinatorNotAvailableError],
  [ErrorCode.NOT_COORDINATOR, NotCoordinatorError],
  [ErrorCode.INVALID_TOPIC_EXCEPTION, InvalidTopicError],
  [ErrorCode.RECORD_LIST_TOO_LARGE, RecordBatchTooLargeError],
  [ErrorCode.NOT_ENOUGH_REPLICAS, NotEnoughReplicasError],
  [ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, NotEnoughReplicasAfterAppendError],
  [ErrorCode.ILLEGAL_GENERATION, IllegalGenerationError],
  [ErrorCode.UNKNOWN_MEMBER_ID, UnknownMemberIdError],
  [ErrorCode.REBALANCE_IN_PROGRESS, RebalanceInProgressError],
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED, TopicAuthorizationError],
  [ErrorCode.GROUP_AUTHORIZATION_FAILED, GroupAuthorizationError],
  [ErrorCode.THROTTLING_QUOTA_EXCEEDED, ThrottlingQuotaExceededError],
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ClusterAuthorizationError],
  [ErrorCode.INVALID_TIMESTAMP, InvalidTimestampError],
  [ErrorCode.UNSUPPORTED_VERSION, UnsupportedVersionError],
  [ErrorCode.TOPIC_ALREADY_EXISTS, TopicAlreadyExistsError],
  [ErrorCode.INVALID_PARTITIONS, InvalidPartitionsError],
  [ErrorCode.INVALID_REPLICATION_FACTOR, InvalidReplicationFactorError],
  [ErrorCode.INVALID_CONFIG, InvalidConfigError],
  [ErrorCode.NOT_CONTROLLER, NotControllerError],
  [ErrorCode.INVALID_REQUEST, InvalidRequestError],
  [ErrorCode.POLICY_VIOLATION, PolicyViolationError],
  [ErrorCode.KAFKA_STORAGE_ERROR, KafkaStorageError],
  [ErrorCode.NON_EMPTY_GROUP, NonEmptyGroupError],
  [ErrorCode.GROUP_ID_NOT_FOUND, GroupIdNotFoundError],
  [ErrorCode.TOPIC_DELETION_DISABLED, TopicDeletionDisabledError],
  [ErrorCode.MEMBER_ID_REQUIRED, MemberIdRequiredError],
  [ErrorCode.FENCED_INSTANCE_ID, FencedInstanceIdError],
  [ErrorCode.INVALID_RECORD, InvalidRecordError],
  [ErrorCode.RESOURCE_NOT_FOUND, ResourceNotFoundError],
  [ErrorCode.UNKNOWN_TOPIC_ID, UnknownTopicIdError],
  [ErrorCode.INVALID_REPLICA_ASSIGNMENT, InvalidReplicaAssignmentError],
  [ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, PreferredLeaderNotAvailableError],
  [ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, EligibleLeadersNotAvailableError],
  [ErrorCode.ELECTION_NOT_NEEDED, ElectionNotNeededError],
  [ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, NoReassignmentInProgressError],
  [ErrorCode.UNSUPPORTED_SASL_MECHANISM, UnsupportedSaslMechanismError],
  [ErrorCode.ILLEGAL_SASL_STATE, IllegalSaslStateError],
  [ErrorCode.SASL_AUTHENTICATION_FAILED, SaslAuthenticationError],
  [ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, OutOfOrderSequenceError],
  [ErrorCode.UNKNOWN_PRODUCER_ID, UnknownProducerIdError],
  [ErrorCode.DUPLICATE_SEQUENCE_NUMBER, DuplicateSequenceError],
  [ErrorCode.INVALID_PRODUCER_EPOCH, InvalidProducerEpochError],
  [ErrorCode.PRODUCER_FENCED, ProducerFencedError],
  [ErrorCode.INVALID_TXN_STATE, InvalidTxnStateError],
  [ErrorCode.INVALID_PRODUCER_ID_MAPPING, InvalidPidMappingError],
  [ErrorCode.INVALID_TRANSACTION_TIMEOUT, InvalidTxnTimeoutError],
  [ErrorCode.CONCURRENT_TRANSACTIONS, ConcurrentTransactionsError],
  [ErrorCode.TRANSACTION_COORDINATOR_FENCED, TransactionCoordinatorFencedError],
  [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, TransactionalIdAuthorizationError],
  [ErrorCode.SECURITY_DISABLED, SecurityDisabledError],
  [ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, TransactionalIdNotFoundError],
  [ErrorCode.TRANSACTION_ABORTABLE, TransactionAbortableError],
]);

/** The typed error for a code a broker answered with (a plain KafkaApiError for codes without a class). */
export function kafkaErrorFor(errorCode: number, message?: string | null): KafkaApiError {
  const ErrorClass = BY_CODE.get(errorCode);
  return ErrorClass ? new ErrorClass(message) : new KafkaApiError(errorCode, message);
}

/** Whether retrying may help: typed client errors say so; anything else (a bug, a TypeError) is final. */
export function isRetriable(error: unknown): boolean {
  return error instanceof KafkaClientError && error.retriable;
}
