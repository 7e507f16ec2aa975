import { ErrorCode } from '../../protocol/error-codes.js';

/**
 * PRODUCER_FENCED as a request version can carry it: versions before the
 * one that introduced it answer INVALID_PRODUCER_EPOCH, which older clients
 * treat the same way (Kafka's KafkaApis does this per API).
 */
export function fencedForVersion(code: number, apiVersion: number, firstVersionWithFenced: number): number {
  return code === ErrorCode.PRODUCER_FENCED && apiVersion < firstVersionWithFenced ? ErrorCode.INVALID_PRODUCER_EPOCH : code;
}
