import type { RecordHeaderInput } from '../../../storage/record/record-batch-builder.js';

/** Headers as an object (one value per key) or as a list (Kafka allows repeated keys). */
export type RecordHeaders = Readonly<Record<string, string | Uint8Array | null>> | readonly RecordHeaderInput[];

/** Kafka's ProducerRecord. */
export interface ProducerRecord<K = unknown, V = unknown> {
  readonly topic: string;
  /** Written to this partition when set; otherwise the partitioner chooses. */
  readonly partition?: number;
  readonly key?: K;
  readonly value: V;
  /** CreateTime in ms; defaults to the time of send(). */
  readonly timestamp?: number;
  readonly headers?: RecordHeaders;
}

/** Where an acknowledged record was written (Kafka's RecordMetadata). */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** -1 with acks=0 (the broker does not say). */
  readonly offset: number;
  /** The broker's LogAppendTime when the topic uses it, else the record's CreateTime. */
  readonly timestamp: number;
}

/**
 * Kafka's Callback: the error or null, and the record's metadata, which is always given: after an
 * error it names the topic and partition with offset and timestamp -1, as the Java client's does.
 */
export type SendCallback = (error: Error | null, metadata: RecordMetadata) => void;

export function toHeaderList(headers: RecordHeaders | undefined): readonly RecordHeaderInput[] | undefined {
  if (headers === undefined) return undefined;
  if (Array.isArray(headers)) return headers as readonly RecordHeaderInput[];
  const list: RecordHeaderInput[] = [];
  for (const key of Object.keys(headers)) list.push({ key, value: (headers as Record<string, string | Uint8Array | null>)[key]! });
  return list;
}
