import { SerializationError } from '../network/errors.js';
import type { RecordHeaders } from './producer-record.js';

/**
 * What a serializer produces: bytes, or a string the batch builder writes as
 * UTF-8 straight into the batch (no intermediate Buffer), or null.
 */
export type Serialized = Uint8Array | string | null;

/** Kafka's Serializer: turns a key or value into bytes. */
// biome-ignore lint/suspicious/noExplicitAny: unparameterised, a serializer is whatever a producer was given
export interface Serializer<T = any> {
  serialize(topic: string, data: T, headers?: RecordHeaders): Serialized;
  close?(): void;
}

// biome-ignore lint/suspicious/noExplicitAny: as Serializer
export type SerializerFunction<T = any> = (topic: string, data: T, headers?: RecordHeaders) => Serialized;

/** A serializer setting: a built-in name, a function, or a Serializer object. */
export type SerializerSetting = 'string' | 'bytes' | 'json' | SerializerFunction | Serializer;

function typeOf(data: unknown): string {
  return data === null ? 'null' : Buffer.isBuffer(data) ? 'Buffer' : typeof data === 'object' ? ((data as object).constructor?.name ?? 'object') : typeof data;
}

/** Strings as UTF-8 (Java's StringSerializer); null stays null. */
export const StringSerializer: Serializer<string | null | undefined> = {
  serialize(topic, data) {
    if (data === null || data === undefined) return null;
    if (typeof data !== 'string') throw new SerializationError(`StringSerializer: expected a string for topic ${topic}, got ${typeOf(data)}`);
    return data;
  },
};

/** Bytes as they are (Java's ByteArraySerializer). */
export const BytesSerializer: Serializer<Uint8Array | null | undefined> = {
  serialize(topic, data) {
    if (data === null || data === undefined) return null;
    if (!(data instanceof Uint8Array)) throw new SerializationError(`BytesSerializer: expected a Buffer or Uint8Array for topic ${topic}, got ${typeOf(data)}`);
    return data;
  },
};

/** Any JSON value as its JSON text; null and undefined stay null (a tombstone). */
export const JsonSerializer: Serializer<unknown> = {
  serialize(topic, data) {
    if (data === null || data === undefined) return null;
    try {
      return JSON.stringify(data);
    } catch (e) {
      throw new SerializationError(`JsonSerializer: cannot serialize the value for topic ${topic}: ${(e as Error).message}`, { cause: e });
    }
  },
};

/** The default when none is configured: strings and bytes as they are, anything else refused. */
export const DefaultSerializer: Serializer<string | Uint8Array | null | undefined> = {
  serialize(topic, data) {
    if (data === null || data === undefined) return null;
    if (typeof data === 'string' || data instanceof Uint8Array) return data;
    throw new SerializationError(
      `no serializer configured and the data for topic ${topic} is ${typeOf(data)}, not a string or bytes; set key.serializer / value.serializer (e.g. 'json')`,
    );
  },
};

export function resolveSerializer(setting: SerializerSetting | null): Serializer {
  if (setting === null) return DefaultSerializer;
  if (setting === 'string') return StringSerializer;
  if (setting === 'bytes') return BytesSerializer;
  if (setting === 'json') return JsonSerializer;
  if (typeof setting === 'function') return { serialize: setting };
  return setting;
}

/** The serialized size in bytes (strings measured as UTF-8). */
export function serializedSize(data: Serialized): number {
  if (data === null) return 0;
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
}
