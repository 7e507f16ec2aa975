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
    super(message, { retriable: true, errorCode: 13, cause: options.cause });
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

/**
 * Kafka's error codes by name, as the Java client's `Errors` enum lists them.
 * The broker's own table (src/protocol/error-codes.ts) holds only the codes it sends.
 */
export const KAFKA_ERROR_NAMES: Readonly<Record<number, string>> = {
  [-1]: 'UNKNOWN_SERVER_ERROR', 0: 'NONE', 1: 'OFFSET_OUT_OF_RANGE', 2: 'CORRUPT_MESSAGE', 3: 'UNKNOWN_TOPIC_OR_PARTITION',
  4: 'INVALID_FETCH_SIZE', 5: 'LEADER_NOT_AVAILABLE', 6: 'NOT_LEADER_OR_FOLLOWER', 7: 'REQUEST_TIMED_OUT', 8: 'BROKER_NOT_AVAILABLE',
  9: 'REPLICA_NOT_AVAILABLE', 10: 'MESSAGE_TOO_LARGE', 11: 'STALE_CONTROLLER_EPOCH', 12: 'OFFSET_METADATA_TOO_LARGE', 13: 'NETWORK_EXCEPTION',
  14: 'COORDINATOR_LOAD_IN_PROGRESS', 15: 'COORDINATOR_NOT_AVAILABLE', 16: 'NOT_COORDINATOR', 17: 'INVALID_TOPIC_EXCEPTION',
  18: 'RECORD_LIST_TOO_LARGE', 19: 'NOT_ENOUGH_REPLICAS', 20: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', 21: 'INVALID_REQUIRED_ACKS',
  22: 'ILLEGAL_GENERATION', 23: 'INCONSISTENT_GROUP_PROTOCOL', 24: 'INVALID_GROUP_ID', 25: 'UNKNOWN_MEMBER_ID', 26: 'INVALID_SESSION_TIMEOUT',
  27: 'REBALANCE_IN_PROGRESS', 28: 'INVALID_COMMIT_OFFSET_SIZE', 29: 'TOPIC_AUTHORIZATION_FAILED', 30: 'GROUP_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED', 32: 'INVALID_TIMESTAMP', 33: 'UNSUPPORTED_SASL_MECHANISM', 34: 'ILLEGAL_SASL_STATE',
  35: 'UNSUPPORTED_VERSION', 36: 'TOPIC_ALREADY_EXISTS', 37: 'INVALID_PARTITIONS', 38: 'INVALID_REPLICATION_FACTOR',
  39: 'INVALID_REPLICA_ASSIGNMENT', 40: 'INVALID_CONFIG', 41: 'NOT_CONTROLLER', 42: 'INVALID_REQUEST', 43: 'UNSUPPORTED_FOR_MESSAGE_FORMAT',
  44: 'POLICY_VIOLATION', 45: 'OUT_OF_ORDER_SEQUENCE_NUMBER', 46: 'DUPLICATE_SEQUENCE_NUMBER', 47: 'INVALID_PRODUCER_EPOCH',
  48: 'INVALID_TXN_STATE', 49: 'INVALID_PRODUCER_ID_MAPPING', 50: 'INVALID_TRANSACTION_TIMEOUT', 51: 'CONCURRENT_TRANSACTIONS',
  52: 'TRANSACTION_COORDINATOR_FENCED', 53: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 54: 'SECURITY_DISABLED', 55: 'OPERATION_NOT_ATTEMPTED',
  56: 'KAFKA_STORAGE_ERROR', 57: 'LOG_DIR_NOT_FOUND', 58: 'SASL_AUTHENTICATION_FAILED', 59: 'UNKNOWN_PRODUCER_ID',
  60: 'REASSIGNMENT_IN_PROGRESS', 61: 'DELEGATION_TOKEN_AUTH_DISABLED', 62: 'DELEGATION_TOKEN_NOT_FOUND', 63: 'DELEGATION_TOKEN_OWNER_MISMATCH',
  64: 'DELEGATION_TOKEN_REQUEST_NOT_ALLOWED', 65: 'DELEGATION_TOKEN_AUTHORIZATION_FAILED', 66: 'DELEGATION_TOKEN_EXPIRED',
  67: 'INVALID_PRINCIPAL_TYPE', 68: 'NON_EMPTY_GROUP', 69: 'GROUP_ID_NOT_FOUND', 70: 'FETCH_SESSION_ID_NOT_FOUND',
  71: 'INVALID_FETCH_SESSION_EPOCH', 72: 'LISTENER_NOT_FOUND', 73: 'TOPIC_DELETION_DISABLED', 74: 'FENCED_LEADER_EPOCH',
  75: 'UNKNOWN_LEADER_EPOCH', 76: 'UNSUPPORTED_COMPRESSION_TYPE', 77: 'STALE_BROKER_EPOCH', 78: 'OFFSET_NOT_AVAILABLE',
  79: 'MEMBER_ID_REQUIRED', 80: 'PREFERRED_LEADER_NOT_AVAILABLE', 81: 'GROUP_MAX_SIZE_REACHED', 82: 'FENCED_INSTANCE_ID',
  83: 'ELIGIBLE_LEADERS_NOT_AVAILABLE', 84: 'ELECTION_NOT_NEEDED', 85: 'NO_REASSIGNMENT_IN_PROGRESS', 86: 'GROUP_SUBSCRIBED_TO_TOPIC',
  87: 'INVALID_RECORD', 88: 'UNSTABLE_OFFSET_COMMIT', 89: 'THROTTLING_QUOTA_EXCEEDED', 90: 'PRODUCER_FENCED', 91: 'RESOURCE_NOT_FOUND',
  92: 'DUPLICATE_RESOURCE', 93: 'UNACCEPTABLE_CREDENTIAL', 94: 'INCONSISTENT_VOTER_SET', 95: 'INVALID_UPDATE_VERSION',
  96: 'FEATURE_UPDATE_FAILED', 97: 'PRINCIPAL_DESERIALIZATION_FAILURE', 98: 'SNAPSHOT_NOT_FOUND', 99: 'POSITION_OUT_OF_RANGE',
  100: 'UNKNOWN_TOPIC_ID', 101: 'DUPLICATE_BROKER_REGISTRATION', 102: 'BROKER_ID_NOT_REGISTERED', 103: 'INCONSISTENT_TOPIC_ID',
  104: 'INCONSISTENT_CLUSTER_ID', 105: 'TRANSACTIONAL_ID_NOT_FOUND', 106: 'FETCH_SESSION_TOPIC_ID_ERROR', 107: 'INELIGIBLE_REPLICA',
  108: 'NEW_LEADER_ELECTED', 109: 'OFFSET_MOVED_TO_TIERED_STORAGE', 110: 'FENCED_MEMBER_EPOCH', 111: 'UNRELEASED_INSTANCE_ID',
  112: 'UNSUPPORTED_ASSIGNOR', 113: 'STALE_MEMBER_EPOCH',
};

/** Kafka's name for an error code. */
export function kafkaErrorName(code: number): string {
  return KAFKA_ERROR_NAMES[code] ?? `ERROR_${code}`;
}

/**
 * Codes whose exceptions are InvalidMetadataException in the Java client:
 * the client's view of leaders is stale, so metadata is refreshed before a retry.
 */
const INVALID_METADATA = new Set([3, 5, 6, 9, 56, 72, 74, 80, 83, 100, 103]);

/** Codes whose exceptions are RetriableException in the Java client (the invalid-metadata ones included). */
const RETRIABLE = new Set([...INVALID_METADATA, 2, 7, 13, 14, 15, 16, 19, 20, 41, 70, 71, 75, 78, 88, 89, 106]);

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

export class UnknownServerError extends KafkaApiError { constructor(message?: string | null) { super(-1, message); } }
export class OffsetOutOfRangeError extends KafkaApiError { constructor(message?: string | null) { super(1, message); } }
export class CorruptMessageError extends KafkaApiError { constructor(message?: string | null) { super(2, message); } }
export class UnknownTopicOrPartitionError extends KafkaApiError { constructor(message?: string | null) { super(3, message); } }
export class LeaderNotAvailableError extends KafkaApiError { constructor(message?: string | null) { super(5, message); } }
export class NotLeaderOrFollowerError extends KafkaApiError { constructor(message?: string | null) { super(6, message); } }
export class RequestTimedOutError extends KafkaApiError { constructor(message?: string | null) { super(7, message); } }
/** MESSAGE_TOO_LARGE: a record or batch is bigger than the topic's max.message.bytes (Java's RecordTooLargeException). */
export class RecordTooLargeError extends KafkaApiError { constructor(message?: string | null) { super(10, message); } }
export class CoordinatorLoadInProgressError extends KafkaApiError { constructor(message?: string | null) { super(14, message); } }
export class CoordinatorNotAvailableError extends KafkaApiError { constructor(message?: string | null) { super(15, message); } }
export class NotCoordinatorError extends KafkaApiError { constructor(message?: string | null) { super(16, message); } }
export class InvalidTopicError extends KafkaApiError { constructor(message?: string | null) { super(17, message); } }
export class RecordBatchTooLargeError extends KafkaApiError { constructor(message?: string | null) { super(18, message); } }
export class NotEnoughReplicasError extends KafkaApiError { constructor(message?: string | null) { super(19, message); } }
export class NotEnoughReplicasAfterAppendError extends KafkaApiError { constructor(message?: string | null) { super(20, message); } }
export class IllegalGenerationError extends KafkaApiError { constructor(message?: string | null) { super(22, message); } }
export class UnknownMemberIdError extends KafkaApiError { constructor(message?: string | null) { super(25, message); } }
export class RebalanceInProgressError extends KafkaApiError { constructor(message?: string | null) { super(27, message); } }
export class TopicAuthorizationError extends KafkaApiError { constructor(message?: string | null) { super(29, message); } }
export class GroupAuthorizationError extends KafkaApiError { constructor(message?: string | null) { super(30, message); } }
export class ClusterAuthorizationError extends KafkaApiError { constructor(message?: string | null) { super(31, message); } }
export class InvalidTimestampError extends KafkaApiError { constructor(message?: string | null) { super(32, message); } }
export class UnsupportedVersionError extends KafkaApiError { constructor(message?: string | null) { super(35, message); } }
export class TopicAlreadyExistsError extends KafkaApiError { constructor(message?: string | null) { super(36, message); } }
export class InvalidPartitionsError extends KafkaApiError { constructor(message?: string | null) { super(37, message); } }
export class InvalidReplicationFactorError extends KafkaApiError { constructor(message?: string | null) { super(38, message); } }
export class InvalidConfigError extends KafkaApiError { constructor(message?: string | null) { super(40, message); } }
export class NotControllerError extends KafkaApiError { constructor(message?: string | null) { super(41, message); } }
export class InvalidRequestError extends KafkaApiError { constructor(message?: string | null) { super(42, message); } }
export class PolicyViolationError extends KafkaApiError { constructor(message?: string | null) { super(44, message); } }
export class KafkaStorageError extends KafkaApiError { constructor(message?: string | null) { super(56, message); } }
export class NonEmptyGroupError extends KafkaApiError { constructor(message?: string | null) { super(68, message); } }
export class GroupIdNotFoundError extends KafkaApiError { constructor(message?: string | null) { super(69, message); } }
export class TopicDeletionDisabledError extends KafkaApiError { constructor(message?: string | null) { super(73, message); } }
export class MemberIdRequiredError extends KafkaApiError { constructor(message?: string | null) { super(79, message); } }
export class FencedInstanceIdError extends KafkaApiError { constructor(message?: string | null) { super(82, message); } }
export class InvalidRecordError extends KafkaApiError { constructor(message?: string | null) { super(87, message); } }
export class ResourceNotFoundError extends KafkaApiError { constructor(message?: string | null) { super(91, message); } }
export class UnknownTopicIdError extends KafkaApiError { constructor(message?: string | null) { super(100, message); } }

const BY_CODE = new Map<number, new (message?: string | null) => KafkaApiError>([
  [-1, UnknownServerError], [1, OffsetOutOfRangeError], [2, CorruptMessageError], [3, UnknownTopicOrPartitionError],
  [5, LeaderNotAvailableError], [6, NotLeaderOrFollowerError], [7, RequestTimedOutError], [10, RecordTooLargeError],
  [14, CoordinatorLoadInProgressError], [15, CoordinatorNotAvailableError], [16, NotCoordinatorError], [17, InvalidTopicError],
  [18, RecordBatchTooLargeError], [19, NotEnoughReplicasError], [20, NotEnoughReplicasAfterAppendError], [22, IllegalGenerationError],
  [25, UnknownMemberIdError], [27, RebalanceInProgressError], [29, TopicAuthorizationError], [30, GroupAuthorizationError],
  [31, ClusterAuthorizationError], [32, InvalidTimestampError], [35, UnsupportedVersionError], [36, TopicAlreadyExistsError],
  [37, InvalidPartitionsError], [38, InvalidReplicationFactorError], [40, InvalidConfigError], [41, NotControllerError],
  [42, InvalidRequestError], [44, PolicyViolationError], [56, KafkaStorageError], [68, NonEmptyGroupError], [69, GroupIdNotFoundError],
  [73, TopicDeletionDisabledError], [79, MemberIdRequiredError], [82, FencedInstanceIdError], [87, InvalidRecordError],
  [91, ResourceNotFoundError], [100, UnknownTopicIdError],
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
