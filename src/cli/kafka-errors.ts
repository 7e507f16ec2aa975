// Errors as Kafka's tools report them: an error code's name and the message
// Java's Errors enum gives it, and which failures of an admin call are a
// broker's answer about one item (reported beside that item) rather than a
// failure of the whole command.
import type { Settled } from '../clients/admin/types.js';
import { KafkaApiError, kafkaErrorName } from '../clients/network/errors.js';
import type { ErrorCodeName } from '../protocol/error-codes.js';

/** Kafka's messages for the error codes group administration meets (Java's Errors enum). */
const MESSAGES: Partial<Record<ErrorCodeName, string>> = {
  UNKNOWN_TOPIC_OR_PARTITION: 'This server does not host this topic-partition.',
  COORDINATOR_LOAD_IN_PROGRESS: "The coordinator is loading and hence can't process requests.",
  COORDINATOR_NOT_AVAILABLE: 'The coordinator is not available.',
  NOT_COORDINATOR: 'This is not the correct coordinator.',
  ILLEGAL_GENERATION: 'Specified group generation id is not valid.',
  INVALID_GROUP_ID: 'The configured groupId is invalid.',
  UNKNOWN_MEMBER_ID: 'The coordinator is not aware of this member.',
  REBALANCE_IN_PROGRESS: 'The group is rebalancing, so a rejoin is needed.',
  GROUP_AUTHORIZATION_FAILED: 'Group authorization failed.',
  NON_EMPTY_GROUP: 'The group is not empty.',
  GROUP_ID_NOT_FOUND: 'The group id does not exist.',
  GROUP_SUBSCRIBED_TO_TOPIC: 'The consumer group is actively subscribed to the topic.',
  TOPIC_ALREADY_EXISTS: 'Topic with this name already exists.',
  INVALID_PARTITIONS: 'Number of partitions is below 1.',
  INVALID_REPLICATION_FACTOR: 'Replication factor is below 1 or larger than the number of available brokers.',
  INVALID_REPLICA_ASSIGNMENT: 'Replica assignment is invalid.',
  INVALID_CONFIG: 'Configuration is invalid.',
  INVALID_TOPIC_EXCEPTION: 'The request attempted to perform an operation on an invalid topic.',
  TOPIC_AUTHORIZATION_FAILED: 'Topic authorization failed.',
  CLUSTER_AUTHORIZATION_FAILED: 'Cluster authorization failed.',
  POLICY_VIOLATION: 'Request parameters do not satisfy the configured policy.',
  TOPIC_DELETION_DISABLED: 'Topic deletion is disabled.',
  OFFSET_OUT_OF_RANGE: 'The requested offset is not within the range of offsets maintained by the server.',
  LEADER_NOT_AVAILABLE: 'There is no leader for this topic-partition as we are in the middle of a leadership election.',
  KAFKA_STORAGE_ERROR: 'Disk error when trying to access log file on the disk.',
  RECORD_LIST_TOO_LARGE: 'The request included message batch larger than the configured segment size on the server.',
  MESSAGE_TOO_LARGE: 'The request included a message larger than the max message size the server will accept.',
  NOT_ENOUGH_REPLICAS: 'Messages are rejected since there are fewer in-sync replicas than required.',
  THROTTLING_QUOTA_EXCEEDED: 'The throttling quota has been exceeded.',
};

/** Kafka's description of an error code ("The group is not empty."), or its name. */
export function errorMessage(code: number): string {
  return MESSAGES[kafkaErrorName(code) as ErrorCodeName] ?? kafkaErrorName(code);
}

/**
 * A failure's message as Java's getMessage gives it: for a broker's error
 * the message the broker sent, or Kafka's description of its code, without
 * the code's name samsa's client errors start with.
 */
export function javaMessage(error: unknown): string {
  if (!(error instanceof KafkaApiError)) return error instanceof Error ? error.message : String(error);
  const prefix = `${error.code}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : errorMessage(error.errorCode);
}

/** The message of the exception Java's admin completes a partition's result with: Kafka's description of the broker's code (Errors.exception()). */
export function partitionErrorMessage(error: unknown): string {
  return error instanceof KafkaApiError ? errorMessage(error.errorCode) : javaMessage(error);
}

/** `NAME: message`, as Kafka's tools print an error code. */
export function describeErrorCode(code: number): string {
  return `${kafkaErrorName(code)}: ${errorMessage(code)}`;
}

/**
 * The error code a broker answered an item with, or null when the item
 * succeeded. Any other failure (a timeout, a broken connection) is not
 * about the item: it fails the command, and is thrown.
 */
export function answeredCode(outcome: Settled<unknown>): number | null {
  return outcome.ok ? null : brokerErrorCode(outcome.error);
}

/** The error code of a broker's answer; any other error is thrown, as answeredCode throws it. */
export function brokerErrorCode(error: unknown): number {
  if (error instanceof KafkaApiError) return error.errorCode;
  throw error;
}

/** The item's result, or undefined when a broker answered it with an error (thrown as answeredCode throws). */
export function answeredValue<R>(outcome: Settled<R>): R | undefined {
  return answeredCode(outcome) === null && outcome.ok ? outcome.value : undefined;
}

/** Java exception names that are not the error code's name in camel case. */
const EXCEPTION_NAMES: Partial<Record<ErrorCodeName, string>> = {
  TOPIC_AUTHORIZATION_FAILED: 'TopicAuthorizationException',
  GROUP_AUTHORIZATION_FAILED: 'GroupAuthorizationException',
  CLUSTER_AUTHORIZATION_FAILED: 'ClusterAuthorizationException',
  TOPIC_ALREADY_EXISTS: 'TopicExistsException',
  INVALID_TOPIC_EXCEPTION: 'InvalidTopicException',
  REQUEST_TIMED_OUT: 'TimeoutException',
  UNKNOWN_SERVER_ERROR: 'UnknownServerException',
  INVALID_CONFIG: 'InvalidConfigurationException',
  KAFKA_STORAGE_ERROR: 'KafkaStorageException',
};

/**
 * The Java exception class Kafka's tools name for a failure: for a broker's
 * error code the class Java's Errors enum maps it to
 * (`org.apache.kafka.common.errors.OffsetOutOfRangeException`), else the error's own name.
 */
export function javaExceptionClass(error: unknown): string {
  if (!(error instanceof KafkaApiError)) return error instanceof Error ? error.name : 'Error';
  const code = error.code as ErrorCodeName;
  const camel = code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return `org.apache.kafka.common.errors.${EXCEPTION_NAMES[code] ?? `${camel}Exception`}`;
}
