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
};

/** Kafka's description of an error code ("The group is not empty."), or its name. */
export function errorMessage(code: number): string {
  return MESSAGES[kafkaErrorName(code) as ErrorCodeName] ?? kafkaErrorName(code);
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
