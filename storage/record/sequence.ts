import { NO_SEQUENCE } from './record-batch-layout.js';

/**
 * Producer sequence numbers are int32s that wrap from 2^31-1 to 0, as Kafka's
 * (DefaultRecordBatch.incrementSequence): a producer that has sent 2^31
 * records goes on at 0, and its state and snapshots must hold that.
 */
const SEQUENCES = 2 ** 31;

/** `sequence` advanced by `increment` (≥ 0), wrapping past 2^31-1 to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  return (sequence + increment) % SEQUENCES;
}

/** `sequence` moved back by `decrement` (≥ 0), wrapping below 0 to 2^31-1. */
export function decrementSequence(sequence: number, decrement: number): number {
  return (((sequence - decrement) % SEQUENCES) + SEQUENCES) % SEQUENCES;
}

/** The sequence of a batch's last record: its base sequence plus lastOffsetDelta, wrapped; NO_SEQUENCE for a batch without one. */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  return baseSequence === NO_SEQUENCE ? NO_SEQUENCE : incrementSequence(baseSequence, lastOffsetDelta);
}
